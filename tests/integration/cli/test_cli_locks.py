"""``--lock`` on the commands that write: another process holds the key, the command
refuses at once and changes nothing; once the key is free it goes through.

A real docker-registry and a real, password-protected redis-server; the other pipeline
is a spawned process (tests/_support/lock_workers.py) holding the key through its own
DeploymentLock on the same state file or Redis.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mosaic_sdk.registry import RegistryClient
from mosaic_sdk.testing import push_image
from tests._support.cli_helpers import CLI, NOW, Run
from tests._support.lock_workers import hold_until_released
from tests._support.redis_server import RedisServer
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration

_HELD = re.compile(
    r"(?P<key>\S+) is locked by other-pipeline@\S+, whose lease expires in (?P<left>[\d.]+) s "
    r"\(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\) unless renewed; nothing was changed"
)


@contextlib.contextmanager
def held_by_another_process(backend: tuple[str, ...], key: str) -> Iterator[None]:
    """``key`` held by a spawned process until the block ends."""
    context = multiprocessing.get_context("spawn")
    ready, release = context.Queue(), context.Event()
    worker = context.Process(target=hold_until_released, args=(backend, key, ready, release))
    worker.start()
    try:
        assert ready.get(timeout=60) >= 1
        yield
    finally:
        release.set()
        worker.join(timeout=60)
    assert worker.exitcode == 0


@pytest.fixture(params=["file", "redis"])
def locked(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, ...]:
    """The other pipeline's backend; the command's ``--lock`` names the same one (for
    Redis through ``$MOSAIC_LOCK``, where its password belongs)."""
    if request.param == "file":
        path = tmp_path / "deploy.locks"
        monkeypatch.setenv("MOSAIC_LOCK", f"file:{path}")
        return ("file", str(path))
    monkeypatch.setenv("MOSAIC_LOCK", redis_server.url)
    return ("redis", redis_server.url, "mosaic")


def _no_secret(run: Run, redis_server: RedisServer) -> None:
    assert redis_server.password not in run.out + run.err


def test_promote_refuses_while_another_process_holds_the_pointer(
    cli: CLI,
    locked: tuple[str, ...],
    registry_server: RegistryServer,
    registry: RegistryClient,
    repo: str,
    redis_server: RedisServer,
) -> None:
    old = push_image(registry, repo, "v1.0.0", "testing", created=NOW).digest
    new = push_image(registry, repo, "v1.1.0", created=NOW).digest
    where = ("--registry", registry_server.url, "--repository", repo)

    with held_by_another_process(locked, f"{repo}:testing"):
        refused = cli("promote", "v1.1.0", "--to", "testing", *where)

        assert refused.code == 1, refused.err
        match = _HELD.search(refused.err)
        assert match is not None, refused.err
        assert match["key"] == f"{repo}:testing"
        assert 0 < float(match["left"]) <= 120
        assert "--lock-wait DURATION" in refused.err
        assert registry.resolve(repo, "testing") == old  # the pointer did not move
        _no_secret(refused, redis_server)

    done = cli("promote", "v1.1.0", "--to", "testing", *where, "--json")

    assert done.code == 0, done.err
    assert done.json()["digest_after"] == str(new)
    assert registry.resolve(repo, "testing") == new
    _no_secret(done, redis_server)


def test_promote_lock_wait_queues_behind_the_holder(
    cli: CLI,
    tmp_path: Path,
    registry_server: RegistryServer,
    registry: RegistryClient,
    repo: str,
) -> None:
    # --lock-wait: the holder lets go while the command waits, and the command goes on.
    digest = push_image(registry, repo, "v1.0.0", created=NOW).digest
    spec = f"file:{tmp_path / 'deploy.locks'}"
    backend = ("file", str(tmp_path / "deploy.locks"))
    where = ("--registry", registry_server.url, "--repository", repo, "--lock", spec)
    context = multiprocessing.get_context("spawn")
    ready, release = context.Queue(), context.Event()
    worker = context.Process(
        target=hold_until_released, args=(backend, f"{repo}:testing", ready, release)
    )
    worker.start()
    ready.get(timeout=60)
    import threading

    threading.Timer(1.0, release.set).start()
    try:
        run = cli("promote", str(digest), "--to", "testing", *where, "--lock-wait", "60s")
    finally:
        release.set()
        worker.join(timeout=60)

    assert run.code == 0, run.err
    assert registry.resolve(repo, "testing") == digest


def _stale_images(registry: RegistryClient, repo: str) -> list[Any]:
    """Two sha- tags past the default 14 days, one release that is always kept."""
    push_image(registry, repo, "v1.0.0", created=NOW - timedelta(days=60))
    return [
        push_image(registry, repo, f"sha-{n:07x}", created=NOW - timedelta(days=30 + n))
        for n in range(2)
    ]


@pytest.mark.parametrize("fleet", [False, True], ids=["repository", "fleet"])
def test_retention_apply_refuses_while_held_and_deletes_nothing(
    cli: CLI,
    locked: tuple[str, ...],
    fleet: bool,
    registry_server: RegistryServer,
    registry: RegistryClient,
    repo: str,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    stale = _stale_images(registry, repo)
    which = ("--include", repo) if fleet else ("--repository", repo)
    argv = ("retention", "apply", "--registry", registry_server.url, *which)
    argv += ("--now", NOW.isoformat(), "--journal", str(tmp_path / "journal"))

    with held_by_another_process(locked, f"{repo}:prod"):
        refused = cli(*argv)

        assert refused.code == 1, refused.err
        for image in stale:  # nothing was deleted
            assert registry.get_manifest(repo, str(image.digest)).digest == image.digest
        assert f"{repo}:prod is locked by other-pipeline@" in refused.err
        if fleet:
            assert "--lock-wait DURATION queues behind the holder" in refused.err
        else:
            assert _HELD.search(refused.err) is not None, refused.err
        assert not (tmp_path / "journal").exists()  # not even the journal was written
        _no_secret(refused, redis_server)

    done = cli(*argv, "--json")

    assert done.code == 0, done.err
    assert sorted(registry.list_tags(repo)) == ["v1.0.0"]
    _no_secret(done, redis_server)


def test_redis_password_from_its_own_variable_never_shows(
    cli: CLI,
    registry_server: RegistryServer,
    registry: RegistryClient,
    repo: str,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --lock without a password on the command line, the password from
    # $MOSAIC_LOCK_PASSWORD: it works, and verbose logs, the held error and the JSON
    # document never show the password.
    digest = push_image(registry, repo, "v1.0.0", created=NOW).digest
    monkeypatch.setenv("MOSAIC_LOCK_PASSWORD", redis_server.password)
    where = ("--registry", registry_server.url, "--repository", repo)
    where += ("--lock", redis_server.shown_url)
    backend = ("redis", redis_server.url, "mosaic")

    with held_by_another_process(backend, f"{repo}:prod"):
        refused = cli("-vv", "promote", str(digest), "--to", "prod", "--force", *where, "--json")
        assert refused.code == 1
        assert refused.json()["error"]["type"] == "LockHeldError"
        _no_secret(refused, redis_server)
    done = cli("-vv", "promote", str(digest), "--to", "prod", "--force", *where)

    assert done.code == 0, done.err
    assert registry.resolve(repo, "prod") == digest
    _no_secret(done, redis_server)

    monkeypatch.setenv("MOSAIC_LOCK_PASSWORD", "not-the-password")
    wrong = cli("promote", str(digest), "--to", "staging", "--force", *where)

    assert wrong.code == 3  # CoordinationUnavailableError: nothing written unlocked
    assert redis_server.shown_url in wrong.err
    assert "not-the-password" not in wrong.out + wrong.err
    _no_secret(wrong, redis_server)


def test_a_redis_password_on_the_command_line_is_refused_unprinted(
    cli: CLI, redis_server: RedisServer, registry_server: RegistryServer, repo: str
) -> None:
    where = ("--registry", registry_server.url, "--repository", repo)
    run = cli("promote", "v1.0.0", "--to", "testing", *where, "--lock", redis_server.url)

    assert run.code == 2
    assert "$MOSAIC_LOCK (the whole URL), $MOSAIC_LOCK_PASSWORD or --lock-password-file" in run.err
    _no_secret(run, redis_server)
