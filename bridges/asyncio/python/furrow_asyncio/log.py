"""furrow's log lines on the Python side, through the `logging` module.

The same setting and the same line shape as the Node side (src/core/log.ts):

    00:21:03.130 info      py[7bd0a2c4:4260] {fx_basic:sleep_forever} message

Levels error/warn/info/debug are the `furrow` logger's; the detail areas are the
`furrow.cancel` and `furrow.transport` loggers (their lines say `cancel` /
`transport` where the level goes). The setting is the parent's, handed down in the
SpawnSpec (`runtimeVars.log`), else `FURROW_LOG`, else `info`. Lines go to stderr,
which the parent relays with the actor's name in front. A kind that is off costs
one level check: `logging` formats a record only once it passes.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from typing import Optional

LEVELS = ("error", "warn", "info", "debug")
AREAS = ("cancel", "transport")
DEFAULT_SPEC = "info"

#: the runtime's logger (levels); a user's code may log through it too
logger = logging.getLogger("furrow")
#: detail about cancellation: who cancelled which task
cancel_log = logging.getLogger("furrow.cancel")
#: detail about links: connections opened and closed
transport_log = logging.getLogger("furrow.transport")

_LEVEL_OF = {"error": logging.ERROR, "warn": logging.WARNING, "info": logging.INFO, "debug": logging.DEBUG}
_KIND_OF = {
    logging.ERROR: "error",
    logging.CRITICAL: "error",
    logging.WARNING: "warn",
    logging.INFO: "info",
    logging.DEBUG: "debug",
}
_OFF = logging.CRITICAL + 10


def parse_spec(spec: str) -> tuple[str, frozenset[str]]:
    """Parse a log spec as the Node side does (`parseLogSpec`).

    Returns `(level or 'off', areas)`; raises ValueError naming a bad token."""
    tokens = [t.strip().lower() for t in spec.split(",") if t.strip()]
    if not tokens:
        return parse_spec(DEFAULT_SPEC)
    level: Optional[str] = None
    areas: set[str] = set()
    for t in tokens:
        if t in LEVELS or t == "off":
            if level is not None and level != t:
                raise ValueError(f"log spec {spec!r} names two levels ({level!r} and {t!r}): name one")
            level = t
        elif t in AREAS:
            areas.add(t)
        elif t == "all":
            level = "debug"
        else:
            raise ValueError(
                f"unknown log level or area {t!r} in {spec!r} (valid: {', '.join([*LEVELS, *AREAS, 'all', 'off'])})"
            )
    level = level or "info"
    if level == "debug":
        areas |= set(AREAS)
    if level == "off":
        areas.clear()
    return level, frozenset(areas)


def _task_name() -> str:
    """The task logging: an RPC task's `module:function`, `runtime` for the actor's own tasks, `main` outside any."""
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return "main"
    if task is None:
        return "main"
    name = task.get_name()
    if name.startswith("furrow:") and "#" in name:
        return name[len("furrow:") : name.rindex("#")]
    return "runtime"


class LineFormatter(logging.Formatter):
    """Formats a record as a furrow log line (time in UTC, kind, actor tag, task)."""

    def __init__(self, name: str, uuid: str) -> None:
        super().__init__()
        self.tag = f"{name}[{uuid[:8]}:{os.getpid()}]"

    def format(self, record: logging.LogRecord) -> str:
        if record.name.startswith("furrow.") and record.name[len("furrow.") :] in AREAS:
            kind = record.name[len("furrow.") :]
        else:
            kind = _KIND_OF.get(record.levelno, "info")
        hms = time.strftime("%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}"
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return f"{hms} {kind:<9} {self.tag} {{{_task_name()}}} {text}"


_handler: Optional[logging.Handler] = None


def configure(spec: Optional[str], name: str, uuid: str) -> None:
    """Set up the `furrow` loggers for this actor: `spec` (the parent's), else FURROW_LOG, else info.

    A bad spec is reported once (a warning line) and the default is used: a log
    setting must never stop an actor."""
    global _handler
    bad: Optional[str] = None
    try:
        level, areas = parse_spec(spec if spec is not None else os.environ.get("FURROW_LOG", DEFAULT_SPEC))
    except ValueError as e:
        bad = str(e)
        level, areas = parse_spec(DEFAULT_SPEC)
    if _handler is not None:
        logger.removeHandler(_handler)
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(LineFormatter(name, uuid))
    logger.addHandler(_handler)
    logger.propagate = False
    logger.setLevel(_OFF if level == "off" else _LEVEL_OF[level])
    for area, area_logger in (("cancel", cancel_log), ("transport", transport_log)):
        area_logger.setLevel(logging.DEBUG if area in areas else _OFF)
    if bad is not None:
        logger.warning("FURROW_LOG ignored: %s", bad)
