"""Fixtures for the ``mosaic`` command tests: run ``main([...])`` and read what it printed.

Used by the conftest.py of tests/unit/cli and tests/integration/cli (``import *``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from mosaic_sdk.cli import main
from mosaic_sdk.registry import OCILayout
from mosaic_sdk.testing import push_image
from tests._support.cli_helpers import CLI, NOW, Images, Run

__all__ = ["CLI_ENVIRONMENT", "_clean_environment", "cli", "images"]

#: Variables the CLI reads; cleared so the developer's own settings never leak in.
CLI_ENVIRONMENT = (
    "MOSAIC_REGISTRY",
    "MOSAIC_REPOSITORY",
    "MOSAIC_REGISTRY_USERNAME",
    "MOSAIC_REGISTRY_PASSWORD",
    "MOSAIC_CORRELATION_ID",
    "MOSAIC_ACTOR",
    "MOSAIC_LOCK",
    "MOSAIC_LOCK_PASSWORD",
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "VAULT_NAMESPACE",
    "VAULT_CACERT",
    "COOLIFY_TOKEN",
    "COOLIFY_URL",
    "PORTAINER_API_KEY",
    "PORTAINER_URL",
    "VERCEL_TOKEN",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CLI_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOSAIC_ACTOR", "cli-test")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> CLI:
    """``cli("tag", "parse", "v1.0.0")`` runs the command and returns a :class:`Run`."""

    def run(*argv: str) -> Run:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def images(tmp_path: Path) -> Images:
    root = tmp_path / "oci"
    layout = OCILayout(root, gc_grace=0)
    repository = "team/api"
    old = tuple(
        push_image(layout, repository, f"sha-{n:07x}", created=NOW - timedelta(days=20 + n))
        for n in range(4)
    )
    new = tuple(
        push_image(layout, repository, f"sha-{n:07x}", created=NOW - timedelta(days=n))
        for n in range(10, 13)
    )
    rc1 = push_image(layout, repository, "v1.4.0-rc.1", created=NOW - timedelta(days=3))
    rc2 = push_image(layout, repository, "v1.4.0-rc.2", created=NOW - timedelta(days=2))
    release = push_image(layout, repository, "v1.3.0", created=NOW - timedelta(days=90))
    return Images(root, repository, rc1, rc2, release, old, new)
