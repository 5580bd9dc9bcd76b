"""The demo end to end in a temporary directory: real local services, real Prometheus
(when installed) and the scraped-pages fallback, and the files it leaves behind."""

from __future__ import annotations

from pathlib import Path

import pytest

import mosaic_sdk.cli.demo as demo
from mosaic_sdk.errors import ConfigurationError, InvalidValueError
from mosaic_sdk.release import ReleaseOutcome
from mosaic_sdk.testing import push_image
from mosaic_sdk.values import ImageReference
from tests._support.servers import require_binary

pytestmark = pytest.mark.integration


def run(workdir: Path, *, prometheus: bool) -> tuple[demo.DemoResult, list[str]]:
    lines: list[str] = []
    result = demo.run_demo(workdir, out=lines.append, prometheus=prometheus)
    return result, lines


def check_outcome(result: demo.DemoResult, lines: list[str]) -> None:
    # The good release is live, the bad candidate never was.
    assert result.prod == result.good
    assert result.good_release.outcome is ReleaseOutcome.RELEASED
    assert result.bad_release.outcome is ReleaseOutcome.ROLLED_BACK
    assert result.bad_release.rollback is not None
    assert result.bad_release.rollback.running == result.baseline
    assert not any(r.tag == "prod" for r in result.bad_release.promotions)
    # The compose file pins the live release on the live slot and the restored one on the other.
    compose = result.compose_file.read_text()
    live, idle = result.prod_slot, {"blue": "green", "green": "blue"}[result.prod_slot]
    assert f"web-{live}:\n    image: demo.local/shop/web:v1.0.0-rc.1@{result.good}" in compose
    assert f"web-{idle}:\n    image: demo.local/shop/web:v0.9.0@{result.baseline}" in compose
    assert compose.startswith("# The shop's web service")  # comments kept
    # Evidence: blocked task (other tasks kept), scratchpad, release notes.
    tasks = result.tasks.read_text()
    assert "- [ ] Add a search box to the shop front page" in tasks
    assert f"**BLOCKED** `shop/web prod`: v1.1.0-rc.1 (sha256:{result.bad.short})" in tasks
    assert "error ratio" in tasks
    pad = result.scratchpad.read_text()
    assert f"rolled back to v0.9.0 sha256:{result.baseline.short} (verified)" in pad
    assert "fix the lost orders and the slow answers of v1.1.0-rc.1" in pad
    assert "| error ratio | metric | ✘ failed |" in pad
    notes = result.changelog.read_text()
    unreleased = notes.split("## [0.9.0]")[0]
    assert "- Order history page." in unreleased
    assert "v1.0.0-rc.1 (sha256:" in unreleased
    assert "released to `shop/web prod`" in unreleased
    assert "v1.1.0-rc.1 (sha256:" in unreleased
    assert "blocked on `shop/web prod`" in unreleased
    assert "### Added\n\n- First public release of the shop." in notes
    # Output a newcomer can follow: numbered steps, what and why.
    steps = [line for line in lines if line.startswith("Step ")]
    assert [s.split(".")[0] for s in steps] == [f"Step {n}" for n in range(1, 10)]
    text = "\n".join(lines)
    assert "A failed validation never switches" in text
    assert "violates <= 0.05" in text
    assert result.stack.ok


def test_demo_with_real_prometheus(tmp_path: Path) -> None:
    require_binary("prometheus")
    result, lines = run(tmp_path / "demo", prometheus=True)
    assert result.used_prometheus
    assert result.metrics_source.startswith("prometheus http://127.0.0.1:")
    check_outcome(result, lines)
    assert any("Metrics: Prometheus" in line for line in lines)
    check_canary_act(result, lines)


def check_canary_act(result: demo.DemoResult, lines: list[str]) -> None:
    require_binary("haproxy")
    act = result.canary
    assert act is not None
    assert act.good.outcome is ReleaseOutcome.RELEASED, act.good
    assert act.good.traffic == (10, 25, 50, 100)
    # Measured shares of real requests through HAProxy, within 5 points of each weight.
    assert sorted(act.shares) == [10, 25, 50, 100]
    for weight, shares in act.shares.items():
        assert abs(shares["v1.2.0-rc.1"] - weight) <= 5, act.shares
    # The bad candidate is caught at the first step by the baseline comparison.
    assert act.bad.outcome is ReleaseOutcome.ROLLED_BACK, act.bad
    assert act.bad.traffic == (10,)
    assert "vs stable" in act.bad.reports[-1].headline()
    assert act.bad_requests > 0
    assert act.bad_requests_after == 0
    text = "\n".join(lines)
    assert f"The bad candidate saw {act.bad_requests} requests" in text
    assert "200 more requests: 0 reached v1.3.0-rc.1" in text


def test_demo_falls_back_to_scraped_pages(tmp_path: Path) -> None:
    result, lines = run(tmp_path / "demo", prometheus=False)
    assert not result.used_prometheus
    assert result.metrics_source.startswith("scrape http://127.0.0.1:")
    check_outcome(result, lines)
    assert any("no Prometheus here" in line for line in lines)
    assert result.canary is None  # the baseline comparison needs Prometheus: skipped
    assert any("Skipped: this act needs prometheus" in line for line in lines)


def test_the_canary_act_says_so_and_skips_without_haproxy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "find_haproxy", lambda: None)
    result, lines = run(tmp_path / "demo", prometheus=False)
    assert result.canary is None
    assert any("Skipped: this act needs haproxy and prometheus" in line for line in lines)
    check_outcome(result, lines)


def test_demo_images_are_valid_oci_images(tmp_path: Path) -> None:
    from mosaic_sdk.registry import OCILayout

    layout = OCILayout(tmp_path / "registry")
    manifests = [demo._push_image(layout, r) for r in demo._RELEASES]
    assert sorted(layout.list_tags(demo.REPOSITORY)) == ["v0.9.0", "v1.0.0-rc.1", "v1.1.0-rc.1"]
    assert len({m.digest for m in manifests}) == 3
    # push_image from mosaic_sdk.testing writes into the same layout without conflict.
    push_image(layout, demo.REPOSITORY, "sha-1234567")
    ImageReference.parse(f"{demo.IMAGE_NAME}@{manifests[0].digest}").require_pinned()


def test_demo_refuses_a_used_directory(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    with pytest.raises(InvalidValueError, match="not an empty directory"):
        demo.run_demo(tmp_path, out=lambda line: None)


def test_demo_requiring_a_missing_prometheus_says_how_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "find_prometheus", lambda: None)
    with pytest.raises(ConfigurationError, match="apt-get install prometheus"):
        demo.run_demo(tmp_path / "d", out=lambda line: None, prometheus=True)
    assert not (tmp_path / "d").exists()
