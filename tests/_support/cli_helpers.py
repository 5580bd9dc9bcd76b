"""Helpers shared by the ``mosaic`` command tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs

from mosaic_sdk.registry import Manifest, OCILayout

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


@attrs.frozen
class Run:
    """What one ``main([...])`` call returned and printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


CLI = Callable[..., Run]


@attrs.frozen
class Images:
    """An OCI layout with one repository of images of known ages."""

    root: Path
    repository: str
    rc1: Manifest
    rc2: Manifest
    release: Manifest
    old_shas: tuple[Manifest, ...]
    new_shas: tuple[Manifest, ...]

    @property
    def args(self) -> tuple[str, ...]:
        return ("--registry", str(self.root), "--repository", self.repository)

    def layout(self) -> OCILayout:
        return OCILayout(self.root, gc_grace=0)


#: What `mosaic promote` never needs, so never imports (tests/unit/cli/test_cli_startup.py
#: and tests/integration/cli/test_cli_promote_startup.py): the event loop, the other
#: commands' libraries, the asynchronous twins and the packages of other commands.
PROMOTE_NEVER_IMPORTS = (
    "asyncio",
    "hvac",
    "ruamel",
    "yaml",
    "mosaic_sdk._http._async",
    "mosaic_sdk._core._adapter",
    "mosaic_sdk.registry._async",
    "mosaic_sdk.registry._adapters",
    "mosaic_sdk.registry._cache",
    "mosaic_sdk.release._async",
    "mosaic_sdk.release._checks",
    "mosaic_sdk.release._retention",
    "mosaic_sdk.release._strategies",
    "mosaic_sdk.observability._health",
    "mosaic_sdk.observability._prometheus",
    "mosaic_sdk.providers.compose_target",
    "mosaic_sdk.providers.coolify",
    "mosaic_sdk.providers.haproxy",
    "mosaic_sdk.providers.portainer",
    "mosaic_sdk.providers.vercel",
    "mosaic_sdk.standards",
    "mosaic_sdk.vault",
    "mosaic_sdk.cli._release",
    "mosaic_sdk.cli._standards",
    "mosaic_sdk.cli._vault",
)


def modules_loaded_by(argv: Sequence[str], *, env: dict[str, str] | None = None) -> list[str]:
    """Run ``main(argv)`` in a fresh interpreter and return every module it had loaded
    by the end, after checking that the command succeeded."""
    probe = (
        "import contextlib, io, json, sys\n"
        "from mosaic_sdk.cli import main\n"
        "out, err = io.StringIO(), io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
        f"    code = main({list(argv)!r})\n"
        "print(json.dumps({'code': code, 'err': err.getvalue(), 'modules': sorted(sys.modules)}))\n"
    )
    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60, env=env)
    result = json.loads(done.stdout)
    assert result["code"] == 0, result["err"]
    return list(result["modules"])


def loaded_under(modules: Sequence[str], prefixes: Sequence[str]) -> list[str]:
    """The ``modules`` that are one of ``prefixes`` or inside one of them."""
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]
