"""A fork server for Python actors: spawn-to-ready without the imports.

A Python actor's start-up is mostly imports (`asyncio` alone is ~37 ms here). The fork
server is one Python process, started by the Node parent's `'python'` backend with
`forkServer: true`, that has imported the runtime already and forks a child for each
actor: the child starts with everything loaded and connects back to its parent's
socket (it has no pipes of its own), as a Node child does.

Control: requests come as JSON lines on fd 3 (`{"name", "uuid", "parentPath", "cwd",
"env"}`), answers go as JSON lines on fd 4 (`{"uuid", "pid"}` once forked, `{"uuid",
"code", "signal"}` once it exited: the server is the children's OS parent and reaps
them). The server ends at EOF on fd 3, and dies with its parent (the kernel's
parent-death signal; a poll of `getppid()` backs it up). Its children see their
parent, the server, gone and end by their own lifeline, as any orphaned actor does.
Each child prefixes its Python-level output lines with its name (the server's stdout
and stderr are shared by all of them); the debugger's pause requests pass unprefixed.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
from typing import IO, Any, TextIO, cast

from .debug import PAUSE_MARK
from .ignore import ignoring

#: How often the server checks that its parent is still there (s), in case the death signal was missed.
PARENT_POLL_S = 0.25
_PR_SET_PDEATHSIG = 1


class _Prefixed:
    """A text stream that puts `prefix` in front of each line (but not of pause requests)."""

    def __init__(self, inner: IO[str], prefix: str) -> None:
        self._inner = inner
        self._prefix = prefix
        self._at_line_start = True

    def write(self, s: str) -> int:
        out = []
        for piece in s.splitlines(keepends=True):
            if self._at_line_start and not piece.startswith(PAUSE_MARK):
                out.append(self._prefix)
            out.append(piece)
            self._at_line_start = piece.endswith("\n")
        self._inner.write("".join(out))
        return len(s)

    def flush(self) -> None:
        self._inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _die_with_parent() -> None:
    with ignoring("without prctl the poll of getppid() is the only watch on the parent", OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def _run_child(req: dict[str, Any], server_pid: int) -> int:
    """In the forked child: become the actor the request names."""
    if req.get("cwd"):
        os.chdir(req["cwd"])
    if isinstance(req.get("env"), dict):
        os.environ.clear()
        os.environ.update(req["env"])
    # as `python -c` would have it: the working directory first on the path
    sys.path.insert(0, os.getcwd())
    name = str(req["name"])
    sys.stdout = cast(TextIO, _Prefixed(sys.stdout, f"[{name}] "))
    sys.stderr = cast(TextIO, _Prefixed(sys.stderr, f"[{name}] "))
    from .__main__ import main

    boot = {"name": name, "uuid": req["uuid"], "ppid": server_pid, "parentPath": req["parentPath"]}
    return main(["furrow_asyncio", json.dumps(boot)])


def serve(control_in: int = 3, control_out: int = 4) -> None:
    """Fork an actor for each request on `control_in` until it ends; report on `control_out`."""
    _die_with_parent()
    parent = os.getppid()
    # what every actor needs, imported once here instead of in each child
    import asyncio  # noqa: F401

    from . import actor, contexts, portal, rpc  # noqa: F401

    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    children: dict[int, str] = {}
    out = os.fdopen(control_out, "w", buffering=1)
    pending = b""
    while True:
        ready, _, _ = select.select([control_in, wake_r], [], [], PARENT_POLL_S)
        if os.getppid() != parent:
            return
        if wake_r in ready:
            with ignoring("nothing more to read from the wake-up pipe", BlockingIOError):
                os.read(wake_r, 4096)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            uuid = children.pop(pid, "")
            code = os.waitstatus_to_exitcode(status)
            exited = {
                "uuid": uuid,
                "code": code if code >= 0 else None,
                "signal": signal.Signals(-code).name if code < 0 else None,
            }
            out.write(json.dumps(exited) + "\n")
        if control_in in ready:
            chunk = os.read(control_in, 65536)
            if not chunk:
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                req = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    # the child: nothing of the server's control or wake-up plumbing
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    for fd in (control_in, control_out, wake_r, wake_w):
                        with ignoring("already closed", OSError):
                            os.close(fd)
                    code = 1
                    try:
                        code = _run_child(req, os.getppid())
                    finally:
                        sys.stdout.flush()
                        sys.stderr.flush()
                        os._exit(code)
                children[pid] = str(req["uuid"])
                out.write(json.dumps({"uuid": req["uuid"], "pid": pid}) + "\n")


if __name__ == "__main__":
    serve()
