"""Bad frames cost no memory: msgpack's C decoder (1.0.x) leaks the containers it was
filling when a decode fails, so the codec checks a body's structure first and raises
for unknown extension types only after the decode (codec._StructureCheck, _ExtHook)."""
from __future__ import annotations

import gc
import tracemalloc
import unittest

from furrow_asyncio import codec

BAD_BODIES = {
    "1,000 nested arrays, then an invalid byte": b"\x91" * 1000 + b"\xc1",
    "1,000 nested arrays, cut short": b"\x91" * 1000,
    "100,000 nested arrays": b"\x91" * 100_000 + b"\x90",
    "1,000 nested maps, then an invalid byte": b"\x81\xa1k" * 1000 + b"\xc1",
    "an unknown extension type 1,000 arrays deep": b"\x91" * 1000 + b"\xd4\x42\x07",
}


class BadFramesMemory(unittest.TestCase):
    def test_bad_bodies_are_refused_and_nothing_is_kept(self) -> None:
        for what, body in BAD_BODIES.items():
            with self.subTest(what):
                tracemalloc.start()
                try:
                    # warm-up (caches, free lists, the checker's replaced buffer), then measure
                    for _ in range(20):
                        with self.assertRaises(codec.ProtocolError):
                            codec.decode_record(body)
                    gc.collect()
                    before = tracemalloc.get_traced_memory()[0]
                    for _ in range(200):
                        with self.assertRaises(codec.ProtocolError):
                            codec.decode_record(body)
                    gc.collect()
                    grew = tracemalloc.get_traced_memory()[0] - before
                finally:
                    tracemalloc.stop()
                # before the fix: ~78 KB a frame, ~15 MB here
                self.assertLess(grew, 64 * 1024, f"{what}: {grew} bytes kept after 200 bad frames")

    def test_good_values_still_decode_after_bad_ones(self) -> None:
        for body in BAD_BODIES.values():
            with self.assertRaises(codec.ProtocolError):
                codec.decode_record(body)
            self.assertEqual(
                codec.decode_record(codec.pack({"type": "Stop", "cid": 3, "x": [None, [1]]})),
                {"type": "Stop", "cid": 3, "x": [None, [1]]},
            )
        self.assertEqual(codec.unpack(b"\x91\xd4\x00\x00"), [None])  # msgpackr's `undefined`


if __name__ == "__main__":
    unittest.main()
