"""Tests for mosaic_sdk._files.atomic_write_text."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mosaic_sdk._files import atomic_write_text


def test_writes_new_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "notes.md"

    returned = atomic_write_text(target, "héllo\n")

    assert returned == target
    assert target.read_text(encoding="utf-8") == "héllo\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_replaces_existing_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("old\n")
    os.chmod(target, 0o600)

    atomic_write_text(target, "new\n")

    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_new_file_mode_follows_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write_text(tmp_path / "f.txt", "x")
    finally:
        os.umask(old)

    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o640


def test_keeps_newlines_verbatim(tmp_path: Path) -> None:
    target = tmp_path / "crlf.txt"

    atomic_write_text(target, "a\r\nb\n")

    assert target.read_bytes() == b"a\r\nb\n"


def test_no_overwrite_refuses_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.md"
    target.write_text("mine\n")

    with pytest.raises(FileExistsError):
        atomic_write_text(target, "theirs\n", overwrite=False)

    assert target.read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.md"]


def test_no_overwrite_creates_missing_file(tmp_path: Path) -> None:
    target = tmp_path / "fresh.md"

    atomic_write_text(target, "content\n", overwrite=False)

    assert target.read_text() == "content\n"


def test_missing_directory_raises_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write_text(tmp_path / "absent" / "f.txt", "x")

    assert list(tmp_path.iterdir()) == []
