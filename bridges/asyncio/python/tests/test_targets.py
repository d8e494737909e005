"""`'module:function'` targets parse as on the Node side: the last colon separates, any
non-empty module part is a module (plain letters too), paths become file URLs."""

import unittest

from furrow_asyncio.modules import parse_target


class TargetTest(unittest.TestCase):
    def test_plain_letters_dotted_names_and_paths(self) -> None:
        self.assertEqual(parse_target("jobs:crunch"), ("jobs", "crunch"))
        self.assertEqual(parse_target("pkg.mod:fn"), ("pkg.mod", "fn"))
        self.assertEqual(parse_target("/srv/a.ts:fn"), ("file:///srv/a.ts", "fn"))
        self.assertEqual(parse_target("furrow:runtime:ready"), ("furrow:runtime", "ready"))

    def test_a_target_without_module_or_function_is_refused(self) -> None:
        for bad in ("fn", ":fn", "mod:"):
            with self.assertRaisesRegex(ValueError, "is not a 'module:function' name"):
                parse_target(bad)


if __name__ == "__main__":
    unittest.main()
