"""Framing and msgpack codec of the furrow wire protocol (docs/protocol.md, sections 1-2).

A frame is a 4-byte big-endian length followed by exactly one msgpack value. Record
envelopes are decoded at once; application payloads (`pld`) are msgpack values of
their own, wrapped as `bin`, and decoded only when a dialog consumes them.
"""
from __future__ import annotations

import struct
from typing import Any

import msgpack

from .schema import LIMITS

#: Default cap on one frame's body (64 MiB), checked on the prefix.
MAX_FRAME_BYTES: int = LIMITS["maxFrameBytes"]
PREFIX = struct.Struct(">I")
if PREFIX.size != LIMITS["prefixBytes"]:
    raise RuntimeError(f"protocol/schema.json: a {LIMITS['prefixBytes']}-byte length prefix is not what this codec writes")

#: msgpackr writes JavaScript `undefined` as fixext1 type 0; it reads as None here.
_EXT_UNDEFINED = 0


class ProtocolError(Exception):
    """A frame or record breaks the protocol: the connection is closed with this message."""

    def __init__(self, message: str, code: str = "malformed") -> None:
        super().__init__(message)
        self.code = code


def _ext_hook(code: int, data: bytes) -> Any:
    # the timestamp (-1) is decoded by msgpack itself (`timestamp=3`): any other type is
    # not part of the protocol, and Node's decoder refuses unknown ones too
    if code == _EXT_UNDEFINED:
        return None
    raise ValueError(f"msgpack extension type {code} is not part of the furrow protocol")


#: A packer that produced more than this keeps a buffer that big: it is replaced.
_PACKER_KEEP_BYTES = 1024 * 1024
_packer = msgpack.Packer(use_bin_type=True)


def pack(value: Any) -> bytes:
    """Encode one value as msgpack (str as str, bytes as bin).

    One reused Packer (packing happens on the loop thread only): `msgpack.packb` makes
    a new one, with its 1 MiB buffer, on every call (~0.3 us against ~0.1 us here).
    """
    global _packer
    out = _packer.pack(value)
    if len(out) > _PACKER_KEEP_BYTES:
        _packer = msgpack.Packer(use_bin_type=True)
    return out


def unpack(data: bytes) -> Any:
    """Decode exactly one msgpack value (trailing bytes are an error).

    A str that is not valid UTF-8 decodes with U+FFFD in place of each bad sequence, as
    Node's decoder (msgpackr, TextDecoder) reads it, instead of failing the frame.
    """
    return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext_hook, timestamp=3, unicode_errors="replace")


def encode_frame(record: dict[str, Any]) -> bytes:
    """A whole frame (prefix included) for one record."""
    body = pack(record)
    return PREFIX.pack(len(body)) + body


# A payload record ({type, cid, pld}) is written without packing the record: a fixed
# header in the layout of protocol.md section 8 (the one Node writes, which Node also
# recognises without a general decode): prefix, fixmap 3, "type" <type>, "cid" uint32,
# "pld" bin32 length, then the payload's bytes. One struct pack and one concat.


class PayloadHeader:
    """The frame header of `type_` records on dialog `cid`, built once per dialog and type."""

    __slots__ = ("_struct", "_mid", "_extra")

    def __init__(self, type_: str, cid: int) -> None:
        t = type_.encode()
        if len(t) > 31:
            raise ValueError(f"record type {type_!r} is too long for a fixstr")
        self._mid = b"\x83\xa4type" + bytes((0xA0 + len(t),)) + t + b"\xa3cid\xce" + PREFIX.pack(cid) + b"\xa3pld\xc6"
        self._struct = struct.Struct(f">I{len(self._mid)}sI")
        self._extra = len(self._mid) + 4

    def frame(self, pld: bytes) -> bytes:
        """The whole frame (prefix included) of the record carrying the packed payload `pld`."""
        n = len(pld)
        return self._struct.pack(self._extra + n, self._mid, n) + pld


class FramesThenError(list):  # type: ignore[type-arg]
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
        the returned FramesThenError reaches it. When nothing is buffered (the usual case: whole frames per read) the bodies are
        sliced straight out of `data` (one copy each) and only a trailing partial frame
        is buffered.
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
        return ProtocolError(f"protocol error: a frame of {length} bytes is over the cap of {self._max}", "oversized")


def decode_record(body: bytes) -> Any:
    """Decode one frame body into a Python value; ProtocolError if it is not one msgpack value."""
    try:
        return unpack(body)
    except (msgpack.ExtraData, ValueError, msgpack.UnpackException, TypeError) as e:
        raise ProtocolError(f"protocol error: the frame is not one msgpack value ({type(e).__name__}: {e})") from None
