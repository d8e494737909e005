// Watching a peer on this host through /proc: a frozen peer must not hang its
// callers, and a busy one must not be declared dead. A peer whose process is
// stopped (state `T`, SIGSTOP or Ctrl-Z) for `frozenMs` in a row, or gone (no
// /proc entry, a zombie, or another process now under its pid: its start time
// changed) is dead. A peer in a synchronous loop is running (`R`), one waiting on
// I/O is sleeping (`S`), one under a debugger is in tracing stop (`t`): all alive.
// One timer serves every watched connection, and it reads /proc only for those
// with a call or stream open (`busy()`), so idle links cost nothing.
import { ignoring } from '../core/ignore.ts';

/** How often a watched peer's /proc entry is read while calls are open (ms). */
export const LIVENESS_POLL_MS = 1000;
/** How long a peer may stay stopped before it is declared dead (ms). */
export const FROZEN_PEER_MS = 5000;

/** Liveness options of a connection. */
export interface LivenessOptions {
  /** how often to look while calls are open (default {@link LIVENESS_POLL_MS}) */
  pollMs?: number;
  /** how long a stopped peer is given (default {@link FROZEN_PEER_MS}) */
  frozenMs?: number;
}

/** What the watch needs from its connection. */
export interface WatchedPeer {
  /** the peer's pid (from its `Aid`) */
  readonly pid: number;
  /** true while something waits on the peer (a dialog is open) */
  busy(): boolean;
  /** the peer is dead: `reason` says why */
  dead(reason: string): void;
}

interface Watch {
  peer: WatchedPeer;
  startTime: string;
  frozenMs: number;
  stoppedSince: number | null;
}

/** One process's state from /proc: its state letter and start time, or null if there is none. */
function procState(pid: number): { state: string; startTime: string } | null {
  const fs = process.getBuiltinModule('node:fs');
  const stat = ignoring('the process is gone (or /proc is not there)', () => fs.readFileSync(`/proc/${pid}/stat`, 'latin1'));
  if (stat === undefined) return null;
  // after the ')' that ends the command name: state is field 3, starttime field 22
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, startTime: fields[19]! };
}

/** Watches by poll period: one timer per distinct period (in practice one). */
const groups = new Map<number, { watches: Set<Watch>; timer: ReturnType<typeof setInterval> }>();

function check(watch: Watch, now: number): void {
  const seen = procState(watch.peer.pid);
  const pid = watch.peer.pid;
  if (seen === null || seen.startTime !== watch.startTime) return watch.peer.dead(`peer process ${pid} is gone`);
  if (seen.state === 'Z' || seen.state === 'X') return watch.peer.dead(`peer process ${pid} has exited`);
  if (seen.state !== 'T') {
    watch.stoppedSince = null;
    return;
  }
  watch.stoppedSince ??= now;
  if (now - watch.stoppedSince >= watch.frozenMs) watch.peer.dead(`peer process ${pid} has been stopped for ${Math.round((now - watch.stoppedSince) / 1000)} s`);
}

function poll(watches: Set<Watch>): void {
  const now = performance.now();
  for (const watch of watches) {
    if (watch.peer.busy()) check(watch, now);
    else watch.stoppedSince = null; // a stop is timed only while something waits on the peer
  }
}

/**
 * Watch `peer` if its process can be seen here (Linux /proc, and a pid other than
 * ours). Returns the function that stops watching, or undefined if it cannot be
 * watched (the caller falls back to a heartbeat).
 */
export function watchPeer(peer: WatchedPeer, opts: LivenessOptions = {}): (() => void) | undefined {
  if (peer.pid === process.pid || !(peer.pid > 0)) return undefined;
  const first = procState(peer.pid);
  if (first === null) return undefined;
  const pollMs = opts.pollMs ?? LIVENESS_POLL_MS;
  const watch: Watch = { peer, startTime: first.startTime, frozenMs: opts.frozenMs ?? FROZEN_PEER_MS, stoppedSince: null };
  let group = groups.get(pollMs);
  if (!group) {
    const watches = new Set<Watch>();
    const timer = setInterval(() => poll(watches), pollMs);
    timer.unref();
    group = { watches, timer };
    groups.set(pollMs, group);
  }
  group.watches.add(watch);
  const g = group;
  return () => {
    g.watches.delete(watch);
    if (g.watches.size === 0 && groups.get(pollMs) === g) {
      clearInterval(g.timer);
      groups.delete(pollMs);
    }
  };
}
