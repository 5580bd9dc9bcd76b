"""Helpers shared by the ``mosaic`` command tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
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
