"""``--lock SPEC``, ``--lock-ttl``, ``--lock-wait``: a bad value is bad input (exit 2) that
names the value and the fix, before anything is read or written; the file backend
(no server) holds and frees the keys of ``promote`` and ``retention apply``.

The other pipeline, the Redis backend and a real registry are in
tests/integration/cli/test_cli_locks.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from mosaic_sdk.coordination import DeploymentLock
from tests._support.cli_helpers import CLI, NOW, Images

_FIX = "write file:PATH (a state file shared by the processes of this machine"

BAD = [
    (["--lock", "nonsense"], "'nonsense': --lock is not a lock spec", _FIX),
    (["--lock", "http://h:1/x"], "'http://h:1/x': --lock is not a lock spec", _FIX),
    (["--lock", "unix:///run/redis.sock"], "--lock is not a lock spec", "redis://HOST:PORT/DB"),
    (["--lock", "file:"], "'file:': --lock names no state file", _FIX),
    (["--lock", "file:/no/such/folder/x.locks"], "the folder '/no/such/folder' does not exist", ""),
    (["--lock", "redis://h:port/0"], "--lock has no valid port", "redis://HOST:PORT/DB"),
    (["--lock", "rediss:///0"], "--lock names no Redis host", "redis://HOST:PORT/DB"),
    (["--lock", "file:x", "--lock-ttl", "abc"], "'abc': --lock-ttl is not a duration", "'10m'"),
    (["--lock", "file:x.locks", "--lock-ttl", "inf"], "'inf': --lock-ttl is not a duration", ""),
    (["--lock", "file:x.locks", "--lock-ttl", "0"], "'0': --lock-ttl is not a duration", "'90s'"),
    (["--lock", "file:x.locks", "--lock-wait", "-1"], "'-1': --lock-wait is not a duration", ""),
    (["--lock-ttl", "5m"], "--lock-ttl configures the deployment lock", "--lock file:PATH"),
    (["--lock-wait", "1m"], "--lock-wait configures the deployment lock", "$MOSAIC_LOCK"),
    (["--lock", "file:x.locks", "--lock-password-file", "pw"], "is for a redis:// lock", ""),
]


@pytest.mark.parametrize(("extra", "says", "fix"), BAD, ids=lambda v: str(v))
def test_a_bad_lock_option_is_bad_input_and_nothing_moves(
    cli: CLI,
    images: Images,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    says: str,
    fix: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    run = cli("promote", "v1.4.0-rc.2", "--to", "testing", *images.args, *extra)

    assert run.code == EXIT_USAGE, run.err
    assert says in run.err
    assert fix in run.err
    assert "testing" not in images.layout().list_tags(images.repository)


@pytest.mark.parametrize(
    "command",
    [
        ("retention", "apply", "--now", NOW.isoformat()),
        ("retention", "apply", "--include", "team/*", "--now", NOW.isoformat()),
        ("rollback", "--target", "compose:compose.yaml#api", "--failed", "sha256:" + "a" * 64),
    ],
    ids=["retention", "fleet", "rollback"],
)
def test_the_other_commands_check_the_spec_before_anything(
    cli: CLI, images: Images, command: tuple[str, ...]
) -> None:
    before = images.layout().list_tags(images.repository)
    run = cli(*command, *images.args, "--lock", "nonsense")

    assert run.code == EXIT_USAGE, run.err
    assert "'nonsense': --lock is not a lock spec" in run.err
    assert images.layout().list_tags(images.repository) == before


def test_mosaic_lock_is_the_default_and_is_named_in_its_errors(
    cli: CLI, images: Images, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOSAIC_LOCK", "redis://:env-secret-pw@h:port/0")
    run = cli("promote", "v1.4.0-rc.2", "--to", "testing", *images.args)

    assert run.code == EXIT_USAGE
    assert "'redis://h:port/0': $MOSAIC_LOCK has no valid port" in run.err
    assert "env-secret-pw" not in run.out + run.err


def test_a_mosaic_lock_without_a_scheme_never_shows_its_secret(
    cli: CLI, images: Images, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOSAIC_LOCK", "http://user:env-secret-pw@h:1/0")
    run = cli("promote", "v1.4.0-rc.2", "--to", "testing", *images.args, "--json")

    assert run.code == EXIT_USAGE
    assert "$MOSAIC_LOCK is not a lock spec" in run.err
    assert "env-secret-pw" not in run.out + run.err


def test_promote_with_a_file_lock_holds_and_frees_the_pointer_key(
    cli: CLI, images: Images, tmp_path: Path
) -> None:
    path = tmp_path / "deploy.locks"
    lock = DeploymentLock.file(path, label="other-pipeline")
    lease = lock.acquire("team/api:testing")
    argv = ("promote", "v1.4.0-rc.2", "--to", "testing", *images.args, "--lock", f"file:{path}")

    refused = cli(*argv)
    assert refused.code == EXIT_FAILURE
    assert "team/api:testing is locked by other-pipeline@" in refused.err
    assert "testing" not in images.layout().list_tags(images.repository)
    dry = cli(*argv, "--dry-run")  # a dry run writes nothing and takes no lock
    assert dry.code == EXIT_OK, dry.err

    lock.release(lease)
    done = cli(*argv)
    assert done.code == EXIT_OK, done.err
    assert images.layout().resolve(images.repository, "testing") == images.rc2.digest
    again = lock.acquire("team/api:testing", wait=0)  # the command let go of it
    assert again.token == lease.token + 2  # and had a lease of its own in between


def test_retention_apply_with_a_held_file_lock_deletes_nothing(
    cli: CLI, images: Images, tmp_path: Path
) -> None:
    path = tmp_path / "deploy.locks"
    lock = DeploymentLock.file(path, label="a-promotion")
    before = sorted(images.layout().list_tags(images.repository))
    argv = ("retention", "apply", *images.args, "--now", NOW.isoformat(), "--no-journal")

    with lock.hold("team/api:staging"):
        refused = cli(*argv, "--lock", f"file:{path}", "--lock-ttl", "90s")
    assert refused.code == EXIT_FAILURE
    assert "team/api:staging is locked by a-promotion@" in refused.err
    assert sorted(images.layout().list_tags(images.repository)) == before

    done = cli(*argv, "--lock", f"file:{path}")
    assert done.code == EXIT_OK, done.err
    assert len(images.layout().list_tags(images.repository)) < len(before)
