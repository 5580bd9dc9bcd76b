"""Evidence writers under concurrency: two processes writing at once lose nothing.

Each write is a read-modify-write of a Markdown file; without a lock held across the
read and the atomic replace, the second writer's replace drops the first one's entry.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from mosaic_sdk.release import ReleaseEvidence

WRITES = 200


def _write_many(repo: str, who: str, count: int, start: object) -> None:
    evidence = ReleaseEvidence(repo, issue=13, short_name="race")
    start.wait()  # type: ignore[attr-defined]
    for n in range(count):
        key = f"{who}-{n}"
        evidence.add_release_note(key, f"note {key}")
        evidence.mark_blocked(f"team/{key}", release="v1.0.0", reason="r", next_step="s")
        evidence.set_next_step(key, "retry")


def _entries(text: str, kind: str) -> set[str]:
    return {
        line.split(f"<!-- mosaic:{kind} ", 1)[1].removesuffix(" -->")
        for line in text.splitlines()
        if f"<!-- mosaic:{kind} " in line
    }


def _expected(prefix: str = "") -> set[str]:
    return {f"{prefix}{who}-{n}" for who in ("a", "b") for n in range(WRITES)}


@pytest.mark.skipif(os.name != "posix", reason="the lock is a POSIX flock")
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    start = context.Event()
    workers = [
        context.Process(target=_write_many, args=(os.fspath(tmp_path), who, WRITES, start))
        for who in ("a", "b")
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]

    changelog = (tmp_path / "CHANGELOG.md").read_text()
    tasks = (tmp_path / "docs" / "TASKS.md").read_text()
    scratchpad = (tmp_path / "docs" / "scratchpads" / "13-race.md").read_text()
    assert _entries(changelog, "release") == _expected()
    assert _entries(tasks, "deployment") == _expected("team/")
    assert _entries(scratchpad, "next") == _expected()
    assert not [p.name for p in tmp_path.rglob("*") if p.name.endswith((".tmp", ".lock"))]


def test_two_threads_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    start = threading.Event()
    workers = [
        threading.Thread(target=_write_many, args=(os.fspath(tmp_path), who, 50, start))
        for who in ("a", "b")
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)

    changelog = (tmp_path / "CHANGELOG.md").read_text()
    assert _entries(changelog, "release") == {f"{w}-{n}" for w in ("a", "b") for n in range(50)}


def test_a_whole_failure_record_takes_the_locks_without_deadlock(tmp_path: Path) -> None:
    # record_failure writes three files, each under its own lock; nested use (the
    # scratchpad template written while its lock is held) must not self-deadlock.
    evidence = ReleaseEvidence(tmp_path, issue=13, short_name="race")
    done = threading.Event()

    def record() -> None:
        evidence.record_failure(deployment="team/web prod", release="v1", reason="r", next_step="s")
        done.set()

    threading.Thread(target=record, daemon=True).start()
    assert done.wait(30), "record_failure deadlocked"
    assert "mosaic:deployment team/web prod" in (tmp_path / "docs" / "TASKS.md").read_text()
