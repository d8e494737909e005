"""furrow_asyncio: Python asyncio processes as actors of a furrow (TypeScript) tree.

A furrow parent starts `python -m furrow_asyncio` with the `'python'` spawn backend
(`furrow/asyncio`). Functions in the enabled modules can then be called from
TypeScript: `async def` ones are awaited, plain `def` ones run in a thread, and
`@context` ones get a `Context` with a bidirectional, flow-controlled stream.
A furrow cancel becomes `task.cancel()` here; a Python exception or cancellation
travels back boxed, with its traceback. Python code can call back into its parent
through `current_actor().parent` (a `Portal`).

Names are imported lazily, so that `python -m furrow_asyncio` can report a missing
`msgpack` package clearly instead of failing inside this import.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Actor": "actor",
    "current_actor": "actor",
    "Context": "contexts",
    "MsgStream": "contexts",
    "context": "contexts",
    "Portal": "portal",
    "RemoteActorError": "errors",
    "ContextCancelled": "errors",
    "TransportError": "errors",
    "MsgTypeError": "errors",
    "StreamOverrun": "errors",
    "EndOfStream": "errors",
    "ModuleNotEnabledError": "modules",
    "open_actor_nursery": "root",
    "ActorNursery": "root",
    "ActorDiedError": "root",
    "pause": "debug",
}

__all__ = [*_EXPORTS, "parent_portal"]

if TYPE_CHECKING:  # the names type checkers see (`X as X`: re-exported); at run time __getattr__ imports them
    from .actor import Actor as Actor
    from .actor import current_actor as current_actor
    from .contexts import Context as Context
    from .contexts import MsgStream as MsgStream
    from .contexts import context as context
    from .debug import pause as pause
    from .errors import ContextCancelled as ContextCancelled
    from .errors import EndOfStream as EndOfStream
    from .errors import MsgTypeError as MsgTypeError
    from .errors import RemoteActorError as RemoteActorError
    from .errors import StreamOverrun as StreamOverrun
    from .errors import TransportError as TransportError
    from .modules import ModuleNotEnabledError as ModuleNotEnabledError
    from .portal import Portal as Portal
    from .root import ActorDiedError as ActorDiedError
    from .root import ActorNursery as ActorNursery
    from .root import open_actor_nursery as open_actor_nursery


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'furrow_asyncio' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def parent_portal() -> "Portal":
    """A portal to this actor's parent (`current_actor().parent`)."""
    from .actor import current_actor as actor_now

    return actor_now().parent
