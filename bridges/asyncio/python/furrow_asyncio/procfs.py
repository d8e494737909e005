"""What Linux's /proc says about processes: a process's state, parent and start time,
the processes below one, and killing them all.

Used by the parent watch (`lifeline`), the peer watch (`peer_watch`) and the socket
directory's stale-file cleanup (`sockdir`). Off Linux (no /proc) every function
answers "unknown" (None, or an empty list) and the callers fall back to what they
can see without it.
"""
from __future__ import annotations

import os
import signal
from typing import NamedTuple, Optional

from .ignore import ignoring


class ProcStat(NamedTuple):
    """The fields of /proc/<pid>/stat this package reads."""

    #: one letter: R running, S sleeping, D disk wait, T stopped, t traced, Z zombie, X dead, ...
    state: str
    ppid: int
    #: field 22: when the process started, in clock ticks since boot; with the pid it names one process for good
    start_ticks: int


def read_stat(pid: int) -> Optional[ProcStat]:
    """The state, parent and start time of `pid`; None if there is no such process (or no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
    fields = text[text.rfind(b")") + 2 :].split()
    if len(fields) < 20:
        return None
    return ProcStat(fields[0].decode(), int(fields[1]), int(fields[19]))


def start_time_epoch(stat: ProcStat) -> Optional[float]:
    """When the process started, in seconds since the epoch (to compare with a file's mtime)."""
    try:
        with open("/proc/stat", "rb") as f:
            for line in f:
                if line.startswith(b"btime "):
                    return int(line.split()[1]) + stat.start_ticks / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None
    return None


def _parents() -> dict[int, int]:
    """pid -> ppid of every process on the host."""
    table: dict[int, int] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if name.isdigit():
            st = read_stat(int(name))
            if st is not None:  # None: it exited while the table was read
                table[int(name)] = st.ppid
    return table


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, their children, ...), parents before their children."""
    children: dict[int, list[int]] = {}
    for p, parent in _parents().items():
        children.setdefault(parent, []).append(p)
    found: list[int] = []
    queue = [pid]
    while queue:
        for child in children.get(queue.pop(), ()):
            found.append(child)
            queue.append(child)
    return found


def kill_descendants(pid: int, rounds: int = 3) -> list[int]:
    """SIGKILL every process below `pid`, listed before any is killed; listed again (up to
    `rounds` times) to catch one that forked meanwhile. Returns the pids signalled."""
    killed: list[int] = []
    for _ in range(rounds):
        found = [p for p in descendants(pid) if p not in killed]
        if not found:
            break
        for p in found:
            with ignoring("the process may have exited since it was listed"):
                os.kill(p, signal.SIGKILL)
            killed.append(p)
    return killed
