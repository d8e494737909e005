"""A portal to another actor over a connection (here: the parent): run its functions, open contexts.

Python code in a child reaches the parent with `current_actor().parent`:
`await parent.run('module:fn', *args)` and
`async with parent.open_context('module:fn', *args) as (ctx, first): ...`.
Cancelling the waiting task sends `Cancel` and waits (bounded) for the remote task.
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from .codec import pack
from .connection import Connection
from .contexts import Context
from .errors import ContextCancelled, MsgTypeError
from .modules import parse_target

#: How long a cancelled caller waits for the remote task to confirm (seconds).
CANCEL_GRACE = 3.0


class Portal:
    """Calls into the actor at the other end of `conn`."""

    def __init__(self, conn: Connection, *, cancel_grace: float = CANCEL_GRACE) -> None:
        self.conn = conn
        self.cancel_grace = cancel_grace

    @property
    def uid(self) -> tuple[str, str]:
        """The remote actor's `(name, uuid)`."""
        return self.conn.peer_uid

    def _open(self, target: str, args: tuple[Any, ...]) -> Context:
        ns, func = parse_target(target)
        try:
            pld = pack(list(args))
        except Exception as e:
            raise MsgTypeError(f"cannot encode the arguments of {target}: {e}") from e
        d = self.conn.open_dialog()
        ctx = Context("opener", d, self.conn.local_uid, self.conn.peer_uid, target)
        d.handler = ctx
        d.send_nowait({"type": "Start", "ns": ns, "func": func, "pld": pld})
        return ctx

    async def run(self, target: str, *args: Any) -> Any:
        """Call `'module:fn'` in the remote actor and return its result (raises RemoteActorError)."""
        ctx = self._open(target, args)
        try:
            return await ctx.result()
        except asyncio.CancelledError:
            await ctx._stop_remote(self.cancel_grace, "caller cancelled")
            raise
        finally:
            ctx._dialog.close()

    @asynccontextmanager
    async def open_context(self, target: str, *args: Any) -> AsyncIterator[tuple[Context, Any]]:
        """Open a context with the remote `@context` function; yields `(ctx, first)`.

        On normal exit waits for the remote result (its error is raised). If the body
        raises, the remote task is cancelled first. `ctx.cancel()` in the body cancels
        the remote task and the cancel is absorbed.
        """
        ctx = self._open(target, args)
        ctx._task = asyncio.current_task()
        try:
            try:
                await ctx._wait_for(lambda: ctx._first is not None or ctx.done)
                if ctx._first is None:
                    if ctx._error is not None:
                        raise ctx._error
                    raise MsgTypeError(f"context {target} returned before calling started()")
                first = ctx._decode(ctx._first[0])
                yield ctx, first
            except asyncio.CancelledError:
                if ctx._interrupted and _uncancel():
                    if ctx._cancel_requested and (ctx._error is None or _cancelled_by(ctx._error, ctx.self_uid)):
                        await ctx._stop_remote(self.cancel_grace)
                        return
                    if ctx._error is not None:
                        raise ctx._error from None
                await ctx._stop_remote(self.cancel_grace)
                raise
            except BaseException:
                await ctx._stop_remote(self.cancel_grace, "the opener's body raised")
                raise
            ctx._task = None
            if ctx._cancel_requested:
                await ctx._stop_remote(self.cancel_grace)
                if ctx._error is not None and not _cancelled_by(ctx._error, ctx.self_uid):
                    raise ctx._error
                return
            await ctx.result()
        finally:
            ctx._task = None
            ctx._dialog.close()


def _cancelled_by(err: BaseException, uid: tuple[str, str]) -> bool:
    return isinstance(err, ContextCancelled) and err.canceller == uid


def _uncancel() -> bool:
    """Undo one cancel request on the current task (3.11+); True if the caller may absorb it."""
    task = asyncio.current_task()
    uncancel = getattr(task, "uncancel", None)
    if uncancel is not None:
        uncancel()
    return True


__all__ = ["Portal", "CANCEL_GRACE"]
