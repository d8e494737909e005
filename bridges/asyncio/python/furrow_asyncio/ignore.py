"""The one way to drop an error on purpose, as `ignore` / `ignoring` do on the Node side
(src/core/ignore.ts): every drop names its reason, so a reader can tell a deliberate
drop from a forgotten one, and a listener (a debug log, a test) is told of each.

    with ignoring("the peer may already be gone; its end is seen on the connection"):
        dialog.send_nowait({"type": "Stop"})

`ignoring` drops `Exception`s only (never a cancellation, `KeyboardInterrupt` or
`SystemExit`), unless narrower types are given.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    import asyncio

#: Why an error is dropped at a given place: a short sentence.
IgnoreReason = str

_listeners: list[Callable[[IgnoreReason, BaseException], None]] = []


def on_ignored_error(listener: Callable[[IgnoreReason, BaseException], None]) -> Callable[[], None]:
    """Be told of every error dropped through `ignoring` or `ignored`; returns an unsubscribe."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def _dropped(reason: IgnoreReason, error: BaseException) -> None:
    for listener in list(_listeners):
        listener(reason, error)


class ignoring:
    """Run the block; if it raises one of `types` (default: any `Exception`), drop it because of `reason`.

    A class, not a `@contextmanager` generator: it guards the RPC server's every answer,
    and a generator costs a frame and two resumptions per use.
    """

    __slots__ = ("_reason", "_types")

    def __init__(self, reason: IgnoreReason, *types: type[BaseException]) -> None:
        self._reason = reason
        self._types = types or Exception

    def __enter__(self) -> None:
        return None

    def __exit__(self, typ: Optional[type[BaseException]], error: Optional[BaseException], tb: Any) -> bool:
        if error is None or not isinstance(error, self._types):
            return False
        _dropped(self._reason, error)  # the one place errors are dropped: each caller names why
        return True


def ignored(reason: IgnoreReason) -> Callable[["asyncio.Future[Any]"], None]:
    """A future's done callback that retrieves its exception (so asyncio does not log
    "exception was never retrieved") and drops it because of `reason`."""

    def retrieve(f: "asyncio.Future[Any]") -> None:
        error = None if f.cancelled() else f.exception()
        if error is not None:
            _dropped(reason, error)

    return retrieve
