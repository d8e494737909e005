"""A Python program as the root of a furrow tree, running a pool of Node actors for
CPU work: each Node actor counts the primes in slices of a range (the function
`countPrimes` of examples/actors-parallel.ts), jobs go to whichever actor is free, and
when the block ends every actor is torn down.

    python3 examples/python/root_supervises_node.py [actors] [bound]

`node` from PATH runs the actors (FURROW_NODE names another binary); the furrow_asyncio
package is found beside this repository's bridges (or installed with pip).
"""

import asyncio
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, os.pardir, os.pardir, "bridges", "asyncio", "python"))

from furrow_asyncio import Portal, open_actor_nursery  # noqa: E402

JOBS = os.path.normpath(os.path.join(HERE, os.pardir, "actors-parallel.ts"))


def running(pid: int) -> bool:
    """True if `pid` is a live process (a zombie waiting to be reaped is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def main(actors: int, bound: int) -> None:
    node = os.environ.get("FURROW_NODE", "node")
    pids: list[int] = []
    async with open_actor_nursery(name="py-root") as an:
        workers = [
            await an.start_actor(f"node-{i}", backend="node", node=node, enable_modules=[JOBS]) for i in range(actors)
        ]
        pids = [w.conn.peer["pid"] for w in workers]
        free: asyncio.Queue[Portal] = asyncio.Queue()
        for w in workers:
            free.put_nowait(w)

        async def job(lo: int, hi: int) -> int:
            worker = await free.get()
            try:
                count: int = await worker.run(f"{JOBS}:countPrimes", lo, hi)
                return count
            finally:
                free.put_nowait(worker)

        step = bound // (4 * actors)
        async with asyncio.TaskGroup() as tg:
            jobs = [tg.create_task(job(lo, min(lo + step, bound))) for lo in range(0, bound, step)]
        print(f"{sum(j.result() for j in jobs)} primes below {bound}, in {len(jobs)} jobs over {actors} Node actors")
    alive = [p for p in pids if running(p)]
    print(f"{len(pids)} Node actors (pids {' '.join(map(str, pids))}), {len(alive)} left running")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2, int(sys.argv[2]) if len(sys.argv) > 2 else 200_000))
