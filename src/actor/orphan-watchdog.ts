// The orphan watchdog: a child actor process must not outlive its parent, even when
// its event loop is stuck in a synchronous loop, its tasks ignore the cancel, or it
// is stopped (SIGSTOP). The in-loop watch (the parent link's EOF, a ppid check)
// cancels cooperatively, but only a free loop runs it. So each child process also
// starts a tiny watcher off its loop: a bash script that checks four times a second
// (builtins only: a read of /proc/<actor>/stat, a `read -t` timeout as the sleep; after
// one short-lived subshell at its start, which makes the idle pipe, no process is
// started and no CPU to speak of is used) whether the actor still has the parent it
// was spawned by, then wakes the actor if it is stopped (SIGCONT), gives it `graceMs`
// to finish its own orderly exit, and if it is still there SIGKILLs it with its whole
// subtree. The watcher runs under `setpriv --pdeathsig KILL`, so the kernel ends it
// the moment the actor itself exits: it never outlives what it watches.
//
// Why the actor's ppid and not the parent's pid (`tail --pid`, an earlier version): a
// dead parent stays a zombie until *its* parent reaps it, and `kill(pid, 0)` succeeds
// on a zombie. A parent whose own parent died too is reaped by pid 1, which in a
// container or sandbox may take seconds, or never happen; the chaos run
// (`npm run chaos`) found orphans living on for 2 s past the bound that way. The
// kernel re-parents the actor the moment its parent exits, zombie or not.
//
// Why a shell and not a worker thread: a worker costs ~45 ms of CPU and ~18 MB per
// actor (measured); this costs ~3 ms of spawn in the child, after it is ready, and
// one small process (bash). Linux only (setpriv, /proc, bash); elsewhere the in-loop
// watch is all there is (docs/actors.md).
import { ignore } from '../core/ignore.ts';

/** How often the watcher checks that the actor's parent is still there (seconds). */
export const ORPHAN_POLL_S = 0.25;

/**
 * The watcher. Arguments: the actor's pid, its parent's pid, the grace in seconds.
 * The actor's ppid is the second field after the `)` that ends the command name in
 * /proc/<pid>/stat; fd 3 is a pipe nobody writes to, so `read -t` on it just waits.
 * The subtree is listed from /proc before anything is killed, then killed in one pass.
 */
const SCRIPT = `
trap '' INT HUP
actor=$1 parent=$2 grace=$3
[ "$PPID" = "$actor" ] || exit 0
exec 3<> <(:)
while read -r line < "/proc/$actor/stat"; do
  rest=\${line##*) }; set -- $rest
  [ "$2" = "$parent" ] || break
  read -r -t ${ORPHAN_POLL_S} -u 3 _
done 2>/dev/null
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
 * Linux, no setpriv or bash). If this process exits before the kernel armed the death
 * signal, the watcher sees that its parent is no longer this process and leaves.
 */
export function startOrphanWatchdog(parentPid: number, graceMs: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const { spawn } = process.getBuiltinModule('node:child_process');
  const args = ['--pdeathsig', 'KILL', '--', '/bin/bash', '-c', SCRIPT, 'furrow-orphan-watchdog', String(process.pid), String(parentPid), String(graceMs / 1000)];
  const watcher = spawn('setpriv', args, { stdio: 'ignore' });
  watcher.on('error', ignore('no setpriv here: the in-loop parent watch is the only one (docs/actors.md)'));
  watcher.unref();
  return watcher.pid;
}
