"""The package installs as a wheel: pyproject.toml builds one that carries py.typed and
schema.json, installs into a fresh virtualenv, and imports from there, not the source
tree; from there it runs the guide's ten-line worker under a Python root, and the example
root running Node actors. The version equals the npm package's."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)
REPO = os.path.join(PROJECT, os.pardir, os.pardir, os.pardir)

CHECK = (
    "import furrow_asyncio, furrow_asyncio.schema as s, importlib.resources as r;"
    "print(furrow_asyncio.__file__);"
    "print(r.files('furrow_asyncio').joinpath('py.typed').is_file());"
    "print(bool(s.load_schema()))"
)


#: The guide's ten-line worker and its root (docs/python.md), as a pip user would run them.
WORKER = """import asyncio
from furrow_asyncio import context


async def crunch(n):
    return sum(i * i for i in range(n))


@context
async def produce(ctx, n):
    await ctx.started(f"producing {n}")
    async with ctx.open_stream() as stream:
        for i in range(n):
            await stream.send(i)
"""
WORKER_ROOT = """import asyncio
from furrow_asyncio import open_actor_nursery


async def main():
    async with open_actor_nursery() as an:
        jobs = await an.start_actor("jobs", enable_modules=["jobs"])
        print(await jobs.run("jobs:crunch", 10))
        async with jobs.open_context("jobs:produce", 3) as (ctx, first):
            print(first)
            async with ctx.open_stream() as stream:
                print([x async for x in stream])


asyncio.run(main())
"""


class PackagingTest(unittest.TestCase):
    def test_version_equals_npm_package(self) -> None:
        with open(os.path.join(PROJECT, "pyproject.toml"), "rb") as f:
            python_version = tomllib.load(f)["project"]["version"]
        with open(os.path.join(REPO, "package.json")) as f:
            npm_version = json.load(f)["version"]
        self.assertEqual(python_version, npm_version)

    def test_wheel_installs_into_a_fresh_venv(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            wheels = os.path.join(tmp, "wheels")
            venv = os.path.join(tmp, "venv")

            def run(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess[str]:
                return subprocess.run(args, check=True, capture_output=True, text=True, cwd=cwd)

            source = os.path.join(tmp, "source")  # a copy (schema.json symlink followed): the build leaves no litter
            shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns("tests", "__pycache__"))
            run(
                sys.executable,
                "-m",
                "build",  # PyPA's front end (Debian python3-build); no isolation: setuptools from Debian
                "--wheel",
                "--no-isolation",
                "--outdir",
                wheels,
                source,
            )
            run(sys.executable, "-m", "venv", "--system-site-packages", venv)
            py = os.path.join(venv, "bin", "python")
            [wheel] = os.listdir(wheels)
            run(
                py,
                "-m",
                "pip",
                "install",
                "--no-index",
                "--no-deps",
                os.path.join(wheels, wheel),
            )
            out = run(py, "-c", CHECK, cwd=tmp).stdout.splitlines()
            self.assertTrue(out[0].startswith(venv), out[0])
            self.assertEqual(out[1:], ["True", "True"])  # py.typed shipped; schema.json found beside the module
            # the installed package runs the guide's ten-line worker under a Python root ...
            work = os.path.join(tmp, "work")
            os.mkdir(work)
            for name, code in (("jobs.py", WORKER), ("worker_root.py", WORKER_ROOT)):
                with open(os.path.join(work, name), "w") as f:
                    f.write(code)
            self.assertEqual(
                run(py, "worker_root.py", cwd=work).stdout.splitlines(), ["285", "producing 3", "[0, 1, 2]"]
            )
            # ... and the example root running Node actors (furrow's Node side named as a pip user would)
            example = os.path.join(REPO, "examples", "python", "root_supervises_node.py")
            env = {**os.environ, "FURROW_CHILD_MAIN": os.path.join(REPO, "src", "actor", "child-main.ts")}
            pinned = os.path.join(REPO, "node_modules", "node", "bin", "node")  # the repository's Node 24
            if "FURROW_NODE" not in env and os.path.exists(pinned):
                env["FURROW_NODE"] = pinned
            done = subprocess.run(
                [py, example, "2", "20000"], check=True, capture_output=True, text=True, cwd=work, env=env
            )
            self.assertEqual(done.stdout.splitlines()[0], "2262 primes below 20000, in 8 jobs over 2 Node actors")


if __name__ == "__main__":
    unittest.main()
