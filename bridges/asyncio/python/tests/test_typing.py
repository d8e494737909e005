"""The package's types hold a user to them: mypy (Debian's python3-mypy, as CI runs it)
accepts well-typed use of a typed stream and rejects a wrong value either way."""

import os
import subprocess
import sys
import tempfile
import unittest

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

USE = """
from furrow_asyncio import MsgStream, open_actor_nursery

async def numbers(stream: MsgStream[int]) -> int:
    await stream.send(1)
    total: int = await stream.receive()
    async for n in stream:
        total += n
    return total

async def wrong(stream: MsgStream[int]) -> None:
    await stream.send("one")
    name: str = await stream.receive()

async def root() -> None:
    async with open_actor_nursery(name="typed") as an:
        portal = await an.start_actor("w", enable_modules=["jobs"])
        await portal.run("jobs:crunch", 10)
"""


class TypingTest(unittest.TestCase):
    def test_a_typed_stream_is_checked_both_ways(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "use.py")
            with open(path, "w") as f:
                f.write(USE)
            done = subprocess.run(
                [sys.executable, "-m", "mypy", "--strict", "--no-incremental", path],
                capture_output=True,
                text=True,
                env={**os.environ, "MYPYPATH": PROJECT},
            )
        errors = [line for line in done.stdout.splitlines() if ": error:" in line]
        self.assertEqual(len(errors), 2, done.stdout)
        self.assertIn('Argument 1 to "send" of "MsgStream" has incompatible type "str"; expected "int"', errors[0])
        self.assertIn(
            'Incompatible types in assignment (expression has type "int", variable has type "str")', errors[1]
        )


if __name__ == "__main__":
    unittest.main()
