#!/usr/bin/env node
// The `furrow` command. `furrow tree <pid | socket path>` attaches to a running
// furrow process of this user (its root's pid, or any actor's socket file) and
// draws its supervision tree, states in colour on a terminal; `--watch` redraws
// it every second (or every `--watch=MS`), `--json` prints the tree as JSON.
// `furrow agent --host NAME` runs this host's agent for trees that span hosts, and
// `furrow key` prints a fresh pre-shared key line for them (docs/multihost.md).
import { parseArgs } from 'node:util';
import { fetchTree, renderTree, type AttachTarget } from '../src/index.ts';
import { formatPskFile, newPskCredential } from '../src/spawn.ts';

const USAGE = `usage: furrow tree <pid | socket path> [--watch[=MS]] [--json] [--no-color]
       furrow agent --host NAME [--addr ADDRESS] [--nats URL] [--key-file FILE]
       furrow key [IDENTITY]

  Draws the live supervision tree of a furrow process you own: every actor with
  its pid, backend, state (starting, running, cancelling, exiting), running tasks
  and open contexts. By pid, the process's root actor is asked; a socket path
  (an actor's file in the runtime directory) asks that actor for its subtree.

  --watch[=MS]  redraw every MS milliseconds (default 1000) until Ctrl-C
  --json        print the tree as JSON instead
  --no-color    no colours (the default when stdout is not a terminal)

  agent: starts actors on this host for parents on other hosts, until SIGINT or
  SIGTERM (which stop its actors first). --host names this host (as parents give
  it in startActor(name, { backend: 'remote', host })); --addr is the address
  other hosts reach this one at (FURROW_HOST_ADDR; needed for trees that joined
  a cluster); --nats defaults to FURROW_NATS, --key-file to FURROW_PSK_FILE.

  key: prints '<identity>:<64 hex digits>', a new pre-shared key line; save it in a
  file only you can read (chmod 600) on every host.
`;

/** Exit with a message on stderr (status 2: bad usage, 1: the tree could not be had). */
function fail(message: string, status: number): never {
  process.stderr.write(`furrow: ${message}\n`);
  process.exit(status);
}

function parseTarget(arg: string | undefined): AttachTarget {
  if (arg === undefined) fail(`tree needs a pid or a socket path\n${USAGE}`, 2);
  if (/^\d+$/.test(arg)) return { pid: Number(arg) };
  if (arg.includes('/')) return { path: arg };
  fail(`'${arg}' is neither a pid nor a socket path\n${USAGE}`, 2);
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      // a bare `--watch` takes the default period (it would take the next argument as its value)
      args: argv.map((a) => (a === '--watch' ? '--watch=1000' : a)),
      allowPositionals: true,
      options: {
        watch: { type: 'string' },
        json: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        host: { type: 'string' },
        nats: { type: 'string' },
        'key-file': { type: 'string' },
        addr: { type: 'string' },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const [command, arg, ...rest] = positionals;
  if (command === 'key') {
    process.stdout.write(formatPskFile(newPskCredential(arg)));
    return;
  }
  if (command === 'agent') return runAgent(values);
  if (command !== 'tree') fail(command === undefined ? USAGE : `unknown command '${command}'\n${USAGE}`, 2);
  if (rest.length) fail(`unexpected arguments: ${rest.join(' ')}`, 2);
  const target = parseTarget(arg);
  const watchMs = values.watch === undefined ? undefined : Number(values.watch);
  if (watchMs !== undefined && !(watchMs >= 50)) fail(`--watch wants a period of at least 50 ms (got '${values.watch}')`, 2);
  const color = !values['no-color'] && process.stdout.isTTY === true;
  const draw = async (): Promise<string> => {
    const node = await fetchTree(target);
    return values.json ? JSON.stringify(node, null, 2) + '\n' : renderTree(node, { color });
  };
  if (watchMs === undefined) {
    process.stdout.write(await draw().catch((err) => fail((err as Error).message, 1)));
    return;
  }
  for (;;) {
    const text = await draw().catch((err) => fail((err as Error).message, 1));
    // home, clear the screen, draw: one frame per period
    process.stdout.write(`\x1b[H\x1b[2J${new Date().toISOString().slice(11, 19)} furrow tree ${arg} (every ${watchMs} ms, Ctrl-C to stop)\n${text}`);
    await new Promise((r) => setTimeout(r, watchMs));
  }
}

/** `furrow agent`: run this host's agent until SIGINT or SIGTERM. */
async function runAgent(values: { host?: string; nats?: string; 'key-file'?: string; addr?: string }): Promise<void> {
  if (!values.host) fail(`agent needs --host NAME\n${USAGE}`, 2);
  const { startAgent } = await import('../bridges/hosts/index.ts');
  const onNats = (state: 'lost' | 'back'): void => void process.stdout.write(`furrow agent '${values.host}' ${state === 'lost' ? 'lost NATS' : 'back on NATS'}\n`);
  const agent = await startAgent({ host: values.host, nats: values.nats, keyFile: values['key-file'], hostAddr: values.addr, onNats }).catch((err) => fail((err as Error).message, 1));
  process.stdout.write(`furrow agent '${agent.host}' ready (pid ${process.pid})\n`);
  const stop = (): void => {
    void agent.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// a reader that went away (`furrow tree 42 | head`) ends the command, quietly
process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
await main(process.argv.slice(2));
