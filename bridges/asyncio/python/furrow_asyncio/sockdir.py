"""Where a Python actor's socket file goes, and clearing the ones dead actors left.

The directory is the one Node actors use (src/ipc/uds.ts `runtimeDir`):
`$XDG_RUNTIME_DIR/furrow` when that is set, else `<tmpdir>/furrow-<uid>`, with
`<tmpdir>` chosen as Node's `os.tmpdir()` does ($TMPDIR, $TMP, $TEMP, then /tmp).
It is made with mode 0700 and refused if it belongs to another user; a group- or
world-accessible one of ours is narrowed to 0700. Socket files are named as Node
names them, `<name>-<pid>-<8 hex>.sock`, and are made 0600 too.

An actor SIGKILLed (or SIGTERMed) cannot remove its file. So each actor, when it
starts listening, removes the files in the directory whose owner is dead: the pid in
the name has no process, or a zombie, or a process that started after the file was
made (the pid was reused), **and** connecting to the file is refused (nobody
listens). A live listener's file is never removed, whatever its pid says.
"""
from __future__ import annotations

import errno
import os
import socket
import stat
from typing import Optional

from .ignore import ignoring
from .procfs import read_stat, start_time_epoch

#: Longest socket path the kernel takes (sun_path is 108 bytes on Linux, NUL included).
MAX_PATH = 107
#: A process that started more than this after the file's mtime cannot have made it (seconds;
#: /proc/stat's boot time is whole seconds).
_REUSE_SLACK_S = 1.5


def node_tmpdir() -> str:
    """Node's `os.tmpdir()` on POSIX: $TMPDIR, $TMP, $TEMP, else /tmp, without a trailing slash."""
    d = os.environ.get("TMPDIR") or os.environ.get("TMP") or os.environ.get("TEMP") or "/tmp"
    return d[:-1] if len(d) > 1 and d.endswith("/") else d


def runtime_dir() -> str:
    """The per-user directory for socket files (made 0700; see the module docstring)."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    uid = os.getuid()
    d = os.path.join(xdg, "furrow") if xdg else os.path.join(node_tmpdir(), f"furrow-{uid}")
    os.makedirs(d, mode=0o700, exist_ok=True)
    st = os.lstat(d)
    if not stat.S_ISDIR(st.st_mode):
        raise OSError(errno.ENOTDIR, f"{d} is not a directory (a symlink or a file is refused)")
    if st.st_uid != uid:
        raise PermissionError(f"{d} belongs to uid {st.st_uid}, not to this user ({uid})")
    if st.st_mode & 0o077:
        os.chmod(d, 0o700)
    return d


def socket_path(directory: str, name: str, pid: int, hex8: str) -> str:
    """`<dir>/<name>-<pid>-<hex8>.sock` with the name cut to 24 safe characters, as Node names them."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "_.-") else "_" for c in name)[:24]
    path = os.path.join(directory, f"{safe}-{pid}-{hex8}.sock")
    if len(os.fsencode(path)) > MAX_PATH:
        raise OSError(errno.ENAMETOOLONG, f"socket path longer than {MAX_PATH} bytes: {path}")
    return path


def owner_pid(filename: str) -> Optional[int]:
    """The pid in a socket file name `<name>-<pid>-<8 hex>.sock`; None for any other name."""
    if not filename.endswith(".sock"):
        return None
    parts = filename[: -len(".sock")].rsplit("-", 2)
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 8:
        return None
    return int(parts[1])


def _owner_dead(pid: int, mtime: float) -> bool:
    st = read_stat(pid)
    if st is None or st.state in ("Z", "X"):
        return True
    started = start_time_epoch(st)
    return started is not None and started > mtime + _REUSE_SLACK_S


def _nobody_listens(path: str) -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.setblocking(False)
        s.connect(path)
    except ConnectionRefusedError:
        return True
    except OSError:
        return False  # a full backlog (EAGAIN) or anything else: someone may be there
    finally:
        s.close()
    return False


def remove_stale(directory: str) -> list[str]:
    """Remove the socket files in `directory` left by dead actors (see the module docstring); returns them."""
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        pid = owner_pid(name)
        if pid is None or pid == os.getpid():
            continue
        path = os.path.join(directory, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue  # removed meanwhile (another actor cleaning up)
        if not stat.S_ISSOCK(st.st_mode) or not _owner_dead(pid, st.st_mtime) or not _nobody_listens(path):
            continue
        with ignoring("another actor may have removed it first", FileNotFoundError):
            os.unlink(path)
            removed.append(path)
    return removed
