"""This actor's node of the supervision tree, answered to `furrow:runtime:tree`.

The same shape as the Node side's `TreeNode` (src/actor/tree.ts): name, uid, pid,
backend, runtime, host, parent, state, the running RPC tasks with how long each
has run, the open contexts (and whether their stream is open). A Python actor
has no children.
"""
from __future__ import annotations

import os
import socket
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .actor import Actor

_SELF_TREE = "furrow:runtime:tree"


def describe(actor: "Actor") -> dict[str, Any]:
    """The node: what this actor runs now."""
    now = time.monotonic()
    tasks: list[dict[str, Any]] = []
    contexts: list[dict[str, Any]] = []
    for cid, (ctx, since) in list(actor.rpc.running.items()):
        if ctx.target == _SELF_TREE:
            continue
        ms = round((now - since) * 1000)
        tasks.append({"name": ctx.target, "runningMs": ms, "caller": ctx.peer_uid[0]})
        if ctx.functype == "context" or ctx._stream_opened:
            contexts.append(
                {
                    "target": ctx.target,
                    "side": "callee",
                    "peer": ctx.peer_uid[0],
                    "cid": cid,
                    "stream": ctx._stream_opened,
                    "openMs": ms,
                }
            )
    return {
        "name": actor.name,
        "uid": list(actor.uid),
        "pid": os.getpid(),
        "backend": "python",
        "runtime": "python",
        "host": socket.gethostname(),
        "parent": list(actor.parent_uid),
        "state": "cancelling" if actor.cancel_requested_by is not None else "running",
        "tasks": tasks,
        "contexts": contexts,
        "streams": sum(1 for c in contexts if c["stream"]),
        "children": [],
    }
