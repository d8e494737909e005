"""The receiver's automatic credit window (open_stream() without `window`): more than
the initial 512 credits outstanding for small messages, about 1 MiB of payload
outstanding for large ones, a fixed window when one is given. Two connections over
a socketpair, both in this process."""
from __future__ import annotations

import asyncio
import socket
import unittest
from typing import Any, Callable, Optional

from furrow_asyncio.codec import pack
from furrow_asyncio.connection import open_socket_connection
from furrow_asyncio.contexts import Context, auto_window


async def receive_stream(n: int, make: Callable[[int], Any], window: Optional[int], on_value: Callable[[int, Any, dict], None]) -> None:
    """`a` sends `n` values `make(i)`; `b` receives them through a stream opened with
    `window`, calling `on_value(i, value, stream.stats())` after each one."""
    a_sock, b_sock = socket.socketpair()
    a, b = await asyncio.gather(open_socket_connection(a_sock, "a", "aaa"), open_socket_connection(b_sock, "b", "bbb"))
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_dialog(d, start):  # b serves: a context that receives
        ctx = Context("callee", d, b.local_uid, b.peer_uid, "t")
        d.handler = ctx

        async def serve() -> None:
            try:
                await ctx.started(None)
                async with ctx.open_stream(window=window) as s:
                    for i in range(n):
                        on_value(i, await s.receive(), s.stats())
                done.set_result(None)
            except BaseException as e:  # surfaced by the awaiting test
                done.set_exception(e)

        asyncio.ensure_future(serve())

    b.on_dialog = on_dialog
    d = a.open_dialog()
    ctx = Context("opener", d, a.local_uid, a.peer_uid, "t")
    d.handler = ctx
    d.send_nowait({"type": "Start", "ns": "x", "func": "y", "pld": pack([])})
    await ctx._wait_for(lambda: ctx._first is not None or ctx.done)
    async with ctx.open_stream() as s:
        for i in range(n):
            await s.send(make(i))
        await asyncio.wait_for(done, 30)
    a.close()
    b.close()


class AutoWindowTest(unittest.IsolatedAsyncioTestCase):
    def test_policy(self) -> None:
        self.assertEqual(auto_window(0, 0), 512)
        self.assertEqual(auto_window(100, 300), 4096)
        self.assertEqual(auto_window(10, 10 * 256 * 1024), 4)
        self.assertEqual(auto_window(10, 10 * 1024), 1024)
        self.assertEqual(auto_window(1, 8 << 20), 1)

    async def test_small_messages_get_more_than_512_credits(self) -> None:
        most = 0

        def on_value(i: int, v: Any, stats: dict) -> None:
            nonlocal most
            self.assertEqual(v, i)
            most = max(most, stats["granted"])

        await receive_stream(6000, lambda i: i, None, on_value)
        self.assertGreater(most, 512)
        self.assertLessEqual(most, 4096)

    async def test_explicit_window_stays_fixed(self) -> None:
        most = 0

        def on_value(i: int, v: Any, stats: dict) -> None:
            nonlocal most
            self.assertEqual(v, i)
            most = max(most, stats["granted"])

        await receive_stream(3000, lambda i: i, 512, on_value)
        self.assertEqual(most, 512)

    async def test_large_messages_stay_within_the_byte_budget(self) -> None:
        size = 256 * 1024
        most = 0

        def on_value(i: int, v: Any, stats: dict) -> None:
            nonlocal most
            self.assertEqual((len(v), v[0]), (size, i & 0xFF))
            if i >= 512:  # the first 512 credits were granted before any size was known
                most = max(most, stats["granted"] + stats["buffered"])

        await receive_stream(600, lambda i: bytes([i & 0xFF]) * size, None, on_value)
        self.assertLessEqual(most * size, 1 << 20)


if __name__ == "__main__":
    unittest.main()
