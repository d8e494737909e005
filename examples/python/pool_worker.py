"""A Python asyncio worker for the pool in examples/asyncio-queue-pool.ts."""
from __future__ import annotations

import asyncio
import hashlib
import os


async def digest(job: int, rounds: int) -> dict:
    """Hash a job's number `rounds` times (in a thread: CPU work must not block the loop); say who did it."""
    data = str(job).encode()

    def work() -> str:
        h = data
        for _ in range(rounds):
            h = hashlib.sha256(h).digest()
        return h.hex()[:12]

    return {"job": job, "digest": await asyncio.to_thread(work), "pid": os.getpid()}
