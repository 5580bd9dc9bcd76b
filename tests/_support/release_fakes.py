"""Shared fakes for the rollback and strategy tests: a registry with images, compose slot
targets, scripted checks and a traffic-splitting target."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.providers import (
    ComposeFileTarget,
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
    validate_traffic_weights,
)
from mosaic_sdk.registry import Manifest
from mosaic_sdk.release import (
    CheckResult,
    Promotion,
    ValidationContext,
    ValidationReport,
    Verdict,
)
from mosaic_sdk.testing import InMemoryRegistry, push_image
from mosaic_sdk.values import Digest, ImageReference

REPO = "team/web"
NAME = f"registry.example/{REPO}"

COMPOSE = """\
# the web service, one stack per slot
services:
  web-blue:
    image: registry.example/team/web:v0  # pinned by mosaic
  web-green:
    image: registry.example/team/web:v0
"""


def validation_report(
    image: str,
    *,
    environment: str = "testing",
    verdict: Verdict = Verdict.PASSED,
    at: datetime | None = None,
) -> ValidationReport:
    """A one-check report of ``image`` (``repo@sha256:...``) from ``environment``, as
    ``PostDeployValidation.run`` would return it."""
    started = at or datetime.now(timezone.utc)
    return ValidationReport(
        name="post-deploy validation",
        image=image,
        version=None,
        where=environment or "(unspecified)",
        results=(
            CheckResult(name="health /health", kind="health", verdict=verdict, summary="200"),
        ),
        started_at=started,
        finished_at=started + timedelta(seconds=2),
        duration_seconds=2.0,
        environment=environment,
    )


def pinned(manifest: Manifest, tag: str) -> ImageReference:
    return ImageReference.parse(f"{NAME}:{tag}@{manifest.digest}")


class World:
    """A registry with three releases, a Promotion and two compose slot targets."""

    def __init__(self, root: Path) -> None:
        self.registry = InMemoryRegistry()
        self.promotion = Promotion(self.registry, REPO, actor="test")
        self.good1 = push_image(self.registry, REPO, "v1.0.0-rc.1")
        self.good2 = push_image(self.registry, REPO, "v1.1.0-rc.1")
        self.bad = push_image(self.registry, REPO, "v1.2.0-rc.1")
        self.compose = root / "compose.yaml"
        self.compose.write_text(COMPOSE)
        self.slots = {
            "blue": ComposeFileTarget(self.compose, "web-blue"),
            "green": ComposeFileTarget(self.compose, "web-green"),
        }

    def image(self, which: str) -> ImageReference:
        manifest, tag = {
            "good1": (self.good1, "v1.0.0-rc.1"),
            "good2": (self.good2, "v1.1.0-rc.1"),
            "bad": (self.bad, "v1.2.0-rc.1"),
        }[which]
        return pinned(manifest, tag)

    def to_testing(self, which: str) -> ImageReference:
        image = self.image(which)
        self.promotion.promote(image.digest, to="testing")
        return image


class Scripted:
    """A check whose verdicts come from a list, one per run (the last one repeats)."""

    kind = "scripted"

    def __init__(self, *verdicts: Verdict, name: str = "scripted check") -> None:
        self.name = name
        self.verdicts = list(verdicts)
        self.contexts: list[ValidationContext] = []

    def run(self, context: ValidationContext) -> CheckResult:
        self.contexts.append(context)
        verdict = self.verdicts.pop(0) if len(self.verdicts) > 1 else self.verdicts[0]
        return CheckResult(self.name, self.kind, verdict, f"{verdict.value} by script")


@attrs.define
class _Entry:
    digest: Digest
    image: ImageReference
    version: str | None


class SplitTarget:
    """A DeploymentTarget and TrafficSplitter kept in memory (like a mesh or a router)."""

    supports_traffic_split = True

    def __init__(self, stable: ImageReference) -> None:
        self.name = "mesh:web"
        assert stable.digest is not None
        self.deployed: dict[Digest, ImageReference] = {stable.digest: stable}
        self.weights: dict[Digest, int] = {stable.digest: 100}
        self.calls: list[dict[Digest, int]] = []
        self.entries = [_Entry(stable.digest, stable, stable.tag)]

    def deploy(self, image: ImageReference) -> Deployment:
        assert image.digest is not None
        self.deployed[image.digest] = image
        self.entries.append(_Entry(image.digest, image, image.tag))
        if not self.weights:
            self.weights = {image.digest: 100}
        return Deployment(f"d{len(self.entries)}", self.name, image, DeploymentStatus.SUCCEEDED)

    def running(self) -> RunningRelease:
        digest = max(self.weights, key=lambda d: self.weights[d])
        image = self.deployed[digest]
        return RunningRelease(digest=digest, version=image.tag, image=image)

    def status(self) -> TargetStatus:
        return TargetStatus(TargetState.HEALTHY)

    def set_traffic(self, weights: Mapping[Digest, int]) -> None:
        split = validate_traffic_weights(weights)
        unknown = [d for d in split if d not in self.deployed]
        if unknown:
            raise InvalidValueError(unknown, "not deployed", "deploy first")
        self.calls.append(split)
        self.weights = {d: w for d, w in split.items() if w}

    def history(self) -> list[_Entry]:
        return list(self.entries)
