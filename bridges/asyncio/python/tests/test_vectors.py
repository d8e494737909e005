"""The test vectors (protocol/vectors.json) through the Python codec and validator.

Every vector's bytes, read at once and one byte at a time, must give its answer: the
records read, and the error the connection fails with (code, and a message naming
what was wrong). The Node side runs the same file (__tests__/protocol/vectors.test.ts).
"""
from __future__ import annotations

import unittest

from .vector_answers import answer, load_vectors


class VectorsTest(unittest.TestCase):
    def test_every_vector(self) -> None:
        vectors = load_vectors()
        self.assertGreater(len(vectors), 100)
        for v in vectors:
            for chunk in (None, 1):
                with self.subTest(v["name"], chunk=chunk):
                    got = answer(v, chunk)
                    want = v["expect"]
                    self.assertEqual(got["records"], want["records"])
                    self.assertEqual(
                        got.get("error", {}).get("code"),
                        want.get("error", {}).get("code"),
                    )
                    mentions = want.get("error", {}).get("mentions")
                    if mentions:
                        self.assertIn(mentions, got["error"]["message"])


if __name__ == "__main__":
    unittest.main()
