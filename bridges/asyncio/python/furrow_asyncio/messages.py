"""The records of the furrow protocol (docs/protocol.md, section 3) and their validation.

`validate_record` checks every decoded frame: a body that is not a map, an unknown
`type` or a known field of the wrong type raises ProtocolError (the connection is
closed with a clear message); unknown extra keys are ignored.
"""
from __future__ import annotations

from typing import Any, Callable

from .codec import ProtocolError

PROTOCOL_VERSION = 1
MAX_U32 = 0xFFFF_FFFF
MAX_BOX_DEPTH = 64

Uid = list  # [name, uuid]: a msgpack array of two strings
Record = dict[str, Any]

FUNCTYPES = ("asyncfunc", "asyncgen", "context")


class _Invalid(Exception):
    pass


def _str(v: Any) -> bool:
    return isinstance(v, str)


def _u32(v: Any) -> bool:
    return type(v) is int and 0 <= v <= MAX_U32


def _bool(v: Any) -> bool:
    return isinstance(v, bool)


def _bin(v: Any) -> bool:
    return isinstance(v, (bytes, bytearray))


def _uid(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], str)


def _map(v: Any) -> bool:
    return isinstance(v, dict)


def _str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _address(v: Any) -> bool:
    if not isinstance(v, dict):
        return False
    if v.get("kind") == "uds":
        return isinstance(v.get("path"), str)
    if v.get("kind") == "tcp":
        return isinstance(v.get("host"), str) and type(v.get("port")) is int and 0 <= v["port"] <= 65535
    return False


def _functype(v: Any) -> bool:
    return v in FUNCTYPES


def _box(v: Any, depth: int = 0) -> bool:
    if depth > MAX_BOX_DEPTH:
        raise _Invalid(f"boxed error nests more than {MAX_BOX_DEPTH} deep")
    if not isinstance(v, dict):
        return False
    if not (_str(v.get("boxedType")) and _str(v.get("message")) and _uid(v.get("srcUid"))):
        return False
    opt: dict[str, Callable[[Any], bool]] = {
        "stack": _str,
        "relayPath": lambda x: isinstance(x, list) and all(_uid(u) for u in x),
        "canceller": _uid,
        "extra": _map,
    }
    for k, check in opt.items():
        if v.get(k) is not None and not check(v[k]):
            raise _Invalid(f"boxed error field '{k}' has the wrong type")
    for k in ("relayed", "cause"):
        if v.get(k) is not None and not _box(v[k], depth + 1):
            raise _Invalid(f"boxed error field '{k}' is not a boxed error")
    return True


Spec = dict[str, tuple[Callable[[Any], bool], bool]]  # field -> (check, required)

_R = True
_O = False
SCHEMAS: dict[str, Spec] = {
    "Aid": {"name": (_str, _R), "uuid": (_str, _R), "pid": (_u32, _R), "runtime": (_str, _R), "version": (_u32, _R)},
    "SpawnSpec": {
        "name": (_str, _R), "parent": (_uid, _R), "parentAddr": (_address, _O), "registryAddr": (_address, _O),
        "enableModules": (_str_list, _R), "debugMode": (_bool, _R), "runtimeVars": (_map, _O),
    },
    "Start": {"cid": (_u32, _R), "ns": (_str, _R), "func": (_str, _R), "pld": (_bin, _R)},
    "StartAck": {"cid": (_u32, _R), "functype": (_functype, _R)},
    "Started": {"cid": (_u32, _R), "pld": (_bin, _R)},
    "Yield": {"cid": (_u32, _R), "pld": (_bin, _R)},
    "Stop": {"cid": (_u32, _R)},
    "Return": {"cid": (_u32, _R), "pld": (_bin, _R)},
    "Error": {"cid": (_u32, _O), "error": (_box, _R)},
    "Cancel": {"cid": (_u32, _R), "canceller": (_uid, _R), "reason": (_str, _O)},
    "CancelAck": {"cid": (_u32, _R), "ok": (_bool, _R)},
    "Credit": {"cid": (_u32, _R), "n": (lambda v: _u32(v) and v >= 1, _R)},
    "Ping": {"seq": (_u32, _R)},
    "Pong": {"seq": (_u32, _R)},
}


def validate_record(rec: Any) -> Record:
    """Return `rec` if it is a valid record; raise ProtocolError saying what is wrong otherwise."""
    if not isinstance(rec, dict):
        raise ProtocolError(f"protocol error: a frame body must be a map, got {type(rec).__name__}")
    t = rec.get("type")
    if not isinstance(t, str):
        raise ProtocolError("protocol error: a record without a string 'type'")
    schema = SCHEMAS.get(t)
    if schema is None:
        raise ProtocolError(f"protocol error: unknown record type {t!r}")
    try:
        for field, (check, required) in schema.items():
            v = rec.get(field)
            if v is None:
                if required:
                    raise _Invalid(f"field '{field}' is missing")
                continue
            if not check(v):
                raise _Invalid(f"field '{field}' has the wrong type ({type(v).__name__})")
    except _Invalid as e:
        raise ProtocolError(f"protocol error: invalid {t} record: {e}") from None
    return rec


def uid_of(v: Any) -> tuple[str, str]:
    """A Uid as a tuple (hashable, comparable)."""
    return (v[0], v[1])
