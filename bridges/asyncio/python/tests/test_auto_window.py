"""The receiver's automatic credit window (open_stream() without `window`): more than
the initial 512 credits outstanding for small messages, about 1 MiB of payload
outstanding for large ones, a fixed window when one is given. Two connections over
a socketpair, both in this process."""
from __future__ import annotations

import asyncio
import unittest
from typing import Any, Callable, Optional

from furrow_asyncio.contexts import Context, auto_window

from .pair import connection_pair, open_context


async def receive_stream(
    n: int,
    make: Callable[[int], Any],
    window: Optional[int],
    on_value: Callable[[int, Any, dict], None],
) -> None:
    """`a` sends `n` values `make(i)`; `b` receives them through a stream opened with
    `window`, calling `on_value(i, value, stream.stats())` after each one."""
    a, b = await connection_pair()
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def serve(ctx: Context) -> None:  # b: a context that receives
        try:
            await ctx.started(None)
            async with ctx.open_stream(window=window) as s:
                for i in range(n):
                    on_value(i, await s.receive(), s.stats())
            done.set_result(None)
        except BaseException as e:  # surfaced by the awaiting test
            done.set_exception(e)

    ctx = await open_context(a, b, serve)
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

    async def most_granted(self, n: int, window: Optional[int]) -> int:
        """Stream the integers below `n` (checking each arrives in order); the most credits ever granted."""
        most = 0

        def on_value(i: int, v: Any, stats: dict) -> None:
            nonlocal most
            self.assertEqual(v, i)
            most = max(most, stats["granted"])

        await receive_stream(n, lambda i: i, window, on_value)
        return most

    async def test_small_messages_get_more_than_512_credits(self) -> None:
        most = await self.most_granted(6000, None)
        self.assertGreater(most, 512)
        self.assertLessEqual(most, 4096)

    async def test_explicit_window_stays_fixed(self) -> None:
        self.assertEqual(await self.most_granted(3000, 512), 512)

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
