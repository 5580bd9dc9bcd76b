"""Interoperability of OCILayout with skopeo and umoci, and of both with the registry.

* A layout written by the SDK is read by ``skopeo inspect --raw``, copied by
  ``skopeo copy oci:... docker://...`` (digests preserved), listed and unpacked by umoci.
* A layout written by ``skopeo copy docker://... oci:...`` and one built by umoci are
  read by the SDK with identical bytes and digests.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest

from mosaic_sdk.registry import OCI_INDEX, OCI_MANIFEST, OCILayout, RegistryClient, copy_image
from mosaic_sdk.values import Digest
from tests._support.images import image, index, push
from tests._support.servers import RegistryServer, require_binary

pytestmark = pytest.mark.integration


def _run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def _skopeo() -> str:
    return require_binary("skopeo")


def _umoci() -> str:
    return require_binary("umoci")


def test_skopeo_reads_an_sdk_layout_byte_for_byte(tmp_path: Path, rng: random.Random) -> None:
    skopeo = _skopeo()
    layout = OCILayout(tmp_path)
    img, idx = image(rng, layers=2), index(rng)
    push(layout, "team/app", img, "v1.0.0")
    push(layout, "team/app", idx, "multi")

    raw = subprocess.run(
        [skopeo, "inspect", "--raw", f"oci:{tmp_path}/team/app:v1.0.0"],
        capture_output=True,
        check=True,
    ).stdout
    assert raw == img.manifest.content
    raw_index = subprocess.run(
        [skopeo, "inspect", "--raw", f"oci:{tmp_path}/team/app:multi"],
        capture_output=True,
        check=True,
    ).stdout
    assert raw_index == idx.manifest.content
    info = json.loads(_run(skopeo, "inspect", f"oci:{tmp_path}/team/app:v1.0.0"))
    assert info["Digest"] == str(img.digest)
    assert info["Created"] == "2024-05-01T12:00:00Z"
    assert info["Layers"] == [str(d) for d in img.manifest.layer_digests]


def test_skopeo_copies_an_sdk_layout_into_the_registry(
    tmp_path: Path, registry_server: RegistryServer, registry: RegistryClient, rng: random.Random
) -> None:
    skopeo = _skopeo()
    layout = OCILayout(tmp_path)
    img, idx = image(rng), index(rng)
    push(layout, "app", img, "v1")
    push(layout, "app", idx, "multi")

    for tag in ("v1", "multi"):
        _run(
            skopeo, "copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
            f"oci:{tmp_path}/app:{tag}", f"docker://{registry_server.host}/interop/from-sdk:{tag}",
        )  # fmt: skip
    assert registry.resolve("interop/from-sdk", "v1") == img.digest
    assert registry.resolve("interop/from-sdk", "multi") == idx.digest
    assert registry.get_manifest("interop/from-sdk", "multi").content == idx.manifest.content


def test_skopeo_ignores_docker_media_types_in_a_layout(tmp_path: Path, rng: random.Random) -> None:
    # Documented limitation: a layout keeps Docker v2 manifests byte-exact for the SDK,
    # but skopeo only looks at OCI manifest/index entries of index.json.
    skopeo = _skopeo()
    layout = OCILayout(tmp_path)
    img = image(rng, kind="docker")
    push(layout, "app", img, "docker")
    assert layout.get_manifest("app", "docker").content == img.manifest.content
    result = subprocess.run(
        [skopeo, "inspect", "--raw", f"oci:{tmp_path}/app:docker"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "no descriptor found" in result.stderr


def test_sdk_reads_a_layout_written_by_skopeo(
    tmp_path: Path, registry: RegistryClient, registry_server: RegistryServer, rng: random.Random
) -> None:
    skopeo = _skopeo()
    img, idx = image(rng, layers=2), index(rng)
    push(registry, "interop/to-layout", img, "v2")
    push(registry, "interop/to-layout", idx, "multi")
    for tag in ("v2", "multi"):
        _run(
            skopeo, "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
            f"docker://{registry_server.host}/interop/to-layout:{tag}",
            f"oci:{tmp_path}/copied:{tag}",
        )  # fmt: skip

    layout = OCILayout(tmp_path)
    assert layout.repositories() == ["copied"]
    assert layout.list_tags("copied") == ["multi", "v2"]
    assert layout.resolve("copied", "v2") == img.digest
    assert layout.get_manifest("copied", "v2").content == img.manifest.content
    fetched = layout.get_manifest("copied", "multi")
    assert fetched.digest == idx.digest
    assert fetched.child_digests == tuple(c.digest for c in idx.children)
    for child in idx.children:
        for digest, data in child.blobs.items():
            assert layout.get_blob("copied", digest) == data


def test_sdk_copies_a_skopeo_layout_back_into_the_registry(
    tmp_path: Path, registry: RegistryClient, registry_server: RegistryServer, rng: random.Random
) -> None:
    skopeo = _skopeo()
    idx = index(rng)
    push(registry, "interop/round", idx, "v1")
    _run(
        skopeo, "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
        f"docker://{registry_server.host}/interop/round:v1", f"oci:{tmp_path}/round:v1",
    )  # fmt: skip
    layout = OCILayout(tmp_path)
    assert copy_image(layout, "round", "v1", registry, "interop/round-trip", "v1") == idx.digest
    assert registry.get_manifest("interop/round-trip", "v1").content == idx.manifest.content


def test_umoci_lists_and_unpacks_an_sdk_layout(tmp_path: Path, rng: random.Random) -> None:
    umoci = _umoci()
    layouts = tmp_path / "layouts"
    layout = OCILayout(layouts)
    img = image(rng, layers=2)
    push(layout, "svc", img, "v1")
    push(layout, "svc", index(rng), "multi")

    assert sorted(_run(umoci, "ls", "--layout", str(layouts / "svc")).split()) == ["multi", "v1"]
    bundle = tmp_path / "bundle"
    _run(umoci, "unpack", "--rootless", "--image", f"{layouts / 'svc'}:v1", str(bundle))
    unpacked = sorted(p.name for p in (bundle / "rootfs" / "data").iterdir())
    assert len(unpacked) == 2  # one random file per layer


def test_sdk_reads_a_layout_built_by_umoci(tmp_path: Path) -> None:
    umoci, skopeo = _umoci(), _skopeo()
    path = tmp_path / "team" / "built"
    path.parent.mkdir(parents=True)
    _run(umoci, "init", "--layout", str(path))
    _run(umoci, "new", "--image", f"{path}:base")
    _run(umoci, "config", "--image", f"{path}:base", "--config.label", "team=mosaic", "--tag", "v1")

    raw = subprocess.run(
        [skopeo, "inspect", "--raw", f"oci:{path}:v1"], capture_output=True, check=True
    ).stdout
    layout = OCILayout(tmp_path)
    assert "team/built" in layout.repositories()
    manifest = layout.get_manifest("team/built", "v1")
    assert manifest.content == raw
    assert manifest.digest == Digest.from_bytes(raw)
    # umoci writes OCI manifests without a mediaType field; the SDK infers the type.
    assert "mediaType" not in json.loads(raw) or json.loads(raw)["mediaType"] == OCI_MANIFEST
    assert manifest.media_type == OCI_MANIFEST
    config = json.loads(
        layout.get_blob("team/built", manifest.config_digest or Digest.from_bytes(b""))
    )
    assert config["config"]["Labels"] == {"team": "mosaic"}
    # And the SDK's own writes to that layout stay readable by umoci.
    layout.put_manifest("team/built", "promoted", manifest)
    assert "promoted" in _run(umoci, "ls", "--layout", str(path)).split()


def test_sdk_layout_index_json_is_an_oci_index(tmp_path: Path, rng: random.Random) -> None:
    layout = OCILayout(tmp_path)
    img = image(rng)
    push(layout, "app", img, "v1")
    doc = json.loads((tmp_path / "app" / "index.json").read_text())
    assert doc["schemaVersion"] == 2
    assert doc["mediaType"] == OCI_INDEX
    assert doc["manifests"] == [
        {
            "mediaType": OCI_MANIFEST,
            "digest": str(img.digest),
            "size": img.manifest.size,
            "annotations": {"org.opencontainers.image.ref.name": "v1"},
        }
    ]
    assert json.loads((tmp_path / "app" / "oci-layout").read_text()) == {
        "imageLayoutVersion": "1.0.0"
    }
