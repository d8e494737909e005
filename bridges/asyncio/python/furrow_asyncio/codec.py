"""Framing and msgpack codec of the furrow wire protocol (docs/protocol.md, sections 1-2).

A frame is a 4-byte big-endian length followed by exactly one msgpack value. Record
envelopes are decoded at once; application payloads (`pld`) are msgpack values of
their own, wrapped as `bin`, and decoded only when a dialog consumes them.
"""
from __future__ import annotations

import struct
from typing import Any, Optional

import msgpack

from .schema import LIMITS

#: Default cap on one frame's body (64 MiB), checked on the prefix.
MAX_FRAME_BYTES: int = LIMITS["maxFrameBytes"]
PREFIX = struct.Struct(">I")
if PREFIX.size != LIMITS["prefixBytes"]:
    raise RuntimeError(
        f"protocol/schema.json: a {LIMITS['prefixBytes']}-byte length prefix is not what this codec writes"
    )

#: msgpackr writes JavaScript `undefined` as fixext1 type 0; it reads as None here.
_EXT_UNDEFINED = 0


class ProtocolError(Exception):
    """A frame or record breaks the protocol: the connection is closed with this message."""

    def __init__(self, message: str, code: str = "malformed") -> None:
        super().__init__(message)
        self.code = code


class _ExtHook:
    """The ext hook of one decode: msgpackr writes JavaScript `undefined` as fixext1 type 0,
    read as None; any other type is not part of the protocol (Node's decoder refuses unknown
    ones too). It is noted, not raised here: an exception from inside msgpack's C decoder
    leaks every container it was filling (see `_StructureCheck`), so the decode finishes
    and `unpack` raises after."""

    __slots__ = ("unknown",)

    def __init__(self) -> None:
        self.unknown: Optional[int] = None

    def __call__(self, code: int, data: bytes) -> Any:
        if code != _EXT_UNDEFINED and self.unknown is None:
            self.unknown = code
        return None


#: After a body bigger than this, the checker's Unpacker (whose buffer grew to hold it) is replaced.
_CHECK_KEEP_BYTES = 1024 * 1024


class _StructureCheck:
    """Checks that bytes are exactly one well-formed msgpack value, building nothing.

    msgpack's C decoder (1.0.x, Debian's python3-msgpack; fixed upstream in
    msgpack-python PR 671) leaks every list and dict it was filling when the input turns
    out bad: a frame of 1,000 nested arrays and one invalid byte kept ~78 KB for ever, so a
    peer could grow an actor's memory without bound with small bad frames (found by the
    fuzz run, `npm run chaos -- --fuzz`). `Unpacker.skip()` walks the same grammar without
    building objects, so a bad body is refused before the decoder sees it. One Unpacker is
    reused (a new one costs more than the check); it is replaced after a failure.
    """

    def __init__(self) -> None:
        self._new()

    def _new(self) -> None:
        self._unpacker = msgpack.Unpacker(raw=False, strict_map_key=False, max_buffer_size=MAX_FRAME_BYTES + 1024)
        self._at = 0

    def check(self, data: bytes) -> None:
        """Raise ValueError unless `data` is exactly one msgpack value."""
        u = self._unpacker
        try:
            u.feed(data)
            u.skip()
        except (msgpack.OutOfData, ValueError, msgpack.UnpackException) as e:
            self._new()
            what = "incomplete input" if isinstance(e, msgpack.OutOfData) else f"{type(e).__name__}: {e}"
            raise ValueError(f"not one msgpack value ({what})") from None
        end = u.tell()
        if end - self._at != len(data):
            self._new()
            raise msgpack.ExtraData(None, b"")
        self._at = end
        if len(data) > _CHECK_KEEP_BYTES:
            self._new()  # its buffer grew to the size of this body: do not keep that


# decoding happens on the event loop's thread only (payloads are decoded before a plain
# `def` is handed to the executor), so one of each serves every decode
_structure = _StructureCheck()
_ext_hook = _ExtHook()


#: A packer that produced more than this keeps a buffer that big: it is replaced.
_PACKER_KEEP_BYTES = 1024 * 1024
_packer = msgpack.Packer(use_bin_type=True)


def pack(value: Any) -> bytes:
    """Encode one value as msgpack (str as str, bytes as bin).

    One reused Packer (packing happens on the loop thread only): `msgpack.packb` makes
    a new one, with its 1 MiB buffer, on every call (~0.3 us against ~0.1 us here).
    """
    global _packer
    out: bytes = _packer.pack(value)
    if len(out) > _PACKER_KEEP_BYTES:
        _packer = msgpack.Packer(use_bin_type=True)
    return out


def unpack(data: bytes) -> Any:
    """Decode exactly one msgpack value (trailing bytes are an error).

    A str that is not valid UTF-8 decodes with U+FFFD in place of each bad sequence, as
    Node's decoder (msgpackr, TextDecoder) reads it, instead of failing the frame.
    """
    _structure.check(data)
    _ext_hook.unknown = None
    value = msgpack.unpackb(
        data,
        raw=False,
        strict_map_key=False,
        ext_hook=_ext_hook,
        timestamp=3,
        unicode_errors="replace",
    )
    if _ext_hook.unknown is not None:
        raise ValueError(f"msgpack extension type {_ext_hook.unknown} is not part of the furrow protocol")
    return value


def encode_frame(record: dict[str, Any]) -> bytes:
    """A whole frame (prefix included) for one record."""
    body = pack(record)
    return PREFIX.pack(len(body)) + body


# A payload record ({type, cid, pld}) is written without packing the record: a fixed
# header in the layout of protocol.md section 8 (the one Node writes, which Node also
# recognises without a general decode): prefix, fixmap 3, "type" <type>, "cid" uint32,
# "pld" bin32 length, then the payload's bytes. One struct pack and one concat.

_PLD = b"\xa3pld\xc6"  # "pld", then bin32


class _PayloadLayout:
    """The fixed parts of one record type's payload frame, built once per type."""

    __slots__ = ("struct", "head", "extra")

    def __init__(self, type_: str) -> None:
        t = type_.encode()
        if len(t) > 31:
            raise ValueError(f"record type {type_!r} is too long for a fixstr")
        self.head = b"\x83\xa4type" + bytes((0xA0 + len(t),)) + t + b"\xa3cid\xce"
        # prefix, head, cid, "pld" bin32 marker, payload length
        self.struct = struct.Struct(f">I{len(self.head)}sI{len(_PLD)}sI")
        self.extra = len(self.head) + 4 + len(_PLD) + 4


#: record type -> its layout (the payload record types: a handful)
_layouts: dict[str, _PayloadLayout] = {}


def payload_frame(type_: str, cid: int, pld: bytes) -> bytes:
    """The whole frame (prefix included) of a `type_` record on dialog `cid` carrying the packed payload `pld`."""
    layout = _layouts.get(type_)
    if layout is None:
        layout = _layouts[type_] = _PayloadLayout(type_)
    n = len(pld)
    return layout.struct.pack(layout.extra + n, layout.head, cid, _PLD, n) + pld


class FramesThenError(list):  # type: ignore[type-arg]  # a list of frame bodies (bytes) of any kind
    """The frames read before a bad length prefix: iterating yields them, then raises the ProtocolError.

    So a reader that handles each frame as it iterates (`for body in decoder.feed(data)`)
    handles the good frames first and loses none, as the Node side does.
    """

    __slots__ = ("error",)

    def __init__(self, frames: list[bytes], error: ProtocolError) -> None:
        super().__init__(frames)
        self.error = error

    def __iter__(self) -> Any:
        yield from list.__iter__(self)
        raise self.error


class FrameDecoder:
    """Reassembles frames from arbitrary chunks; refuses bad lengths on the prefix."""

    __slots__ = ("_buf", "_max")

    def __init__(self, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_frame_bytes

    @property
    def partial(self) -> bool:
        """True when part of a frame is buffered (EOF now would cut a frame)."""
        return len(self._buf) > 0

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the complete frame bodies now available, in order.

        A zero or oversized length (refused before its body is buffered) raises
        ProtocolError, at once if no frame came before it in `data`, else when iteration of
        the returned FramesThenError reaches it. When nothing is buffered (the usual case:
        whole frames per read) the bodies are sliced straight out of `data` (one copy
        each) and only a trailing partial frame is buffered.
        """
        buf = self._buf
        if buf:
            buf += data
            src: Any = buf
        else:
            src = data
        out: list[bytes] = []
        pos = 0
        end = len(src)
        unpack_from = PREFIX.unpack_from
        while end - pos >= 4:
            (length,) = unpack_from(src, pos)
            if length == 0 or length > self._max:
                err = self._bad_length(length)
                if not out:
                    raise err
                return FramesThenError(out, err)
            start = pos + 4
            if end - start < length:
                break
            pos = start + length
            out.append(src[start:pos] if src is data else bytes(memoryview(src)[start:pos]))
        if src is buf:
            if pos:
                del buf[:pos]
        elif pos < end:
            buf += memoryview(data)[pos:]
        return out

    def _bad_length(self, length: int) -> ProtocolError:
        if length == 0:
            return ProtocolError("protocol error: a frame of length 0")
        return ProtocolError(
            f"protocol error: a frame of {length} bytes is over the cap of {self._max}",
            "oversized",
        )


def decode_record(body: bytes) -> Any:
    """Decode one frame body into a Python value; ProtocolError if it is not one msgpack value."""
    try:
        return unpack(body)
    except (msgpack.ExtraData, ValueError, msgpack.UnpackException, TypeError) as e:
        raise ProtocolError(f"protocol error: the frame is not one msgpack value ({type(e).__name__}: {e})") from None
