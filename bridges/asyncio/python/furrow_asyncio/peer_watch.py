"""Finding a frozen or vanished peer on this host, without mistaking a busy one for it.

A connection whose peer is a process on this host with a known pid (the `pid` of its
`Aid`, confirmed by the kernel: the socket's SO_PEERCRED, or for the parent's pipes
`os.getppid()`) is watched through /proc/<pid>/stat, once per INTERVAL_S, by one task
per event loop (it runs only while some connection is watched). The peer is declared
dead, and its connection fails, when:

- its pid has no process, or a zombie: it exited (and something still holds the
  socket open, or its EOF has not arrived);
- its start time (field 22) differs from the one seen at the handshake: it exited
  and the pid now belongs to another process;
- it is stopped (state `T`, SIGSTOP/SIGTSTP) at every check for STOPPED_DEAD_S.

A traced process (state `t`: a debugger holds it) is not dead, and neither is a busy
one (running, sleeping, in disk wait): liveness is the process's state, never its
answers. If this loop itself was held up (a check came more than LATE_S after the
previous one), the stop clock starts again: a process stopped together with its peer
(Ctrl-Z of the whole group) is not condemned by the minutes it spent stopped itself.

Pending calls, stream receives and sends on the connection raise `TransportError`
(code "dead") naming the peer, its pid and the reason. So a stopped peer is found
within STOPPED_DEAD_S + INTERVAL_S (6 s), a vanished one within INTERVAL_S (1 s).
"""
from __future__ import annotations

import asyncio
import os
import socket
import struct
import weakref
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

from .errors import TransportError
from .procfs import ProcStat, read_stat

if TYPE_CHECKING:
    from .connection import Connection

#: How often each watched peer's /proc/<pid>/stat is read (seconds).
INTERVAL_S = 1.0
#: A peer stopped at every check for this long is dead (seconds).
STOPPED_DEAD_S = 5.0
#: A check this much later than planned means this loop was held up: the stop clock restarts.
LATE_S = 1.5


class _Peer(NamedTuple):
    pid: int
    start_ticks: int


def death_reason(
    stat: Optional[ProcStat],
    start_ticks: int,
    stopped_for: float,
    stopped_dead_s: float,
) -> Optional[str]:
    """Why a watched peer counts as dead now, or None while it is alive (see the module docstring)."""
    if stat is None:
        return "has exited (its pid has no process)"
    if stat.state in ("Z", "X"):
        return "has exited (its pid is a zombie)"
    if stat.start_ticks != start_ticks:
        return "has exited (its pid now belongs to another process: the start time changed)"
    if stat.state == "T" and stopped_for >= stopped_dead_s:
        return f"has been stopped (state T, SIGSTOP) for {stopped_for:.1f} s"
    return None


class PeerWatch:
    """The watched connections of one event loop and the task that checks them."""

    def __init__(self, *, interval_s: float = INTERVAL_S, stopped_dead_s: float = STOPPED_DEAD_S) -> None:
        self.interval_s = interval_s
        self.stopped_dead_s = stopped_dead_s
        self._peers: dict["Connection", _Peer] = {}
        self._stopped_since: dict["Connection", float] = {}
        self._task: Optional[asyncio.Task[None]] = None

    def watch(self, conn: "Connection", pid: int) -> None:
        """Watch the process `pid`, the peer of `conn`, until `unwatch(conn)`."""
        stat = read_stat(pid)
        if stat is None:
            return  # no /proc, or already gone (then its EOF is on the way)
        self._peers[conn] = _Peer(pid, stat.start_ticks)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="furrow:peer-watch")

    def unwatch(self, conn: "Connection") -> None:
        """Stop watching `conn`'s peer (its connection ended)."""
        self._peers.pop(conn, None)
        self._stopped_since.pop(conn, None)

    @property
    def watched(self) -> int:
        """How many peers are watched now."""
        return len(self._peers)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            last = loop.time()
            while self._peers:
                await asyncio.sleep(self.interval_s)
                now = loop.time()
                if now - last > self.interval_s + LATE_S:
                    self._stopped_since.clear()  # this loop was held up: nothing was watched meanwhile
                last = now
                self._check(now)
        finally:
            self._task = None

    def _check(self, now: float) -> None:
        for conn, peer in list(self._peers.items()):
            stat = read_stat(peer.pid)
            if stat is not None and stat.state == "T":
                since = self._stopped_since.setdefault(conn, now)
            else:
                self._stopped_since.pop(conn, None)
                since = now
            reason = death_reason(stat, peer.start_ticks, now - since, self.stopped_dead_s)
            if reason is not None:
                self.unwatch(conn)
                conn._fail(
                    TransportError(
                        "dead",
                        f"peer '{conn.peer_name}' (pid {peer.pid}) is declared dead: it {reason}",
                    )
                )


_per_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PeerWatch]" = weakref.WeakKeyDictionary()


def loop_watch() -> PeerWatch:
    """The running loop's shared PeerWatch (default intervals)."""
    loop = asyncio.get_running_loop()
    w = _per_loop.get(loop)
    if w is None:
        w = _per_loop[loop] = PeerWatch()
    return w


def verified_peer_pid(aid_pid: int, rtransport: Any) -> Optional[int]:
    """The peer's pid if the kernel confirms the `Aid`'s: the Unix socket's SO_PEERCRED
    names it, or (pipes) it is this process's parent. None otherwise (TCP, another pid
    namespace, a pid the peer made up): such a peer is not watched."""
    if aid_pid <= 0 or aid_pid == os.getpid():
        return None
    sock = rtransport.get_extra_info("socket")
    if sock is not None:
        if sock.family != socket.AF_UNIX or not hasattr(socket, "SO_PEERCRED"):
            return None
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return aid_pid if struct.unpack("3i", creds)[0] == aid_pid else None
    return aid_pid if aid_pid == os.getppid() else None
