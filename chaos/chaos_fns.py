"""The chaos tree's Python leaves: the module every Python actor of a trial enables.

`leaf` mirrors the Node `grow` context of chaos/tree.ts for an actor with no
children: it notes that it is up in the trial's log, reports its pid through
`started()`, and behaves as its plan says (wait, raise ChaosError, spin in a
pure-Python loop, or swallow every cancellation), noting each step. `echo` serves
the fuzz run (chaos/fuzz-suite.ts).
"""
from __future__ import annotations

import asyncio
import json
import os

from furrow_asyncio import context


class ChaosError(Exception):
    """The error a `raise` actor raises (same name and message as on the Node side)."""


def note(log: str, ev: str, path: str, **extra: object) -> None:
    """Append one event to the trial log (one small O_APPEND write)."""
    with open(log, "a") as f:
        f.write(json.dumps({"ev": ev, "path": path, **extra}) + "\n")


@context
async def leaf(ctx, plan, log):
    path = plan["path"]
    note(log, "up", path, pid=os.getpid())
    await ctx.started({path: os.getpid()})
    behaviour = plan["behaviour"]
    note(log, "behaving", path)
    try:
        if behaviour == "ignore":
            noted = False
            while True:
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    if not noted:
                        note(log, "ignored", path)  # swallowed on purpose (noted once)
                    noted = True
        await asyncio.sleep(plan["delayMs"] / 1000)
        if behaviour == "raise":
            note(log, "raise", path)
            raise ChaosError(f"chaos raise at {path}")
        if behaviour == "spin":
            note(log, "spin", path)
            while True:
                pass
        await asyncio.sleep(10**6)
    finally:
        note(log, "finally", path)


async def echo(value):
    """Answer `value` as it came (the fuzz run's check that an actor still serves a normal client)."""
    return value
