"""Lazy exports (PEP 562): a package names its public objects and the module defining
each, and a module is imported only when one of its names is first used.

A package ``__init__`` keeps its ``TYPE_CHECKING`` imports (for type checkers and
readers), a ``_LAZY`` map and ``__all__``, then::

    __getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

so ``from mosaic_sdk.registry import RegistryClient`` loads the synchronous client and
not the asynchronous one, the OCI layout or the blob cache.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, names: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``.

    Args:
        package: the package's ``__name__`` (for the error message).
        names: each public name and the module that defines it.
        namespace: the package's ``globals()``; a name is stored there once resolved, so
            the next lookup does not come back here.
    """

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__
