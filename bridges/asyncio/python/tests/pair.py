"""Test helpers: two connections over a socketpair in this process, and a context
opened from one to the other whose callee side runs a given coroutine."""
from __future__ import annotations

import asyncio
import socket
from typing import Awaitable, Callable

from furrow_asyncio.codec import pack
from furrow_asyncio.connection import Connection
from furrow_asyncio.links import open_socket_connection
from furrow_asyncio.contexts import Context


async def connection_pair() -> tuple[Connection, Connection]:
    """Connections `a` (uuid "aaa") and `b` (uuid "bbb"), handshaken over a socketpair."""
    a_sock, b_sock = socket.socketpair()
    a, b = await asyncio.gather(
        open_socket_connection(a_sock, "a", "aaa"),
        open_socket_connection(b_sock, "b", "bbb"),
    )
    return a, b


async def open_context(a: Connection, b: Connection, serve: Callable[[Context], Awaitable[None]]) -> Context:
    """Open a context from `a` to `b`, where the callee runs `serve(ctx)` as a task;
    return the opener's side once the callee called `started()` (or finished)."""

    def on_dialog(d, start):
        callee = Context("callee", d, b.local_uid, b.peer_uid, "t")
        d.handler = callee
        asyncio.ensure_future(serve(callee))

    b.on_dialog = on_dialog
    d = a.open_dialog()
    opener = Context("opener", d, a.local_uid, a.peer_uid, "t")
    d.handler = opener
    d.send_nowait({"type": "Start", "ns": "x", "func": "y", "pld": pack([])})
    await opener._wait_for(lambda: opener._first is not None or opener.done)
    return opener
