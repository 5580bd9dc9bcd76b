"""One conformance suite for every target that is also a
:class:`~mosaic_sdk.providers.TrafficSplitter` (what :class:`~mosaic_sdk.release.Canary`
needs).

The :class:`~tests.contract.test_deployment_target.DeploymentTargetContract` assumes a
deploy makes the new release current; a splitter must instead keep the stable release
serving when it deploys the candidate and move traffic only through ``set_traffic``. So
splitters run this suite. Subclass :class:`TrafficSplitterContract` and provide a ``case``
fixture (a :class:`SplitterCase`)::

    class TestMySplitter(TrafficSplitterContract):
        @pytest.fixture
        def case(self) -> SplitterCase:
            return SplitterCase(target=..., stable=..., candidate=..., reachable=(10, 50),
                                share=lambda: ...)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs
import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.providers import DeploymentTarget, TrafficSplitter
from mosaic_sdk.providers.haproxy import HAProxyRuntime
from mosaic_sdk.providers.vercel import VercelClient, VercelRollingReleaseTarget
from mosaic_sdk.values import Digest, ImageReference
from tests._support.fake_http import FakeClock, mock_transport
from tests._support.fake_vercel import DIGEST_A, DIGEST_OLD, PROJECT_ID, TEAM_ID, TOKEN, FakeVercel
from tests._support.haproxy import metrics_apps, running_splitter
from tests._support.provider_specs import Exempting
from tests._support.servers import require_binary

OTHER = Digest.parse("sha256:" + "e" * 64)


@attrs.frozen
class SplitterCase:
    """What the suite needs to drive one splitter.

    Attributes:
        target: a fresh target that runs ``stable`` and can deploy ``candidate``.
        stable: the digest it runs now.
        candidate: the image to deploy as the canary.
        reachable: the candidate shares (1..99) the splitter can be set to, ascending.
        share: reads back the candidate's current share of traffic, in percent, from
            the backend itself (not from the splitter's memory).
    """

    target: DeploymentTarget
    stable: Digest
    candidate: ImageReference
    reachable: tuple[int, ...]
    share: Callable[[], int]

    @property
    def splitter(self) -> TrafficSplitter:
        assert isinstance(self.target, TrafficSplitter)
        return self.target

    @property
    def candidate_digest(self) -> Digest:
        assert self.candidate.digest is not None
        return self.candidate.digest


class TrafficSplitterContract:
    """The shared contract; not collected itself (no ``Test`` prefix)."""

    @pytest.fixture
    def case(self) -> SplitterCase:
        raise pytest.UsageError(f"{type(self).__name__} must define a 'case' fixture")

    def test_is_a_traffic_splitter(self, case: SplitterCase) -> None:
        assert isinstance(case.target, DeploymentTarget)
        assert case.target.supports_traffic_split
        assert isinstance(case.target, TrafficSplitter)

    def test_deploying_the_candidate_keeps_the_stable_release_serving(
        self, case: SplitterCase
    ) -> None:
        deployment = case.target.deploy(case.candidate)
        assert deployment.succeeded, deployment
        assert case.target.running().digest == case.stable
        assert case.share() < 100

    def test_each_reachable_share_is_set_and_read_back(self, case: SplitterCase) -> None:
        case.target.deploy(case.candidate)
        for weight in case.reachable:
            case.splitter.set_traffic({case.stable: 100 - weight, case.candidate_digest: weight})
            assert case.share() == weight
        assert case.target.running().digest == case.stable

    def test_all_traffic_to_the_candidate_makes_it_current(self, case: SplitterCase) -> None:
        case.target.deploy(case.candidate)
        case.splitter.set_traffic({case.stable: 100 - case.reachable[0],
                                   case.candidate_digest: case.reachable[0]})  # fmt: skip
        case.splitter.set_traffic({case.candidate_digest: 100})
        assert case.share() == 100
        assert case.target.running().digest == case.candidate_digest

    def test_all_traffic_back_to_stable_gives_the_candidate_nothing(
        self, case: SplitterCase
    ) -> None:
        case.target.deploy(case.candidate)
        weight = case.reachable[-1]
        case.splitter.set_traffic({case.stable: 100 - weight, case.candidate_digest: weight})
        case.splitter.set_traffic({case.stable: 100})
        assert case.share() == 0
        assert case.target.running().digest == case.stable

    @pytest.mark.parametrize(
        "bad", [{"stable": 60, "candidate": 50}, {"stable": 101}, {"stable": -1, "candidate": 101}]
    )
    def test_malformed_weights_are_refused_and_change_nothing(
        self, case: SplitterCase, bad: dict[str, int]
    ) -> None:
        case.target.deploy(case.candidate)
        before = case.share()
        names = {"stable": case.stable, "candidate": case.candidate_digest}
        with pytest.raises(InvalidValueError):
            case.splitter.set_traffic({names[k]: v for k, v in bad.items()})
        assert case.share() == before

    def test_a_digest_that_is_not_deployed_is_refused(self, case: SplitterCase) -> None:
        case.target.deploy(case.candidate)
        before = case.share()
        with pytest.raises(InvalidValueError):
            case.splitter.set_traffic({case.stable: 100 - case.reachable[0],
                                       OTHER: case.reachable[0]})  # fmt: skip
        assert case.share() == before


# -- VercelRollingReleaseTarget (the fake Vercel, requests spec-checked) ----------------------


class TestVercelRollingReleaseTarget(TrafficSplitterContract):
    """A project with manual-approval stages 10, 25, 50 (then 100); the canary is the
    staged production deployment carrying ``DIGEST_A``."""

    @pytest.fixture
    def case(self) -> SplitterCase:
        fake = FakeVercel()
        clock = FakeClock()
        transport = Exempting("vercel", mock_transport(fake))
        client = VercelClient(
            TOKEN, team_id=TEAM_ID, transport=transport, sleep=clock.sleep, clock=clock
        )
        client.configure_rolling_release(PROJECT_ID, [10, 25, 50])
        target = VercelRollingReleaseTarget(client, PROJECT_ID)
        candidate = ImageReference.parse(f"ghcr.io/acme/web@{DIGEST_A}")

        def share() -> int:
            # Read from the fake's own state: what Vercel would route.
            release = fake.rolling_release
            if release is not None and release["state"] == "ACTIVE":
                return int(release["activeStage"]["targetPercentage"])
            serving = fake.deployments[fake.production_id or ""]["meta"]["imageDigest"]
            return 100 if serving == DIGEST_A else 0

        return SplitterCase(target, Digest.parse(DIGEST_OLD), candidate, (10, 25, 50), share)


# -- HAProxySplitter (a real HAProxy in front of two MetricsApp releases) -----------------------

HAPROXY_STABLE = ImageReference.parse("ghcr.io/acme/web:v1.0.0@sha256:" + "a" * 64)
HAPROXY_CANDIDATE = ImageReference.parse("ghcr.io/acme/web:v1.1.0@sha256:" + "b" * 64)


@pytest.mark.integration
class TestHAProxySplitter(TrafficSplitterContract):
    """An owned HAProxy (health checks on ``/health``) with the stable release deployed
    and started; skipped with the reason when ``haproxy`` is not installed."""

    @pytest.fixture
    def case(self) -> Iterator[SplitterCase]:
        binary = require_binary("haproxy")  # skips here, before any app starts
        with (
            metrics_apps((HAPROXY_STABLE, HAPROXY_CANDIDATE)) as apps,
            running_splitter(apps, HAPROXY_STABLE, binary=binary) as splitter,
        ):
            candidate = apps[HAPROXY_CANDIDATE.digest]  # type: ignore[index]
            runtime = HAProxyRuntime(splitter.socket_path)

            def share() -> int:
                # From HAProxy's own view (show servers state), not the splitter's file:
                # the weight of every server sending requests to the candidate's address
                # (after a promotion that is the "stable" server), a server in
                # maintenance counting 0.
                servers = runtime.servers(splitter.backend).values()
                weights = {s.name: 0 if s.maintenance else s.weight for s in servers}
                total = sum(weights.values())
                to_candidate = sum(
                    weights[s.name] for s in servers if str(s.address) == candidate.host
                )
                return round(100 * to_candidate / total) if total else 0

            assert HAPROXY_STABLE.digest is not None
            yield SplitterCase(
                splitter, HAPROXY_STABLE.digest, HAPROXY_CANDIDATE, (10, 25, 50), share
            )
