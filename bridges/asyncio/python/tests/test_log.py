"""The Python side's log setting and lines (furrow_asyncio/log.py): the same spec
grammar and the same line shape as the Node side (src/core/log.ts), the task an
RPC task's name gives, areas as their own kinds, and a bad FURROW_LOG reported
once without stopping the actor."""
from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import unittest
from unittest import mock

from furrow_asyncio import log


class ParseSpec(unittest.TestCase):
    def test_levels_areas_debug_off(self) -> None:
        self.assertEqual(log.parse_spec("warn"), ("warn", frozenset()))
        self.assertEqual(log.parse_spec("cancel, Transport"), ("info", frozenset({"cancel", "transport"})))
        self.assertEqual(log.parse_spec("debug"), ("debug", frozenset({"cancel", "transport"})))
        self.assertEqual(log.parse_spec("all"), ("debug", frozenset({"cancel", "transport"})))
        self.assertEqual(log.parse_spec("error,cancel"), ("error", frozenset({"cancel"})))
        self.assertEqual(log.parse_spec("off"), ("off", frozenset()))
        self.assertEqual(log.parse_spec(" "), ("info", frozenset()))

    def test_bad_specs_name_the_token(self) -> None:
        with self.assertRaisesRegex(
            ValueError,
            r"unknown log level or area 'chatty' in 'info,chatty' "
            r"\(valid: error, warn, info, debug, cancel, transport, all, off\)",
        ):
            log.parse_spec("info,chatty")
        with self.assertRaisesRegex(ValueError, r"names two levels \('warn' and 'debug'\)"):
            log.parse_spec("warn,debug")


LINE = re.compile(
    r"^\d\d:\d\d:\d\d\.\d{3} (?P<kind>\S+) +py\[7bd0a2c4:(?P<pid>\d+)\] \{(?P<task>[^}]+)\} (?P<text>.*)$"
)


class Lines(unittest.TestCase):
    def setUp(self) -> None:
        self.out = io.StringIO()
        patcher = mock.patch("sys.stderr", self.out)
        patcher.start()
        self.addCleanup(patcher.stop)

    def configure(self, spec: str | None) -> None:
        log.configure(spec, "py", "7bd0a2c4-0000-4000-8000-000000000000")

    def lines(self) -> list[re.Match[str]]:
        found = [LINE.match(line) for line in self.out.getvalue().splitlines()]
        self.assertTrue(all(found), self.out.getvalue())
        return [m for m in found if m]

    def test_levels_and_areas_shape(self) -> None:
        self.configure("warn,cancel")
        log.logger.error("e")
        log.logger.warning("w")
        log.logger.info("i")
        log.logger.debug("d")
        log.cancel_log.debug("task %s cancelled", "fx:f")
        log.transport_log.debug("t")
        got = [(m["kind"], m["task"], m["text"]) for m in self.lines()]
        self.assertEqual(
            got, [("error", "main", "e"), ("warn", "main", "w"), ("cancel", "main", "task fx:f cancelled")]
        )
        self.assertEqual({int(m["pid"]) for m in self.lines()}, {os.getpid()})

    def test_the_task_is_the_rpc_tasks_target(self) -> None:
        self.configure("info")

        async def main() -> None:
            async def work() -> None:
                log.logger.info("inside")

            await asyncio.get_running_loop().create_task(work(), name="furrow:fx_basic:echo#7")
            await asyncio.get_running_loop().create_task(work(), name="Task-9")

        asyncio.run(main())
        self.assertEqual([m["task"] for m in self.lines()], ["fx_basic:echo", "runtime"])

    def test_bad_environment_is_told_once_and_info_is_used(self) -> None:
        with mock.patch.dict(os.environ, {"FURROW_LOG": "loud"}):
            self.configure(None)
        log.logger.info("still here")
        log.logger.debug("not shown")
        got = [(m["kind"], m["text"]) for m in self.lines()]
        self.assertEqual(got[0][0], "warn")
        self.assertIn("FURROW_LOG ignored: unknown log level or area 'loud'", got[0][1])
        self.assertEqual(got[1:], [("info", "still here")])

    def test_the_parents_setting_wins_over_the_environment(self) -> None:
        with mock.patch.dict(os.environ, {"FURROW_LOG": "off"}):
            self.configure("transport")
        log.transport_log.debug("link")
        self.assertEqual([m["kind"] for m in self.lines()], ["transport"])

    def tearDown(self) -> None:
        logging.getLogger("furrow").handlers.clear()


if __name__ == "__main__":
    unittest.main()
