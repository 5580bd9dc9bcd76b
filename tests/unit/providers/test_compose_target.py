"""ComposeFileTarget: byte-exact edits, history, versions, Kubernetes shapes, refusals.

The shared behaviour (refusing unpinned images, running/status after deploy) is in
tests/contract/test_deployment_target.py; this file covers what is specific to files.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mosaic_sdk.errors import ConfigurationError, InvalidValueError
from mosaic_sdk.providers import (
    ComposeFileTarget,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    pinned_digest,
    validate_traffic_weights,
)
from mosaic_sdk.values import Digest, ImageReference

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
C = "sha256:" + "c" * 64


def ref(digest: str = A, tag: str | None = None, repo: str = "ghcr.io/acme/web") -> ImageReference:
    return ImageReference.parse(f"{repo}{':' + tag if tag else ''}@{digest}")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


COMPOSE = """\
# Demo stack — comments, odd spacing and quoting must survive.
services:

  web:     # the front end
    image:   "ghcr.io/acme/web:v1.0.0"     # bumped by CI
    labels:
      - traefik.enable=true
      - org.opencontainers.image.version=1.0.0
  api:
    image: 'ghcr.io/acme/api:v1.0.0'
    labels:
      org.opencontainers.image.version: "1.0.0"
      team: payments
  worker: {image: ghcr.io/acme/worker:v1.0.0, restart: always}
  builder:
    build: .
"""


def test_only_the_image_scalar_changes(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    ComposeFileTarget(path, "web").deploy(ref(A), version="1.1.0")
    expected = COMPOSE.replace("ghcr.io/acme/web:v1.0.0", f"ghcr.io/acme/web@{A}").replace(
        "image.version=1.0.0", "image.version=1.1.0"
    )
    assert path.read_text(encoding="utf-8") == expected


def test_map_style_label_keeps_its_quotes(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    ComposeFileTarget(path, "api").deploy(ref(B, repo="ghcr.io/acme/api"), version="2.0")
    text = path.read_text(encoding="utf-8")
    assert f"    image: 'ghcr.io/acme/api@{B}'\n" in text
    assert '      org.opencontainers.image.version: "2.0"\n' in text
    assert "      team: payments\n" in text


def test_flow_mapping_service(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    target = ComposeFileTarget(path, "worker")
    target.deploy(ref(C, repo="ghcr.io/acme/worker"))
    assert f"  worker: {{image: ghcr.io/acme/worker@{C}, restart: always}}\n" in path.read_text()
    assert target.running().digest == Digest.parse(C)


def test_crlf_line_endings_survive(tmp_path: Path) -> None:
    text = "services:\r\n  web:\r\n    image: ghcr.io/acme/web:v1.0.0\r\n"
    path = write(tmp_path, "compose.yaml", text)
    ComposeFileTarget(path, "web").deploy(ref(A))
    assert (
        path.read_bytes() == f"services:\r\n  web:\r\n    image: ghcr.io/acme/web@{A}\r\n".encode()
    )


def test_file_mode_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    path.chmod(0o640)
    ComposeFileTarget(path, "web").deploy(ref(A), version="1.1.0")
    assert path.stat().st_mode & 0o777 == 0o640


def test_render_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    target = ComposeFileTarget(path, "web")
    rendered = target.render(ref(A), version="1.1.0")
    assert f"ghcr.io/acme/web@{A}" in rendered
    assert path.read_text() == COMPOSE
    assert not target.history_path.exists()


def test_a_stale_version_label_needs_a_version(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    with pytest.raises(InvalidValueError, match="version"):
        ComposeFileTarget(path, "web").deploy(ref(A))
    assert path.read_text() == COMPOSE
    ComposeFileTarget(path, "web").deploy(ref(A, tag="v1.2.0"))  # the tag is the version
    assert "org.opencontainers.image.version=v1.2.0" in path.read_text()


# -- history and rollback ----------------------------------------------------------------


def test_history_records_each_deploy_and_previous_finds_the_rollback(tmp_path: Path) -> None:
    clock = iter(datetime(2026, 8, 22, 10, m, tzinfo=timezone.utc) for m in range(60))
    path = write(tmp_path, "compose.yaml", COMPOSE)
    target = ComposeFileTarget(path, "web", clock=lambda: next(clock))
    assert target.previous() is None
    first = target.deploy(ref(A), version="1.1.0")
    second = target.deploy(ref(B), version="1.2.0")
    assert first.status is DeploymentStatus.SUCCEEDED
    assert [e.digest for e in target.history()] == [Digest.parse(A), Digest.parse(B)]
    assert [e.id for e in target.history()] == [first.id, second.id]
    assert target.history()[0].previous_image == "ghcr.io/acme/web:v1.0.0"
    assert target.previous() == RunningRelease(Digest.parse(A), "1.1.0", ref(A))
    document = json.loads(target.history_path.read_text())
    assert document["format"] == 1
    assert list(document["entries"]) == ["web"]


def test_redeploying_the_same_digest_records_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    target = ComposeFileTarget(path, "web")
    first = target.deploy(ref(A), version="1.1.0")
    again = target.deploy(ref(A), version="1.1.0")
    assert again.id == first.id
    assert "already pinned" in again.detail
    assert len(target.history()) == 1


def test_previous_survives_a_crash_before_the_history_write(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    target = ComposeFileTarget(path, "web")
    target.deploy(ref(A), version="1.1.0")
    # Simulate: B was written to the file, then the process died before the history.
    path.write_text(path.read_text().replace(A, B).replace("=1.1.0", "=1.2.0"))
    previous = target.previous()
    assert previous is not None
    assert previous.digest == Digest.parse(A)


def test_services_keep_separate_histories(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    ComposeFileTarget(path, "web").deploy(ref(A), version="1")
    ComposeFileTarget(path, "api").deploy(ref(B, repo="ghcr.io/acme/api"), version="2")
    assert [e.digest for e in ComposeFileTarget(path, "web").history()] == [Digest.parse(A)]
    assert [e.digest for e in ComposeFileTarget(path, "api").history()] == [Digest.parse(B)]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("not json", "not readable JSON"),
        ('{"entries": []}', "no 'entries' object"),
        ('{"entries": {"web": {}}}', "list of entries"),
        ('{"entries": {"web": [{"id": "x"}]}}', "malformed entry"),
    ],
)
def test_a_damaged_history_is_a_configuration_error(
    tmp_path: Path, content: str, match: str
) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    target = ComposeFileTarget(path, "web")
    target.history_path.write_text(content)
    with pytest.raises(ConfigurationError, match=match):
        target.history()


# -- running and status -----------------------------------------------------------------------


def test_running_reads_the_file_before_any_deploy(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    running = ComposeFileTarget(path, "api").running()
    assert running.digest is None
    assert running.version == "1.0.0"
    assert str(running.image) == "ghcr.io/acme/api:v1.0.0"


@pytest.mark.parametrize(
    ("service", "state"),
    [("web", TargetState.DEGRADED), ("builder", TargetState.FAILED), ("nope", TargetState.FAILED)],
)
def test_status_of_the_declaration(tmp_path: Path, service: str, state: TargetState) -> None:
    path = write(tmp_path, "compose.yaml", COMPOSE)
    assert ComposeFileTarget(path, service).status().state is state


def test_status_of_a_missing_file(tmp_path: Path) -> None:
    status = ComposeFileTarget(tmp_path / "absent.yaml", "web").status()
    assert status.state is TargetState.FAILED
    assert "does not exist" in status.detail


# -- Kubernetes ----------------------------------------------------------------------------------

K8S = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: web}
data: {image: "not-this-one"}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        org.opencontainers.image.version: "1.0.0"
    spec:
      initContainers:
        - name: migrate
          image: ghcr.io/acme/migrate:v1.0.0
      containers:
        - name: web
          image: ghcr.io/acme/web:v1.0.0
        - name: proxy
          image: ghcr.io/acme/proxy:v3.0.0
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: job
              image: ghcr.io/acme/job:v1.0.0   # the only container
"""


def test_kubernetes_container_by_name_and_annotation_version(tmp_path: Path) -> None:
    path = write(tmp_path, "k8s.yaml", K8S)
    target = ComposeFileTarget(path, "web")
    target.deploy(ref(A), version="1.1.0")
    text = path.read_text()
    assert f"          image: ghcr.io/acme/web@{A}\n" in text
    assert "          image: ghcr.io/acme/proxy:v3.0.0\n" in text
    assert "          image: ghcr.io/acme/migrate:v1.0.0\n" in text
    assert '        org.opencontainers.image.version: "1.1.0"\n' in text
    assert 'data: {image: "not-this-one"}' in text
    assert target.running().version == "1.1.0"


def test_kubernetes_cronjob_with_a_single_container(tmp_path: Path) -> None:
    path = write(tmp_path, "k8s.yaml", K8S)
    target = ComposeFileTarget(path, "nightly")
    target.deploy(ref(B, repo="ghcr.io/acme/job"))
    assert f"image: ghcr.io/acme/job@{B}   # the only container" in path.read_text()


def test_kubernetes_other_container_explicitly(tmp_path: Path) -> None:
    path = write(tmp_path, "k8s.yaml", K8S)
    target = ComposeFileTarget(path, "web", container="proxy")
    target.deploy(ref(C, repo="ghcr.io/acme/proxy"), version="3.1.0")
    assert f"image: ghcr.io/acme/proxy@{C}" in path.read_text()
    assert target.name.endswith("#web/proxy")


@pytest.mark.parametrize(
    ("service", "container", "match"),
    [
        ("api", None, "no workload named 'api'"),
        ("web", "sidecar", "no container 'sidecar'"),
    ],
)
def test_kubernetes_errors_name_what_exists(
    tmp_path: Path, service: str, container: str | None, match: str
) -> None:
    path = write(tmp_path, "k8s.yaml", K8S)
    with pytest.raises(ConfigurationError, match=match) as info:
        ComposeFileTarget(path, service, container=container).deploy(ref(A), version="1")
    assert "StatefulSet/web" in str(info.value) or "web, proxy" in str(info.value)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("services: [broken\n", "not valid YAML"),
        ("just: text\n", "cannot tell"),
        ("services:\n  web:\n    image: 3\n", "not a string"),
        ('services:\n  web:\n    image: "ghcr.io/a\\u0062c:v1.0.0"\n', "escapes"),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, match: str) -> None:
    path = write(tmp_path, "compose.yaml", text)
    with pytest.raises(ConfigurationError, match=match):
        ComposeFileTarget(path, "web").deploy(ref(A))
    assert path.read_text() == text


def test_bad_arguments() -> None:
    with pytest.raises(InvalidValueError):
        ComposeFileTarget("compose.yaml", "")
    with pytest.raises(InvalidValueError):
        ComposeFileTarget("compose.yaml", "web", kind="helm")  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    comment=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30
    ),
    indent=st.sampled_from([2, 4]),
    quote=st.sampled_from(["", "'", '"']),
)
def test_everything_but_the_image_is_byte_identical(
    tmp_path_factory: pytest.TempPathFactory, comment: str, indent: int, quote: str
) -> None:
    pad = " " * indent
    text = (
        f"services:  # {comment}\n{pad}web:\n{pad * 2}image: {quote}ghcr.io/acme/web:v1.0.0{quote}"
        f"  # {comment}\n{pad * 2}restart: always\n"
    )
    path = tmp_path_factory.mktemp("prop") / "compose.yaml"
    path.write_text(text, encoding="utf-8")
    ComposeFileTarget(path, "web").deploy(ref(A))
    assert path.read_text(encoding="utf-8") == text.replace(
        "ghcr.io/acme/web:v1.0.0", f"ghcr.io/acme/web@{A}"
    )


# -- protocol helpers -------------------------------------------------------------------------


def test_pinned_digest() -> None:
    assert pinned_digest(ref(A)) == Digest.parse(A)
    with pytest.raises(InvalidValueError, match="not pinned by digest"):
        pinned_digest(ImageReference.parse("ghcr.io/acme/web:v1.2.3"))


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ({}, "at least one"),
        ({Digest.parse(A): 90, Digest.parse(B): 20}, "add up to 110"),
        ({Digest.parse(A): 101}, "0 to 100"),
        ({Digest.parse(A): 50.5, Digest.parse(B): 49.5}, "whole percentage"),
    ],
)
def test_traffic_weights_are_validated(weights: dict[Digest, int], match: str) -> None:
    with pytest.raises(InvalidValueError, match=match):
        validate_traffic_weights(weights)


def test_valid_traffic_weights() -> None:
    split = {Digest.parse(A): 90, Digest.parse(B): 10}
    assert validate_traffic_weights(split) == split
