"""Hostile repositories and files: every call returns or raises a MosaicError, in time.

The corpus (tests/_support/hostile.py) holds FIFOs, symlinks to /dev/zero, huge and deeply
nested files, bad UTF-8, impossible dates and directories where files are expected,
under the linter, the evidence writer and target selection. Before the fix, FIFOs
hung, /dev/zero filled memory, nesting raised RecursionError, dates ValueError,
and 195 kB of apiVersion lines took 160 s in target selection.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.standards import lint_paths
from tests._support.hostile import cases, run_case

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_a_hostile_file_ends_in_a_result_or_a_mosaic_error(case: object, tmp_path: Path) -> None:
    outcome = run_case(case, tmp_path)  # type: ignore[arg-type]

    assert outcome.kind in ("ok", "typed"), f"{outcome.kind}: {outcome.detail}"


def test_a_walk_skips_a_fifo_and_lints_the_rest(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "compose.yaml")
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.19\nUSER app\n")

    report = lint_paths(tmp_path, root=tmp_path)

    assert report.files_checked == ("Dockerfile",)


def test_a_named_device_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").symlink_to("/dev/zero")

    with pytest.raises(InvalidValueError, match="character device"):
        lint_paths(tmp_path / "Dockerfile")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("data: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than 100 levels"),
        ("data:\n" + "".join(" " * (2 * i + 2) + f"k{i}:\n" for i in range(150)), "deeper"),
        ("data:\n  d: 2024-02-30\n", "YAML value error: day is out of range for month"),
    ],
    ids=["flow", "block", "date"],
)
def test_deep_nesting_and_impossible_dates_are_findings(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "k.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + text)

    report = lint_paths(tmp_path / "k.yaml", root=tmp_path)

    assert [(f.rule_id, message in f.message) for f in report.findings] == [("K8S000", True)]


def test_non_utf8_bytes_are_linted_as_replacement_characters(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"FROM node:latest\n# caf\xe9\n")

    report = lint_paths(tmp_path / "Dockerfile", root=tmp_path)

    assert "DF001" in {f.rule_id for f in report.findings}
