"""Shared fixtures for the whole suite."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

# Session-wide guard: captures every log record of the run and fails the run if a known
# secret appears in any line (see tests/_support/secret_guard.py).
pytest_plugins = ["tests._support.secret_guard"]


@pytest.fixture(autouse=True)
def blob_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point the command line's default blob cache at a per-test folder, so no test reads
    what an earlier one cached or writes under the real home directory."""
    folder = tmp_path_factory.mktemp("mosaic-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOSAIC_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def journal_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where ``mosaic retention apply`` writes its default undo journal: a per-test
    folder, never the directory the suite runs in."""
    folder = tmp_path_factory.mktemp("mosaic-journals")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOSAIC_JOURNAL_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def quiet_vcr() -> None:
    """vcrpy logs whole requests and answers (bodies, headers before filtering) at
    INFO/DEBUG; the session's secret guard rightly fails the run when a Vault value
    shows up there. A test that reconfigures logging may reset the levels, so every
    ``vcr`` logger is set back to WARNING before each test."""
    names = [n for n in logging.root.manager.loggerDict if n == "vcr" or n.startswith("vcr.")]
    for name in ["vcr", *names]:
        logging.getLogger(name).setLevel(logging.WARNING)
