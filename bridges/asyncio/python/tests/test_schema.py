"""protocol/schema.json on the Python side: where it is found, the limits taken from it,
and the behaviours that keep the two sides alike (docs/protocol.md, section 10)."""
from __future__ import annotations

import json
import os
import tempfile
import unittest

from furrow_asyncio import codec, errors, messages
from furrow_asyncio.codec import (
    FrameDecoder,
    FramesThenError,
    ProtocolError,
    encode_frame,
)
from furrow_asyncio.errors import box_error, relay_box, unbox_error
from furrow_asyncio.messages import validate_record
from furrow_asyncio.schema import LIMITS, SCHEMA, SCHEMA_PATHS, load_schema


def _depth(box: dict) -> int:
    return max([1 + _depth(box[k]) for k in ("relayed", "cause") if box.get(k)], default=0)


def _chain(n: int) -> BaseException:
    """An exception with a `__cause__` chain n deep below it."""
    exc: BaseException = ValueError(f"level {n}")
    for i in range(n - 1, -1, -1):
        try:
            raise ValueError(f"level {i}") from exc
        except ValueError as e:
            exc = e
    return exc


class SchemaFileTest(unittest.TestCase):
    def test_found_in_the_repository_layout(self) -> None:
        # the second place looked in is <root>/protocol/schema.json (repository and npm package)
        self.assertTrue(os.path.isfile(SCHEMA_PATHS[1]))
        with open(SCHEMA_PATHS[1], encoding="utf-8") as f:
            self.assertEqual(json.load(f), SCHEMA)

    def test_a_copy_beside_the_module_comes_first(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            mine = os.path.join(d, "schema.json")
            with open(mine, "w", encoding="utf-8") as f:
                json.dump({"version": 99}, f)
            self.assertEqual(load_schema((mine, SCHEMA_PATHS[1])), {"version": 99})

    def test_a_missing_schema_says_where_it_was_looked_for(self) -> None:
        with self.assertRaisesRegex(
            RuntimeError,
            r"protocol schema .* missing; looked in: /nowhere/a\.json, /nowhere/b\.json",
        ):
            load_schema(("/nowhere/a.json", "/nowhere/b.json"))

    def test_limits_and_tables_come_from_it(self) -> None:
        self.assertEqual(codec.MAX_FRAME_BYTES, LIMITS["maxFrameBytes"])
        self.assertEqual(errors.MAX_CAUSE_DEPTH, LIMITS["maxCauseDepth"])
        self.assertEqual(messages.MAX_BOX_DEPTH, LIMITS["maxBoxDepth"])
        self.assertEqual(messages.PROTOCOL_VERSION, SCHEMA["version"])
        self.assertEqual(list(messages.SCHEMAS), list(SCHEMA["records"]))
        for t, fields in SCHEMA["records"].items():
            self.assertEqual(list(messages.SCHEMAS[t]), list(fields), t)


class LimitsTest(unittest.TestCase):
    def test_box_error_boxes_max_cause_depth_causes(self) -> None:
        box = box_error(_chain(30), ("py", "u"))
        self.assertEqual(_depth(box), LIMITS["maxCauseDepth"])
        self.assertEqual(_depth(box_error(_chain(3), ("py", "u"))), 3)

    def test_a_relay_of_a_box_at_the_limit_stays_within_it(self) -> None:
        box: dict = {"boxedType": "E", "message": "level 64", "srcUid": ["a", "b"]}
        for i in range(LIMITS["maxBoxDepth"] - 1, -1, -1):
            box = {
                "boxedType": "E",
                "message": f"level {i}",
                "srcUid": ["a", "b"],
                "cause": box,
            }
        self.assertEqual(_depth(box), LIMITS["maxBoxDepth"])
        relayed = relay_box(box, ("mid", "m"))
        self.assertEqual(_depth(relayed), LIMITS["maxBoxDepth"])
        self.assertEqual((relayed["message"], relayed["relayPath"]), ("level 0", [["mid", "m"]]))
        validate_record({"type": "Error", "cid": 1, "error": relayed})
        # the deepest cause went; the rest is the received box
        self.assertEqual(relayed["relayed"]["cause"]["message"], "level 1")

    def test_relayed_a_hundred_times_a_box_is_still_accepted(self) -> None:
        box = box_error(_chain(30), ("leaf", "l"))
        for i in range(100):
            box = box_error(unbox_error(box), (f"hop{i}", f"h{i}"))
            validate_record({"type": "Error", "cid": 1, "error": box})
        self.assertLessEqual(_depth(box), LIMITS["maxBoxDepth"])
        self.assertEqual(len(box["relayPath"]), 100)
        self.assertEqual((box["srcUid"], box["message"]), (["leaf", "l"], "level 0"))

    def test_a_short_relay_is_unchanged(self) -> None:
        box = box_error(KeyError("k"), ("leaf", "l"))
        self.assertEqual(
            relay_box(box, ("mid", "m")),
            {**box, "relayPath": [["mid", "m"]], "relayed": box},
        )


class FramingTest(unittest.TestCase):
    def test_frames_before_a_bad_length_are_not_lost(self) -> None:
        good = encode_frame({"type": "Stop", "cid": 3})
        got = FrameDecoder().feed(good + b"\x00\x00\x00\x00")
        self.assertIsInstance(got, FramesThenError)
        seen = []
        with self.assertRaisesRegex(ProtocolError, "length 0"):
            for body in got:
                seen.append(body)
        self.assertEqual(seen, [good[4:]])
        # alone, a bad length still raises at once
        with self.assertRaises(ProtocolError):
            FrameDecoder().feed(b"\x00\x00\x00\x00")

    def test_an_integral_float_in_an_integer_field_becomes_the_int(self) -> None:
        rec = validate_record({"type": "Credit", "cid": 3.0, "n": 2.0})
        self.assertEqual((rec["cid"], type(rec["cid"]), rec["n"], type(rec["n"])), (3, int, 2, int))
        with self.assertRaisesRegex(ProtocolError, "'cid'"):
            validate_record({"type": "Stop", "cid": 3.5})


if __name__ == "__main__":
    unittest.main()
