"""Contexts and their streams (tractor's context, as in src/actor/context.ts).

A context is one side of a dialog between a task in one actor and a function in
another. The callee is an `async def` marked with `@context`; it gets a `Context`
first: `await ctx.started(value)`, then optionally
`async with ctx.open_stream() as stream:` with `await stream.send(x)` and
`async for msg in stream`. Each side's stream grants the peer a credit window
and re-grants as its consumer takes values, exactly as the Node side does
(protocol.md, "Flow control"), so memory stays bounded on both ends: a fixed
`window` if one is given, else the byte-aware `auto_window`.
"""
from __future__ import annotations

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Generic, Optional, TypeVar

from .codec import unpack
from .dialog import Dialog
from .errors import (
    ContextCancelled,
    EndOfStream,
    MsgTypeError,
    StreamOverrun,
    TransportError,
    box_error,
    unbox_error,
)
from .ignore import ignoring
from .messages import Record

DEFAULT_WINDOW = 512
#: Auto window bounds: at most this many messages outstanding at the peer ...
AUTO_MAX_MESSAGES = 4096
#: ... and at most about this many payload bytes (from the average payload seen so far).
AUTO_MAX_BYTES = 1 << 20
DEFAULT_MAX_BUFFER = 10_000
#: Credit granted by a side that allows overruns (the peer never waits).
UNLIMITED = 2**30

_CONTEXT_MARK = "__furrow_context__"
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
#: The type of a stream's values (`MsgStream[int]`); both directions carry the same type.
T = TypeVar("T")
_DONE = object()


def auto_window(messages: int, nbytes: int) -> int:
    """Receiver policy of a stream opened without an explicit `window`.

    How many credits to keep granted ahead of what this side consumed, given the
    Yields received so far and their payload bytes: DEFAULT_WINDOW until a message
    arrived, then as many as keep AUTO_MAX_BYTES of payload in flight, at most
    AUTO_MAX_MESSAGES and at least one. Small messages get more credit (fewer credit
    round trips), large ones less (bounded memory). Not a wire change: `Credit`
    records still count messages. Same policy as autoWindow in src/actor/receive-window.ts.
    """
    if messages == 0:
        return DEFAULT_WINDOW
    per_message = max(1.0, nbytes / messages)
    return max(1, min(AUTO_MAX_MESSAGES, int(AUTO_MAX_BYTES // per_message)))


def context(fn: F) -> F:
    """Mark an `async def fn(ctx, *args)` as a context function (opened with `portal.openContext`)."""
    marked: F = fn  # iscoroutinefunction narrows `fn`; the caller gets its own type back
    if not asyncio.iscoroutinefunction(fn):
        raise TypeError(f"@context needs an async def, got {fn!r}")
    setattr(fn, _CONTEXT_MARK, True)
    return marked


def is_context_fn(fn: Any) -> bool:
    """True if `fn` was marked with `@context`."""
    return getattr(fn, _CONTEXT_MARK, False) is True


class Context:
    """One side of a context: `side` is `'callee'` (the decorated function's) or `'opener'`."""

    # The state every context starts in, as class attributes: an instance sets only what
    # changes (a call's context is made for each `Start`, and most of it never changes).
    functype: Optional[str] = None
    _task: Optional[asyncio.Task[Any]] = None  # the task an error or cancel interrupts
    _began = False  # callee: its task has taken its first step (rpc.py answers for one that never did)
    _interrupted = False
    _first: Optional[tuple[Any]] = None
    _final: Optional[tuple[Any]] = None
    _error: Optional[BaseException] = None
    _remote_cancel: Optional[tuple[tuple[str, str], Optional[str]]] = None  # callee: (canceller, reason)
    _peer_failed = False
    _cancel_requested = False
    _cancel_sent = False
    _peer_stopped = False
    _started_sent = False
    _stream_opened = False
    _stop_sent = False
    # receive window: the target of credits granted ahead of consumption (0: none),
    # whether auto_window() sets it, credits granted the reader has not consumed,
    # and the Yields received and their payload bytes (auto_window's inputs)
    _window = 0
    _auto = False
    _ahead = 0
    _yields_in = 0
    _yield_bytes_in = 0
    _max_buffer: float = float("inf")

    def __init__(
        self,
        side: str,
        dialog: Dialog,
        self_uid: tuple[str, str],
        peer_uid: tuple[str, str],
        target: str,
    ) -> None:
        self.side = side
        self.self_uid = self_uid
        self.peer_uid = peer_uid
        self.target = target
        self._dialog = dialog
        self._inbox: deque[bytes] = deque()
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def cid(self) -> int:
        """The dialog's channel id."""
        return self._dialog.cid

    @property
    def done(self) -> bool:
        """True once the final `Return` or `Error` arrived, or the context failed."""
        return self._final is not None or self._error is not None

    async def started(self, value: Any = None) -> None:
        """Callee: send the first value (the opener's `openContext` body gets it). Exactly once."""
        if self.side != "callee":
            raise RuntimeError("started() is called by the callee of a context")
        if self._started_sent:
            raise RuntimeError(f"started() was called twice in context {self.target}")
        self._started_sent = True
        await self._dialog.send_value("Started", value)

    @asynccontextmanager
    async def open_stream(
        self,
        *,
        window: Optional[int] = None,
        allow_overruns: bool = False,
        max_buffer: int = DEFAULT_MAX_BUFFER,
    ) -> AsyncIterator["MsgStream[Any]"]:
        """Open this side's stream; on exit it is closed (the peer's iteration ends). One per context.

        `window`: how many values the peer may send ahead of this side's consumption
        (messages, fixed). Default: automatic, 512 at first, then up to 4096 for small
        messages and about 1 MiB of payload for large ones (see `auto_window`).
        `allow_overruns`: let the peer send without credit, failing with StreamOverrun past `max_buffer` unread.
        """
        if self.side == "callee" and not self._started_sent:
            raise RuntimeError(f"open_stream() before started() in context {self.target}: call ctx.started() first")
        if self._stream_opened:
            raise RuntimeError(f"context {self.target} already opened its stream (one stream per context)")
        self._stream_opened = True
        if allow_overruns:
            self._max_buffer = max_buffer
            self._dialog.grant(UNLIMITED)
        else:
            self._auto = window is None
            if window is None:
                window = DEFAULT_WINDOW
            if window < 1:
                raise ValueError(f"window must be >= 1 (got {window})")
            self._window = window
            # never more unread here than credit granted ahead, at most the largest window
            self._max_buffer = max(DEFAULT_WINDOW, AUTO_MAX_MESSAGES) if self._auto else window
            self._ahead = window
            self._dialog.grant(window)
        self._dialog.limit_sends()
        stream: MsgStream[Any] = MsgStream(self)
        try:
            yield stream
        finally:
            stream.close()

    def cancel(self, reason: Optional[str] = None) -> None:
        """Cancel the context. Callee: its own task is cancelled, the opener gets ContextCancelled
        naming this actor. Opener: the callee is asked to stop and the cancel is absorbed.
        """
        self._cancel_requested = True
        if self.side == "opener":
            self._send_cancel(reason)
        self._interrupt()

    async def result(self) -> Any:
        """Opener: wait for the callee's return value (raises its error)."""
        if self.side != "opener":
            raise RuntimeError("result() is for the opener of a context")
        await self._wait_for(lambda: self.done)
        if self._error is not None:
            raise self._error
        return self._decode(self._final[0])  # type: ignore[index]  # done means _final is set

    # ---- records from the dialog (called by the connection's reader, synchronously) ----

    def _on_record(self, m: Record) -> None:
        t = m["type"]
        if t == "Yield":
            pld = m["pld"]
            self._inbox.append(pld)
            self._yields_in += 1
            self._yield_bytes_in += len(pld)
            if len(self._inbox) > self._max_buffer:
                err = StreamOverrun(
                    f"stream of context {self.target} in actor '{self.self_uid[0]}' overran: "
                    f"more than {self._max_buffer} unread messages from '{self.peer_uid[0]}'"
                )
                self._fail(err)
                self._send_error(err)
                return
        elif t == "Stop":
            self._peer_stopped = True
        elif t == "Started":
            self._first = (m["pld"],)
        elif t == "StartAck":
            self.functype = m["functype"]
        elif t == "Return":
            self._final = (m["pld"],)
        elif t == "Error":
            self._peer_failed = True
            self._fail(unbox_error(m["error"]))
            return
        elif t == "Cancel" and self.side == "callee":
            if self._task is None or self._task.done():
                self._dialog.send_nowait({"type": "CancelAck", "ok": False})
                return
            if self._remote_cancel is None:
                self._remote_cancel = (
                    (m["canceller"][0], m["canceller"][1]),
                    m.get("reason"),
                )
            self._interrupt()
        self._wake()

    def _on_fail(self, err: BaseException) -> None:
        self._fail(err)

    # ---- internals ----

    def _fail(self, err: BaseException) -> None:
        if self._error is not None or self._final is not None:
            return
        self._error = err
        self._wake()
        self._interrupt()

    def _interrupt(self) -> None:
        t = self._task
        if t is not None and not t.done() and not self._interrupted:
            self._interrupted = True
            t.cancel(f"furrow: context {self.target} interrupted")

    def _send_error(self, err: BaseException) -> None:
        with ignoring(
            "the connection is gone: the peer learns of the failure from its end",
            TransportError,
        ):
            self._dialog.send_nowait({"type": "Error", "error": box_error(err, self.self_uid)})

    def _send_cancel(self, reason: Optional[str]) -> None:
        if self._cancel_sent or self.done:
            return
        self._cancel_sent = True
        with ignoring(
            "the connection is gone: the callee's work is being cancelled by its end",
            TransportError,
        ):
            self._dialog.send_nowait({"type": "Cancel", "canceller": list(self.self_uid), "reason": reason})

    async def _stop_remote(self, grace: float, reason: str = "opener left the context") -> None:
        """Opener: send Cancel and wait, at most `grace` s, for the callee's final record.
        A new cancel of this task while it waits ends the wait and is raised."""
        if self.done:
            return
        self._send_cancel(reason)
        waiter = asyncio.ensure_future(self._wait_for(lambda: self.done))
        try:
            await asyncio.wait_for(asyncio.shield(waiter), grace)
        except asyncio.TimeoutError:
            waiter.cancel()  # the callee did not confirm within the grace: the opener goes on without it
        except asyncio.CancelledError:
            waiter.cancel()
            raise

    async def _wait_for(self, cond: Callable[[], bool]) -> None:
        while not cond():
            f = asyncio.get_running_loop().create_future()
            self._waiters.append(f)
            try:
                await f
            finally:
                if f in self._waiters:
                    self._waiters.remove(f)

    def _wake(self) -> None:
        ws, self._waiters = self._waiters, []
        for f in ws:
            if not f.done():
                f.set_result(None)

    def _decode(self, pld: bytes) -> Any:
        try:
            return unpack(pld)
        except Exception as e:
            err = MsgTypeError(f"dialog {self.cid} ({self.target}): a payload that does not decode: {e}")
            self._fail(err)
            self._send_error(err)
            raise err from None

    async def _send(self, value: Any) -> None:
        if self._error is not None:
            raise self._error
        if self._stop_sent:
            raise EndOfStream("this side of the stream is closed")
        await self._dialog.send_value("Yield", value)

    def _send_stop(self) -> None:
        if self._stop_sent or self.done:
            return
        self._stop_sent = True
        with ignoring(
            "the connection is gone: the peer's stream ends with its failure",
            TransportError,
        ):
            self._dialog.send_nowait({"type": "Stop"})

    async def _next(self) -> Any:
        while True:
            if self._inbox:
                pld = self._inbox.popleft()
                if self._window > 0:
                    self._ahead -= 1
                    if self._auto:
                        self._window = auto_window(self._yields_in, self._yield_bytes_in)
                    # top the credit back up to the window once half of it was consumed
                    add = self._window - self._ahead
                    if add * 2 >= self._window and not self.done:
                        self._dialog.grant(add)
                        self._ahead = self._window
                return self._decode(pld)
            if self._error is not None:
                raise self._error
            if self._peer_stopped or self._final is not None:
                return _DONE
            await self._wait_for(lambda: bool(self._inbox) or self._peer_stopped or self.done)


class MsgStream(Generic[T]):
    """One side of a context's stream: `send`, `receive`, `async for`, `close`.

    Generic in its values: annotate `stream: MsgStream[int]` to have a type checker
    hold both directions to `int` (the wire carries whatever msgpack can)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.closed = False

    async def send(self, value: T) -> None:
        """Send one value; waits while the peer's credit window is spent."""
        if self.closed:
            raise EndOfStream("this stream was closed: cannot send")
        ctx = self._ctx  # Context._send inlined: this is the per-message path
        if ctx._error is not None:
            raise ctx._error
        if ctx._stop_sent:
            raise EndOfStream("this side of the stream is closed")
        d = ctx._dialog
        if not d.send_yield_nowait(value):
            await d.send_value("Yield", value)

    async def receive(self) -> T:
        """The next value from the peer; EndOfStream once it closed its side and everything was read."""
        v = await self._ctx._next()
        if v is _DONE:
            raise EndOfStream(f"the peer '{self._ctx.peer_uid[0]}' closed the stream of context {self._ctx.target}")
        value: T = v
        return value

    def close(self) -> None:
        """Close this side: the peer's iteration ends after what was sent. Idempotent."""
        if not self.closed:
            self.closed = True
            self._ctx._send_stop()

    def stats(self) -> dict[str, Any]:
        """Memory held for this stream right now, to check it stays bounded.

        `buffered`: values received from the peer and not yet read. `credit`: Yields this
        side may still send before waiting (None when sends are not limited). `granted`:
        Yields the peer may still send to this side. `send_buffer`: bytes of the whole
        connection not yet handed to the OS (this stream's sends wait on it).
        """
        d = self._ctx._dialog
        return {
            "buffered": len(self._ctx._inbox),
            "credit": d._credit if d._limited else None,
            "granted": d._outstanding,
            "send_buffer": d.conn.send_buffer_bytes,
        }

    def __aiter__(self) -> "MsgStream[T]":
        return self

    async def __anext__(self) -> T:
        v = await self._ctx._next()
        if v is _DONE:
            raise StopAsyncIteration
        value: T = v
        return value


__all__ = ["Context", "MsgStream", "context", "is_context_fn", "ContextCancelled"]
