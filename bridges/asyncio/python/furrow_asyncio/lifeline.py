"""The parent watch: a Python actor never outlives its parent, whatever its loop is doing.

A daemon thread, started before the event loop runs, checks every POLL_S that the
process's parent is still the one that spawned it (`os.getppid()`: a live process's
parent changes only when the parent dies and the child is re-parented, so an equal
pid is the same parent process; the expected pid comes from the boot argument, so a
parent that died before this thread started is seen too). The actor also reports a
parent link that closed (EOF, a broken pipe, a peer declared dead). Once the parent
is gone:

1. the actor's loop is asked to cancel every task (the cooperative path: `finally`
   blocks run), and the process exits as soon as they have finished;
2. whatever the loop is doing (blocked in `time.sleep`, spinning in Python code,
   ignoring its cancellation, stuck in a task group), after ORPHAN_GRACE_S the
   thread kills every process this actor started (listed from /proc, grandchildren
   included), removes the actor's socket file, and `os._exit(1)`s.

So an orphan is gone within POLL_S + ORPHAN_GRACE_S (1.0 s) of its parent's death,
plus the time to list and kill its subtree (milliseconds).

A stopped (SIGSTOP) actor cannot run this thread. On Linux the thread asks the kernel
(`prctl(PR_SET_PDEATHSIG, SIGCONT)`) to send SIGCONT when the parent dies: the process
continues and the steps above run. SIGCONT, not SIGKILL, because SIGKILL would skip
the `finally` blocks and leave the subtree running, and because the kernel sends the
signal when the *thread* that spawned the actor exits, not its process (a Node worker
thread that spawned this actor and ended while its process lives on): SIGCONT wakes a
process that is not stopped harmlessly, and only a changed `getppid()` counts.

Limit: C code that holds the GIL and never releases it keeps this thread from
running at all. Once the thread has seen the parent go, a `faulthandler` backstop
(C code, no GIL needed) exits the process ORPHAN_GRACE_S + BACKSTOP_S after, in case
the thread cannot finish the steps above.
"""
from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Callable, Optional

from .ignore import ignoring
from .procfs import kill_descendants

if TYPE_CHECKING:
    import asyncio

#: How often the parent pid is checked (seconds).
POLL_S = 0.1
#: Once the parent is gone, the process is out at most this long after (seconds).
ORPHAN_GRACE_S = 0.9
#: The faulthandler backstop fires this long after the grace period (seconds).
BACKSTOP_S = 1.0
#: Exit code of an actor whose parent went away.
ORPHAN_EXIT_CODE = 1
#: The GIL switch interval once orphaned (seconds; Python's default is 0.005).
ORPHAN_SWITCH_INTERVAL_S = 0.0001
_PR_SET_PDEATHSIG = 1


class Lifeline:
    """Watches the parent process from a daemon thread; see the module's docstring."""

    def __init__(
        self,
        parent_pid: int,
        *,
        poll_s: float = POLL_S,
        grace_s: float = ORPHAN_GRACE_S,
    ) -> None:
        self.parent_pid = parent_pid
        self.poll_s = poll_s
        self.grace_s = grace_s
        #: why the parent is considered gone (None while it is there)
        self.reason: Optional[str] = None
        #: files removed at a hard exit (the actor's socket)
        self.own_files: set[str] = set()
        self._lock = threading.Lock()
        self._exit_lock = threading.Lock()
        self._gone = threading.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._on_gone: Optional[Callable[[str], None]] = None
        self._thread = threading.Thread(target=self._watch, name="furrow:lifeline", daemon=True)

    def start(self) -> "Lifeline":
        """Start the watch thread (before the event loop runs, so a blocked loop cannot delay it)."""
        self._thread.start()
        return self

    @property
    def parent_gone(self) -> bool:
        """True once the parent is considered gone."""
        return self.reason is not None

    def attach(self, loop: asyncio.AbstractEventLoop, on_gone: Callable[[str], None]) -> None:
        """Run `on_gone(reason)` on `loop` when the parent goes (at once if it has gone already)."""
        with self._lock:
            self._loop, self._on_gone = loop, on_gone
            reason = self.reason
        if reason is not None:
            loop.call_soon(on_gone, reason)

    def orphaned(self, reason: str) -> None:
        """The parent is gone (any thread may say so; the first reason is kept): tell the loop,
        and exit after the grace period whatever it does."""
        with self._lock:
            if self.reason is not None:
                return
            self.reason = reason
            loop, on_gone = self._loop, self._on_gone
        faulthandler.dump_traceback_later(self.grace_s + BACKSTOP_S, exit=True)
        # A loop spinning in Python code hands the GIL over only every switch interval
        # (5 ms): listing the subtree (a /proc read per process, each releasing the GIL)
        # would take that long per read. The main thread's throughput no longer matters.
        sys.setswitchinterval(ORPHAN_SWITCH_INTERVAL_S)
        self._gone.set()
        if loop is not None and on_gone is not None:
            with ignoring(
                "the loop has already closed: the process is on its way out",
                RuntimeError,
            ):
                loop.call_soon_threadsafe(on_gone, reason)

    def exit_now(self, code: int = ORPHAN_EXIT_CODE) -> None:
        """Kill every process this actor started, remove its files, and `os._exit(code)`.
        Never returns; a second caller waits for the first to finish the process."""
        with self._exit_lock:
            kill_descendants(os.getpid())
            for path in self.own_files:
                with ignoring("the file may already be gone", OSError):
                    os.unlink(path)
            for f in (sys.stdout, sys.stderr):
                with ignoring(
                    "a stream closed or broken with the parent gone cannot be flushed",
                    Exception,
                ):
                    f.flush()
            os._exit(code)

    def _watch(self) -> None:
        _continue_on_parent_death()
        while True:
            if os.getppid() != self.parent_pid:
                self.orphaned(f"the parent process {self.parent_pid} went away")
            if self._gone.wait(self.poll_s):
                break
        # the loop got its chance to cancel cooperatively; main exits sooner if it can
        threading.Event().wait(self.grace_s)
        self.exit_now()


def _continue_on_parent_death() -> None:
    """Linux: have the kernel SIGCONT this process when its parent dies (see the module docstring)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # lazily, off the main thread: ~1 ms of import

    with ignoring(
        "without prctl a stopped orphan stays stopped until continued; the poll still sees the rest",
        OSError,
        AttributeError,
    ):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGCONT), 0, 0, 0)
