"""Enabled modules: which Python functions another actor may call.

Only modules named in `enable_modules` (dotted names, e.g. `'pkg.mod'`) are
importable remotely. In such a module the callable names are those in `__all__`
when it defines one, otherwise the public functions defined in the module itself
(not ones it imported from elsewhere). Names are `'pkg.mod:fn'`.
"""
from __future__ import annotations

import importlib
import inspect
import os
from types import ModuleType
from typing import Any, Callable, Iterable

from .contexts import is_context_fn


class ModuleNotEnabledError(LookupError):
    """The module is not enabled here, or has no exported function of that name (as on the Node side)."""


def parse_target(target: str) -> tuple[str, str]:
    """Split `'module:function'` at the last `:` (any module part, plain letters too, as on the
    Node side); paths (`/x.ts`, `./x.ts`) become file URLs."""
    i = target.rfind(":")
    if i <= 0 or i == len(target) - 1:
        raise ValueError(f"'{target}' is not a 'module:function' name")
    return normalize_module(target[:i]), target[i + 1 :]


def normalize_module(spec: str) -> str:
    """Absolute or `./`/`../` paths become `file:` URLs (resolved against the cwd); anything else is kept."""
    if spec.startswith("/") or spec.startswith("./") or spec.startswith("../"):
        from pathlib import Path  # lazily (start-up time)

        return Path(os.path.abspath(spec)).as_uri()
    return spec


class ModuleRegistry:
    """The enabled modules of this actor, imported once each."""

    def __init__(self, enabled: Iterable[str] = ()) -> None:
        self.enabled: list[str] = []
        self._modules: dict[str, ModuleType] = {}
        self._found: dict[tuple[str, str], tuple[Callable[..., Any], str]] = {}
        self.enable(enabled)

    def enable(self, names: Iterable[str]) -> None:
        """Add modules to the enabled set (not imported yet)."""
        for n in names:
            if n not in self.enabled:
                self.enabled.append(n)

    def load_all(self) -> None:
        """Import every enabled module now; the first import error propagates (with its traceback)."""
        for n in self.enabled:
            self.load(n)

    def load(self, name: str) -> ModuleType:
        """Import one enabled module (once)."""
        mod = self._modules.get(name)
        if mod is None:
            mod = importlib.import_module(name)
            self._modules[name] = mod
        return mod

    def lookup(self, ns: str, func: str) -> tuple[Callable[..., Any], str]:
        """The function `ns:func` and its kind: `'context'`, `'asyncfunc'`, `'asyncgen'` or `'sync'`.

        A found function is remembered (the checks below use `inspect`: several us per
        call); the memo is used only while the module still binds `func` to it.
        """
        hit = self._found.get((ns, func))
        if hit is not None and self._modules[ns].__dict__.get(func) is hit[0]:
            return hit
        found = self._lookup(ns, func)
        self._found[(ns, func)] = found
        return found

    def _lookup(self, ns: str, func: str) -> tuple[Callable[..., Any], str]:
        if ns not in self.enabled:
            raise ModuleNotEnabledError(
                f"module '{ns}' is not enabled in this actor (enabled: {', '.join(self.enabled) or 'none'})"
            )
        mod = self.load(ns)
        exported = getattr(mod, "__all__", None)
        fn = getattr(mod, func, None) if not func.startswith("_") or (exported and func in exported) else None
        if fn is None or not callable(fn) or inspect.isclass(fn):
            raise ModuleNotEnabledError(f"module '{ns}' has no function '{func}'")
        if exported is not None:
            if func not in exported:
                raise ModuleNotEnabledError(f"'{func}' is not in {ns}.__all__")
        elif getattr(fn, "__module__", None) != mod.__name__:
            raise ModuleNotEnabledError(
                f"'{func}' is not defined in module '{ns}' (imported from {getattr(fn, '__module__', '?')}); "
                "list it in __all__ to export it"
            )
        if is_context_fn(fn):
            return fn, "context"
        if inspect.isasyncgenfunction(fn):
            return fn, "asyncgen"
        if inspect.iscoroutinefunction(fn):
            return fn, "asyncfunc"
        return fn, "sync"
