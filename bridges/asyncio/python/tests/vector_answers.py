"""How the Python side answers a test vector of protocol/vectors.json.

The bytes go through FrameDecoder (in one chunk, or in chunks of `chunk` bytes), each
frame through decode_record and validate_record, each payload through unpack; the
records read (in the vectors' canonical form: every known field, absent and nil optional
ones as their default, per protocol/schema.json) and the error the connection would fail
with come back as a dict. `python3 -m tests.vector_answers <vectors.json>` prints the
answer to every vector as JSON, by name (the Node side's parity test compares them).
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Optional

from furrow_asyncio.codec import (
    MAX_FRAME_BYTES,
    FrameDecoder,
    ProtocolError,
    decode_record,
    unpack,
)
from furrow_asyncio.messages import validate_record
from furrow_asyncio.schema import SCHEMA

#: protocol/vectors.json in the repository (and in the npm package, which ships protocol/).
VECTORS_PATH = os.path.join(
    os.path.dirname(os.path.realpath(__file__)),
    os.pardir,
    os.pardir,
    os.pardir,
    os.pardir,
    "protocol",
    "vectors.json",
)
_SAFE_INT = 2**53 - 1


def load_vectors(path: str = VECTORS_PATH) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        vectors: list[dict[str, Any]] = json.load(f)["vectors"]
        return vectors


def canonical(v: Any) -> Any:
    """A decoded value in the canonical form: bytes as {"$bin"}, integers beyond 2^53 as {"$int"}."""
    if isinstance(v, (bytes, bytearray)):
        return {"$bin": bytes(v).hex()}
    if isinstance(v, bool) or v is None or isinstance(v, (str, float)):
        return v
    if isinstance(v, int):
        return v if -_SAFE_INT <= v <= _SAFE_INT else {"$int": str(v)}
    if isinstance(v, (list, tuple)):
        return [canonical(x) for x in v]
    if isinstance(v, dict):
        return {str(k): canonical(x) for k, x in v.items()}
    raise TypeError(f"no canonical form for {type(v).__name__}")


def _spec(raw: Any) -> dict[str, Any]:
    return {"type": raw} if isinstance(raw, str) else raw


def _read(fields: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    """The known fields of a struct as a reader takes them: absent and nil optional ones as their default."""
    out: dict[str, Any] = {}
    for k, raw in fields.items():
        spec = _spec(raw)
        x = v.get(k)
        out[k] = canonical(spec.get("default")) if x is None else _read_type(spec["type"], x)
    return out


def _read_type(name: str, x: Any) -> Any:
    t = SCHEMA["types"].get(name)
    if t is not None and "fields" in t:
        return _read(t["fields"], x)
    if t is not None and "union" in t:
        tag = t["union"]
        return {tag: x[tag], **_read(t["variants"][x[tag]], x)}
    return canonical(x)


def canonical_record(rec: dict[str, Any]) -> dict[str, Any]:
    out = {"type": rec["type"], **_read(SCHEMA["records"][rec["type"]], rec)}
    if isinstance(rec.get("pld"), (bytes, bytearray)):
        try:
            value = canonical(unpack(rec["pld"]))
        except Exception:  # noqa: BLE001 - any payload that does not decode fails its dialog (MsgTypeError)
            value = {"$error": "MsgTypeError"}
        out["pld"] = {**out["pld"], "$payload": value}
    return out


def answer(vector: dict[str, Any], chunk: Optional[int] = None) -> dict[str, Any]:
    """Read the vector's bytes as a connection would, and say what came of it."""
    data = bytes.fromhex(vector["hex"])
    decoder = FrameDecoder(vector.get("maxFrameBytes", MAX_FRAME_BYTES))
    records: list[Any] = []
    step = chunk or max(len(data), 1)
    try:
        for at in range(0, len(data), step):
            for body in decoder.feed(data[at : at + step]):
                records.append(canonical_record(validate_record(decode_record(body))))
    except ProtocolError as e:
        return {"records": records, "error": {"code": e.code, "message": str(e)}}
    if decoder.partial:
        return {
            "records": records,
            "error": {
                "code": "dropped",
                "message": "the stream ended in the middle of a frame",
            },
        }
    return {"records": records}


def main(argv: list[str]) -> None:
    vectors = load_vectors(argv[1] if len(argv) > 1 else VECTORS_PATH)
    json.dump({v["name"]: answer(v) for v in vectors}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv)
