"""Accepting furrow connections on a Unix socket, with a bound on unauthenticated ones.

Each peer that connects is handshaken (protocol.md section 4) and handed over. At
most MAX_PENDING_HANDSHAKES connections may be mid-handshake at once: one more is
closed as soon as it is accepted, so silent or slow clients cannot pile up file
descriptors; each pending one is closed when its handshake times out (10 s).
"""
from __future__ import annotations

import asyncio
import os
from typing import Callable, Optional

from .connection import HANDSHAKE_TIMEOUT_S, Connection
from .wire import Wire
from .errors import TransportError
from .ignore import ignoring
from .peer_watch import PeerWatch

#: At most this many accepted connections may be waiting for their handshake at once.
MAX_PENDING_HANDSHAKES = 64


async def serve_unix(
    path: str,
    name: str,
    uuid: str,
    on_conn: Callable[[Connection], None],
    *,
    handshake_timeout: float = HANDSHAKE_TIMEOUT_S,
    max_pending: int = MAX_PENDING_HANDSHAKES,
    liveness: Optional[PeerWatch] = None,
) -> asyncio.AbstractServer:
    """Listen on the Unix socket `path` (made 0600); each peer that completes its handshake is handed to `on_conn`."""
    loop = asyncio.get_running_loop()
    pending = 0
    handshakes: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks

    async def handshake(conn: Connection, proto: Wire, transport: asyncio.Transport) -> None:
        nonlocal pending
        try:
            with ignoring(
                "a failed handshake has closed its connection already, and nobody waits on it",
                TransportError,
            ):
                await conn._attach(transport, transport, proto, handshake_timeout, liveness)
        finally:
            pending -= 1
        if not conn.closed:
            on_conn(conn)

    def factory() -> Wire:
        conn = Connection(name, uuid)
        proto = Wire(conn)

        def made(transport: asyncio.BaseTransport) -> None:
            nonlocal pending
            if pending >= max_pending:
                transport.abort()  # type: ignore[attr-defined]  # a socket transport, which has abort()
                return
            pending += 1
            task = loop.create_task(handshake(conn, proto, transport))  # type: ignore[arg-type]  # a stream transport
            handshakes.add(task)
            task.add_done_callback(handshakes.discard)

        setattr(proto, "connection_made", made)  # this connection's handshake starts when it is made
        return proto

    server = await loop.create_unix_server(factory, path)
    os.chmod(path, 0o600)
    return server
