"""Bounds on what a client of the listening socket can hold (docs/asyncio.md "Connections"),
with shortened timeouts: a handshake must finish in time, a frame must be complete in
time after its first byte (unless this side's loop was what held it up), and only so
many connections may wait for their handshake at once. Raw client sockets over a real
Unix socket; the defaults are checked against the docs in test_defaults."""
from __future__ import annotations

import asyncio
import os
import tempfile
import time
import unittest

from furrow_asyncio import connection, listener
from furrow_asyncio.codec import encode_frame
from furrow_asyncio.connection import Connection
from furrow_asyncio.listener import serve_unix

AID = {
    "type": "Aid",
    "name": "client",
    "uuid": "0-client",
    "pid": 0,
    "runtime": "node",
    "version": 1,
}


class ListenerBoundsTest(unittest.IsolatedAsyncioTestCase):
    async def serve(self, **opts: object) -> "asyncio.Queue[Connection]":
        self.path = os.path.join(tempfile.mkdtemp(prefix="furrow-listener-"), "l.sock")
        accepted: asyncio.Queue[Connection] = asyncio.Queue()
        self.server = await serve_unix(
            self.path, "server", "ffff-server", accepted.put_nowait, **opts  # type: ignore[arg-type]  # per-test bound
        )
        self.addAsyncCleanup(self._close_server)
        return accepted

    async def _close_server(self) -> None:
        self.server.close()

    async def client(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        r, w = await asyncio.open_unix_connection(self.path)
        self.addCleanup(w.close)
        return r, w

    async def closed_within(self, r: asyncio.StreamReader, seconds: float) -> float:
        """Read until the server closes; return how long that took (fails after `seconds`)."""
        t0 = time.monotonic()
        while await asyncio.wait_for(r.read(65536), seconds):
            pass
        return time.monotonic() - t0

    async def test_handshake_must_finish_in_time(self) -> None:
        await self.serve(handshake_timeout=0.3)
        r, w = await self.client()
        w.write(encode_frame(AID)[:5])  # a slowloris Aid
        took = await self.closed_within(r, 5)
        self.assertGreaterEqual(took, 0.25)

    async def test_frame_must_be_complete_in_time(self) -> None:
        accepted = await self.serve()
        r, w = await self.client()
        w.write(encode_frame(AID))
        conn = await accepted.get()
        conn.frame_timeout = 0.3
        w.write(encode_frame({"type": "Ping", "seq": 1})[:6])
        took = await self.closed_within(r, 5)
        self.assertGreaterEqual(took, 0.25)
        assert conn.error is not None  # closed within the timeout, so its error is set
        self.assertEqual(conn.error.code, "timeout")
        self.assertRegex(str(conn.error), "was not complete 0.3 s after its first byte")

    async def test_complete_frames_and_idleness_are_not_timed_out(self) -> None:
        accepted = await self.serve()
        r, w = await self.client()
        w.write(encode_frame(AID))
        conn = await accepted.get()
        conn.frame_timeout = 0.3
        ping = encode_frame({"type": "Ping", "seq": 1})
        # every 0.2 s the end of one frame and the start of the next, in one write: each
        # frame completes 0.2 s after its first byte, while a frame is always partial
        w.write(ping[:6])
        for _ in range(4):
            await asyncio.sleep(0.2)
            w.write(ping[6:] + ping[:6])
        await asyncio.sleep(0.2)
        w.write(ping[6:])
        await asyncio.sleep(0.5)  # idle, no partial frame
        self.assertFalse(conn.closed, conn.error)
        self.assertEqual(conn.stats["pings"], 5)

    async def test_frame_deadline_forgives_this_loops_own_hold_up(self) -> None:
        accepted = await self.serve()
        r, w = await self.client()
        w.write(encode_frame(AID))
        conn = await accepted.get()
        conn.frame_timeout = 0.3
        # a big frame (more than one read): after the hold-up below, its first check comes
        # when only one more read of it has been taken from the socket
        ping = encode_frame({"type": "Ping", "seq": 1, "pad": b"x" * (4 * connection.READ_BYTES)})
        w.write(ping[:6])
        await asyncio.sleep(0.1)
        w.write(ping[6:])  # the rest is sent in time ...
        asyncio.get_running_loop().slow_callback_duration = 10
        time.sleep(0.3 + connection.FRAME_CHECK_LATE_S + 0.2)  # ... but this loop does not read it in time
        await asyncio.wait_for(w.drain(), 5)
        await asyncio.sleep(0.2)
        self.assertFalse(conn.closed, conn.error)
        self.assertEqual(conn.stats["pings"], 1)

    async def test_only_so_many_connections_wait_for_their_handshake(self) -> None:
        accepted = await self.serve(max_pending=2)
        waiting = [await self.client() for _ in range(2)]
        (
            r,
            _,
        ) = await self.client()  # one too many: closed at once, before anything is said
        self.assertLess(await self.closed_within(r, 2), 1.0)
        waiting[0][1].write(encode_frame(AID))  # a waiting one completes: room again
        await accepted.get()
        r, w = await self.client()
        w.write(encode_frame({**AID, "uuid": "1-client"}))
        self.assertEqual((await accepted.get()).peer["uuid"], "1-client")

    def test_defaults(self) -> None:
        # the bounds docs/asyncio.md states
        self.assertEqual(
            (
                connection.HANDSHAKE_TIMEOUT_S,
                connection.FRAME_TIMEOUT_S,
                listener.MAX_PENDING_HANDSHAKES,
            ),
            (10.0, 10.0, 64),
        )


if __name__ == "__main__":
    unittest.main()
