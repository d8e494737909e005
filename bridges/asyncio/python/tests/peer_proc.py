"""A peer process for the liveness tests: `python3 -m tests.peer_proc <socket path> [hold]`.

It connects to the test's Unix socket as a furrow peer named 'frozen-peer' and serves
two functions: `spin(seconds)` busy-loops (blocking its loop) then returns "spun",
`hang()` never answers. With `hold`, it first starts `sleep 600` holding a copy of its
socket, so that its own death gives the test no EOF (only the pid watch can see it);
it prints `{"holder": pid}`. Then it prints "ready" and serves until its connection ends.
"""
from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time

from furrow_asyncio.codec import unpack
from furrow_asyncio.links import open_socket_connection


async def main(path: str, hold: bool) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    if hold:
        holder = subprocess.Popen(["sleep", "600"], pass_fds=(sock.fileno(),), close_fds=True)
        print(json.dumps({"holder": holder.pid}), flush=True)
    sock.setblocking(False)
    conn = await open_socket_connection(sock, "frozen-peer")

    def on_dialog(d, start) -> None:
        if start["func"] == "spin":
            end = time.monotonic() + unpack(start["pld"])[0]
            while time.monotonic() < end:
                pass
            d.send_nowait({"type": "Return", "pld": b"\xa4spun"})
            conn.flush()

    conn.on_dialog = on_dialog
    print("ready", flush=True)
    await conn.wait_closed()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], "hold" in sys.argv[2:]))
