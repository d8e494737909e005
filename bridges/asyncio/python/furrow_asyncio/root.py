"""A Python program as the root of a furrow tree.

`async with open_actor_nursery() as an:` in a plain asyncio program starts actors,
Python ones (`python -m furrow_asyncio`, over pipes) and Node ones (furrow's
`child-main`, connecting back to this process's Unix socket), with the same protocol
and the same rules as a TypeScript root:

- it behaves like `asyncio.TaskGroup`: a child that dies unexpectedly cancels the
  body, every other child is torn down, and the failures come out as an
  `ExceptionGroup`;
- leaving the block tears every child down: a `cancel` request, `grace` seconds to
  exit, then SIGTERM, `kill_after` seconds, then SIGKILL of the child and everything
  below it;
- a child's errors arrive boxed with their remote stack (`RemoteActorError`), and a
  cancel here (`task.cancel()`, `asyncio.timeout`) reaches the remote call's `finally`
  (`Portal.run`, `Portal.open_context`);
- when this process dies, even by SIGKILL, its children see their link close and
  their parent pid change, and exit (their orphan watchdogs): nothing is left.

The root is the tree's registrar (registrar.py): `find_actor` / `wait_for_actor`
find any actor of the tree by name, and children (and their children) may call the
functions of the root's own `enable_modules`.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys
import uuid as uuidlib
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Coroutine, Optional, Sequence

from .connection import Connection
from .links import connect_unix, open_pipe_connection
from .log import DEFAULT_SPEC, parse_spec, logger
from .log import configure as configure_log
from .ignore import ignoring
from .listener import serve_unix
from .modules import ModuleNotEnabledError, ModuleRegistry, normalize_module
from .portal import Portal
from .procfs import kill_descendants
from .registrar import Registrar
from .rpc import RpcServer
from .sockdir import runtime_dir, socket_path

#: The package directory's parent: on a Python child's PYTHONPATH, so it imports this package.
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: What a Python child runs: this package as `__main__`, an installed copy first, this one
#: (its parent directory, the first argument) as the fallback; as the TypeScript backend does.
RUN_PACKAGE = (
    "import sys; sys.path.append(sys.argv.pop(1)); import runpy; "
    "runpy.run_module('furrow_asyncio', run_name='__main__', alter_sys=True)"
)
#: The repository (or npm package) root, four levels above this package's directory.
_FURROW_ROOT = os.path.normpath(os.path.join(_PACKAGE_PARENT, os.pardir, os.pardir, os.pardir))


class ActorDiedError(Exception):
    """A child actor exited without being asked to (a crash, a signal from outside)."""

    def __init__(self, name: str, returncode: Optional[int]) -> None:
        how = (
            f"killed by signal {-returncode}"
            if returncode is not None and returncode < 0
            else f"exit code {returncode}"
        )
        super().__init__(f"actor '{name}' died unexpectedly ({how})")
        self.name = name
        self.returncode = returncode


def node_child_main(entry: Optional[str] = None) -> tuple[str, list[str]]:
    """Furrow's Node child entry (`entry`, else $FURROW_CHILD_MAIN, else the sources in a
    checkout of the repository, else the built one of the npm package around this
    package) and the flags it needs (the sources resolve `furrow` to themselves; they
    need a Node that strips types, 22.6+). A pip-installed package has no Node side of
    its own: name furrow's `child-main` with $FURROW_CHILD_MAIN or `node_entry=`."""
    entry = entry or os.environ.get("FURROW_CHILD_MAIN") or None
    if entry is None:
        source = os.path.join(_FURROW_ROOT, "src", "actor", "child-main.ts")
        entry = source if os.path.exists(source) else os.path.join(_FURROW_ROOT, "dist", "child-main.js")
    return entry, (["--conditions=furrow-source"] if entry.endswith(".ts") else [])


class _Child:
    """A started child: its process, its portal, and whether its end was asked for."""

    def __init__(self, name: str, proc: asyncio.subprocess.Process, portal: Portal) -> None:
        self.name = name
        self.proc = proc
        self.portal = portal
        self.stopping = False


class ActorNursery:
    """The handle `open_actor_nursery` gives: start actors, find them, cancel them.

    It is also the root actor its children talk to: it serves their calls (the
    registry, and the functions of `enable_modules`) as any actor does.
    """

    def __init__(
        self, name: str, tg: asyncio.TaskGroup, grace: float, kill_after: float, enable_modules: Sequence[str], log: str
    ) -> None:
        self.uid = (name, str(uuidlib.uuid4()))
        self._log = log
        self.modules = ModuleRegistry(enable_modules)
        self.modules.load_all()
        self.cancel_requested_by: Optional[tuple[str, str]] = None
        self.registrar = Registrar()
        self.rpc = RpcServer(self)
        self._peers: set[Connection] = set()
        self._tg = tg
        self._grace = grace
        self._kill_after = kill_after
        self._children: dict[str, _Child] = {}
        self._pending: dict[str, asyncio.Future[Connection]] = {}
        self._server: Optional[asyncio.AbstractServer] = None
        self.addr: dict[str, Any] = {}

    async def _listen(self) -> None:
        path = socket_path(runtime_dir(), self.uid[0], os.getpid(), secrets.token_hex(4))
        self._server = await serve_unix(path, self.uid[0], self.uid[1], self._accept)
        self.addr = {"kind": "uds", "path": path}

    def _accept(self, conn: Connection) -> None:
        """A Node child connecting back is matched to its spawn by the uuid in its Aid;
        any other actor (a grandchild registering, a peer that found the root) is served."""
        waiting = self._pending.pop(conn.peer_uid[1], None)
        if waiting is not None and not waiting.done():
            waiting.set_result(conn)
            return
        self._serve_peer(conn)

    def _serve_peer(self, conn: Connection) -> None:
        self._peers.add(conn)
        conn.on_close(lambda _err: self._peers.discard(conn))
        conn.on_dialog = self.rpc.on_dialog

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: Optional[str] = None) -> "asyncio.Task[Any]":
        """Run a task in the nursery's task group (the RPC server's calls run there)."""
        return self._tg.create_task(coro, name=name)

    async def _self_call(self, func: str, args: list[Any], ctx: Any) -> Any:
        """`furrow:runtime` at the root: the registry calls."""
        try:
            return await self.registrar.call(func, args, ctx._dialog.conn)
        except KeyError:
            raise ModuleNotEnabledError(f"the root runtime has no function '{func}'") from None

    async def start_actor(
        self,
        name: str,
        *,
        enable_modules: Sequence[str] = (),
        backend: str = "python",
        cwd: Optional[str] = None,
        env: Optional[dict[str, str]] = None,
        python: str = sys.executable,
        node: str = "node",
        node_entry: Optional[str] = None,
    ) -> Portal:
        """Start actor `name` (`backend` 'python' or 'node') serving `enable_modules`; its portal once it is ready.

        `python` / `node`: the interpreter (default this one / `node` from PATH);
        `node_entry`: furrow's Node child entry (default: the built one, else the sources).
        """
        if name in self._children:
            raise ValueError(f"an actor named '{name}' is already running in this nursery")
        if backend not in ("python", "node"):
            raise ValueError(f"unknown backend '{backend}' (use 'python' or 'node')")
        child_uuid = str(uuidlib.uuid4())
        if backend == "python":
            proc, conn = await self._spawn_python(name, child_uuid, cwd, env, python)
        else:
            proc, conn = await self._spawn_node(name, child_uuid, cwd, env, node, node_entry)
            enable_modules = [normalize_module(m) for m in enable_modules]
        conn.on_dialog = self.rpc.on_dialog
        child = _Child(name, proc, Portal(conn))
        self._children[name] = child
        self._tg.create_task(self._watch(child), name=f"furrow: watch {name}")
        try:
            conn.write_record(
                {
                    "type": "SpawnSpec",
                    "name": name,
                    "parent": list(self.uid),
                    "parentAddr": self.addr,
                    "registryAddr": self.addr,
                    "enableModules": list(enable_modules),
                    "debugMode": False,
                    "runtimeVars": {"log": self._log},
                }
            )
            ready = await child.portal.run("furrow:runtime:ready")
            self.registrar.add(list(ready["uid"]), ready.get("addr"), conn)
            logger.info("spawned actor '%s' (%s, pid %d, uid %s)", name, backend, proc.pid, child_uuid[:8])
        except BaseException:
            await asyncio.shield(self._stop(child))
            raise
        return child.portal

    async def _spawn_python(
        self, name: str, child_uuid: str, cwd: Optional[str], env: Optional[dict[str, str]], python: str
    ) -> tuple[asyncio.subprocess.Process, Connection]:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        boot = {"name": name, "uuid": child_uuid, "ppid": os.getpid(), "readFd": to_child_r, "writeFd": from_child_w}
        try:
            proc = await asyncio.create_subprocess_exec(
                python,
                "-c",
                RUN_PACKAGE,
                _PACKAGE_PARENT,
                json.dumps(boot),
                pass_fds=(to_child_r, from_child_w),
                stdin=asyncio.subprocess.DEVNULL,
                cwd=cwd,
                env=env,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        conn = await open_pipe_connection(from_child_r, to_child_w, self.uid[0], self.uid[1])
        return proc, conn

    async def _spawn_node(
        self,
        name: str,
        child_uuid: str,
        cwd: Optional[str],
        env: Optional[dict[str, str]],
        node: str,
        entry: Optional[str],
    ) -> tuple[asyncio.subprocess.Process, Connection]:
        entry, flags = node_child_main(entry)
        boot = {"name": name, "uuid": child_uuid, "parentAddr": self.addr}
        connected: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()
        self._pending[child_uuid] = connected
        proc = await asyncio.create_subprocess_exec(
            node, *flags, entry, json.dumps(boot), stdin=asyncio.subprocess.DEVNULL, cwd=cwd, env=env
        )
        exited: asyncio.Future[Any] = asyncio.ensure_future(proc.wait())
        waiting: set[asyncio.Future[Any]] = {connected, exited}
        try:
            done, _ = await asyncio.wait(waiting, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._pending.pop(child_uuid, None)
        if connected in done:
            exited.cancel()
            return proc, connected.result()
        if exited in done:
            raise ActorDiedError(name, proc.returncode)
        proc.kill()
        await proc.wait()
        raise TimeoutError(f"actor '{name}' did not connect back within 30 s")

    async def _watch(self, child: _Child) -> None:
        """Raise (cancelling the body and every other child) if `child` exits unasked."""
        code = await child.proc.wait()
        if not child.stopping:
            logger.info("actor '%s' died (exit %s)", child.name, code)
            child.stopping = True
            self._children.pop(child.name, None)
            child.portal.conn.close()
            kill_descendants(child.proc.pid)
            raise ActorDiedError(child.name, code)

    async def find_actor(self, name: str) -> Optional[Portal]:
        """A portal to an actor of the tree named `name` (the oldest), or None."""
        found = self.registrar.find(name)
        return await self._portal_to(found[0]) if found else None

    async def wait_for_actor(self, name: str) -> Portal:
        """A portal to an actor of the tree named `name`, once one is registered."""
        return await self._portal_to((await self.registrar.wait_for(name))[0])

    async def _portal_to(self, entry: dict[str, Any]) -> Portal:
        for child in self._children.values():
            if child.portal.uid[1] == entry["uid"][1]:
                return child.portal
        conn = await connect_unix(entry["addr"]["path"], self.uid[0], self.uid[1])
        self._serve_peer(conn)
        return Portal(conn)

    async def cancel_actor(self, name: str) -> None:
        """Tear child `name` down now (cancel request, grace, SIGTERM, SIGKILL)."""
        child = self._children.get(name)
        if child is not None:
            await self._stop(child)

    async def _stop(self, child: _Child) -> None:
        child.stopping = True
        self._children.pop(child.name, None)
        proc = child.proc
        if proc.returncode is None and not child.portal.conn.closed:
            with ignoring("the child may already be going; the wait below tells", Exception):
                await asyncio.wait_for(child.portal.run("furrow:runtime:cancel"), self._grace)
        for sig, wait in ((None, self._grace), (signal.SIGTERM, self._kill_after)):
            if proc.returncode is not None:
                break
            if sig is not None:
                with ignoring("it exited meanwhile", ProcessLookupError):
                    proc.send_signal(sig)
            with ignoring("it did not exit in time: the next step is harder", asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), wait)
        if proc.returncode is None:
            kill_descendants(proc.pid)
            with ignoring("it exited meanwhile", ProcessLookupError):
                proc.kill()
            await proc.wait()
        child.portal.conn.close()

    async def _stop_all(self) -> None:
        await asyncio.gather(*(self._stop(c) for c in list(self._children.values())))
        for peer in list(self._peers):
            peer.close()


@asynccontextmanager
async def open_actor_nursery(
    *,
    name: str = "root",
    grace: float = 2.0,
    kill_after: float = 1.0,
    enable_modules: Sequence[str] = (),
    log: Optional[str] = None,
) -> AsyncIterator[ActorNursery]:
    """Be the root of a furrow tree for the block: start actors with `an.start_actor(...)`.

    `enable_modules`: modules of this process whose functions the tree's actors may call.
    `log`: the log setting of the whole tree (as `FURROW_LOG`: `info`, `debug`,
    `warn,cancel`, ...; default $FURROW_LOG, else info), handed to every child.

    Leaving the block tears every child down; a child's unexpected death cancels the
    block and every other child, and raises (in an `ExceptionGroup`, as `TaskGroup` does).
    """
    async with asyncio.TaskGroup() as tg:
        spec = log if log is not None else os.environ.get("FURROW_LOG", DEFAULT_SPEC)
        parse_spec(spec)  # a bad setting is refused here (ValueError), not in every child
        an = ActorNursery(name, tg, grace, kill_after, enable_modules, spec)
        configure_log(spec, name, an.uid[1])
        await an._listen()
        try:
            yield an
        finally:
            await asyncio.shield(an._stop_all())
            if an._server is not None:
                an._server.close()
                with ignoring("the socket file may already be gone", OSError):
                    os.unlink(an.addr["path"])
