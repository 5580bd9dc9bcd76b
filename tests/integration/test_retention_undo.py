"""Undo of a retention apply against Debian's docker-registry 2.8: delete, undo, then pull
by digest (the manifest and every blob, by the SDK and by skopeo) and resolve by tag; and
after ``registry garbage-collect`` the undo names what cannot come back and writes nothing.
"""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mosaic_sdk import RetentionJournal, RetentionPolicy
from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK
from mosaic_sdk.cli import main as mosaic
from mosaic_sdk.registry import Manifest, RegistryClient
from mosaic_sdk.testing import push_image, push_index, push_signature
from tests._support.servers import RegistryServer, require_binary

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc)


def _layers(rng: random.Random, n: int = 2) -> list[bytes]:
    return [rng.randbytes(2048) for _ in range(n)]


def _seed(client: RegistryClient, repo: str, rng: random.Random) -> dict[str, Manifest]:
    old = push_image(
        client, repo, "sha-aaaaaaa", created=NOW - timedelta(days=40), layers=_layers(rng)
    )
    sig = push_signature(client, repo, old)
    rc = push_image(
        client, repo, "sha-bbbbbbb", "v1.0.0-rc.1",
        created=NOW - timedelta(days=45), layers=_layers(rng),
    )  # fmt: skip
    for n in range(2, 6):
        push_image(client, repo, f"v1.0.0-rc.{n}", created=NOW - timedelta(days=1))
    amd = push_image(client, repo, created=NOW - timedelta(days=60), layers=_layers(rng, 1))
    arm = push_image(
        client, repo, created=NOW - timedelta(days=60), platform="linux/arm64",
        layers=_layers(rng, 1),
    )  # fmt: skip
    index = push_index(client, repo, [amd, arm], "sha-ccccccc")
    prod = push_image(client, repo, "prod", "v1.0.0", created=NOW - timedelta(days=90))
    return {"old": old, "sig": sig, "rc": rc, "index": index, "amd": amd, "prod": prod}


def _state(client: RegistryClient, repo: str) -> dict[str, str]:
    return {t: str(client.resolve(repo, t)) for t in client.list_tags(repo)}


def _pull(client: RegistryClient, repo: str, digest: str) -> None:
    """GET the manifest by digest and every blob (and child) it names, checked by digest."""
    manifest = client.get_manifest(repo, digest)
    assert str(manifest.digest) == digest
    for child in manifest.child_digests:
        _pull(client, repo, str(child))
    for blob in manifest.blob_digests:
        assert blob.verify(client.get_blob(repo, blob))


def test_delete_undo_then_pull_by_digest_and_resolve_by_tag(
    registry: RegistryClient,
    registry_server: RegistryServer,
    repo: str,
    rng: random.Random,
    tmp_path: Path,
) -> None:
    images = _seed(registry, repo, rng)
    before = _state(registry, repo)
    plan = RetentionPolicy().plan(registry, repo)
    deleted = {d.digest for d in plan.deletions}
    assert {images["old"].digest, images["sig"].digest, images["rc"].digest} <= deleted
    assert images["index"].digest in deleted
    result = plan.apply(registry, journal=tmp_path / "journal")
    assert result.ok
    assert set(result.deleted_digests) == deleted
    for digest in deleted:
        assert not registry.exists(repo, str(digest))

    undo = RetentionJournal(tmp_path / "journal").restore(registry)
    assert undo.ok, str(undo)
    assert {o.digest for o in undo.restored} == deleted
    assert _state(registry, repo) == before  # every tag resolves to its digest again
    for digest in deleted:
        _pull(registry, repo, str(digest))
        assert registry.get_manifest(repo, str(digest)).content == (plan.manifests[digest].content)

    # An independent client pulls the restored image whole, by digest and by tag.
    skopeo = require_binary("skopeo")
    for n, reference in enumerate((f"@{images['old'].digest}", ":sha-bbbbbbb")):
        subprocess.run(
            [skopeo, "copy", "--src-tls-verify=false",
             f"docker://{registry_server.host}/{repo}{reference}", f"oci:{tmp_path}/pull-{n}"],
            check=True, capture_output=True,
        )  # fmt: skip
        index = json.loads((tmp_path / f"pull-{n}" / "index.json").read_text())
        assert len(index["manifests"]) == 1

    again = RetentionJournal(tmp_path / "journal").restore(registry)
    assert again.ok
    assert not again.restored
    assert len(again.present) == len(deleted)


def test_undo_from_the_command_line(
    registry: RegistryClient, registry_server: RegistryServer, repo: str, rng: random.Random,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _seed(registry, repo, rng)
    before = _state(registry, repo)
    target = ["--registry", registry_server.url]
    journal = str(tmp_path / "journal")
    code = mosaic(["retention", "apply", *target, "--repository", repo, "--journal", journal])
    assert code == EXIT_OK
    assert f"journal: {journal}" in capsys.readouterr().err
    assert _state(registry, repo) != before
    assert mosaic(["retention", "undo", journal, *target, "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert _state(registry, repo) == before


@pytest.fixture
def own_registry(tmp_path: Path) -> Iterator[RegistryServer]:
    """A registry of this test alone: it is stopped for garbage collection."""
    server = RegistryServer(tmp_path / "registry").start()
    yield server
    server.stop()


def test_after_garbage_collection_undo_reports_what_cannot_come_back(
    own_registry: RegistryServer, rng: random.Random, tmp_path: Path
) -> None:
    repo = "team/gc"
    with RegistryClient(own_registry.url) as client:
        images = _seed(client, repo, rng)
        plan = RetentionPolicy().plan(client, repo)
        plan.apply(client, journal=tmp_path / "journal")
        after = _state(client, repo)

    own_registry.stop()
    done = subprocess.run(
        [own_registry.binary, "garbage-collect", str(own_registry.config)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    own_registry.start()

    with RegistryClient(own_registry.url) as client:
        undo = RetentionJournal(tmp_path / "journal").restore(client)
        assert not undo.ok
        gone = {o.digest: o for o in undo.unrestorable}
        for name in ("old", "rc"):  # their layers were theirs alone: collected
            outcome = gone[images[name].digest]
            assert set(images[name].layer_digests) <= set(outcome.missing)
            assert str(outcome.missing[0]) in str(undo) or outcome.missing[0].short in str(undo)
        assert "garbage-collected" in str(undo)
        assert all(o.status in ("unrestorable", "not attempted") for o in undo.outcomes)
        assert _state(client, repo) == after  # nothing half-restored
        _pull(client, repo, str(images["prod"].digest))  # what was kept still pulls

        report = RetentionJournal(tmp_path / "journal").restore(client, partial=True)
        assert {o.digest for o in report.unrestorable} >= {images["old"].digest}
        for outcome in report.restored:
            _pull(client, repo, str(outcome.digest))
        code = mosaic(["retention", "undo", str(tmp_path / "journal"), "--registry",
                       own_registry.url])  # fmt: skip
        assert code == EXIT_FAILURE
