"""Opening a `Connection` over a transport: two pipe fds (a child's link to its parent)
or a connected stream socket (a peer, the registrar, a Node child connecting back), with
the handshake done before it is handed out."""

from __future__ import annotations

import asyncio
import os
from typing import Any, Optional

from .connection import HANDSHAKE_TIMEOUT_S, Connection
from .wire import Wire
from .peer_watch import PeerWatch


async def open_pipe_connection(
    read_fd: int,
    write_fd: int,
    name: str,
    uuid: Optional[str] = None,
    *,
    handshake_timeout: float = HANDSHAKE_TIMEOUT_S,
) -> Connection:
    """Open a connection over two pipe (or socket) fds, e.g. the parent's fds 3 and 4, and do the handshake."""
    loop = asyncio.get_running_loop()
    conn = Connection(name, uuid)
    rproto, wproto = Wire(conn), Wire(conn)
    wtransport, _ = await loop.connect_write_pipe(lambda: wproto, os.fdopen(write_fd, "wb", buffering=0, closefd=True))
    rtransport, _ = await loop.connect_read_pipe(lambda: rproto, os.fdopen(read_fd, "rb", buffering=0, closefd=True))
    await conn._attach(rtransport, wtransport, wproto, handshake_timeout)
    return conn


async def open_socket_connection(
    sock: Any,
    name: str,
    uuid: Optional[str] = None,
    *,
    handshake_timeout: float = HANDSHAKE_TIMEOUT_S,
    liveness: Optional[PeerWatch] = None,
) -> Connection:
    """Open a connection over a connected stream socket (tests, or peers reached over a socket)."""
    loop = asyncio.get_running_loop()
    conn = Connection(name, uuid)
    proto = Wire(conn)
    transport, _ = await loop.create_connection(lambda: proto, sock=sock)
    await conn._attach(transport, transport, proto, handshake_timeout, liveness)
    return conn


async def connect_unix(path: str, name: str, uuid: Optional[str] = None) -> Connection:
    """Connect to the actor listening on the Unix socket `path` and do the handshake."""
    import socket  # lazily: only actors that reach a peer or a registrar need it

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, path)
    except BaseException:
        sock.close()
        raise
    return await open_socket_connection(sock, name, uuid)
