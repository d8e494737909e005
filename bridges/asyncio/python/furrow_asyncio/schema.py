"""The protocol's one machine-readable description, protocol/schema.json (record shapes and limits).

The Node side imports the same file. `messages.py` builds its record checks from it,
`codec.py` and `errors.py` take their limits from it. It is looked for:

1. beside this module (`furrow_asyncio/schema.json`): where a wheel built from this
   package puts a copy;
2. at `<root>/protocol/schema.json`, four directories above this package: the layout of
   the repository and of the npm package (which ships `protocol/` and
   `bridges/asyncio/python/`).

`os.path` rather than `pathlib`: an actor imports this at start-up, and `pathlib`
is not otherwise loaded. The `..` steps are left for the kernel to resolve, so a
symlinked package directory (as pnpm makes) leads to its real parent.
"""
from __future__ import annotations

import json
import os
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))

#: Where the schema is looked for, in order.
SCHEMA_PATHS = (
    os.path.join(_HERE, "schema.json"),
    os.path.join(_HERE, os.pardir, os.pardir, os.pardir, os.pardir, "protocol", "schema.json"),
)


def load_schema(paths: tuple[str, ...] = SCHEMA_PATHS) -> dict[str, Any]:
    """Read the first of `paths` that exists; raise RuntimeError naming them all if none does."""
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                schema: dict[str, Any] = json.load(f)
                return schema
        except FileNotFoundError:
            continue
    tried = ", ".join(os.path.normpath(p) for p in paths)
    raise RuntimeError(f"furrow_asyncio: the protocol schema (protocol/schema.json) is missing; looked in: {tried}")


#: protocol/schema.json, as loaded.
SCHEMA: dict[str, Any] = load_schema()
#: The limits both sides enforce (`limits` of the schema).
LIMITS: dict[str, int] = SCHEMA["limits"]
