"""Commit-message checks and scratchpads."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.standards import (
    SCRATCHPAD_SECTIONS,
    check_commit_message,
    lint_scratchpad,
    new_scratchpad,
)

GOOD = "feat(#7): Add lint rules\n\nParse Dockerfiles.\n\nRefs #7\n"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("added stuff\n", 1, "'added stuff'"),
        ("feat(#7): Add lint rules\nno blank line\n\nRefs #7\n", 2, "blank line"),
        ("feat(#7): Add lint rules\n\nBody only.\n", 3, "Refs #N"),
        ("feat(#7): Add lint rules\n\nBody.\n\nRefs #8\n", 5, "#8"),
        ("feature(#7): Add lint rules\n\nRefs #7\n", 1, "'feat'"),
        ("feat(#7): Add lint rules.\n\nRefs #7\n", 1, "period"),
        ("\n\nfeat: Add\n\nRefs #7\n", 3, "(#N)"),
    ],
)
def test_bad_messages_give_one_finding_at_the_offending_line(
    text: str, line: int, fragment: str
) -> None:
    report = check_commit_message(text)

    (finding,) = report.findings
    assert (finding.rule_id, finding.line, finding.file) == ("CM001", line, "COMMIT_EDITMSG")
    assert fragment in finding.message + finding.fix
    assert finding.fix


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        GOOD.replace("\n", "\r\n"),
        "fix(#12): Handle heredocs\n\nRefs #12\nSigned-off-by: Ada <ada@example.com>\n",
        "Merge branch 'main' into feature\n",
        "fixup! feat(#7): Add lint rules\n",
        GOOD + "# Please enter the commit message for your changes.\n# On branch main\n",
        GOOD + "# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n",
    ],
)
def test_good_messages_pass(text: str) -> None:
    assert check_commit_message(text).findings == ()


def test_comments_are_kept_when_asked() -> None:
    report = check_commit_message("# comment\n" + GOOD, strip_comments=False)

    assert report.rule_ids == ("CM001",)


def test_new_scratchpad_creates_the_template(tmp_path: Path) -> None:
    path = new_scratchpad(tmp_path, 7, "lint-rules", title="Standards checks")

    assert path == tmp_path / "docs" / "scratchpads" / "7-lint-rules.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# #7: Standards checks\n")
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == [name for name, _ in SCRATCHPAD_SECTIONS]
    assert headings == [
        "Goal",
        "Context",
        "Plan",
        "Progress log",
        "Evidence",
        "Next remediation step",
        "Decisions",
    ]
    assert lint_scratchpad(text, path.relative_to(tmp_path)).findings == ()


def test_default_title_comes_from_the_short_name(tmp_path: Path) -> None:
    text = new_scratchpad(tmp_path, 3, "retention-plan").read_text(encoding="utf-8")

    assert text.startswith("# #3: Retention plan\n")


def test_existing_scratchpad_is_never_overwritten(tmp_path: Path) -> None:
    first = new_scratchpad(tmp_path, 7, "lint-rules")
    first.write_text("my notes\n", encoding="utf-8")

    second = new_scratchpad(tmp_path, 7, "lint-rules", title="Other")

    assert second == first
    assert first.read_text(encoding="utf-8") == "my notes\n"


def test_concurrent_creation_yields_one_complete_file(tmp_path: Path) -> None:
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(new_scratchpad(tmp_path, 9, "race")))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    directory = tmp_path / "docs" / "scratchpads"
    assert {p.name for p in directory.iterdir()} == {"9-race.md"}
    assert set(results) == {directory / "9-race.md"}
    assert "## Decisions" in (directory / "9-race.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("short_name", "suggestion"),
    [
        ("Lint Rules", "'lint-rules'"),
        ("lint_rules", "'lint-rules'"),
        ("-lint", "'lint'"),
        ("lint--rules", "'lint-rules'"),
        ("", "kebab-case"),
        ("x" * 61, "shorter"),
    ],
)
def test_short_name_must_be_kebab_case(tmp_path: Path, short_name: str, suggestion: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        new_scratchpad(tmp_path, 7, short_name)

    assert caught.value.value == short_name
    assert suggestion in str(caught.value)
    assert not (tmp_path / "docs").exists()


@pytest.mark.parametrize("issue", [0, -3, True, "7"])
def test_issue_must_be_a_positive_integer(tmp_path: Path, issue: object) -> None:
    with pytest.raises(InvalidValueError, match="issue number"):
        new_scratchpad(tmp_path, issue, "x")  # type: ignore[arg-type]


def test_repo_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="not a directory"):
        new_scratchpad(tmp_path / "missing", 7, "x")


def test_file_mode_follows_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = new_scratchpad(tmp_path, 1, "mode")
    finally:
        os.umask(old)

    assert path.stat().st_mode & 0o777 == 0o644


def test_lint_scratchpad_name_suggestions() -> None:
    report = lint_scratchpad("## Goal\n", "docs/scratchpads/12_Retention Plan.md")

    name = [f for f in report.findings if f.rule_id == "SP001"]
    assert [f.fix for f in name] == ["rename it to '12-retention-plan.md'"]
    assert len([f for f in report.findings if f.rule_id == "SP002"]) == 6


def test_readme_in_the_scratchpad_directory_is_not_a_scratchpad() -> None:
    assert lint_scratchpad("# Index\n", "docs/scratchpads/README.md").findings == ()
