"""A furrow connection over a byte transport (the parent's pipes on fds 3 and 4).

It does the `Aid` handshake (protocol.md section 4), routes records to dialogs by
`cid` (section 5), answers `Ping` at once (section 7) and turns every fault (a bad
frame, EOF, a broken pipe, a peer declared dead by `peer_watch`) into a
TransportError that reaches every dialog at once. The reader never waits on a
dialog's consumer; writes are coalesced per loop turn.

Time bounds against a peer that sends too little: the handshake must be done within
`handshake_timeout` (10 s), and a frame must be complete within FRAME_TIMEOUT_S (10 s)
of its first byte. An authenticated link that is merely idle is never timed out.
"""
from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Callable, Optional

from .codec import (
    MAX_FRAME_BYTES,
    FrameDecoder,
    ProtocolError,
    decode_record,
    encode_frame,
)
from .errors import TransportError, box_transport_error
from .dialog import Dialog
from .ignore import ignored, ignoring
from .messages import PROTOCOL_VERSION, Record, validate_record
from .peer_watch import PeerWatch, loop_watch, verified_peer_pid

if TYPE_CHECKING:
    from .wire import Wire

#: Write at once (not at the end of the loop turn) when this many bytes are queued.
FLUSH_BYTES = 64 * 1024
#: At most this many bytes per read. asyncio's default (256 KiB) is above glibc's mmap
#: threshold, so each read would mmap, fault in and munmap its buffer (with page faults,
#: tens of microseconds per read on a VM); 64 KiB (a pipe's capacity) comes from the heap.
READ_BYTES = 64 * 1024
#: A frame must be complete this long after its first byte arrived (seconds).
FRAME_TIMEOUT_S = 10.0
#: A frame check that runs this much later than planned means this loop was held up (the
#: rest of the frame may be waiting unread in the socket): the frame gets a new period.
FRAME_CHECK_LATE_S = 1.0
#: How long the peer has to complete the handshake (seconds).
HANDSHAKE_TIMEOUT_S = 10.0


class Connection:
    """A handshaken link to one peer, carrying many dialogs. Made by `open_pipe_connection`."""

    def __init__(
        self,
        name: str,
        uuid: Optional[str] = None,
        *,
        max_frame_bytes: int = MAX_FRAME_BYTES,
        frame_timeout: float = FRAME_TIMEOUT_S,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        if not uuid:
            import uuid as uuidlib  # lazily: a spawned child gets its uuid in the boot argument

            uuid = str(uuidlib.uuid4())
        self.local: Record = {
            "type": "Aid",
            "name": name,
            "uuid": uuid,
            "pid": os.getpid(),
            "runtime": "python",
            "version": PROTOCOL_VERSION,
        }
        self.peer: Record = {}
        self._on_dialog: Optional[Callable[[Dialog, Record], None]] = None
        self._incoming: list[tuple[Dialog, Record]] = []
        self.error: Optional[TransportError] = None
        self.closed = False
        self.stats = {"framesIn": 0, "framesOut": 0, "lateDropped": 0, "pings": 0}
        self._decoder = FrameDecoder(max_frame_bytes)
        self._dialogs: dict[int, Dialog] = {}
        self._next_cid = 0
        self._peer_parity = 0
        self._max_peer_cid = -1
        self._handshake: asyncio.Future[Record] = self.loop.create_future()
        self._spawn_spec: asyncio.Future[Record] = self.loop.create_future()
        self._closed_fut: asyncio.Future[Optional[TransportError]] = self.loop.create_future()
        self._queue: list[bytes] = []
        self._queued = 0
        self._flush_scheduled = False
        self._rtransport: Optional[asyncio.BaseTransport] = None
        self._wtransport: Optional[asyncio.WriteTransport] = None
        self._wproto: Optional[Wire] = None
        self.frame_timeout = frame_timeout
        self._partial_since: Optional[float] = None  # when the first byte of an incomplete frame came
        self._frame_timer: Optional[asyncio.TimerHandle] = None
        self._liveness: Optional[PeerWatch] = None
        #: the peer's pid, once the kernel confirmed it (see peer_watch); None if unknown
        self.peer_pid: Optional[int] = None
        for f in (self._handshake, self._spawn_spec):
            f.add_done_callback(
                ignored("whoever awaits the handshake or SpawnSpec gets the error from the connection's end")
            )

    @property
    def on_dialog(self) -> Optional[Callable[[Dialog, Record], None]]:
        """Called (synchronously, by the reader) with each dialog the peer opens and its `Start`.
        Dialogs that arrived while none was set are handed over when it is set."""
        return self._on_dialog

    @on_dialog.setter
    def on_dialog(self, handler: Optional[Callable[[Dialog, Record], None]]) -> None:
        self._on_dialog = handler
        if handler is not None:
            pending, self._incoming = self._incoming, []
            for d, start in pending:
                handler(d, start)

    @property
    def local_uid(self) -> tuple[str, str]:
        return (self.local["name"], self.local["uuid"])

    @property
    def peer_uid(self) -> tuple[str, str]:
        return (self.peer["name"], self.peer["uuid"])

    @property
    def peer_name(self) -> str:
        return self.peer.get("name", "the peer")

    async def _attach(
        self,
        rtransport: asyncio.BaseTransport,
        wtransport: asyncio.WriteTransport,
        wproto: Wire,
        timeout: float,
        liveness: Optional[PeerWatch] = None,
    ) -> None:
        """Take the transports, do the handshake (TransportError if it fails or takes over
        `timeout` s), then have `liveness` (default: the loop's) watch the peer's pid.
        """
        self._rtransport, self._wtransport, self._wproto = (
            rtransport,
            wtransport,
            wproto,
        )
        if hasattr(rtransport, "max_size"):  # asyncio's pipe and socket transports: see READ_BYTES
            rtransport.max_size = READ_BYTES
        self.write_record(dict(self.local))
        try:
            self.peer = await asyncio.wait_for(asyncio.shield(self._handshake), timeout)
        except asyncio.TimeoutError:
            self._fail(TransportError("handshake", f"handshake timed out: no Aid within {timeout} s"))
            raise self.error from None  # type: ignore[misc]  # _fail() has just set it
        if self.closed:
            return  # the peer left right after its Aid: the caller sees a closed connection
        self.peer_pid = verified_peer_pid(self.peer["pid"], rtransport)
        if self.peer_pid is not None:
            self._liveness = liveness or loop_watch()
            self._liveness.watch(self, self.peer_pid)

    # ---- dialogs ----

    def open_dialog(self) -> Dialog:
        """A new dialog with a fresh cid of this side's parity. Nothing is sent yet."""
        if self.closed:
            raise self._closed_error()
        cid = self._next_cid
        self._next_cid += 2
        d = Dialog(self, cid, True)
        self._dialogs[cid] = d
        return d

    def _forget(self, cid: int) -> None:
        self._dialogs.pop(cid, None)

    async def spawn_spec(self) -> Record:
        """Wait for the parent's `SpawnSpec`."""
        return await asyncio.shield(self._spawn_spec)

    async def wait_closed(self) -> Optional[TransportError]:
        """Wait until the connection ends; its error (None after a clean local close)."""
        return await asyncio.shield(self._closed_fut)

    def on_close(self, callback: Callable[[Optional[TransportError]], None]) -> None:
        """Call `callback(error)` (on the loop) once the connection has ended; error None after a clean local close."""
        self._closed_fut.add_done_callback(lambda f: callback(f.result()))

    # ---- writing ----

    def write_record(self, rec: Record) -> None:
        """Queue one record; it goes out with everything queued in this loop turn."""
        if self.closed:
            raise self._closed_error()
        self.write_frame(encode_frame(rec))

    def write_frame(self, frame: bytes, now: bool = False) -> None:
        """Queue one whole frame (prefix included); it goes out with everything queued in this loop turn,
        or at once (with what is queued before it) if `now`."""
        if self.closed:
            raise self._closed_error()
        self.stats["framesOut"] += 1
        self._queue.append(frame)
        if now:
            self._flush()
            return
        self._queued += len(frame)
        if self._queued >= FLUSH_BYTES:
            self._flush()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._end_of_turn)

    @property
    def write_paused(self) -> bool:
        """True while the OS pipe is full (the write transport paused us): senders should `drain()`."""
        p = self._wproto
        return p is not None and p.paused

    @property
    def send_buffer_bytes(self) -> int:
        """Bytes written and not yet handed to the OS: this turn's queue plus the write transport's buffer."""
        t = self._wtransport
        return self._queued + (t.get_write_buffer_size() if t is not None and not t.is_closing() else 0)

    def flush(self) -> None:
        """Write what is queued now (instead of at the end of this loop turn)."""
        if self._queue:
            self._flush()

    def _end_of_turn(self) -> None:
        self._flush_scheduled = False
        self._flush()

    def _flush(self) -> None:
        if not self._queue or self._wtransport is None or self._wtransport.is_closing():
            self._queue.clear()
            self._queued = 0
            return
        data = self._queue[0] if len(self._queue) == 1 else b"".join(self._queue)
        self._queue.clear()
        self._queued = 0
        self._wtransport.write(data)

    async def drain(self) -> None:
        """Wait while the OS pipe is full (the write transport paused us)."""
        p = self._wproto
        if p is None or not p.paused:
            return
        if self.closed:
            raise self._closed_error()
        if p.resumed is None or p.resumed.done():
            p.resumed = self.loop.create_future()
        await asyncio.shield(p.resumed)
        if self.closed:
            raise self._closed_error()

    # ---- reading ----

    def _on_data(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            bodies = self._decoder.feed(data)
            for body in bodies:
                if self.closed:
                    return
                self.stats["framesIn"] += 1
                self._on_record(validate_record(decode_record(body)))
        except ProtocolError as e:
            self._protocol_error(e)
            return
        if self._decoder.partial:
            if bodies or self._partial_since is None:  # a new frame began in this chunk
                self._partial_since = self.loop.time()
                if self._frame_timer is None:
                    self._frame_timer = self.loop.call_later(self.frame_timeout, self._check_frame)
        else:
            self._partial_since = None

    def _check_frame(self) -> None:
        """A frame must be complete `frame_timeout` s after its first byte (slowloris bound)."""
        timer, self._frame_timer = self._frame_timer, None
        since = self._partial_since
        if self.closed or since is None:
            return
        now = self.loop.time()
        if timer is not None and now - timer.when() > FRAME_CHECK_LATE_S:
            since = self._partial_since = now  # this loop was held up: the rest may be unread in the socket
        if now - since < self.frame_timeout:
            self._frame_timer = self.loop.call_at(since + self.frame_timeout, self._check_frame)
            return
        self._protocol_error(
            ProtocolError(
                f"protocol error: a frame from {self.peer_name} was not complete "
                f"{self.frame_timeout:g} s after its first byte",
                "timeout",
            )
        )

    def _on_record(self, m: Record) -> None:
        t = m["type"]
        if not self._handshake.done():
            if t != "Aid":
                raise ProtocolError(
                    f"handshake failed: the first frame was {t!r}, not 'Aid'",
                    "handshake",
                )
            if m["version"] != PROTOCOL_VERSION:
                raise ProtocolError(
                    f"handshake failed: peer speaks protocol version {m['version']}, this side {PROTOCOL_VERSION}",
                    "handshake",
                )
            mine, theirs = self.local["uuid"].encode(), m["uuid"].encode()
            if mine == theirs:
                raise ProtocolError("handshake failed: the peer has this side's own uuid", "handshake")
            self._next_cid = 1 if mine < theirs else 2
            self._peer_parity = 0 if mine < theirs else 1
            self._handshake.set_result(m)
            return
        if t == "Ping":
            self.stats["pings"] += 1
            self.write_record({"type": "Pong", "seq": m["seq"]})
            return
        if t == "Pong":
            return
        if t == "Aid":
            raise ProtocolError("protocol error: a second Aid after the handshake")
        if t == "SpawnSpec":
            if not self._spawn_spec.done():
                self._spawn_spec.set_result(m)
            return
        cid = m.get("cid")
        if t == "Error" and cid is None:
            err = m["error"]
            self._fail(
                TransportError(
                    "closed",
                    f"the peer closed the connection after an error: {err['boxedType']}: {err['message']}",
                )
            )
            return
        assert isinstance(cid, int)  # the validator let through only an Error with cid None, handled above
        d = self._dialogs.get(cid)
        if d is not None:
            d._deliver(m)
            return
        if cid % 2 != self._peer_parity or cid <= self._max_peer_cid or t != "Start":
            self.stats["lateDropped"] += 1
            return
        self._max_peer_cid = cid
        d = Dialog(self, cid, False)
        self._dialogs[cid] = d
        if self._on_dialog is not None:
            self._on_dialog(d, m)
        else:
            self._incoming.append((d, m))

    def _on_eof(self) -> None:
        if self.closed:
            return
        if self._decoder.partial:
            self._fail(
                TransportError(
                    "dropped",
                    f"connection to {self.peer_name}: EOF in the middle of a frame",
                )
            )
        else:
            self._fail(
                TransportError(
                    "closed",
                    f"connection to {self.peer_name} closed by the peer (or the peer went away)",
                )
            )

    # ---- ending ----

    def _protocol_error(self, e: ProtocolError) -> None:
        """A bad frame: tell the peer why (best effort, `Error` with cid nil), close, fail every dialog."""
        if self.closed:
            return
        with ignoring(
            "telling the peer why is best effort: the connection is being closed either way",
            TransportError,
            OSError,
        ):
            self.write_record(
                {
                    "type": "Error",
                    "cid": None,
                    "error": box_transport_error(str(e), self.local_uid),
                }
            )
            self._flush()
        self._end(TransportError(e.code, str(e)))

    def _fail(self, err: TransportError) -> None:
        if not self.closed:
            self._end(err)

    def close(self) -> None:
        """Close gracefully: what is queued is flushed, then the pipes close; every dialog fails."""
        if not self.closed:
            self._end(None)

    def _end(self, error: Optional[TransportError]) -> None:
        self.closed = True
        self.error = error
        if self._liveness is not None:
            self._liveness.unwatch(self)
        if self._frame_timer is not None:
            self._frame_timer.cancel()
            self._frame_timer = None
        dialog_error = error or TransportError("closed", "connection closed locally")
        if not self._handshake.done():
            self._handshake.set_exception(dialog_error)
        if not self._spawn_spec.done():
            self._spawn_spec.set_exception(dialog_error)
        for d in list(self._dialogs.values()):
            d._fail(dialog_error)
        self._dialogs.clear()
        if self._wproto is not None and self._wproto.resumed is not None and not self._wproto.resumed.done():
            self._wproto.resumed.set_result(None)
        if self._queue and self._wtransport is not None and not self._wtransport.is_closing():
            self._wtransport.write(b"".join(self._queue))
        self._queue.clear()
        for t in (self._wtransport, self._rtransport):
            if t is not None and not t.is_closing():
                t.close()
        if not self._closed_fut.done():
            self._closed_fut.set_result(error)

    def _closed_error(self) -> TransportError:
        return self.error or TransportError("closed", "connection is closed")
