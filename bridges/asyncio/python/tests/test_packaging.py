"""The package installs as a wheel: pyproject.toml builds one that carries py.typed and
schema.json, installs into a fresh virtualenv, and imports from there, not the source tree."""

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
                "pip",
                "wheel",
                "--no-build-isolation",
                "--no-deps",
                "-w",
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


if __name__ == "__main__":
    unittest.main()
