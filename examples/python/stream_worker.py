"""A Python asyncio worker that streams results to its TypeScript parent (examples/asyncio-stream-cancel.ts)."""
from __future__ import annotations

import asyncio
import os

from furrow_asyncio import context


@context
async def squares(ctx, n: int, every: float):
    """Stream the squares of 0..n-1, one every `every` seconds, until done or cancelled."""
    await ctx.started(os.getpid())
    sent = 0
    try:
        async with ctx.open_stream() as stream:
            for i in range(n):
                await asyncio.sleep(every)
                await stream.send(i * i)
                sent += 1
        return sent
    except asyncio.CancelledError:
        print(f"python: cancelled after sending {sent} results", flush=True)
        raise
    finally:
        print("python: finally ran, cleaning up", flush=True)
