"""OCILayout specifics beyond the shared contract: garbage collection, atomic writes,
concurrent writers, corruption detection and the repository-to-directory mapping."""

from __future__ import annotations

import json
import os
import random
import threading
from pathlib import Path

import pytest

from mosaic_sdk.errors import (
    APIResponseValidationError,
    ConflictError,
    InvalidValueError,
    NotFoundError,
)
from mosaic_sdk.registry import OCILayout
from mosaic_sdk.values import Digest
from tests._support.images import image, index, push


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    return random.Random(request.node.nodeid)


def _blob_files(layout: Path) -> set[str]:
    return {p.name for p in (layout / "blobs" / "sha256").iterdir()}


def test_delete_collects_unreferenced_blobs_but_keeps_shared_ones(
    tmp_path: Path, rng: random.Random
) -> None:
    layout = OCILayout(tmp_path, gc_grace=0)
    doomed, kept = image(rng, layers=2), image(rng)
    push(layout, "app", doomed, "old")
    push(layout, "app", kept, "new")
    shared = kept.manifest.config_digest
    assert shared is not None

    layout.delete_manifest("app", doomed.digest)

    files = _blob_files(tmp_path / "app")
    assert doomed.digest.hex not in files
    assert not any(d.hex in files for d in doomed.blobs)
    assert kept.digest.hex in files
    assert all(d.hex in files for d in kept.blobs)


def test_gc_grace_keeps_young_blobs(tmp_path: Path, rng: random.Random) -> None:
    layout = OCILayout(tmp_path, gc_grace=3600)
    img = image(rng)
    push(layout, "app", img, "v1")
    orphan = layout.put_blob("app", b"uploaded by a concurrent writer")

    layout.delete_manifest("app", img.digest)
    assert layout.blob_exists("app", orphan)  # younger than the grace period
    assert layout.blob_exists("app", img.digest)
    assert sorted(layout.gc("app", grace=0)) == sorted([orphan, img.digest, *img.blobs])
    assert not layout.blob_exists("app", orphan)


def test_index_children_survive_gc_and_cannot_be_deleted_alone(
    tmp_path: Path, rng: random.Random
) -> None:
    layout = OCILayout(tmp_path, gc_grace=0)
    idx = index(rng)
    push(layout, "app", idx, "multi")
    child = idx.children[0].digest
    # push() stored the children by digest first; drop those untagged entries so the
    # children are reachable only through the index.
    doc = json.loads((tmp_path / "app" / "index.json").read_text())
    doc["manifests"] = [m for m in doc["manifests"] if m["digest"] == str(idx.digest)]
    (tmp_path / "app" / "index.json").write_text(json.dumps(doc))

    assert layout.gc("app") == []
    assert layout.resolve("app", str(child)) == child
    with pytest.raises(ConflictError, match="delete the index first"):
        layout.delete_manifest("app", child)
    layout.delete_manifest("app", idx.digest)
    with pytest.raises(NotFoundError):
        layout.resolve("app", str(child))
    assert _blob_files(tmp_path / "app") == set()


def test_writes_leave_no_temporary_files(tmp_path: Path, rng: random.Random) -> None:
    layout = OCILayout(tmp_path)
    push(layout, "app", index(rng), "v1")
    leftovers = [p for p in (tmp_path / "app").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_concurrent_tag_writes_are_not_lost(tmp_path: Path, rng: random.Random) -> None:
    layout = OCILayout(tmp_path)
    img = image(rng)
    push(layout, "app", img, "base")
    tags = [f"t{i}" for i in range(40)]
    errors: list[BaseException] = []

    def writer(chunk: list[str]) -> None:
        # Each thread uses its own OCILayout object: only the file lock protects them.
        own = OCILayout(tmp_path)
        try:
            for tag in chunk:
                own.put_manifest("app", tag, img.manifest)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(tags[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert layout.list_tags("app") == sorted(["base", *tags])


def test_a_corrupt_blob_is_reported_not_returned(tmp_path: Path, rng: random.Random) -> None:
    layout = OCILayout(tmp_path)
    img = image(rng)
    push(layout, "app", img, "v1")
    layer = img.manifest.layer_digests[0]
    (tmp_path / "app" / "blobs" / "sha256" / layer.hex).write_bytes(b"bit rot")
    with pytest.raises(APIResponseValidationError, match="corrupt"):
        layout.get_blob("app", layer)
    (tmp_path / "app" / "blobs" / "sha256" / img.digest.hex).write_bytes(b"{}")
    with pytest.raises(APIResponseValidationError, match="corrupt"):
        layout.get_manifest("app", "v1")


def test_a_broken_index_json_is_reported(tmp_path: Path, rng: random.Random) -> None:
    layout = OCILayout(tmp_path)
    push(layout, "app", image(rng), "v1")
    (tmp_path / "app" / "index.json").write_text("{not json")
    with pytest.raises(APIResponseValidationError, match="not valid JSON"):
        layout.list_tags("app")
    (tmp_path / "app" / "index.json").write_text('{"schemaVersion": 2}')
    with pytest.raises(APIResponseValidationError, match="no 'manifests' list"):
        layout.list_tags("app")


def test_copy_hard_links_blobs(tmp_path: Path, rng: random.Random) -> None:
    layout = OCILayout(tmp_path)
    img = image(rng)
    push(layout, "src", img, "v1")
    layout.copy("src", "v1", "team/dst", tag="v1")
    layer = img.manifest.layer_digests[0].hex
    src = (tmp_path / "src" / "blobs" / "sha256" / layer).stat()
    dst = (tmp_path / "team" / "dst" / "blobs" / "sha256" / layer).stat()
    assert (src.st_ino, src.st_dev) == (dst.st_ino, dst.st_dev)


def test_repository_mapping_and_its_limits(tmp_path: Path) -> None:
    layout = OCILayout(tmp_path / "missing")
    assert layout.repositories() == []
    assert layout.layout_path("team/app") == tmp_path / "missing" / "team" / "app"
    with pytest.raises(InvalidValueError, match="'blobs'"):
        layout.put_blob("team/blobs", b"x")
    with pytest.raises(NotFoundError, match="NAME_UNKNOWN"):
        layout.list_tags("team/app")
    assert not layout.blob_exists("team/app", Digest.from_bytes(b"x"))
    with pytest.raises(InvalidValueError, match="gc_grace"):
        OCILayout(tmp_path, gc_grace=-1)


def test_nested_repositories_coexist(tmp_path: Path, rng: random.Random) -> None:
    layout = OCILayout(tmp_path)
    img = image(rng)
    push(layout, "team", img, "v1")
    push(layout, "team/app", img, "v2")
    assert layout.repositories() == ["team", "team/app"]
    assert layout.list_tags("team") == ["v1"]
    assert layout.list_tags("team/app") == ["v2"]
    assert os.path.isfile(tmp_path / "team" / "app" / "oci-layout")


@pytest.mark.parametrize("root", [None, "", 5])
def test_a_layout_root_that_is_not_a_path_is_a_typed_error(root: object) -> None:
    with pytest.raises(InvalidValueError, match="layout directory path"):
        OCILayout(root)  # type: ignore[arg-type]


@pytest.mark.parametrize("grace", [-1, "60", True])
def test_gc_grace_must_be_seconds(tmp_path: Path, grace: object) -> None:
    with pytest.raises(InvalidValueError, match="gc_grace"):
        OCILayout(tmp_path, gc_grace=grace)  # type: ignore[arg-type]
