"""Dropping errors on purpose: `ignoring` names its reason and tells listeners; no other
silent drop is left in the package (a static check of its source); the pre-3.11 task
set does not drop task errors."""
from __future__ import annotations

import ast
import asyncio
import pathlib
import unittest

import furrow_asyncio
from furrow_asyncio.ignore import ignored, ignoring, on_ignored_error

PACKAGE = pathlib.Path(furrow_asyncio.__file__).parent


def silent_drops(source: str) -> list[int]:
    """Lines of `except` handlers that only `pass` (or `...`), bare `except:`, and `suppress(...)` calls."""
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ExceptHandler):
            only_pass = all(
                isinstance(s, ast.Pass)
                or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is Ellipsis)
                for s in node.body
            )
            if node.type is None or only_pass:
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "suppress":
            lines.append(node.lineno)
    return lines


class IgnoreTest(unittest.TestCase):
    def test_ignoring_names_the_reason_and_tells_listeners(self) -> None:
        seen: list[tuple[str, BaseException]] = []
        stop = on_ignored_error(lambda reason, err: seen.append((reason, err)))
        try:
            with ignoring("the file may be gone", FileNotFoundError):
                raise FileNotFoundError("x")
            with self.assertRaises(PermissionError):  # not one of the types named
                with ignoring("the file may be gone", FileNotFoundError):
                    raise PermissionError("y")
            with self.assertRaises(KeyboardInterrupt):  # never more than Exception by default
                with ignoring("anything"):
                    raise KeyboardInterrupt()
        finally:
            stop()
        self.assertEqual(
            [(r, type(e)) for r, e in seen],
            [("the file may be gone", FileNotFoundError)],
        )

    def test_ignored_retrieves_a_futures_error(self) -> None:
        seen: list[str] = []
        stop = on_ignored_error(lambda reason, err: seen.append(f"{reason}: {err}"))
        loop = asyncio.new_event_loop()
        try:
            f = loop.create_future()
            f.add_done_callback(ignored("nobody waits"))
            f.set_exception(ValueError("late"))
            loop.run_until_complete(asyncio.sleep(0))
        finally:
            loop.close()
            stop()
        self.assertEqual(seen, ["nobody waits: late"])

    def test_no_silent_drop_left_in_the_package(self) -> None:
        found = {p.name: silent_drops(p.read_text()) for p in sorted(PACKAGE.glob("*.py"))}
        self.assertEqual({k: v for k, v in found.items() if v}, {})
        # the check itself finds what it looks for
        self.assertEqual(
            silent_drops("try:\n    f()\nexcept OSError:\n    pass\ntry:\n    g()\nexcept:\n    h()\n"),
            [3, 7],
        )


if __name__ == "__main__":
    unittest.main()
