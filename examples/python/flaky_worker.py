"""A Python worker that crashes on purpose: every `crash_every`-th job of a process
kills it (os._exit), and `crash_now` kills it at once. Used by
examples/supervise-python-workers.ts."""
import os

_jobs = 0


async def work(job, crash_every):
    """Square `job`, unless this is the process's `crash_every`-th job: then die."""
    global _jobs
    _jobs += 1
    if _jobs % crash_every == 0:
        os._exit(1)
    return {"job": job, "square": job * job, "pid": os.getpid()}


async def crash_now():
    os._exit(1)
