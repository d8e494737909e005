// The actor: one per process (or worker thread). It listens on a Unix socket,
// keeps its connections (parent, children, peers), serves every dialog they open
// (the RPC server: only exports of enabled modules, plus the runtime's own
// namespace), hosts the registrar when it is the root, and cancels everything it
// runs when asked to (`cancelActor`) or when its parent goes away.
import { log, openNursery, type Nursery } from '../core/index.ts';
import { setLogIdentity } from '../core/log.ts';
import { connectUds, listenUds, openConnection, TransportError, type Address, type Connection, type Listener, type Transport, type Uid } from '../ipc/index.ts';
import { ignore } from '../core/ignore.ts';
import { loadModule } from './modules.ts';
import { Portal, RUNTIME_NS } from './portal.ts';
import { Registrar, type RegistryEntry } from './registry.ts';
import { ModuleNotEnabledError, serveDialog, type RpcTask } from './rpc.ts';
import { killTree } from './spawn/kill-tree.ts';
import { registryBackend } from './registry-backend.ts';
import { forwardPause, type PauseRequest } from './debug/relay.ts';
import { describeTree } from './tree-describe.ts';

/** Options of an actor's runtime. */
export interface ActorInit {
  name: string;
  uuid?: string;
  isRoot: boolean;
  parentUid?: Uid | null;
  registryAddr?: Address | null;
  /** free-form settings handed down from the parent */
  runtimeVars?: Record<string, unknown>;
  /** post-mortem debugging, from the parent's nursery (`debugMode`) */
  debugMode?: boolean;
}

/**
 * How many accepted connections may be waiting for their handshake at once; one
 * more is closed at once, so silent or slow clients cannot pile up file
 * descriptors (each waits at most the handshake timeout, 10 s).
 */
export const MAX_PENDING_HANDSHAKES = 64;

/**
 * Connection options shared by every actor link: no heartbeat (a busy actor is not a
 * dead one; exits and EOFs are seen at once). A peer on this host is watched through
 * /proc instead: stopped for 5 s, or gone, and its calls fail (src/ipc/peer-liveness.ts).
 */
export const LINK_OPTIONS = { heartbeatMs: 0 } as const;

/**
 * Options of a link to another host (TCP), where no /proc can be read: a `Ping` every
 * second, and a peer silent for 5 s is gone (its calls reject, its link closes). A
 * remote actor whose event loop is blocked that long counts as gone too (docs/multihost.md).
 */
export const REMOTE_LINK_OPTIONS = { heartbeatMs: 1000, heartbeatTimeoutMs: 5000 } as const;

/** The link options for a transport: heartbeats across hosts, the /proc watch on this one. */
export function linkOptionsFor(t: Transport): typeof LINK_OPTIONS | typeof REMOTE_LINK_OPTIONS {
  return t.kind === 'tcp' ? REMOTE_LINK_OPTIONS : LINK_OPTIONS;
}

let current: Actor | undefined;

/** The actor this code runs in. Throws outside any actor (open an actor nursery first). */
export function currentActor(): Actor {
  if (!current) throw new Error('no actor runtime here: call this inside openActorNursery() or in an actor');
  return current;
}

/** @internal Forget `actor` as the current one (the root stopped). */
export function _clearCurrent(actor: Actor): void {
  if (current === actor) current = undefined;
}

/** @internal The current actor, if any. */
export function maybeCurrentActor(): Actor | undefined {
  return current;
}

type RuntimeFn = (actor: Actor, conn: Connection, ...args: any[]) => unknown;

/**
 * The runtime's own functions, called over `furrow:runtime`. Looked up as own
 * properties only: a peer naming `constructor`, `toString` or `__proto__` finds
 * nothing, never a function inherited from `Object.prototype`.
 */
const runtimeFns: Record<string, RuntimeFn> = {
  ready: (a) => {
    if (a.loadError) throw a.loadError.err;
    // after the answer has gone out: nothing here may delay a spawn
    if (a.afterReady) setImmediate(a.afterReady);
    return readyInfo(a);
  },
  cancel: (a, conn) => {
    setImmediate(() => a.cancel(conn.peerUid, `cancelActor() from '${conn.peer.name}'`));
    return true;
  },
  register: (a, conn, uid: Uid, addr: Address) => a._registrar().register(uid, addr, conn),
  unregister: (a, _c, uuid: string) => a._registrar().unregister(uuid),
  find: (a, _c, name: string) => a._registrar().find(name),
  list: (a) => a._registrar().list(),
  tree: (a, _c, budgetMs?: number) => describeTree(a, typeof budgetMs === 'number' && budgetMs > 0 ? budgetMs : undefined),
  waitFor: (a, _c, name: string) => a._registrar().waitFor(name),
  // a descendant paused (debug/pause.ts): take it to the root's terminal, or on up
  debugAttach: (a, _c, req: PauseRequest) => forwardPause(a, req),
};

/** An actor: this process's (or thread's) place in the tree. See {@link currentActor}. */
export class Actor {
  readonly name: string;
  readonly uuid: string;
  readonly isRoot: boolean;
  /** the parent's uid (null in the root) */
  readonly parentUid: Uid | null;
  /** where the registrar is (null in the root, which hosts it) */
  readonly registryAddr: Address | null;
  readonly runtimeVars: Record<string, unknown>;
  /** a failing task opens a crash REPL here first (`ActorNurseryOptions.debugMode`) */
  readonly debugMode: boolean;
  /** where this actor listens (set once it runs) */
  addr!: Address;
  /** the registrar's table, in the root */
  readonly registrar: Registrar | undefined;
  /** the link to the parent (in a child) */
  parentConn: Connection | null = null;
  /** who cancelled this actor, once it is cancelled */
  cancelledBy: Uid | null = null;
  cancelReason: string | null = null;
  /** OS pids of child processes still running (killed outright if this process is told to die) */
  readonly childPids = new Set<number>();
  /** @internal Work a child starts once it has answered `ready` (its orphan watchdog). */
  afterReady: (() => void) | undefined;
  /** a failure while loading the enabled modules (a child answers `ready` with it) */
  loadError: { err: unknown } | null = null;
  /** @internal */ _tasks = new Set<RpcTask>();
  #enabled = new Map<string, Record<string, unknown>>();
  #service: Nursery | undefined;
  #conns = new Set<Connection>();
  #pending = new Map<string, (c: Connection) => void>();
  #peers = new Map<string, Promise<Connection>>();
  #onCancel: (() => void)[] = [];
  #atStop: (() => void)[] = [];
  /** accepted connections whose handshake is not done yet */
  #handshaking = 0;

  constructor(init: ActorInit) {
    this.name = init.name;
    this.uuid = init.uuid ?? process.getBuiltinModule('node:crypto').randomUUID();
    this.isRoot = init.isRoot;
    this.parentUid = init.parentUid ?? null;
    this.registryAddr = init.registryAddr ?? null;
    this.runtimeVars = init.runtimeVars ?? {};
    this.debugMode = init.debugMode ?? false;
    this.registrar = init.isRoot ? new Registrar() : undefined;
  }

  /** `[name, uuid]`. */
  get uid(): Uid {
    return [this.name, this.uuid];
  }

  /** This actor's OS pid. */
  get pid(): number {
    return process.pid;
  }

  /** The modules whose exports this actor serves. */
  get enabledModules(): string[] {
    return [...this.#enabled.keys()];
  }

  /** True once this actor was cancelled. */
  get cancelled(): boolean {
    return this.cancelledBy !== null;
  }

  /** Import a (normalised) module and serve its exports. Rejects with its import error. */
  async enable(ns: string): Promise<void> {
    this.#enabled.set(ns, await loadModule(ns));
  }

  /**
   * Run the actor: listen, serve, run `main`, then cancel what still runs and close
   * every connection. `main` ends the actor by returning; `cancel()` makes it end.
   */
  async run(main: () => Promise<void>): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the module remembers which actor runs in this process
    current = this;
    setLogIdentity({ name: this.name, uuid: this.uuid, pid: process.pid });
    const listener = await listenUds({ name: this.name });
    this.addr = listener.address;
    try {
      await openNursery(
        async (n) => {
          this.#service = n;
          n.cancelScope.label = 'runtime';
          listener.onTransport = (t) => n.startSoon(() => this.#accept(t));
          await main();
          n.cancel('actor finished');
        },
        { name: `actor '${this.name}'` },
      );
    } finally {
      for (const c of this.#conns) c.close();
      for (const p of this.#peers.values()) p.then((c) => c.close(), ignore('a peer connection that never opened has nothing to close'));
      this.parentConn?.close();
      // accepted connections were closed (flushed) above; the socket file goes now,
      // and the server closes once the peers hang up: no need to wait for that
      void listener.close();
      for (const f of this.#atStop.splice(0)) f();
    }
  }

  /** @internal Call `f` once this actor has stopped (its extra listeners close, a registry backend withdraws its entry). */
  atStop(f: () => void): void {
    this.#atStop.push(f);
  }

  /**
   * @internal Serve the peers of one more listener (a TLS-PSK listener for children
   * and peers on other hosts); it is closed when the actor stops. Call while it runs.
   */
  acceptFrom(listener: Listener): void {
    const n = this.#service;
    if (!n) throw new Error(`actor '${this.name}' is not running`);
    this.atStop(() => void listener.close());
    listener.onTransport = (t) => n.startSoon(() => this.#accept(t));
  }

  /** Cancel everything this actor runs (its RPC tasks and actor nurseries); the actor then exits. */
  cancel(by: Uid | null = null, reason = 'actor cancelled'): void {
    if (this.cancelledBy === null) {
      this.cancelledBy = by ?? this.uid;
      this.cancelReason = reason;
      log.info("actor cancelled by '%s' [%s]: %s", this.cancelledBy[0], this.cancelledBy[1].slice(0, 8), reason);
    }
    for (const t of this._tasks) t.cancel(this.cancelledBy, reason);
    for (const f of this.#onCancel.splice(0)) f();
    this.#service?.cancel(reason);
  }

  /** SIGKILL every child process of this actor, each with its whole subtree (the last resort of a teardown). */
  killChildren(): void {
    for (const pid of this.childPids) killTree(pid);
  }

  /** @internal Cancel the actor nurseries running here, but keep serving (the root on Ctrl-C). */
  _interrupt(reason: string): void {
    this.cancelReason ??= reason;
    for (const f of this.#onCancel.splice(0)) f();
  }

  /** @internal Call `f` when the actor is cancelled (the root's actor nurseries use it). */
  _onCancel(f: () => void): () => void {
    this.#onCancel.push(f);
    return () => {
      const i = this.#onCancel.indexOf(f);
      if (i >= 0) this.#onCancel.splice(i, 1);
    };
  }

  /** @internal The function a `Start` names. Throws `ModuleNotEnabledError` for anything not served. */
  resolve(ns: string, func: string, conn: Connection): (...args: unknown[]) => unknown {
    if (ns === RUNTIME_NS) {
      const f = Object.hasOwn(runtimeFns, func) ? runtimeFns[func] : undefined;
      if (!f) throw new ModuleNotEnabledError(`the runtime has no function '${func}'`);
      return (...args) => f(this, conn, ...args);
    }
    const mod = this.#enabled.get(ns);
    if (!mod) {
      const list = this.enabledModules.join(', ') || 'none';
      throw new ModuleNotEnabledError(`module '${ns}' is not enabled in actor '${this.name}' (enabled: ${list})`);
    }
    const fn = mod[func];
    if (typeof fn !== 'function') throw new ModuleNotEnabledError(`module '${ns}' has no exported function '${func}' (in actor '${this.name}')`);
    return fn as (...args: unknown[]) => unknown;
  }

  /** @internal Serve the dialogs of `conn` in the service nursery; `kind` decides what its end means. */
  serveSoon(conn: Connection, kind: 'parent' | 'child' | 'peer'): void {
    this.#service!.startSoon(() => this.#serve(conn, kind), `serve ${kind} ${conn.peer.name}`);
  }

  /** @internal Wait for the child with this uuid to connect back. */
  expectChild(uuid: string): { connected: Promise<Connection>; forget(): void } {
    let resolve!: (c: Connection) => void;
    const connected = new Promise<Connection>((r) => (resolve = r));
    this.#pending.set(uuid, resolve);
    return { connected, forget: () => this.#pending.delete(uuid) };
  }

  /** @internal A connection to the actor at `addr` (one per address, reused). */
  async connect(addr: Address): Promise<Connection> {
    const backend = registryBackend();
    if (addr.kind !== 'uds' && !backend) throw new Error(`a ${addr.kind} address needs a registry backend to dial it (furrow/hosts)`);
    const key = addr.kind === 'uds' ? addr.path : `${addr.host}:${addr.port}`;
    let p = this.#peers.get(key);
    if (p) {
      const c = await p.catch(ignore('the earlier attempt to connect failed: try again'));
      if (c && !c.closed) return c;
    }
    p = (async () => {
      const t = addr.kind === 'uds' ? await connectUds(addr.path) : await backend!.dial(addr);
      const c = await openConnection(t, { name: this.name, uuid: this.uuid, ...linkOptionsFor(t) });
      this.serveSoon(c, 'peer');
      return c;
    })();
    this.#peers.set(key, p);
    p.catch(() => this.#peers.delete(key));
    return p;
  }

  /** @internal The registrar here (root only). */
  _registrar(): Registrar {
    if (!this.registrar) throw new Error(`actor '${this.name}' is not the registrar`);
    return this.registrar;
  }

  /**
   * @internal Call a registrar function: on the registry backend if one is installed
   * (registry-backend.ts), else locally in the root, over a connection elsewhere.
   */
  async registrarCall(func: 'register' | 'unregister' | 'find' | 'list' | 'waitFor', ...args: unknown[]): Promise<unknown> {
    const backend = registryBackend();
    if (backend) {
      if (func === 'register') return backend.register(this);
      // entries go when their actor stops or its host goes silent: nothing to remove by hand
      if (func === 'unregister') return false;
      return backend[func](args[0] as string);
    }
    if (this.registrar) {
      if (func === 'register') return this.registrar.register(args[0] as Uid, args[1] as Address, null);
      return (runtimeFns[func] as RuntimeFn)(this, null as unknown as Connection, ...args);
    }
    if (!this.registryAddr) throw new Error('no registrar address known to this actor');
    const conn =
      this.parentConn && !this.parentConn.closed && sameAddr(this.registryAddr, this._parentAddr) ? this.parentConn : await this.connect(this.registryAddr);
    return new Portal(conn).runFromNs(RUNTIME_NS, func, ...args);
  }

  /** @internal the parent's address (in a child) */
  _parentAddr: Address | null = null;

  /** Registry entries for `name` (helper for discovery). */
  async lookup(name: string): Promise<RegistryEntry[]> {
    return (await this.registrarCall('find', name)) as RegistryEntry[];
  }

  async #accept(t: Transport): Promise<void> {
    if (this.#handshaking >= MAX_PENDING_HANDSHAKES) {
      t.destroy(new TransportError('handshake', `refused: ${MAX_PENDING_HANDSHAKES} connections are already waiting for their handshake`));
      return;
    }
    this.#handshaking++;
    let conn: Connection;
    try {
      conn = await openConnection(t, { name: this.name, uuid: this.uuid, ...linkOptionsFor(t) });
    } catch (err) {
      ignore('a peer that did not complete its handshake: that connection ends, nothing else')(err);
      return;
    } finally {
      this.#handshaking--;
    }
    const claim = this.#pending.get(conn.peer.uuid);
    if (claim) {
      this.#pending.delete(conn.peer.uuid);
      claim(conn);
      return;
    }
    await this.#serve(conn, 'peer');
  }

  async #serve(conn: Connection, kind: 'parent' | 'child' | 'peer'): Promise<void> {
    this.#conns.add(conn);
    log.transport("%s link to '%s' open (%s)", kind, conn.peer.name, conn.transport.description);
    const n = this.#service!;
    try {
      for (;;) {
        const d = await conn.acceptDialog();
        n.startSoon(() => serveDialog(this, conn, d));
      }
    } catch (err) {
      ignore('the connection ended, or the actor is being cancelled: what follows handles both')(err);
    } finally {
      if (conn.closed) this.#conns.delete(conn); // one still open (the actor is stopping) is closed by run()
      log.transport("%s link to '%s' %s%s", kind, conn.peer.name, conn.closed ? 'closed' : 'no longer served', conn.error ? `: ${conn.error.message}` : '');
      if (conn.closed) {
        this.registrar?.dropConnection(conn);
        for (const t of this._tasks) if (t.conn === conn) t.cancel(conn.peerUid, 'connection lost');
        if (kind === 'parent') this.cancel(this.parentUid, 'parent connection lost');
      }
    }
  }
}

function readyInfo(a: Actor): { pid: number; addr: Address; uid: Uid } {
  return { pid: process.pid, addr: a.addr, uid: a.uid };
}

/** Whether two addresses name the same listener. */
export function sameAddr(a: Address | null, b: Address | null): boolean {
  if (!a || !b || a.kind !== b.kind) return false;
  return a.kind === 'uds' ? a.path === (b as { path: string }).path : a.host === (b as { host: string }).host && a.port === (b as { port: number }).port;
}
