"""The records of the furrow protocol (docs/protocol.md, section 3) and their validation.

`validate_record` checks every decoded frame: a body that is not a map, an unknown
`type` or a known field of the wrong type raises ProtocolError (the connection is
closed with a clear message); unknown extra keys are ignored. The table of records is
built from protocol/schema.json when this module loads (schema.py), the file the
Node side's validator is held to. It is the table this module always had (one check
function per field), so checking a record costs what it did.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from .codec import ProtocolError
from .schema import LIMITS, SCHEMA

PROTOCOL_VERSION: int = SCHEMA["version"]
MAX_U32 = 0xFFFF_FFFF
MAX_BOX_DEPTH: int = LIMITS["maxBoxDepth"]

Uid = list  # [name, uuid]: a msgpack array of two strings
Record = dict[str, Any]

FUNCTYPES: tuple[str, ...] = tuple(SCHEMA["types"]["FuncType"]["enum"])


class _Invalid(Exception):
    pass


def _wrong(at: str, what: str, v: Any) -> _Invalid:
    shown = "" if isinstance(v, (dict, list, bytes)) else f" {v!r}"[:41]
    return _Invalid(f"field '{at}' has the wrong type or value ({type(v).__name__}{shown}): must be {what}")


def _as_int(v: Any) -> Optional[int]:
    """A float holding an integer (3.0) as that int: Node's decoder cannot tell 3.0 from 3, so both accept it."""
    return int(v) if type(v) is float and v.is_integer() else None


# ---- field checks: each takes a value that is not None and says whether it fits ----

Check = Callable[[Any], bool]


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


_BUILTIN: dict[str, tuple[Check, str]] = {
    "str": (_str, "a string"),
    "u32": (_u32, "an integer in 0..2^32-1"),
    "bool": (_bool, "a boolean"),
    "bin": (_bin, "msgpack bin"),
    "map": (_map, "a map"),
    "Uid": (_uid, "a [name, uuid] pair of strings"),
}

#: One field of a record or struct: name, check, required, what it must be (for messages).
Field = tuple[str, Optional[Check], bool, str]


def _check_fields(v: dict[str, Any], fields: list[Field], at: str, depth: int) -> None:
    """Check the known fields of the struct `v` (shown as `at`) in place; an integral float becomes an int.
    A field whose check is None holds a nested box."""
    for k, check, required, what in fields:
        x = v.get(k)
        if x is None:
            if required:
                raise _Invalid(f"field '{at}.{k}' is missing")
            continue
        if check is None:
            if not _box(x, f"{at}.{k}", depth + 1):
                raise _wrong(f"{at}.{k}", what, x)
        elif not check(x):
            fixed = _as_int(x)
            if fixed is None or not check(fixed):
                raise _wrong(f"{at}.{k}", what, x)
            v[k] = fixed


def _box(v: Any, at: str, depth: int) -> bool:
    """A boxed error, whose `relayed` and `cause` are boxes one level deeper (refused past MAX_BOX_DEPTH)."""
    if depth > MAX_BOX_DEPTH:
        raise _Invalid(f"field '{at}' nests deeper than {MAX_BOX_DEPTH} boxes")
    if not isinstance(v, dict):
        return False
    _check_fields(v, _BOX_FIELDS, at, depth)
    return True


# ---- building the table from the schema ----


def _spec(raw: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": raw} if isinstance(raw, str) else raw
    return spec


def _check_of(spec: dict[str, Any], at: str) -> tuple[Optional[Check], str]:
    """The check of a field of type `spec` shown as `at`, and what its values must be."""
    name: str = spec["type"]
    if name == "u32" and ("min" in spec or "max" in spec):
        lo, hi = spec.get("min", 0), spec.get("max", MAX_U32)
        return (lambda v: type(v) is int and lo <= v <= hi), f"an integer in {lo}..{'2^32-1' if hi == MAX_U32 else hi}"
    if name in _BUILTIN:
        return _BUILTIN[name]
    if name.startswith("[") and name.endswith("]"):
        item, what = _check_of({"type": name[1:-1]}, at)
        assert item is not None
        check_item = item  # narrowed, for the lambda
        return (lambda v: isinstance(v, list) and all(check_item(x) for x in v)), f"an array of ({what})"
    named = SCHEMA["types"][name]
    if "enum" in named:
        values = tuple(named["enum"])
        return (lambda v: isinstance(v, str) and v in values), " or ".join(repr(x) for x in values)
    if "union" in named:
        return _union(named["union"], named["variants"], at)
    if "fields" in named and name == "BoxedError":
        return None, "a boxed-error map"
    raise ValueError(f"protocol/schema.json: no check for type {name!r}")


def _union(tag: str, variants: dict[str, Any], at: str) -> tuple[Check, str]:
    by_tag = {k: _fields(f, f"{at}.") for k, f in variants.items()}
    names = " or ".join(repr(k) for k in by_tag)

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return False
        fields = by_tag.get(str(v.get(tag)))
        if fields is None:
            raise _Invalid(f"field '{at}.{tag}' must be {names}")
        _check_fields(v, fields, at, 0)
        return True

    return check, f"a map with {tag!r} {names}"


def _fields(fields: dict[str, Any], prefix: str) -> list[Field]:
    out: list[Field] = []
    for k, raw in fields.items():
        spec = _spec(raw)
        check, what = _check_of(spec, prefix + k)
        out.append((k, check, not spec.get("optional", False), what))
    return out


_BOX_FIELDS: list[Field] = _fields(SCHEMA["types"]["BoxedError"]["fields"], "")

Spec = dict[str, tuple[Check, bool]]  # field -> (check, required)


def _box_check(field: str) -> Callable[[Any], bool]:
    """The check of a boxed error in `field`."""

    def check(v: Any) -> bool:
        return _box(v, field, 0)

    return check


def _record(fields: dict[str, Any]) -> tuple[Spec, dict[str, str]]:
    spec: Spec = {}
    what: dict[str, str] = {}
    for k, check, required, w in _fields(fields, ""):
        spec[k] = (check if check is not None else _box_check(k), required)
        what[k] = w
    return spec, what


_BUILT = {t: _record(fields) for t, fields in SCHEMA["records"].items()}
#: Every record type's fields (field -> (check, required)), from protocol/schema.json.
SCHEMAS: dict[str, Spec] = {t: spec for t, (spec, _) in _BUILT.items()}
_WHAT: dict[str, dict[str, str]] = {t: what for t, (_, what) in _BUILT.items()}


def validate_record(rec: Any) -> Record:
    """Return `rec` if it is a valid record; raise ProtocolError saying what is wrong otherwise.

    The record is checked in place, not copied: unknown keys stay, and an integral float
    in an integer field is replaced by its int.
    """
    if not isinstance(rec, dict):
        raise ProtocolError(f"protocol error: a frame body must be a map, got {type(rec).__name__}")
    t = rec.get("type")
    if not isinstance(t, str):
        raise ProtocolError("protocol error: a record without a string 'type'")
    schema = SCHEMAS.get(t)
    if schema is None:
        raise ProtocolError(f"protocol error: unknown record type {t[:40]!r}")
    try:
        for field, (check, required) in schema.items():
            v = rec.get(field)
            if v is None:
                if required:
                    raise _Invalid(f"field '{field}' is missing")
                continue
            if not check(v):
                fixed = _as_int(v)
                if fixed is None or not check(fixed):
                    raise _wrong(field, _WHAT[t][field], v)
                rec[field] = fixed
    except _Invalid as e:
        raise ProtocolError(f"protocol error: invalid {t} record: {e}") from None
    return rec


def uid_of(v: Any) -> tuple[str, str]:
    """A Uid as a tuple (hashable, comparable)."""
    return (v[0], v[1])
