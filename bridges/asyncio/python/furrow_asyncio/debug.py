"""`await pause()` in a Python actor: pdb in the root's terminal, over a socket.

The actor has no terminal of its own (its stdin is closed, its output relayed), so its
pdb talks through a Unix socket: the actor listens on a fresh one in its runtime
directory (0700, the file 0600), asks the root for the REPL with one marked line on
its stderr (the same request a Node actor makes; its parent's relay takes it to the
root), and waits for the root to connect when it is this actor's turn at the
terminal. The root then passes the terminal's lines to pdb and pdb's output back.
pdb stops at the caller's next line; `c` (or the end of the session) lets the actor
go on, and `q` does too: quitting must not kill the task being inspected. The whole
actor (its event loop) is stopped meanwhile, as a paused Node actor is. Post-mortem
(`crash_pause`, when the parent nursery has `debugMode`), pdb opens on the failed
task's traceback before its error is boxed.
"""

from __future__ import annotations

import json
import os
import pdb
import socket
import sys
import traceback
from types import FrameType
from typing import IO, Any

from .actor import current_actor
from .ignore import ignoring
from .sockdir import runtime_dir

#: The start of the stderr line that carries a pause request (as in furrow's relay.ts).
PAUSE_MARK = "\x1bfurrow-pause "


class _SessionPdb(pdb.Pdb):
    """pdb over the root's session socket; ending the session lets the actor go on."""

    def __init__(self, sock: socket.socket, stream: IO[str]) -> None:
        super().__init__(stdin=stream, stdout=stream, nosigint=True)
        self.use_rawinput = False
        self.prompt = f"(furrow {current_actor().name} pdb) "
        self._sock = sock
        self._stream = stream

    def _end_session(self) -> None:
        with ignoring("the root hung up first: the session is over either way", OSError):
            self._stream.flush()
            self._sock.close()

    def set_continue(self) -> None:
        super().set_continue()
        self._end_session()

    def do_quit(self, arg: str) -> bool | None:
        """`q` ends the session and lets the actor go on (it does not kill the task)."""
        self.set_continue()
        return True

    do_q = do_exit = do_quit

    def do_EOF(self, arg: str) -> bool | None:
        """The root hung up: go on."""
        self.set_continue()
        return True


def _session_with_the_root(crash: dict[str, str] | None = None) -> tuple[socket.socket, IO[str]]:
    """Listen on a fresh socket, ask the root for the REPL, and wait for it to connect."""
    actor = current_actor()
    path = os.path.join(runtime_dir(), f"pdb-{os.getpid()}-{actor.uid[1][:8]}.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(path)
        os.chmod(path, 0o600)
        server.listen(1)
        request: dict[str, Any] = {
            "kind": "pdb",
            "path": path,
            "name": actor.name,
            "uuid": actor.uid[1],
            "pid": os.getpid(),
        }
        if crash is not None:
            request["crash"] = crash
        sys.stderr.write(PAUSE_MARK + json.dumps(request) + "\n")
        sys.stderr.flush()
        sock, _ = server.accept()
    finally:
        server.close()
        with ignoring("the socket file is gone already", OSError):
            os.unlink(path)
    return sock, sock.makefile("rw", encoding="utf-8", newline="\n")


async def pause() -> None:
    """Stop this actor at the caller's next line and open pdb in the root's terminal.

    One REPL at a time across the tree: another actor pausing waits its turn. `c` (or
    `q`) lets the actor go on.
    """
    frame: FrameType = sys._getframe(1)
    sock, stream = _session_with_the_root()
    _SessionPdb(sock, stream).set_trace(frame)


def crash_pause(error: BaseException, task: str) -> None:
    """Post-mortem (the parent nursery's `debugMode`): pdb on the failed task's traceback.

    Called by the RPC server before it boxes the error; the frames of the traceback,
    locals included, are there to inspect. `c` (or `q`) lets the error go on its way.
    """
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    sock, stream = _session_with_the_root({"task": task, "error": text})
    dbg = _SessionPdb(sock, stream)
    dbg.reset()
    dbg.interaction(None, error.__traceback__)
    dbg._end_session()
