"""Build-free test images: small random layers as gzip tar blobs, a config JSON with
``created``, Docker v2 schema 2 and OCI manifests, and multi-platform indexes.

No Docker engine and no tools: an image is bytes. ``push(registry, ...)`` uploads one
through any :class:`~mosaic_sdk.registry.ImageRegistry` (the SDK itself);
``push_raw(url, ...)`` does the same with plain httpx requests, to cross-check the SDK
against an independent implementation of the protocol.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import tarfile
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import attrs
import httpx

from mosaic_sdk.registry import (
    DOCKER_CONFIG,
    DOCKER_LAYER_GZIP,
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST_V2,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER_GZIP,
    OCI_MANIFEST,
    ImageRegistry,
    Manifest,
)
from mosaic_sdk.values import Digest

DEFAULT_CREATED = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
PLATFORMS = (("linux", "amd64"), ("linux", "arm64"))


@attrs.frozen
class TestImage:
    """An image (or index) and every blob and child it needs."""

    manifest: Manifest
    blobs: Mapping[Digest, bytes] = attrs.field(factory=dict)
    children: tuple[TestImage, ...] = ()

    __test__ = False  # not a pytest test class

    @property
    def digest(self) -> Digest:
        return self.manifest.digest

    def walk(self) -> Iterator[TestImage]:
        """Children first, then this image: the order a registry accepts them in."""
        for child in self.children:
            yield from child.walk()
        yield self


def random_layer(rng: random.Random, size: int = 512) -> tuple[bytes, str]:
    """A gzip tar with one random file; returns (compressed blob, diff_id)."""
    payload = rng.randbytes(size)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(f"data/{rng.randrange(1 << 32):08x}.bin")
        info.size = len(payload)
        info.mtime = 0
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(payload))
    tar_bytes = raw.getvalue()
    diff_id = "sha256:" + hashlib.sha256(tar_bytes).hexdigest()
    return gzip.compress(tar_bytes, mtime=0), diff_id


def _config(
    created: datetime, os_: str, arch: str, diff_ids: list[str], labels: Mapping[str, str]
) -> bytes:
    doc = {
        "created": created.isoformat().replace("+00:00", "Z"),
        "architecture": arch,
        "os": os_,
        "config": {"Labels": dict(labels)} if labels else {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [
            {
                "created": created.isoformat().replace("+00:00", "Z"),
                "created_by": "tests/_support/images.py",
            }
        ],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def _descriptor(media_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "mediaType": media_type,
        "digest": "sha256:" + hashlib.sha256(data).hexdigest(),
        "size": len(data),
        **extra,
    }


def image(
    rng: random.Random,
    *,
    kind: str = "oci",
    created: datetime = DEFAULT_CREATED,
    layers: int = 1,
    platform: tuple[str, str] = ("linux", "amd64"),
    annotations: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> TestImage:
    """A single-platform image: ``kind`` is ``"oci"`` or ``"docker"`` (v2 schema 2)."""
    oci = kind == "oci"
    blobs: dict[Digest, bytes] = {}
    layer_descriptors = []
    diff_ids = []
    for _ in range(layers):
        blob, diff_id = random_layer(rng)
        blobs[Digest.from_bytes(blob)] = blob
        diff_ids.append(diff_id)
        layer_descriptors.append(_descriptor(OCI_LAYER_GZIP if oci else DOCKER_LAYER_GZIP, blob))
    config = _config(created, platform[0], platform[1], diff_ids, labels or {})
    blobs[Digest.from_bytes(config)] = config
    doc: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST_V2,
        "config": _descriptor(OCI_CONFIG if oci else DOCKER_CONFIG, config),
        "layers": layer_descriptors,
    }
    if annotations:
        doc["annotations"] = dict(annotations)
    return TestImage(Manifest.from_json(doc), blobs)


def index(
    rng: random.Random,
    *,
    kind: str = "oci",
    platforms: tuple[tuple[str, str], ...] = PLATFORMS,
    created: datetime = DEFAULT_CREATED,
    annotations: Mapping[str, str] | None = None,
) -> TestImage:
    """A multi-platform OCI index (or Docker manifest list) with one child per platform."""
    children = tuple(image(rng, kind=kind, created=created, platform=p) for p in platforms)
    doc: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX if kind == "oci" else DOCKER_MANIFEST_LIST,
        "manifests": [
            _descriptor(
                c.manifest.media_type,
                c.manifest.content,
                platform={"os": p[0], "architecture": p[1]},
            )
            for c, p in zip(children, platforms, strict=True)
        ],
    }
    if annotations:
        doc["annotations"] = dict(annotations)
    return TestImage(Manifest.from_json(doc), {}, children)


def push(
    registry: ImageRegistry, repository: str, img: TestImage, tag: str | None = None
) -> Digest:
    """Upload every blob and child (by digest), then the image under ``tag`` (or its
    digest), through the SDK."""
    for part in img.walk():
        for data in part.blobs.values():
            registry.put_blob(repository, data)
        if part is not img:
            registry.put_manifest(repository, str(part.digest), part.manifest)
    return registry.put_manifest(repository, tag or str(img.digest), img.manifest)


def push_raw(base_url: str, repository: str, img: TestImage, tag: str) -> str:
    """The same push with plain httpx (single-POST blob uploads), independent of the
    SDK; returns the ``Docker-Content-Digest`` the registry reported."""
    with httpx.Client(base_url=base_url, timeout=10) as http:
        for part in img.walk():
            for digest, data in part.blobs.items():
                response = http.post(
                    f"/v2/{repository}/blobs/uploads/",
                    params={"digest": str(digest)},
                    content=data,
                    headers={"Content-Type": "application/octet-stream"},
                )
                if response.status_code == 202:  # registry wants the two-step upload
                    location = response.headers["Location"]
                    sep = "&" if "?" in location else "?"
                    response = http.put(f"{location}{sep}digest={digest}", content=data)
                assert response.status_code == 201, response.text
            ref = tag if part is img else str(part.digest)
            response = http.put(
                f"/v2/{repository}/manifests/{ref}",
                content=part.manifest.content,
                headers={"Content-Type": part.manifest.media_type},
            )
            assert response.status_code == 201, response.text
        return response.headers["Docker-Content-Digest"]


def get_raw(base_url: str, repository: str, reference: str) -> httpx.Response:
    """GET a manifest with plain httpx and the full Accept list."""
    accept = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST_V2))
    with httpx.Client(base_url=base_url, timeout=10) as http:
        return http.get(f"/v2/{repository}/manifests/{reference}", headers={"Accept": accept})
