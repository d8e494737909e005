// Test and bench support: "hosts" on one machine. Each host is a Linux network namespace with
// its own address on a bridge that lives in a namespace of its own, so no traffic
// touches the machine's own network. Needs root (`ip netns`); `netnsAvailable()` says
// whether this run can make them (CI runs as root and must; see docs/multihost.md).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** One host: its namespace, its address and its interface (to cut its link). */
export interface NetHost {
  name: string;
  ns: string;
  addr: string;
  /** the host's end of its veth pair, inside its namespace */
  dev: string;
}

/** A set of hosts on one bridge. */
export interface NetLab {
  hosts: Record<string, NetHost>;
  /** Run `argv` inside `host`'s namespace (stdin, stdout and stderr piped). */
  spawnIn(host: string, argv: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /** Take a host's link down (a cable pulled) or bring it back up. */
  setLink(host: string, up: boolean): void;
  /** The pids of every process in `host`'s namespace. */
  pidsIn(host: string): number[];
  /** Remove every namespace (their processes are killed first). */
  destroy(): Promise<void>;
}

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

/** Whether this process can create network namespaces (root with `ip netns`). */
export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    const probe = `furrow-probe-${process.pid}`;
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return true;
  } catch {
    return false;
  }
}

/** Make hosts `names` (addresses 10.77.<subnet>.1, .2, ...) on a fresh bridge. */
export function makeLab(names: string[], subnet = 77): NetLab {
  const tag = `${process.pid % 100000}`;
  const sw = `fsw${tag}`;
  ip('netns', 'add', sw);
  ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', sw, 'link', 'set', 'br0', 'up');
  const hosts: Record<string, NetHost> = {};
  names.forEach((name, i) => {
    const ns = `fh${tag}${name}`;
    const addr = `10.${subnet}.0.${i + 1}`;
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    // the pair is made in the host's namespace; its switch end moves to the bridge's
    ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p${name}`);
    ip('-n', ns, 'link', 'set', `p${name}`, 'netns', sw);
    ip('-n', sw, 'link', 'set', `p${name}`, 'master', 'br0');
    ip('-n', sw, 'link', 'set', `p${name}`, 'up');
    ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    hosts[name] = { name, ns, addr, dev: 'eth0' };
  });
  const lab: NetLab = {
    hosts,
    spawnIn(host, argv, env = process.env) {
      return spawn('ip', ['netns', 'exec', hosts[host]!.ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], env });
    },
    setLink(host, up) {
      ip('-n', hosts[host]!.ns, 'link', 'set', hosts[host]!.dev, up ? 'up' : 'down');
    },
    pidsIn(host) {
      return ip('netns', 'pids', hosts[host]!.ns)
        .split('\n')
        .filter(Boolean)
        .map(Number);
    },
    async destroy() {
      for (const h of Object.values(hosts)) {
        for (const pid of lab.pidsIn(h.name)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone already */
          }
        }
        ip('netns', 'del', h.ns);
      }
      ip('netns', 'del', sw);
    },
  };
  return lab;
}

/** Collect a child's stdout lines; `waitLine(re)` resolves with the first line matching. */
export function lines(child: ChildProcess): { all: string[]; waitLine(re: RegExp): Promise<string> } {
  const all: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      all.push(line);
      for (const w of waiters.splice(0)) {
        if (w.re.test(line)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  return {
    all,
    waitLine(re) {
      const seen = all.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        child.once('exit', (code, sig) => reject(new Error(`exited (${code ?? sig}) before a line matching ${re}; output:\n${all.join('\n')}`)));
      });
    },
  };
}

/** Wait for a child to exit; returns its status. */
export async function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  return { code, signal };
}
