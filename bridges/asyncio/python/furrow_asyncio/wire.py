"""The asyncio protocol between a transport and its `Connection`: bytes in, end of
stream, a lost transport, and the transport's write flow control, each handed on."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Optional

from .errors import TransportError

if TYPE_CHECKING:
    from .connection import Connection


class Wire(asyncio.Protocol):
    """asyncio protocol for the read side and the write side of the connection."""

    def __init__(self, conn: "Connection") -> None:
        self.conn = conn
        self.paused = False
        self.resumed: Optional[asyncio.Future[None]] = None

    def data_received(self, data: bytes) -> None:
        self.conn._on_data(data)

    def eof_received(self) -> bool:
        self.conn._on_eof()
        return False

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if exc is not None:
            self.conn._fail(TransportError("dropped", f"connection to {self.conn.peer_name} lost: {exc}"))
        else:
            self.conn._on_eof()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.resumed is not None and not self.resumed.done():
            self.resumed.set_result(None)
