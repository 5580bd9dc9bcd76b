"""ReleaseEvidence: TASKS.md, scratchpad and CHANGELOG edits that never clobber, repeat
safely, and survive a crash mid-write."""

from __future__ import annotations

import os
import traceback
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.release._evidence import ReleaseEvidence
from mosaic_sdk.standards._scratchpad import lint_scratchpad

NOW = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)


def evidence(root: Path) -> ReleaseEvidence:
    return ReleaseEvidence(root, issue=5, short_name="release-web", clock=lambda: NOW)


def is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(line == other for other in it) for line in needle)


def block(root: Path, reason: str = "error ratio 0.33 > 0.05") -> Path:
    return evidence(root).mark_blocked(
        "team/web prod",
        release="v1.1.0-rc.1 (sha256:abcd)",
        reason=reason,
        next_step="fix /orders and ship rc.2",
    )


# -- docs/TASKS.md -----------------------------------------------------------------------


def test_mark_blocked_creates_the_task_board(tmp_path: Path) -> None:
    path = block(tmp_path)
    assert path == tmp_path / "docs" / "TASKS.md"
    assert path.read_text() == (
        "# Tasks\n\n## Blocked deployments\n\n"
        "- [ ] **BLOCKED** `team/web prod`: v1.1.0-rc.1 (sha256:abcd) since 2024-05-01 12:30 UTC: "
        "error ratio 0.33 > 0.05. Next: fix /orders and ship rc.2. Evidence: "
        "[scratchpads/5-release-web.md](scratchpads/5-release-web.md) "
        "<!-- mosaic:deployment team/web prod -->\n"
    )


TASKS = """\
# Tasks

Notes kept by hand.

```markdown
## Blocked deployments
(an example inside a code block: not the real section)
```

## Doing

- [ ] write docs
- [ ] review #4

## Done
- [x] ship v1.0.0
"""


def test_mark_blocked_adds_a_section_without_touching_the_rest(tmp_path: Path) -> None:
    tasks = tmp_path / "docs" / "TASKS.md"
    tasks.parent.mkdir()
    tasks.write_text(TASKS)
    block(tmp_path)
    after = tasks.read_text()
    assert after.startswith(TASKS.rstrip("\n"))
    assert after.count("<!-- mosaic:deployment team/web prod -->") == 1
    assert after.index("## Blocked deployments\n\n- [ ] **BLOCKED**") > after.index("## Done")


def test_mark_blocked_updates_its_own_line_in_place(tmp_path: Path) -> None:
    tasks = tmp_path / "docs" / "TASKS.md"
    tasks.parent.mkdir()
    tasks.write_text(TASKS + "\n## Blocked deployments\n\n- [ ] someone else's line\n\n## Later\n")
    block(tmp_path, reason="first reason")
    block(tmp_path, reason="second reason")
    after = tasks.read_text()
    assert after.count("mosaic:deployment team/web prod") == 1
    assert "first reason" not in after
    assert "- [ ] someone else's line\n- [ ] **BLOCKED** `team/web prod`" in after
    assert after.rstrip().endswith("## Later")
    assert is_subsequence(TASKS.splitlines(), after.splitlines())


def test_mark_unblocked_ticks_the_line_off(tmp_path: Path) -> None:
    board = evidence(tmp_path)
    assert board.mark_unblocked("team/web prod", release="v1.1.0-rc.2") is None  # nothing yet
    block(tmp_path)
    path = board.mark_unblocked("team/web prod", release="v1.1.0-rc.2", note="gates green.")
    assert path is not None
    text = path.read_text()
    assert "**BLOCKED**" not in text
    assert (
        "- [x] `team/web prod` unblocked by v1.1.0-rc.2 on 2024-05-01 12:30 UTC. gates green."
        in text
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            [
                "# Tasks",
                "## Doing",
                "## Blocked deployments",
                "- [ ] item",
                "",
                "text",
                "```",
                "### Sub",
                "- [x] done",
                "## Blocked Deployments",
            ]
        ),
        max_size=25,
    )
)
def test_any_existing_board_keeps_every_line(tmp_path: Path, lines: list[str]) -> None:
    tasks = tmp_path / "docs" / "TASKS.md"
    tasks.parent.mkdir(exist_ok=True)
    original = "\n".join(lines) + "\n"
    tasks.write_text(original)
    block(tmp_path)
    block(tmp_path, reason="again")
    after = tasks.read_text()
    assert after.count("mosaic:deployment team/web prod") == 1
    assert is_subsequence([line for line in lines if line.strip()], after.splitlines())


# -- CHANGELOG.md -------------------------------------------------------------------------

CHANGELOG = """\
# Changelog

## [Unreleased]

### Added

- a feature

## [1.0.0] - 2024-01-01

### Added

- the start
"""


def test_release_note_goes_under_unreleased_and_updates_in_place(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(CHANGELOG)
    board = evidence(tmp_path)
    board.add_release_note("web v1", "first text")
    board.add_release_note("web v1", "second text")
    board.add_release_note("web v2", "another release")
    assert path.read_text() == CHANGELOG.replace(
        "- a feature\n",
        "- a feature\n\n### Deployments\n\n"
        "- second text <!-- mosaic:release web v1 -->\n"
        "- another release <!-- mosaic:release web v2 -->\n",
    )


def test_release_note_creates_unreleased_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_text("# Changelog\n\nIntro.\n\n## [1.0.0] - 2024-01-01\n\n- x\n")
    evidence(tmp_path).add_release_note("k", "note")
    assert path.read_text() == (
        "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Deployments\n\n"
        "- note <!-- mosaic:release k -->\n\n## [1.0.0] - 2024-01-01\n\n- x\n"
    )
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    evidence(fresh).add_release_note("k", "note")
    assert (fresh / "CHANGELOG.md").read_text() == (
        "# Changelog\n\n## [Unreleased]\n\n### Deployments\n\n- note <!-- mosaic:release k -->\n"
    )


def test_crlf_files_keep_their_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_bytes(CHANGELOG.replace("\n", "\r\n").encode())
    evidence(tmp_path).add_release_note("k", "note")
    data = path.read_bytes()
    assert b"\r\n- note <!-- mosaic:release k -->\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


# -- the scratchpad ----------------------------------------------------------------------


def test_record_failure_writes_all_three_files(tmp_path: Path) -> None:
    files = evidence(tmp_path).record_failure(
        deployment="team/web prod",
        release="v1.1.0-rc.1 (sha256:abcd)",
        reason="error ratio 0.33 > 0.05",
        next_step="fix /orders and ship rc.2",
        actions=["kept prod on blue", "rolled green back to sha256:1111"],
    )
    assert [p.name for p in files.paths] == ["TASKS.md", "5-release-web.md", "CHANGELOG.md"]
    pad = files.scratchpad
    assert pad is not None
    text = pad.read_text()
    assert lint_scratchpad(text, pad).findings == ()
    evidence_part = text.split("## Evidence", 1)[1].split("## Next remediation step", 1)[0]
    assert "### 2024-05-01 12:30 UTC: team/web prod blocked" in evidence_part
    assert "  2. rolled green back to sha256:1111" in evidence_part
    assert (
        "- `team/web prod`: fix /orders and ship rc.2. <!-- mosaic:next team/web prod -->" in text
    )
    log = text.split("## Progress log", 1)[1].split("## Evidence", 1)[0]
    assert "- 2024-05-01 12:30 UTC: v1.1.0-rc.1 (sha256:abcd) failed on team/web prod" in log
    note = (tmp_path / "CHANGELOG.md").read_text()
    assert "Rolled green back to sha256:1111. Next: fix /orders and ship rc.2." in note


def test_repeating_a_failure_record_does_not_duplicate(tmp_path: Path) -> None:
    board = evidence(tmp_path)
    for _ in range(3):
        files = board.record_failure(
            deployment="d", release="r", reason="why", next_step="what", actions=["x"]
        )
    assert files.scratchpad is not None
    text = files.scratchpad.read_text()
    assert text.count("<!-- mosaic:evidence d r -->") == 1
    assert text.count("mosaic:next d") == 1
    assert text.count("failed on d") == 1
    assert (tmp_path / "CHANGELOG.md").read_text().count("mosaic:release d r") == 1


def test_existing_scratchpad_content_is_kept(tmp_path: Path) -> None:
    pad = tmp_path / "docs" / "scratchpads" / "5-release-web.md"
    pad.parent.mkdir(parents=True)
    mine = "# My notes\n\n## Evidence\n\nmy own measurement\n\n## Decisions\n\nuse blue-green\n"
    pad.write_text(mine)
    evidence(tmp_path).add_evidence("k", title="a run", body="- value: 1")
    text = pad.read_text()
    assert text.startswith(
        "# My notes\n\n## Evidence\n\nmy own measurement\n\n<!-- mosaic:evidence k"
    )
    assert text.endswith("## Decisions\n\nuse blue-green\n")
    evidence(tmp_path).set_next_step("k", "do the thing")  # the section is added back
    assert "## Next remediation step\n\n- `k`: do the thing." in pad.read_text()


# -- atomicity and input checks -----------------------------------------------------------


@pytest.mark.parametrize("which", ["tasks", "changelog", "scratchpad"])
def test_a_crash_mid_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    board = evidence(tmp_path)
    board.record_failure(deployment="d", release="r1", reason="a", next_step="b")
    path = {
        "tasks": board.tasks_path,
        "changelog": board.changelog_path,
        "scratchpad": board.scratchpad_path,
    }[which]
    before = path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", crash)
    action = {
        "tasks": lambda: block(tmp_path, reason="new"),
        "changelog": lambda: board.add_release_note("d r2", "new"),
        "scratchpad": lambda: board.add_evidence("k2", title="t", body="b"),
    }[which]
    with pytest.raises(OSError, match="simulated"):
        action()
    assert path.read_bytes() == before
    assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"reason": "two\nlines"}, "one line"),
        ({"reason": "sneaky --> comment"}, "HTML comments"),
        ({"next_step": " "}, "empty"),
    ],
)
def test_bad_entries_are_refused(tmp_path: Path, kwargs: dict[str, str], fragment: str) -> None:
    values = {"release": "r", "reason": "why", "next_step": "what", **kwargs}
    with pytest.raises(InvalidValueError, match=fragment):
        evidence(tmp_path).mark_blocked("d", **values)
    assert not (tmp_path / "docs").exists()


def test_repo_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="not a directory"):
        ReleaseEvidence(tmp_path / "missing", issue=5, short_name="x")
    with pytest.raises(InvalidValueError, match="kebab-case"):
        ReleaseEvidence(tmp_path, issue=5, short_name="Not Kebab")


def test_a_half_built_instance_still_has_a_repr(tmp_path: Path) -> None:
    # The real path: __init__ sets root and issue, then the short-name check raises.
    # pytest --showlocals and debuggers then repr ``self`` from the __init__ frame; that
    # repr used to raise AttributeError ('short_name') over the InvalidValueError.
    with pytest.raises(InvalidValueError, match="Not Kebab") as caught:
        ReleaseEvidence(tmp_path, issue=5, short_name="Not Kebab")
    frames = [frame for frame, _line in traceback.walk_tb(caught.value.__traceback__)]
    half_built = next(f.f_locals["self"] for f in frames if f.f_code.co_name == "__init__")
    assert repr(half_built) == "<ReleaseEvidence, partially initialised: no 'short_name'>"


# -- hostile evidence files ----------------------------------------------------------------


def _non_utf8(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"# Tasks\n\n- caf\xe9 in Latin-1\n")


def _directory(path: Path) -> None:
    path.mkdir(parents=True)


def _fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


@pytest.mark.parametrize("make", [_non_utf8, _directory, _fifo], ids=["latin-1", "dir", "fifo"])
@pytest.mark.parametrize("which", ["docs/TASKS.md", "CHANGELOG.md"])
def test_an_unreadable_evidence_file_is_invalid_value_and_left_alone(
    tmp_path: Path, make: object, which: str
) -> None:
    target = tmp_path / which
    make(target)  # type: ignore[operator]
    before = sorted(p.name for p in target.parent.iterdir())

    write = (
        (lambda: evidence(tmp_path).add_release_note("k", "note"))
        if which == "CHANGELOG.md"
        else (lambda: block(tmp_path))
    )
    with pytest.raises(InvalidValueError, match=target.name):
        write()

    assert sorted(p.name for p in target.parent.iterdir()) == before
    if make is _non_utf8:
        assert target.read_bytes() == b"# Tasks\n\n- caf\xe9 in Latin-1\n"


def test_mark_unblocked_without_docs_creates_nothing(tmp_path: Path) -> None:
    assert evidence(tmp_path).mark_unblocked("team/web prod", release="v1") is None
    assert list(tmp_path.iterdir()) == []
