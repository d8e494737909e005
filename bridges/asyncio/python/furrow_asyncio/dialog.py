"""One dialog (one `cid`) on a furrow connection: its in-order buffer, the handler
that consumes its records, and credit-window flow control for `Yield`s
(protocol.md sections 5 and 6). The connection's reader fills it without waiting.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Optional, Protocol

from .codec import pack, payload_frame
from .errors import MsgTypeError, TransportError
from .messages import Record

if TYPE_CHECKING:
    from .connection import Connection


class DialogHandler(Protocol):
    """What a dialog hands its records to (a Context)."""

    def _on_record(self, rec: Record) -> None:
        ...

    def _on_fail(self, err: BaseException) -> None:
        ...


class Dialog:
    """One `cid` on a connection: sends records, counts credit, hands received records to its handler."""

    __slots__ = (
        "conn",
        "cid",
        "local",
        "_handler",
        "closed",
        "error",
        "_credit",
        "_limited",
        "_credit_waiter",
        "_window",
        "_outstanding",
        "_early",
    )

    def __init__(self, conn: "Connection", cid: int, local: bool) -> None:
        self.conn = conn
        self.cid = cid
        self.local = local
        self._handler: Optional[DialogHandler] = None
        self.closed = False
        self.error: Optional[BaseException] = None
        self._credit = 0
        self._limited = False
        self._credit_waiter: Optional[asyncio.Future[None]] = None
        self._window = 0  # > 0 once this side granted credit: Yields past it break the window
        self._outstanding = 0
        self._early: Optional[list[Record]] = None  # records that came before a handler was set

    @property
    def handler(self) -> Optional[DialogHandler]:
        """What the dialog hands its records to. Records that came before it was set (a
        `Cancel` read while the dialog waited for the server to take it) are handed to
        it when it is set."""
        return self._handler

    @handler.setter
    def handler(self, handler: Optional[DialogHandler]) -> None:
        self._handler = handler
        early, self._early = self._early, None
        if early is not None and handler is not None:
            for rec in early:
                handler._on_record(rec)

    # ---- sending ----

    def send_nowait(self, rec: Record) -> None:
        """Queue one record (its `cid` is added). Raises TransportError if the connection is gone."""
        if self.error is not None and isinstance(self.error, TransportError):
            raise self.error
        rec["cid"] = self.cid
        self.conn.write_record(rec)

    def _frame(self, type_: str, value: Any) -> bytes:
        """The whole frame of a payload record: the payload packed once, behind a pre-built header.

        Raises MsgTypeError if the value cannot be encoded.
        """
        try:
            return payload_frame(type_, self.cid, pack(value))
        except Exception as e:
            raise MsgTypeError(f"cannot encode a {type_} value on dialog {self.cid}: {type(e).__name__}: {e}") from e

    def send_yield_nowait(self, value: Any) -> bool:
        """Queue a `Yield` at once if that needs no waiting: True if it was queued.

        False (nothing encoded, nothing sent) when the peer's credit is spent or the
        OS pipe is full; then `await send_value("Yield", value)` waits for either.
        The stream's per-message path: no coroutine, no loop turn.
        """
        conn = self.conn
        if (self._limited and self._credit <= 0) or conn.write_paused:
            return False
        err = self.error
        if err is not None and isinstance(err, TransportError):
            raise err
        frame = self._frame("Yield", value)
        if self._limited:
            self._credit -= 1
        conn.write_frame(frame)
        return True

    async def send_value(self, type_: str, value: Any) -> None:
        """Send a payload record (`Started`, `Yield`, `Return`); a `Yield` waits for credit when sends are limited.

        Raises MsgTypeError (nothing sent) if the value cannot be encoded.
        """
        frame = self._frame(type_, value)
        is_yield = type_ == "Yield"
        if is_yield and self._limited:
            if self._credit <= 0:
                await self._wait_credit()
            self._credit -= 1
        err = self.error
        if err is not None and isinstance(err, TransportError):
            raise err
        conn = self.conn
        # a first or final value goes out now, even if the caller then blocks the loop
        conn.write_frame(frame, now=not is_yield)
        if conn.write_paused:
            await conn.drain()

    async def _wait_credit(self) -> None:
        while self._credit <= 0:
            if self.error is not None:
                raise self.error
            if self.closed:
                raise TransportError("closed", f"dialog {self.cid} is closed")
            self._credit_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._credit_waiter
            finally:
                self._credit_waiter = None

    def limit_sends(self) -> None:
        """From now on each `Yield` sent uses one credit granted by the peer."""
        self._limited = True

    def grant(self, n: int) -> None:
        """Grant the peer `n` more `Yield`s (and start checking it keeps to what was granted)."""
        self._window = max(self._window, 1)
        self._outstanding += n
        if not self.closed and self.error is None and not self.conn.closed:
            self.send_nowait({"type": "Credit", "n": n})

    def close(self) -> None:
        """Forget this dialog: late records for it are dropped."""
        if not self.closed:
            self.closed = True
            self.conn._forget(self.cid)
            self._wake_credit()

    # ---- receiving (called by the connection's reader) ----

    def _deliver(self, rec: Record) -> None:
        t = rec["type"]
        if t == "Credit":
            self._credit += rec["n"]
            self._wake_credit()
            return
        if t == "Yield" and self._window > 0:
            self._outstanding -= 1
            if self._outstanding < 0:
                self._fail(
                    TransportError(
                        "credit",
                        f"dialog {self.cid}: the peer sent a Yield past the credit it was granted",
                    )
                )
                return
        if self._handler is not None:
            self._handler._on_record(rec)
        elif self._early is None:
            self._early = [rec]
        else:
            self._early.append(rec)

    def _fail(self, err: BaseException) -> None:
        if self.error is None:
            self.error = err
            self._wake_credit()
            if self._handler is not None:
                self._handler._on_fail(err)

    def _wake_credit(self) -> None:
        w = self._credit_waiter
        if w is not None and not w.done():
            w.set_result(None)
