"""The Python actor runtime: a child of a furrow tree, speaking over the parent's pipes.

Life of a child (`python -m furrow_asyncio '<boot json>'`):

1. open the connection on fds 3 (in) and 4 (out) and do the `Aid` handshake;
2. read the `SpawnSpec` and import its enabled modules (an import error is kept and
   returned to the parent's `ready` request, traceback included, which fails the spawn);
3. serve RPC tasks in a task group until the parent asks the actor to cancel
   (`furrow:runtime:cancel`) or goes away (pipe EOF, a broken pipe, or a new
   parent pid: checked every 250 ms as a backstop for a SIGKILLed parent);
4. cancel every task, let their `finally` blocks run, and exit. When the parent is
   gone a watchdog thread makes sure the process is out within a second even if a
   task ignores its cancellation.
"""
from __future__ import annotations

import asyncio
import os
import sys
import threading
from typing import Any, Coroutine, Optional

from .connection import Connection, open_pipe_connection, open_socket_connection, serve_unix
from .errors import TransportError
from .modules import ModuleNotEnabledError, ModuleRegistry
from .portal import Portal
from .rpc import SELF_NS, RpcServer

#: How often the parent pid is checked (seconds).
PARENT_WATCH_S = 0.25
#: Once the parent is gone, the process exits at most this long after (seconds).
ORPHAN_EXIT_S = 0.9
READ_FD, WRITE_FD = 3, 4

_current: Optional["Actor"] = None


def current_actor() -> "Actor":
    """The actor this code runs in (raises RuntimeError outside a furrow Python actor)."""
    if _current is None:
        raise RuntimeError("not running in a furrow actor (start this module with `python -m furrow_asyncio` from a furrow parent)")
    return _current


class _TaskSet:
    """`asyncio.TaskGroup` for interpreters before 3.11: tasks that must not outlive the block."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __aenter__(self) -> "_TaskSet":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def create_task(self, coro: Coroutine[Any, Any, Any], *, name: Optional[str] = None) -> asyncio.Task[Any]:
        t = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)
        return t


def _task_group() -> Any:
    return asyncio.TaskGroup() if hasattr(asyncio, "TaskGroup") else _TaskSet()


class Actor:
    """This process's place in the tree: its name and uid, its parent portal, its RPC tasks."""

    def __init__(self, conn: Connection, spec: dict[str, Any]) -> None:
        self.conn = conn
        self.spec = spec
        self.name: str = spec["name"]
        self.uid: tuple[str, str] = conn.local_uid
        self.parent_uid: tuple[str, str] = (spec["parent"][0], spec["parent"][1])
        self.runtime_vars: dict[str, Any] = spec.get("runtimeVars") or {}
        self.modules = ModuleRegistry(spec["enableModules"])
        self.load_error: Optional[BaseException] = None
        #: a portal to the parent: run functions from the parent's enabled modules
        self.parent = Portal(conn)
        self.cancel_requested_by: Optional[tuple[str, str]] = None
        self.parent_gone = False
        self.rpc = RpcServer(self)
        self._tg: Any = None
        self._stop: asyncio.Event = asyncio.Event()
        self._ppid = os.getppid()
        #: where this actor listens for peers (`findActor` reaches it there), once it runs
        self.addr: Optional[dict[str, Any]] = None
        self._server: Optional[asyncio.AbstractServer] = None
        self._peers: set[Connection] = set()
        self._registry_conn: Optional[Connection] = None

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: Optional[str] = None) -> asyncio.Task[Any]:
        """Start a task in the actor's task group (cancelled when the actor stops)."""
        return self._tg.create_task(coro, name=name)

    def cancel(self, canceller: Optional[tuple[str, str]] = None) -> None:
        """Cancel every RPC task of this actor (the opener sees ContextCancelled naming `canceller`); then it exits."""
        if self.cancel_requested_by is None:
            self.cancel_requested_by = canceller or self.uid
        self._stop.set()

    async def _self_call(self, func: str, args: list[Any], ctx: Any) -> Any:
        """The runtime namespace (`furrow:runtime`): `ready` and `cancel`, as on the Node side."""
        if func == "ready":
            if self.load_error is not None:
                raise self.load_error
            return {"pid": os.getpid(), "addr": self.addr, "uid": list(self.uid), "runtime": "python"}
        if func == "cancel":
            asyncio.get_running_loop().call_soon(self.cancel, ctx.peer_uid)
            return True
        raise ModuleNotEnabledError(f"the runtime has no function '{func}'")

    async def run(self) -> None:
        """Serve until cancelled or orphaned; then cancel all tasks and wait for them."""
        global _current
        _current = self
        try:
            self.modules.load_all()
        except BaseException as e:  # noqa: BLE001 - reported to the parent's `ready`
            self.load_error = e
        if self.load_error is None:
            try:
                await self._listen_and_register()
            except BaseException as e:  # noqa: BLE001 - reported to the parent's `ready`
                self.load_error = e
        async with _task_group() as tg:
            self._tg = tg
            watch = tg.create_task(self._watch_parent(), name="furrow:parent-watch")
            self.conn.on_dialog = self.rpc.on_dialog
            closed = asyncio.ensure_future(self.conn.wait_closed())
            stop = asyncio.ensure_future(self._stop.wait())
            try:
                await asyncio.wait({closed, stop}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                closed.cancel()
                stop.cancel()
                if self.conn.closed:
                    self._orphaned()
                watch.cancel()
                for t in list(self.rpc.tasks.values()):
                    t.cancel()
        self._stop_listening()
        self.conn.close()

    async def _listen_and_register(self) -> None:
        """Listen on a Unix socket (peers found through the registrar connect there) and,
        unless the registrar is our parent (it then registers us from our `ready`
        answer), register with it (`furrow:runtime:register`) before `ready`. The entry
        goes when the connection it was registered over closes (at exit)."""
        path = os.path.join(_tempdir(), f"furrow-py-{os.getpid()}-{self.uid[1][:8]}.sock")
        self._server = await serve_unix(path, self.name, self.uid[1], self._accept)
        self.addr = {"kind": "uds", "path": path}
        reg = self.spec.get("registryAddr")
        if not reg:
            return
        if reg == self.spec.get("parentAddr"):
            return
        import socket

        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, reg["path"])
        self._registry_conn = await open_socket_connection(sock, self.name, self.uid[1])
        self._registry_conn.on_dialog = self.rpc.on_dialog
        await Portal(self._registry_conn).run(f"{SELF_NS}:register", list(self.uid), self.addr)

    def _accept(self, conn: Connection) -> None:
        self._peers.add(conn)
        conn.on_dialog = self.rpc.on_dialog

    def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            try:
                os.unlink(self.addr["path"])  # type: ignore[index]
            except OSError:
                pass
        for c in list(self._peers) + ([self._registry_conn] if self._registry_conn else []):
            c.close()

    def _orphaned(self) -> None:
        """The parent is gone: whatever the tasks do, leave within ORPHAN_EXIT_S."""
        self.parent_gone = True
        timer = threading.Timer(ORPHAN_EXIT_S, _hard_exit, (1,))
        timer.daemon = True
        timer.start()

    async def _watch_parent(self) -> None:
        while True:
            await asyncio.sleep(PARENT_WATCH_S)
            if os.getppid() != self._ppid:
                self.conn._fail(TransportError("closed", f"the parent process {self._ppid} went away"))
                return


def _hard_exit(code: int) -> None:
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass
    os._exit(code)


async def serve_parent(name: str, uuid: str, *, read_fd: int = READ_FD, write_fd: int = WRITE_FD) -> Actor:
    """Connect to the parent over the pipes, read the SpawnSpec and serve until the actor ends."""
    conn = await open_pipe_connection(read_fd, write_fd, name, uuid)
    spec = await asyncio.wait_for(conn.spawn_spec(), 10.0)
    actor = Actor(conn, spec)
    await actor.run()
    return actor


def _tempdir() -> str:
    """Where the actor's socket goes: as `tempfile.gettempdir()` picks it ($TMPDIR, $TEMP,
    $TMP, then /tmp, /var/tmp, /usr/tmp, the cwd), without importing `tempfile` (it pulls
    in random, shutil, bz2, lzma: ~10 ms of start-up on a loaded machine)."""
    for d in (os.environ.get("TMPDIR"), os.environ.get("TEMP"), os.environ.get("TMP"), "/tmp", "/var/tmp", "/usr/tmp"):
        if d and os.path.isdir(d) and os.access(d, os.W_OK | os.X_OK):
            return os.path.abspath(d)
    return os.getcwd()


def busy_threads() -> int:
    """Non-daemon threads other than the main one still running (sync RPC calls that ignored a cancel)."""
    return sum(1 for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive())
