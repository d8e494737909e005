// The orphan watchdog: a child actor process must not outlive its parent, even when
// its event loop is stuck in a synchronous loop, its tasks ignore the cancel, or it
// is stopped (SIGSTOP). The in-loop watch (the parent link's EOF, a ppid check)
// cancels cooperatively, but only a free loop runs it. So each child process also
// starts a tiny watcher off its loop: a POSIX shell that waits (GNU `tail --pid`,
// a kill(pid, 0) four times a second, no CPU to speak of) for the actor's parent to
// go, then wakes the actor if it is stopped (SIGCONT), gives it `graceMs` to finish
// its own orderly exit, and if it is still there SIGKILLs it with its whole
// subtree. The watcher runs under `setpriv --pdeathsig KILL`, so the kernel ends it
// the moment the actor itself exits: it never outlives what it watches.
//
// Why a shell and not a worker thread: a worker costs ~45 ms of CPU and ~18 MB per
// actor (measured); this costs ~3 ms of spawn in the child, after it is ready, and
// two small processes (sh, tail). Linux only (setpriv, /proc); elsewhere the in-loop
// watch is all there is (docs/actors.md).
import { ignore } from '../core/ignore.ts';

/** How often the watcher checks that the actor's parent is still there (seconds). */
export const ORPHAN_POLL_S = 0.25;

/**
 * The watcher. Arguments: the actor's pid, its parent's pid, the grace in seconds.
 * The subtree is listed from /proc (ppid is the second field after the `)` that
 * ends the command name) before anything is killed, then killed in one pass.
 */
const SCRIPT = `
trap '' INT HUP
actor=$1 parent=$2 grace=$3
[ "$PPID" = "$actor" ] || exit 0
tail -s ${ORPHAN_POLL_S} --pid="$parent" -f /dev/null 2>/dev/null || exit 0
kill -CONT "$actor" 2>/dev/null
sleep "$grace"
[ -d "/proc/$actor" ] || exit 0
pairs=$(for f in /proc/[0-9]*/stat; do
  read -r line < "$f" 2>/dev/null || continue
  rest=\${line##*) }; set -- $rest; p=\${f#/proc/}; echo "\${p%/stat} $2"
done)
victims=" $actor "; grew=1
while [ "$grew" = 1 ]; do
  grew=0
  for pair in $(echo "$pairs" | tr ' ' ':'); do
    p=\${pair%:*}; pp=\${pair#*:}
    case "$victims" in *" $pp "*) case "$victims" in *" $p "*) ;; *) victims="$victims$p "; grew=1 ;; esac ;; esac
  done
done
for p in $victims; do [ "$p" = "$$" ] || kill -KILL "$p" 2>/dev/null; done
`;

/**
 * Start the watcher for this child process (not for a worker thread: it shares its
 * parent's process). `parentPid` is the parent's pid from the handshake (the real
 * one, even if the parent died already), `graceMs` how long an orphan gets for its
 * orderly exit. Returns the watcher's pid, or undefined where it cannot run (not
 * Linux, no setpriv). If this process exits before the kernel armed the death
 * signal, the watcher sees that its parent is no longer this process and leaves.
 */
export function startOrphanWatchdog(parentPid: number, graceMs: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const { spawn } = process.getBuiltinModule('node:child_process');
  const args = ['--pdeathsig', 'KILL', '--', '/bin/sh', '-c', SCRIPT, 'furrow-orphan-watchdog', String(process.pid), String(parentPid), String(graceMs / 1000)];
  const watcher = spawn('setpriv', args, { stdio: 'ignore' });
  watcher.on('error', ignore('no setpriv here: the in-loop parent watch is the only one (docs/actors.md)'));
  watcher.unref();
  return watcher.pid;
}
