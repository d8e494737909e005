"""The RPC server: one task per `Start` from the peer, each cancellable by `Cancel`.

`async def` functions are awaited, plain `def` ones run in the default thread
executor (so they never block the loop), `@context` functions get a `Context`.
Outcomes, as the protocol says:

- returns `v`            -> `Return v`
- raises `E`             -> `Error` boxing `E` with its Python traceback
- `Cancel` from the peer -> `task.cancel()`; once the task ended (its `finally`
  blocks ran) `CancelAck ok` then `Error ContextCancelled` naming the canceller
  (or `Return` if it swallowed the cancel and returned)
- the task cancels itself (`ctx.cancel()`, `task.cancel()`, `raise CancelledError`)
  -> `Error ContextCancelled` whose canceller is this actor
"""
from __future__ import annotations

import asyncio
import functools
import inspect
import time
import traceback
from typing import Any, Coroutine, Optional, Protocol

from .codec import unpack
from .dialog import Dialog
from .contexts import Context
from .errors import MsgTypeError, TransportError, box_cancelled, box_error
from .ignore import ignoring
from .log import cancel_log
from .messages import Record
from .modules import ModuleRegistry


class RpcHost(Protocol):
    """What the server needs from the actor it serves for: a child actor, or a Python root."""

    uid: tuple[str, str]
    modules: ModuleRegistry
    cancel_requested_by: Optional[tuple[str, str]]

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: Optional[str] = None) -> "asyncio.Task[Any]":
        ...

    async def _self_call(self, func: str, args: list[Any], ctx: Any) -> Any:
        ...


#: The runtime's own namespace (`ready`, `cancel`), as on the Node side (RUNTIME_NS).
SELF_NS = "furrow:runtime"
_PEER_GONE = "the connection is gone: the caller's dialog has failed on its side already, nobody is left to tell"


class RpcServer:
    """Serves the dialogs the peer opens on the actor's connection."""

    def __init__(self, actor: RpcHost) -> None:
        self.actor = actor
        self.tasks: dict[int, asyncio.Task[None]] = {}
        #: each running task's context and when it started (`time.monotonic()`), for `furrow:runtime:tree`
        self.running: dict[int, tuple[Context, float]] = {}
        #: set by `stop()`: a call that starts from then on is cancelled at once
        self._stopping = False

    def on_dialog(self, d: Dialog, start: Record) -> None:
        """Called by the connection's reader for each new dialog (its first record is `Start`)."""
        a = self.actor
        ctx = Context("callee", d, a.uid, d.conn.peer_uid, f"{start['ns']}:{start['func']}")
        task = a.spawn(self._serve(ctx, start), name=f"furrow:{ctx.target}#{d.cid}")
        ctx._task = task
        self.tasks[d.cid] = task
        self.running[d.cid] = (ctx, time.monotonic())
        task.add_done_callback(functools.partial(self._ended, ctx))
        # set once the task exists: a Cancel that came before (handed over now) reaches it
        d.handler = ctx
        if self._stopping:
            task.cancel()

    async def stop(self) -> None:
        """Cancel every call, and any that starts from now on; return once each has ended.

        Each cancelled call answers its caller (`ContextCancelled`) where the caller still
        listens. A cancel of the task that waits here is raised once they have all ended,
        as a `TaskGroup` would.
        """
        self._stopping = True
        for t in list(self.tasks.values()):
            t.cancel()
        interrupted: Optional[asyncio.CancelledError] = None
        while self.tasks:
            try:
                await asyncio.wait(list(self.tasks.values()))
            except asyncio.CancelledError as e:
                interrupted = e
        if interrupted is not None:
            raise interrupted

    def _ended(self, ctx: Context, task: "asyncio.Task[None]") -> None:
        d = ctx._dialog
        self.tasks.pop(d.cid, None)
        self.running.pop(d.cid, None)
        if not ctx._began and task.cancelled():
            # cancelled before its first step (a Cancel, or the actor's stop, read in the
            # same chunk as the Start): the body never ran, so the answer is given here
            self._answer_cancelled(ctx, asyncio.CancelledError())
            d.close()

    async def _serve(self, ctx: Context, start: Record) -> None:
        ctx._began = True
        d = ctx._dialog
        try:
            try:
                args = unpack(start["pld"])
                if not isinstance(args, list):
                    raise MsgTypeError(f"Start on dialog {d.cid}: arguments must be an array")
            except MsgTypeError as e:
                self._send(d, {"type": "Error", "error": box_error(e, self.actor.uid)})
                return
            except Exception as e:
                err = MsgTypeError(f"Start on dialog {d.cid}: the arguments do not decode: {e}")
                self._send(d, {"type": "Error", "error": box_error(err, self.actor.uid)})
                return
            await self._run(ctx, start["ns"], start["func"], args)
        finally:
            d.close()

    async def _run(self, ctx: Context, ns: str, func: str, args: list[Any]) -> None:
        d = ctx._dialog
        a = self.actor
        try:
            if ns == SELF_NS:
                result = await a._self_call(func, args, ctx)
            else:
                fn, kind = a.modules.lookup(ns, func)
                if kind == "context":
                    self._send(d, {"type": "StartAck", "functype": "context"})
                    ctx.functype = "context"
                    result = await fn(ctx, *args)
                elif kind == "asyncfunc":
                    result = await fn(*args)
                elif kind == "sync":
                    loop = asyncio.get_running_loop()
                    result = await loop.run_in_executor(None, functools.partial(fn, *args))
                    if inspect.isawaitable(result):
                        result = await result
                else:
                    raise TypeError(f"{ns}:{func} is an async generator: use a @context function with a stream instead")
        except asyncio.CancelledError as e:
            self._answer_cancelled(ctx, e)
            return
        except Exception as e:
            if (getattr(a, "spec", None) or {}).get("debugMode"):
                # post-mortem: pdb on the traceback in the root's terminal, before the error is boxed
                from .debug import crash_pause

                crash_pause(e, ctx.target)
            if ctx._remote_cancel is not None:
                self._send(d, {"type": "CancelAck", "ok": True})
            self._send(d, {"type": "Error", "error": box_error(e, a.uid)})
            return
        if ctx._remote_cancel is not None:
            self._send(d, {"type": "CancelAck", "ok": True})
        try:
            with ignoring(_PEER_GONE, TransportError):
                await d.send_value("Return", result)
        except MsgTypeError as e:
            self._send(d, {"type": "Error", "error": box_error(e, a.uid)})

    def _answer_cancelled(self, ctx: Context, e: asyncio.CancelledError) -> None:
        """A cancelled task's answer: `CancelAck` and `ContextCancelled` naming who cancelled it."""
        d = ctx._dialog
        a = self.actor
        if ctx._remote_cancel is not None:
            canceller, reason = ctx._remote_cancel
            self._send(d, {"type": "CancelAck", "ok": True})
        elif ctx._error is not None:
            # the opener failed or the connection dropped: it is not listening, but the log is
            by = a.cancel_requested_by
            if by is not None:
                cancel_log.debug("task %s cancelled by '%s' [%s]: actor cancelled", ctx.target, by[0], by[1][:8])
            else:
                cancel_log.debug("task %s cancelled: its opener is gone (%s)", ctx.target, ctx._error)
            return
        elif a.cancel_requested_by is not None:
            canceller, reason = a.cancel_requested_by, "actor cancelled"
        else:
            canceller = a.uid
            reason = "the task cancelled itself" + (
                f": {e.args[0]}" if e.args and e.args[0] and not ctx._interrupted else ""
            )
        cancel_log.debug("task %s cancelled by '%s' [%s]: %s", ctx.target, canceller[0], canceller[1][:8], reason)
        stack = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        self._send(
            d,
            {
                "type": "Error",
                "error": box_cancelled(a.uid, canceller, reason, stack),
            },
        )

    @staticmethod
    def _send(d: Dialog, rec: Record) -> None:
        with ignoring(_PEER_GONE, TransportError):
            d.send_nowait(rec)
            d.conn.flush()
