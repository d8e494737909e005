"""Unit tests of furrow_asyncio (stdlib unittest).

Run: `python3 -m unittest discover -s bridges/asyncio/python/tests -t bridges/asyncio/python`.
"""
