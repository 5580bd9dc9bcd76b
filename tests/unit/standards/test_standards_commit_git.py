"""The commit-msg check on messages that real ``git`` writes: ``git commit -s``, trailers
after ``Refs #N``, ``git revert``, ``git merge --no-ff``, ``git commit --fixup/--squash``.

Each message goes through a real ``commit-msg`` hook in a temporary repository, so the
check sees exactly the file git hands it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mosaic_sdk.standards import check_commit_message
from mosaic_sdk.values import CommitMessage

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

HOOK = f"""#!{sys.executable}
import sys
from mosaic_sdk.standards import check_commit_message
report = check_commit_message(open(sys.argv[1], encoding="utf-8").read(), sys.argv[1])
for finding in report.findings:
    print(finding.message, "|", finding.fix, file=sys.stderr)
sys.exit(0 if report.ok else 1)
"""


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Ada Lovelace")
        self.git("config", "user.email", "ada@example.com")
        self.git("config", "commit.gpgsign", "false")
        hook = root / ".git" / "hooks" / "commit-msg"
        hook.write_text(HOOK)
        hook.chmod(0o755)

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GIT_EDITOR": "true", "PYTHONPATH": os.pathsep.join(sys.path)}
        return subprocess.run(
            ["git", *args], cwd=self.root, env=env, capture_output=True, text=True, timeout=60
        )

    def commit(self, *args: str) -> subprocess.CompletedProcess[str]:
        (self.root / "f.txt").write_text(str(len(list(self.root.iterdir()))) + os.urandom(4).hex())
        self.git("add", "f.txt")
        return self.git("commit", "-q", *args)

    def last_message(self) -> str:
        text = self.git("log", "-1", "--format=%B").stdout
        report = check_commit_message(text)  # also for commands that skip the hook
        assert report.ok, report.findings
        return text


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


def test_git_commit_signoff_after_refs(repo: Repo) -> None:
    done = repo.commit("-s", "-m", "feat(#7): Add retention", "-m", "Body.", "-m", "Refs #7")
    assert done.returncode == 0, done.stderr
    text = repo.last_message()
    assert text.rstrip().endswith("Refs #7\n\nSigned-off-by: Ada Lovelace <ada@example.com>")
    message = CommitMessage.parse(text)
    assert message.issue == 7
    assert message.trailers == ("Signed-off-by: Ada Lovelace <ada@example.com>",)
    assert CommitMessage.parse(str(message)) == message


def test_co_authored_and_reviewed_by_with_signoff(repo: Repo) -> None:
    footer = "Refs #7\nCo-authored-by: Bo <bo@example.com>\nReviewed-by: Cy <cy@example.com>"
    done = repo.commit("-s", "-m", "fix(#7): Keep the idle slot", "-m", footer)
    assert done.returncode == 0, done.stderr
    message = CommitMessage.parse(repo.last_message())
    assert message.trailers == (
        "Co-authored-by: Bo <bo@example.com>",
        "Reviewed-by: Cy <cy@example.com>",
        "Signed-off-by: Ada Lovelace <ada@example.com>",
    )


def test_trailers_in_their_own_paragraph_after_refs(repo: Repo) -> None:
    done = repo.commit(
        "-m", "docs(#7): Explain retention", "-m", "Refs #7", "-m", "Co-authored-by: Bo <b@x.io>"
    )
    assert done.returncode == 0, done.stderr
    assert CommitMessage.parse(repo.last_message()).trailers == ("Co-authored-by: Bo <b@x.io>",)


def test_git_revert_default_message(repo: Repo) -> None:
    assert repo.commit("-m", "feat(#7): Add retention", "-m", "Refs #7").returncode == 0
    done = repo.git("revert", "--no-edit", "HEAD")
    assert done.returncode == 0, done.stderr
    assert repo.last_message().startswith(
        'Revert "feat(#7): Add retention"\n\nThis reverts commit '
    )


def test_git_merge_no_ff_default_message(repo: Repo) -> None:
    assert repo.commit("-m", "chore(#7): Start", "-m", "Refs #7").returncode == 0
    repo.git("checkout", "-q", "-b", "side")
    assert repo.commit("-m", "feat(#7): Side work", "-m", "Refs #7").returncode == 0
    repo.git("checkout", "-q", "main")
    done = repo.git("merge", "--no-ff", "--no-edit", "side")
    assert done.returncode == 0, done.stderr
    assert repo.last_message().startswith("Merge branch 'side'")


def test_git_commit_fixup_and_squash(repo: Repo) -> None:
    assert repo.commit("-m", "feat(#7): Add retention", "-m", "Refs #7").returncode == 0
    fixup = repo.commit("--fixup", "HEAD")
    assert fixup.returncode == 0, fixup.stderr
    squash = repo.commit("--squash", "HEAD~1", "-m", "tidy up")
    assert squash.returncode == 0, squash.stderr
    assert repo.last_message().startswith("squash! feat(#7): Add retention")


def test_a_rejection_names_the_fix_that_applies(repo: Repo) -> None:
    done = repo.commit("-s", "-m", "feat(#7): Add retention", "-m", "Body.")
    assert done.returncode != 0
    assert "add the footer 'Refs #7'" in done.stderr
    report = check_commit_message(
        'Revert "feat(#7): Add retention"\nThis reverts commit 0123abc.\n'
    )
    assert report.findings
    assert "keep git's default revert message" in report.findings[0].fix
