"""The peer watch against real peer processes (tests/peer_proc.py) over a real Unix socket:
a stopped, vanished, zombie or replaced peer fails the connection and the pending call
with an error naming it, its pid and why; a busy or traced peer does not. The thresholds
are shortened (checks every 0.1 s, stopped for 0.5 s) so that the tests take seconds;
the defaults (1 s, 5 s) are checked against docs/asyncio.md in test_defaults."""
from __future__ import annotations

import asyncio
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Optional

from furrow_asyncio import peer_watch
from furrow_asyncio.codec import encode_frame
from furrow_asyncio.connection import Connection
from furrow_asyncio.errors import TransportError
from furrow_asyncio.listener import serve_unix
from furrow_asyncio.peer_watch import PeerWatch
from furrow_asyncio.portal import Portal
from furrow_asyncio.procfs import read_stat

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTERVAL, STOPPED = 0.1, 0.5
PTRACE_ATTACH, PTRACE_DETACH = 16, 17


def wait_state(pid: int, states: str, within: float = 5.0) -> None:
    """Block (the loop too, on purpose: the watch must not look meanwhile) until `pid` is in one of `states`."""
    end = time.monotonic() + within
    while True:
        st = read_stat(pid)
        if st is not None and st.state in states:
            return
        if time.monotonic() > end:
            raise AssertionError(f"process {pid} not in state {states} within {within} s (it is {st})")
        time.sleep(0.002)


class PeerWatchTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="furrow-peer-watch-")
        self.path = os.path.join(self.dir, "t.sock")
        self.watch = PeerWatch(interval_s=INTERVAL, stopped_dead_s=STOPPED)
        self.accepted: asyncio.Queue[Connection] = asyncio.Queue()
        self.server = await serve_unix(
            self.path,
            "watcher",
            "ffffffff-watcher",
            self.accepted.put_nowait,
            liveness=self.watch,
        )
        self.procs: list[subprocess.Popen[bytes]] = []  # our children
        self.holders: list[int] = []  # the peers' children (re-parented once a peer dies)

    async def asyncTearDown(self) -> None:
        for pid in [p.pid for p in self.procs if p.returncode is None] + self.holders:
            for sig in (signal.SIGCONT, signal.SIGKILL):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass  # gone already
        for p in self.procs:
            p.wait()
            if p.stdout is not None:
                p.stdout.close()
        for pid in self.holders:  # not our children: exited is enough (init reaps them)
            if read_stat(pid) is not None:
                wait_state(pid, "ZX")
        self.server.close()
        left = [
            p
            for p in [*(p.pid for p in self.procs), *self.holders]
            if (st := read_stat(p)) is not None and st.state not in "ZX"
        ]
        self.assertEqual(left, [], "processes left behind")

    async def start_peer(self, hold: bool = False) -> tuple[subprocess.Popen[bytes], Connection, Optional[int]]:
        """Start tests/peer_proc.py; return it, the accepted connection, and its holder's pid."""
        args = [sys.executable, "-m", "tests.peer_proc", self.path] + (["hold"] if hold else [])
        proc = subprocess.Popen(args, cwd=HERE, stdout=subprocess.PIPE)
        self.procs.append(proc)
        holder = None
        loop = asyncio.get_running_loop()
        while True:
            stdout = proc.stdout
            assert stdout is not None  # opened with stdout=PIPE
            line = (await loop.run_in_executor(None, stdout.readline)).decode().strip()
            if line.startswith("{"):
                holder = json.loads(line)["holder"]
                self.holders.append(holder)
            elif line == "ready" or not line:
                break
        conn = await asyncio.wait_for(self.accepted.get(), 10)
        self.assertEqual(conn.peer_pid, proc.pid)
        return proc, conn, holder

    async def expect_dead(self, conn: Connection, pending: "asyncio.Future[object]", reason: str) -> float:
        """The pending call fails with the error naming the peer, its pid and `reason`; returns when (monotonic)."""
        with self.assertRaisesRegex(
            TransportError,
            rf"peer 'frozen-peer' \(pid {conn.peer_pid}\) is declared dead: it {reason}",
        ):
            await asyncio.wait_for(pending, 10)
        self.assertTrue(conn.closed)
        assert conn.error is not None  # closed with an error, as assertRaises saw
        self.assertEqual(conn.error.code, "dead")
        self.assertEqual(self.watch.watched, 0)
        return time.monotonic()

    async def test_stopped_peer_is_dead_after_the_threshold(self) -> None:
        proc, conn, _ = await self.start_peer()
        call = asyncio.ensure_future(Portal(conn).run("tests.peer:hang"))
        await asyncio.sleep(0.05)
        os.kill(proc.pid, signal.SIGSTOP)
        t0 = time.monotonic()
        took = await self.expect_dead(conn, call, r"has been stopped \(state T, SIGSTOP\) for \d\.\d s") - t0
        self.assertGreaterEqual(took, STOPPED)
        self.assertLess(took, STOPPED + INTERVAL + 1.0)

    async def test_busy_peer_is_not_dead(self) -> None:
        _, conn, _ = await self.start_peer()
        # it blocks its own loop (no answer, no read) for 3x the stop threshold
        self.assertEqual(await Portal(conn).run("tests.peer:spin", 3 * STOPPED), "spun")
        self.assertFalse(conn.closed)
        self.assertEqual(self.watch.watched, 1)

    async def test_traced_peer_is_not_dead(self) -> None:
        proc, conn, _ = await self.start_peer()
        libc = ctypes.CDLL(None, use_errno=True)
        self.assertEqual(
            libc.ptrace(PTRACE_ATTACH, proc.pid, None, None),
            0,
            os.strerror(ctypes.get_errno()),
        )
        os.waitpid(proc.pid, 0)  # the attach stop
        stat = read_stat(proc.pid)
        assert stat is not None  # the traced process is alive
        self.assertEqual(stat.state, "t")
        await asyncio.sleep(3 * STOPPED)
        self.assertFalse(conn.closed)
        self.assertEqual(libc.ptrace(PTRACE_DETACH, proc.pid, None, signal.SIGCONT), 0)
        self.assertEqual(await Portal(conn).run("tests.peer:spin", 0), "spun")

    async def test_vanished_peer_is_dead(self) -> None:
        # the holder keeps the socket open: no EOF comes, only the pid watch can tell
        proc, conn, _ = await self.start_peer(hold=True)
        call = asyncio.ensure_future(Portal(conn).run("tests.peer:hang"))
        await asyncio.sleep(0.05)
        proc.kill()
        proc.wait()  # reaped before the watch looks again: no process with that pid
        t0 = time.monotonic()
        took = await self.expect_dead(conn, call, r"has exited \(its pid has no process\)") - t0
        self.assertLess(took, INTERVAL + 1.0)

    async def test_zombie_peer_is_dead(self) -> None:
        proc, conn, _ = await self.start_peer(hold=True)
        call = asyncio.ensure_future(Portal(conn).run("tests.peer:hang"))
        await asyncio.sleep(0.05)
        proc.kill()
        wait_state(proc.pid, "Z")  # not reaped
        await self.expect_dead(conn, call, r"has exited \(its pid is a zombie\)")

    async def test_peer_whose_pid_was_reused_is_dead(self) -> None:
        proc, conn, _ = await self.start_peer(hold=True)
        call = asyncio.ensure_future(Portal(conn).run("tests.peer:hang"))
        await asyncio.sleep(0.05)
        pid = proc.pid
        proc.kill()
        proc.wait()
        # all synchronous, so the watch cannot look in between: a new process gets the
        # pid (Linux hands out ns_last_pid + 1 next; root may write it)
        for _ in range(200):
            with open("/proc/sys/kernel/ns_last_pid", "w") as f:
                f.write(str(pid - 1))
            other = subprocess.Popen(["sleep", "30"])
            self.procs.append(other)
            if other.pid == pid:
                break
            other.kill()
            other.wait()
        self.assertEqual(other.pid, pid, "could not get the same pid again")
        await self.expect_dead(
            conn,
            call,
            r"has exited \(its pid now belongs to another process: the start time changed\)",
        )

    async def test_stop_clock_restarts_when_this_loop_was_held_up(self) -> None:
        asyncio.get_running_loop().slow_callback_duration = 10  # the hold-up below is on purpose
        proc, conn, _ = await self.start_peer()
        call = asyncio.ensure_future(Portal(conn).run("tests.peer:hang"))
        await asyncio.sleep(2 * INTERVAL)
        os.kill(proc.pid, signal.SIGSTOP)
        wait_state(proc.pid, "T")
        await asyncio.sleep(2 * INTERVAL)  # the watch has seen it stopped
        time.sleep(peer_watch.LATE_S + INTERVAL + 0.3)  # then this loop is held up far past the threshold
        resumed = time.monotonic()
        took = await self.expect_dead(conn, call, "has been stopped") - resumed
        # not at the first look after the hold-up: it had to be seen stopped for the threshold again
        self.assertGreaterEqual(took, STOPPED)

    async def test_pid_the_kernel_does_not_confirm_is_not_watched(self) -> None:
        # an in-process client claiming to be pid 1: SO_PEERCRED says it is this process
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.path)
        s.sendall(
            encode_frame(
                {
                    "type": "Aid",
                    "name": "liar",
                    "uuid": "0-liar",
                    "pid": 1,
                    "runtime": "node",
                    "version": 1,
                }
            )
        )
        conn = await asyncio.wait_for(self.accepted.get(), 10)
        self.assertIsNone(conn.peer_pid)
        self.assertEqual(self.watch.watched, 0)
        s.close()

    def test_defaults(self) -> None:
        # the bounds docs/asyncio.md states
        self.assertEqual((peer_watch.INTERVAL_S, peer_watch.STOPPED_DEAD_S), (1.0, 5.0))


if __name__ == "__main__":
    unittest.main()
