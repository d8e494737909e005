"""Framing, record validation, boxing, and two connections talking over a socketpair."""
from __future__ import annotations

import asyncio
import unittest

from furrow_asyncio import codec
from furrow_asyncio.codec import (
    FrameDecoder,
    ProtocolError,
    decode_record,
    encode_frame,
    pack,
    unpack,
)
from furrow_asyncio.connection import READ_BYTES
from furrow_asyncio.contexts import Context
from furrow_asyncio.errors import (
    ContextCancelled,
    RemoteActorError,
    box_cancelled,
    box_error,
    unbox_error,
)
from furrow_asyncio.messages import validate_record

from .pair import connection_pair, open_context


class FramingTest(unittest.TestCase):
    def test_protocol_md_example_bytes(self) -> None:
        # docs/protocol.md section 8: Stop {cid: 3} as Node writes it (map16 header)
        body = bytes.fromhex("de0002a474797065a453746f70a363696403")
        self.assertEqual(FrameDecoder().feed(b"\x00\x00\x00\x12" + body), [body])
        self.assertEqual(validate_record(decode_record(body)), {"type": "Stop", "cid": 3})

    def test_split_and_coalesced_frames(self) -> None:
        frames = [encode_frame({"type": "Ping", "seq": i}) for i in range(5)]
        data = b"".join(frames)
        dec = FrameDecoder()
        out = []
        for i in range(0, len(data), 3):
            out += dec.feed(data[i : i + 3])
        self.assertEqual([unpack(b)["seq"] for b in out], list(range(5)))
        self.assertFalse(dec.partial)

    def test_bad_lengths(self) -> None:
        with self.assertRaisesRegex(ProtocolError, "length 0"):
            FrameDecoder().feed(b"\x00\x00\x00\x00")
        with self.assertRaisesRegex(ProtocolError, "over the cap"):
            FrameDecoder(max_frame_bytes=10).feed(b"\x00\x00\x00\x0b")

    def test_validation(self) -> None:
        for bad, msg in [
            ([1, 2], "must be a map"),
            ({"type": "Nope"}, "unknown record type"),
            ({"type": "Stop"}, "'cid' is missing"),
            ({"type": "Stop", "cid": -1}, "wrong type"),
            ({"type": "Credit", "cid": 1, "n": 0}, "wrong type"),
            ({"type": "Yield", "cid": 1, "pld": "not bin"}, "wrong type"),
        ]:
            with self.assertRaisesRegex(ProtocolError, msg):
                validate_record(bad)
        self.assertEqual(
            validate_record(
                {
                    "type": "Error",
                    "cid": None,
                    "error": box_error(ValueError("x"), ("a", "b")),
                    "extra": 1,
                }
            )["type"],
            "Error",
        )
        with self.assertRaises(ProtocolError):
            decode_record(pack(1) + b"\x01")

    def test_node_undefined_reads_as_none(self) -> None:
        self.assertEqual(unpack(b"\x92\xd4\x00\x00\x01"), [None, 1])

    def test_reused_packer(self) -> None:
        # the shared packer gives what packb gives, survives a value it cannot pack,
        # and is replaced after a big value (so it does not keep a big buffer)
        with self.assertRaises(TypeError):
            pack(object())
        self.assertEqual(pack({"i": 1, "b": b"x"}), b"\x82\xa1i\x01\xa1b\xc4\x01x")
        before = codec._packer
        big = b"x" * (2 * 1024 * 1024)
        self.assertEqual(unpack(pack(big)), big)
        self.assertIsNot(codec._packer, before)
        self.assertEqual(unpack(pack([1, "a"])), [1, "a"])


class BoxTest(unittest.TestCase):
    def test_box_keeps_type_traceback_and_cause(self) -> None:
        try:
            try:
                raise KeyError("inner")
            except KeyError as e:
                raise ValueError("outer") from e
        except ValueError as e:
            box = box_error(e, ("py", "u1"))
        self.assertEqual(box["boxedType"], "ValueError")
        self.assertIn("Traceback", box["stack"])
        self.assertEqual(box["cause"]["boxedType"], "KeyError")
        err = unbox_error(box)
        self.assertIsInstance(err, RemoteActorError)
        relayed = box_error(err, ("relay", "u2"))
        self.assertEqual(relayed["relayPath"], [["relay", "u2"]])
        self.assertEqual(relayed["relayed"], box)

    def test_cancelled_box(self) -> None:
        err = unbox_error(box_cancelled(("py", "u"), ("root", "r"), "why"))
        self.assertIsInstance(err, ContextCancelled)
        self.assertEqual(err.canceller, ("root", "r"))


class ConnectionTest(unittest.IsolatedAsyncioTestCase):
    async def test_handshake_parity_and_ping(self) -> None:
        a, b = await connection_pair()
        self.assertEqual(a.peer_uid, ("b", "bbb"))
        self.assertEqual(a.open_dialog().cid, 1)  # the smaller uuid opens odd cids
        self.assertEqual(b.open_dialog().cid, 2)
        a.close()
        self.assertIsNone(await a.wait_closed())
        self.assertIsNotNone(await b.wait_closed())  # EOF reaches the peer as a TransportError

    async def test_credit_window_holds_the_sender(self) -> None:
        a, b = await connection_pair()
        got: list[int] = []
        opened = asyncio.Event()

        async def serve(
            ctx: Context,
        ) -> None:  # b: a context that receives with a window of 4
            await ctx.started(None)
            async with ctx.open_stream(window=4) as s:
                opened.set()
                async for v in s:
                    got.append(v)

        ctx = await open_context(a, b, serve)
        await opened.wait()
        async with ctx.open_stream() as s:
            for i in range(20):
                await s.send(i)
                self.assertLessEqual(ctx._dialog._credit, 4)
        await ctx._wait_for(lambda: len(got) == 20 or ctx.done)
        self.assertEqual(got, list(range(20)))
        a.close()
        b.close()

    async def test_send_without_waiting_needs_credit(self) -> None:
        a, b = await connection_pair()
        self.assertEqual(a._rtransport.max_size, READ_BYTES)  # type: ignore[union-attr]  # set once connected
        d = a.open_dialog()
        d.limit_sends()
        d._credit = 2
        sent = a.stats["framesOut"]
        self.assertTrue(d.send_yield_nowait(1))
        self.assertTrue(d.send_yield_nowait(2))
        self.assertFalse(d.send_yield_nowait(3))  # no credit left: nothing encoded, nothing queued
        self.assertEqual((d._credit, a.stats["framesOut"] - sent), (0, 2))
        a.close()
        b.close()


if __name__ == "__main__":
    unittest.main()
