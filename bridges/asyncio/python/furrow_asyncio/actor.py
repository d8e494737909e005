"""The Python actor runtime: a child of a furrow tree, speaking over the parent's pipes.

Life of a child (`python -m furrow_asyncio '<boot json>'`):

1. open the connection on fds 3 (in) and 4 (out) and do the `Aid` handshake;
2. read the `SpawnSpec` and import its enabled modules (an import error is kept and
   returned to the parent's `ready` request, traceback included, which fails the spawn);
3. serve RPC calls, one task each, until the parent asks the actor to cancel
   (`furrow:runtime:cancel`) or goes away (the parent link ends: EOF, a broken pipe,
   the parent declared dead; or the `Lifeline` thread sees a new parent pid);
4. cancel every task, let their `finally` blocks run, and exit. When the parent is
   gone the `Lifeline` makes sure the process and everything it started are out
   within a second, even if a task ignores its cancellation or blocks the loop, and
   even if the parent goes while the actor is already stopping.

Peers found through the registrar connect to the actor's Unix socket (`sockdir`);
each connection is kept only while it is open.
"""
from __future__ import annotations

import asyncio
import os
import threading
from typing import Any, Coroutine, Optional

from .connection import Connection
from .links import connect_unix, open_pipe_connection
from .errors import TransportError
from .ignore import ignoring
from .lifeline import Lifeline
from .log import configure as configure_log, logger, transport_log
from .listener import serve_unix
from .modules import ModuleNotEnabledError, ModuleRegistry
from .portal import Portal
from .rpc import SELF_NS, RpcServer
from .sockdir import remove_stale, runtime_dir, socket_path

READ_FD, WRITE_FD = 3, 4

_current: Optional["Actor"] = None


def current_actor() -> "Actor":
    """The actor this code runs in (raises RuntimeError outside a furrow Python actor)."""
    if _current is None:
        raise RuntimeError(
            "not running in a furrow actor (start this module with `python -m furrow_asyncio` from a furrow parent)"
        )
    return _current


class Actor:
    """This process's place in the tree: its name and uid, its parent portal, its RPC tasks."""

    def __init__(
        self,
        conn: Connection,
        spec: dict[str, Any],
        lifeline: Optional[Lifeline] = None,
    ) -> None:
        self.conn = conn
        #: the parent watch (None when not run as a spawned child: then a lost parent only cancels)
        self.lifeline = lifeline
        self.spec = spec
        self.name: str = spec["name"]
        self.uid: tuple[str, str] = conn.local_uid
        self.parent_uid: tuple[str, str] = (spec["parent"][0], spec["parent"][1])
        self.runtime_vars: dict[str, Any] = spec.get("runtimeVars") or {}
        configure_log(self.runtime_vars.get("log"), self.name, self.uid[1])
        self.modules = ModuleRegistry(spec["enableModules"])
        self.load_error: Optional[BaseException] = None
        #: a portal to the parent: run functions from the parent's enabled modules
        self.parent = Portal(conn)
        self.cancel_requested_by: Optional[tuple[str, str]] = None
        self.parent_gone = False
        self.rpc = RpcServer(self)
        self._stop: asyncio.Event = asyncio.Event()
        #: where this actor listens for peers (`findActor` reaches it there), once it runs
        self.addr: Optional[dict[str, Any]] = None
        self._server: Optional[asyncio.AbstractServer] = None
        self._peers: set[Connection] = set()
        self._registry_conn: Optional[Connection] = None

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: Optional[str] = None) -> asyncio.Task[Any]:
        """Start an RPC call's task. The RPC server keeps it, and cancels and awaits it when the actor stops.

        A plain task, not one of a `TaskGroup`: the group's bookkeeping and done callback
        cost ~1.7 us per call, and the server already tracks every call.
        """
        return asyncio.get_running_loop().create_task(coro, name=name)

    def cancel(self, canceller: Optional[tuple[str, str]] = None) -> None:
        """Cancel every RPC task of this actor (the opener sees ContextCancelled naming `canceller`); then it exits."""
        if self.cancel_requested_by is None:
            self.cancel_requested_by = canceller or self.uid
            logger.info("actor cancelled by '%s' [%s]", self.cancel_requested_by[0], self.cancel_requested_by[1][:8])
        self._stop.set()

    async def _self_call(self, func: str, args: list[Any], ctx: Any) -> Any:
        """The runtime namespace (`furrow:runtime`): `ready` and `cancel`, as on the Node side."""
        if func == "ready":
            if self.load_error is not None:
                raise self.load_error
            return {
                "pid": os.getpid(),
                "addr": self.addr,
                "uid": list(self.uid),
                "runtime": "python",
            }
        if func == "cancel":
            asyncio.get_running_loop().call_soon(self.cancel, ctx.peer_uid)
            return True
        if func == "tree":
            from .tree import describe

            return describe(self)
        raise ModuleNotEnabledError(f"the runtime has no function '{func}'")

    async def run(self) -> None:
        """Serve until cancelled or orphaned; then cancel all tasks and wait for them."""
        global _current
        _current = self
        self.conn.on_close(self._parent_link_closed)
        if self.lifeline is not None:
            self.lifeline.attach(asyncio.get_running_loop(), self._parent_gone)
        try:
            self.modules.load_all()
        except BaseException as e:  # noqa: BLE001 - reported to the parent's `ready`
            self.load_error = e
        try:
            if self.load_error is None:
                try:
                    await self._listen_and_register()
                except BaseException as e:  # noqa: BLE001 - reported to the parent's `ready`
                    self.load_error = e
            self.conn.on_dialog = self.rpc.on_dialog
            closed = asyncio.ensure_future(self.conn.wait_closed())
            stop = asyncio.ensure_future(self._stop.wait())
            try:
                await asyncio.wait({closed, stop}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                closed.cancel()
                stop.cancel()
                await self.rpc.stop()
        finally:
            self._stop_listening()
            self.conn.close()

    def _parent_link_closed(self, err: Optional[TransportError]) -> None:
        """The link to the parent ended. Unless this side closed it, the parent is gone (at any
        time: also while the actor is already stopping): the lifeline takes it from here.
        """
        transport_log.debug("parent link to '%s' closed%s", self.parent_uid[0], f": {err}" if err else "")
        if err is None:
            return
        self.parent_gone = True
        if self.lifeline is not None:
            self.lifeline.orphaned(f"the link to the parent ended: {err}")

    def _parent_gone(self, reason: str) -> None:
        """The lifeline saw the parent go: end its link, which cancels every task."""
        self.parent_gone = True
        self.conn._fail(TransportError("closed", reason))

    async def _listen_and_register(self) -> None:
        """Listen on a Unix socket (peers found through the registrar connect there) and,
        unless the registrar is our parent (it then registers us from our `ready`
        answer), register with it (`furrow:runtime:register`) before `ready`. The entry
        goes when the connection it was registered over closes (at exit). Socket files
        that dead actors left in the directory are removed first."""
        directory = runtime_dir()
        remove_stale(directory)
        path = socket_path(directory, self.name, os.getpid(), self.uid[1][:8])
        self._server = await serve_unix(path, self.name, self.uid[1], self._accept)
        if self.lifeline is not None:
            self.lifeline.own_files.add(path)
        self.addr = {"kind": "uds", "path": path}
        reg = self.spec.get("registryAddr")
        if not reg:
            return
        if reg == self.spec.get("parentAddr"):
            return
        self._registry_conn = await connect_unix(reg["path"], self.name, self.uid[1])
        self._registry_conn.on_dialog = self.rpc.on_dialog
        await Portal(self._registry_conn).run(f"{SELF_NS}:register", list(self.uid), self.addr)

    def _accept(self, conn: Connection) -> None:
        """A peer connected (handshake done): serve it while its connection is open, and no longer."""
        self._peers.add(conn)
        conn.on_close(lambda _err: self._peers.discard(conn))
        conn.on_dialog = self.rpc.on_dialog

    def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            path = self.addr["path"]  # type: ignore[index]  # addr is set once the listener is up
            with ignoring("the socket file may already be gone", OSError):
                os.unlink(path)
            if self.lifeline is not None:
                self.lifeline.own_files.discard(path)
        for c in list(self._peers) + ([self._registry_conn] if self._registry_conn else []):
            c.close()


async def serve_parent(
    name: str,
    uuid: str,
    *,
    read_fd: int = READ_FD,
    write_fd: int = WRITE_FD,
    lifeline: Optional[Lifeline] = None,
    parent_path: Optional[str] = None,
) -> Actor:
    """Connect to the parent (over the pipes, or back to its socket `parent_path`), read the SpawnSpec and serve."""
    if parent_path:
        # started by a fork server (forkserver.py): no pipes of ours, so connect back as a Node child does
        conn = await connect_unix(parent_path, name, uuid)
    else:
        conn = await open_pipe_connection(read_fd, write_fd, name, uuid)
    spec = await asyncio.wait_for(conn.spawn_spec(), 10.0)
    actor = Actor(conn, spec, lifeline)
    await actor.run()
    return actor


def busy_threads() -> int:
    """Non-daemon threads other than the main one still running (sync RPC calls that ignored a cancel)."""
    return sum(1 for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive())
