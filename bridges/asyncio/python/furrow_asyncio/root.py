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

This root is the registrar of its direct children (`find_actor`); a child's own
children do not register with it yet.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import secrets
import signal
import sys
import uuid as uuidlib
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Optional, Sequence

from .connection import Connection, open_pipe_connection
from .ignore import ignoring
from .listener import serve_unix
from .portal import Portal
from .procfs import kill_descendants
from .sockdir import runtime_dir, socket_path

#: The package directory's parent: on a Python child's PYTHONPATH, so it imports this package.
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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
    """Furrow's Node child entry (`entry`, else the built one if there is one, else the
    sources) and the flags it needs (the sources resolve `furrow` to themselves)."""
    if entry is None:
        built = os.path.join(_FURROW_ROOT, "dist", "child-main.js")
        entry = built if os.path.exists(built) else os.path.join(_FURROW_ROOT, "src", "actor", "child-main.ts")
    return entry, (["--conditions=furrow-source"] if entry.endswith(".ts") else [])


def _node_module(spec: str) -> str:
    """A module as a Node actor names it: paths become `file:` URLs (as the TypeScript side normalises them)."""
    if spec.startswith("file:") or not (os.path.isabs(spec) or spec.startswith("./") or spec.startswith("../")):
        return spec
    return pathlib.Path(os.path.abspath(spec)).as_uri()


class _Child:
    """A started child: its process, its portal, and whether its end was asked for."""

    def __init__(self, name: str, proc: asyncio.subprocess.Process, portal: Portal) -> None:
        self.name = name
        self.proc = proc
        self.portal = portal
        self.stopping = False


class ActorNursery:
    """The handle `open_actor_nursery` gives: start actors, find them, cancel them."""

    def __init__(self, name: str, tg: asyncio.TaskGroup, grace: float, kill_after: float) -> None:
        self.uid = (name, str(uuidlib.uuid4()))
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
        """A Node child connecting back is matched to its spawn by the uuid in its Aid."""
        waiting = self._pending.pop(conn.peer_uid[1], None)
        if waiting is not None and not waiting.done():
            waiting.set_result(conn)
        else:
            conn.close()  # only this root's own children may connect

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
            enable_modules = [_node_module(m) for m in enable_modules]
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
                    "runtimeVars": {},
                }
            )
            await child.portal.run("furrow:runtime:ready")
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
        child_env = dict(env if env is not None else os.environ)
        child_env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, child_env.get("PYTHONPATH", "")) if p)
        try:
            proc = await asyncio.create_subprocess_exec(
                python,
                "-m",
                "furrow_asyncio",
                json.dumps(boot),
                pass_fds=(to_child_r, from_child_w),
                stdin=asyncio.subprocess.DEVNULL,
                cwd=cwd,
                env=child_env,
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
            child.stopping = True
            self._children.pop(child.name, None)
            child.portal.conn.close()
            kill_descendants(child.proc.pid)
            raise ActorDiedError(child.name, code)

    def find_actor(self, name: str) -> Optional[Portal]:
        """The portal of the running child named `name`, if any."""
        child = self._children.get(name)
        return child.portal if child is not None else None

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


@asynccontextmanager
async def open_actor_nursery(
    *, name: str = "root", grace: float = 2.0, kill_after: float = 1.0
) -> AsyncIterator[ActorNursery]:
    """Be the root of a furrow tree for the block: start actors with `an.start_actor(...)`.

    Leaving the block tears every child down; a child's unexpected death cancels the
    block and every other child, and raises (in an `ExceptionGroup`, as `TaskGroup` does).
    """
    async with asyncio.TaskGroup() as tg:
        an = ActorNursery(name, tg, grace, kill_after)
        await an._listen()
        try:
            yield an
        finally:
            await asyncio.shield(an._stop_all())
            if an._server is not None:
                an._server.close()
                with ignoring("the socket file may already be gone", OSError):
                    os.unlink(an.addr["path"])
