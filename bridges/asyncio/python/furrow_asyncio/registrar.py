"""The registrar a Python root keeps: names to actors, for `find_actor` / `wait_for_actor`.

It answers the registry functions of the `furrow:runtime` namespace (`register`,
`unregister`, `find`, `list`, `waitFor`; protocol.md section 5a) for every actor of
the tree, as a TypeScript root does. An entry lives as long as the connection it was
registered over: when that closes, the entry goes.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from .connection import Connection


class Registrar:
    """Entries `{name, uid, addr}`, oldest first, each tied to a connection."""

    def __init__(self) -> None:
        self._entries: list[tuple[dict[str, Any], Connection]] = []
        self._changed = asyncio.Event()

    def add(self, uid: list[str], addr: Optional[dict[str, Any]], conn: Connection) -> None:
        """Enter actor `uid` (listening at `addr`) until `conn` closes; an entry of the same uid is replaced."""
        self.remove(uid[1])
        self._entries.append(({"name": uid[0], "uid": list(uid), "addr": addr}, conn))
        conn.on_close(lambda _err: self._drop_conn(conn))
        self._changed.set()
        self._changed = asyncio.Event()

    def remove(self, uuid: str) -> bool:
        """Remove the entry of actor `uuid`; True if there was one."""
        before = len(self._entries)
        self._entries = [(e, c) for e, c in self._entries if e["uid"][1] != uuid]
        return len(self._entries) != before

    def find(self, name: str) -> list[dict[str, Any]]:
        """Every entry named `name`, oldest first."""
        return [e for e, _ in self._entries if e["name"] == name]

    def entries(self) -> list[dict[str, Any]]:
        """Every entry."""
        return [e for e, _ in self._entries]

    async def wait_for(self, name: str) -> list[dict[str, Any]]:
        """The entries named `name`, once there is at least one."""
        while not (found := self.find(name)):
            await self._changed.wait()
        return found

    def _drop_conn(self, conn: Connection) -> None:
        self._entries = [(e, c) for e, c in self._entries if c is not conn]

    async def call(self, func: str, args: list[Any], conn: Connection) -> Any:
        """Answer `furrow:runtime:<func>(*args)` from an actor on `conn`; KeyError if `func` is not a registry call."""
        if func == "register":
            uid, addr = args
            self.add(list(uid), addr, conn)
            return None
        if func == "unregister":
            return self.remove(str(args[0]))
        if func == "find":
            return self.find(str(args[0]))
        if func == "list":
            return self.entries()
        if func == "waitFor":
            return await self.wait_for(str(args[0]))
        raise KeyError(func)
