"""`python -m furrow_asyncio '<boot json>'`: run this process as a child actor of a furrow parent.

The boot argument is JSON `{"name": ..., "uuid": ..., "ppid": ...}` (`ppid`: the
parent's pid, so that a parent that died before this process looked is seen too).
Frames go over fds 3 (in) and 4 (out), or the boot's `readFd` and `writeFd` (a
Python root passes its pipes' own numbers), or, with `parentPath`, over a connection
back to the parent's socket (a child of the fork server, forkserver.py); stdout and
stderr stay the user's. Exit
codes: 0 after a normal end, 1 when orphaned or failed, 3 when the `msgpack`
package is missing. The parent watch (`lifeline`) starts before anything else.
"""
from __future__ import annotations

import json
import os
import signal
import sys

NO_MSGPACK_EXIT = 3


def main(argv: list[str]) -> int:
    """Boot the actor; returns the process exit code."""
    boot = json.loads(argv[1]) if len(argv) > 1 else {}
    from .lifeline import ORPHAN_EXIT_CODE, Lifeline

    lifeline = Lifeline(int(boot.get("ppid") or os.getppid())).start()
    try:
        import msgpack  # noqa: F401
    except ImportError as e:
        sys.stderr.write(
            f"furrow_asyncio: the 'msgpack' package is missing for {sys.executable} ({e}). "
            "Install it: apt-get install python3-msgpack (system Python) or pip install msgpack\n"
        )
        return NO_MSGPACK_EXIT
    import asyncio

    from .actor import busy_threads, serve_parent

    # Ctrl-C reaches the whole process group: the root drives the teardown.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = 0
    try:
        asyncio.run(
            serve_parent(
                str(boot.get("name", "python")),
                str(boot.get("uuid", "")),
                read_fd=int(boot.get("readFd", 3)),
                write_fd=int(boot.get("writeFd", 4)),
                lifeline=lifeline,
                parent_path=boot.get("parentPath"),
            )
        )
    except Exception as e:  # noqa: BLE001 - reported on stderr and in the exit code
        sys.stderr.write(f"furrow_asyncio: actor '{boot.get('name')}' failed: {type(e).__name__}: {e}\n")
        code = 1
    if lifeline.parent_gone:
        lifeline.exit_now(ORPHAN_EXIT_CODE)  # with every process this actor started
    if busy_threads():
        # a plain `def` still running in the executor cannot be cancelled: do not wait for it
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
