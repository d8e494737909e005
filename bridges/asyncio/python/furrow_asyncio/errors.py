"""Errors of the Python actor runtime, and boxing them for the wire (protocol.md, BoxedError).

A box keeps the exception's class name (`boxedType`), message, full Python traceback
(`stack`), the actor that raised it, and its `__cause__` chain. An error that came
from another actor is relayed: its origin is kept and this actor is appended to
`relayPath`.
"""
from __future__ import annotations

import traceback
from typing import Any, Optional, Sequence

from .schema import LIMITS

#: How many causes below an exception `box_error` boxes (protocol/schema.json `maxCauseDepth`).
MAX_CAUSE_DEPTH: int = LIMITS["maxCauseDepth"]
#: How deep boxes may nest through `relayed` / `cause` before a receiver refuses them.
MAX_BOX_DEPTH: int = LIMITS["maxBoxDepth"]


class TransportError(Exception):
    """The connection failed (dropped peer, malformed frame, failed handshake); every dialog on it gets this."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class MsgTypeError(Exception):
    """One dialog received something it cannot use (a payload that does not decode, a wrong sequence)."""


class StreamOverrun(Exception):
    """A stream opened with `allow_overruns` received more unread values than its `max_buffer`."""


class EndOfStream(Exception):
    """The peer closed its side of the stream (raised by `MsgStream.receive()`, ends `async for`)."""


class RemoteActorError(Exception):
    """An error raised in another actor, rebuilt here from its box.

    `boxed_type` is its class name at the source, `remote_stack` its stack text,
    `src_uid` the actor that raised it, `relay_path` the actors it passed through.
    """

    def __init__(self, box: dict[str, Any]) -> None:
        super().__init__(box.get("message", ""))
        self.box = box
        self.boxed_type: str = box.get("boxedType", "Error")
        self.remote_stack: str = box.get("stack") or ""
        src = box.get("srcUid") or ("?", "?")
        self.src_uid: tuple[str, str] = (str(src[0]), str(src[1]))
        self.relay_path: list[tuple[str, str]] = [(str(u[0]), str(u[1])) for u in box.get("relayPath") or []]
        self.extra: dict[str, Any] = box.get("extra") or {}
        if box.get("cause"):
            self.__cause__ = unbox_error(box["cause"])

    def __str__(self) -> str:
        return f"{self.boxed_type}: {self.args[0]} [raised in actor '{self.src_uid[0]}']" + (
            f"\n--- remote stack ---\n{self.remote_stack}" if self.remote_stack else ""
        )


class ContextCancelled(RemoteActorError):
    """A context (or RPC task) was cancelled in the other actor; `canceller` is who asked for it."""

    def __init__(self, box: dict[str, Any]) -> None:
        super().__init__(box)
        c = box.get("canceller")
        self.canceller: Optional[tuple[str, str]] = (c[0], c[1]) if c else None


def _type_name(exc: BaseException) -> str:
    return type(exc).__name__


def _extra(exc: BaseException) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in vars(exc).items() if hasattr(exc, "__dict__") else ():
        if k.startswith("_") or not _plain(v, 0):
            continue
        out[k] = v
    if isinstance(exc, OSError) and exc.errno is not None:
        out.setdefault("errno", exc.errno)
    return out


def _plain(v: Any, depth: int) -> bool:
    if v is None or isinstance(v, (str, bool, int, float, bytes)):
        return not isinstance(v, int) or -(2**63) <= v < 2**64
    if depth > 4:
        return False
    if isinstance(v, (list, tuple)):
        return all(_plain(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _plain(x, depth + 1) for k, x in v.items())
    return False


def box_error(
    exc: BaseException,
    src_uid: Sequence[str],
    canceller: Optional[Sequence[str]] = None,
    _depth: int = 0,
) -> dict[str, Any]:
    """Box `exc` raised (or relayed) in the actor `src_uid`, Python traceback included.

    The `__cause__` chain is boxed down to MAX_CAUSE_DEPTH causes; an error that came
    from another actor is relayed (`relay_box`).
    """
    if isinstance(exc, RemoteActorError):
        return relay_box(exc.box, src_uid)
    cause = exc.__cause__
    return {
        "boxedType": _type_name(exc),
        "message": str(exc) if not isinstance(exc, KeyError) or len(exc.args) != 1 else str(exc.args[0]),
        "stack": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        "srcUid": list(src_uid),
        "relayPath": [],
        "canceller": list(canceller) if canceller else None,
        "relayed": None,
        "cause": box_error(cause, src_uid, None, _depth + 1)
        if cause is not None and _depth < MAX_CAUSE_DEPTH
        else None,
        "extra": _extra(exc),
    }


def relay_box(box: dict[str, Any], relayer: Sequence[str]) -> dict[str, Any]:
    """The box an actor sends when it passes on an error it received as `box`.

    The origin is kept (type, message, stack, `srcUid`, cause), `relayer` is appended to
    `relayPath` and the received box goes in `relayed`. Every relay nests one box deeper;
    where that would pass MAX_BOX_DEPTH (which a receiver enforces), the deepest boxes of
    the received one are cut off, so the result is always accepted.
    """
    inner = _fit_box(box, MAX_BOX_DEPTH - 1, {})
    return {
        **inner,
        "relayPath": [*(inner.get("relayPath") or []), list(relayer)],
        "relayed": inner,
    }


def _fit_box(box: dict[str, Any], budget: int, depths: dict[int, int]) -> dict[str, Any]:
    """`box` with its `relayed`/`cause` nesting cut to `budget` levels (the box itself if it fits)."""
    if _box_depth(box, depths) <= budget:
        return box
    if budget == 0:
        return {**box, "relayed": None, "cause": None}
    nested = {k: _fit_box(box[k], budget - 1, depths) for k in ("relayed", "cause") if box.get(k)}
    return {**box, **nested}


def _box_depth(box: dict[str, Any], depths: dict[int, int]) -> int:
    """How many levels of boxes nest below `box` (relayed boxes share their causes: memoised by id)."""
    d = depths.get(id(box))
    if d is None:
        d = max(
            [1 + _box_depth(box[k], depths) for k in ("relayed", "cause") if box.get(k)],
            default=0,
        )
        depths[id(box)] = d
    return d


def box_cancelled(
    src_uid: Sequence[str],
    canceller: Sequence[str],
    reason: Optional[str],
    stack: str = "",
) -> dict[str, Any]:
    """The box of a context cancelled in `src_uid` at the request of `canceller`."""
    why = reason or "cancelled"
    return {
        "boxedType": "ContextCancelled",
        "message": f"cancelled by actor '{canceller[0]}' ({why})",
        "stack": stack,
        "srcUid": list(src_uid),
        "relayPath": [],
        "canceller": list(canceller),
        "relayed": None,
        "cause": None,
        "extra": {},
    }


def box_transport_error(message: str, src_uid: Sequence[str]) -> dict[str, Any]:
    """The box of a fatal connection error (sent with `cid` nil before closing)."""
    return {
        "boxedType": "TransportError",
        "message": message,
        "stack": "",
        "srcUid": list(src_uid),
        "relayPath": [],
        "canceller": None,
        "relayed": None,
        "cause": None,
        "extra": {},
    }


def unbox_error(box: dict[str, Any]) -> RemoteActorError:
    """Rebuild an error from its box: ContextCancelled or RemoteActorError."""
    if box.get("boxedType") == "ContextCancelled":
        return ContextCancelled(box)
    return RemoteActorError(box)
