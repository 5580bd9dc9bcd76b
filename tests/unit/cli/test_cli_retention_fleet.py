"""``mosaic retention plan|apply --all`` on an OCI layout holding several repositories:
selection, the config file, protections, and the argument combinations refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from mosaic_sdk.registry import OCILayout
from mosaic_sdk.release import PromotionRecord
from mosaic_sdk.testing import push_image
from tests._support.cli_helpers import CLI, NOW, Images


def more_repositories(images: Images) -> OCILayout:
    layout = OCILayout(images.root, gc_grace=0)
    for repo in ("team/web", "legacy/tool"):
        push_image(layout, repo, "sha-00000aa", created=NOW - timedelta(days=40))
        push_image(layout, repo, "pr-1", created=NOW - timedelta(days=1))
    return layout


def test_plan_all_covers_the_catalog_minus_excludes(cli: CLI, images: Images) -> None:
    more_repositories(images)
    run = cli("retention", "plan", "--registry", str(images.root), "--all",
              "--exclude", "legacy/**", "--now", NOW.isoformat(), "--json")  # fmt: skip
    assert run.code == EXIT_OK
    document = run.json()
    assert [r["repository"] for r in document["repositories"]] == ["team/api", "team/web"]
    assert document["skipped"] == ["legacy/tool"]
    web = document["repositories"][1]["plan"]
    assert [d["tag"] for d in web["decisions"] if d["verdict"] == "delete"] == ["sha-00000aa"]


def test_a_config_file_sets_the_policy_and_records_protect(
    cli: CLI, images: Images, tmp_path: Path
) -> None:
    layout = more_repositories(images)
    stale = layout.resolve("team/web", "sha-00000aa")
    records = tmp_path / "records"
    records.mkdir()
    record = PromotionRecord(
        repository="team/web",
        tag="prod",
        digest_before=stale,
        digest_after=layout.resolve("team/web", "pr-1"),
        at=NOW - timedelta(days=2),
        actor="ci",
        source="pr-1",
    )
    (records / "prod.json").write_text(record.to_json())
    config = tmp_path / "retention.toml"
    config.write_text(
        '[defaults]\ndelete_patterns = ["pr-*"]\n[repositories]\ninclude = ["team/*"]\n'
    )
    run = cli("retention", "plan", "--registry", str(images.root), "--config", str(config),
              "--records", str(records), "--now", NOW.isoformat(), "--only", "delete")  # fmt: skip
    assert run.code == EXIT_OK
    assert "protected digests:" in run.out
    assert "named by promotion record" in run.out
    web = run.out[run.out.index("\nteam/web: ") :]
    assert "sha-00000aa" not in web  # the rollback target of prod is kept
    assert "pr-1" not in web  # prod moved onto it: kept too
    assert "legacy/tool" not in run.out.split("\n\n", 1)[0]

    applied = cli("retention", "apply", "--registry", str(images.root), "--config", str(config),
                  "--now", NOW.isoformat(), "--no-progress")  # fmt: skip
    assert applied.code == EXIT_OK
    assert "pr-1" not in layout.list_tags("team/web")
    assert "pr-1" in layout.list_tags("legacy/tool")


def test_refused_combinations_and_bad_config(cli: CLI, images: Images, tmp_path: Path) -> None:
    config = tmp_path / "retention.toml"
    config.write_text("[defaults]\nsha_max_ag = '7d'\n")
    registry = ("--registry", str(images.root))
    run = cli("retention", "plan", *registry, "--config", str(config))
    assert run.code == EXIT_USAGE
    assert "sha_max_ag: is not a known key; did you mean 'sha_max_age'?" in run.err
    config.write_text("")
    both = cli("retention", "plan", *registry, "--config", str(config), "--sha-max-age", "7d")
    assert both.code == EXIT_USAGE
    assert "--sha-max-age and --config both set the policy" in both.err
    one = cli("retention", "plan", *registry, "--all", "--repository", "team/api")
    assert one.code == EXIT_USAGE
    assert "choose one" in one.err
    nothing = cli("retention", "plan", *registry, "--records", str(tmp_path))
    assert nothing.code == EXIT_USAGE
    assert "say which repositories" in nothing.err


def test_a_failing_repository_exits_1_and_is_named(
    cli: CLI, images: Images, tmp_path: Path
) -> None:
    more_repositories(images)
    # A repository whose index file is unreadable cannot be planned; the others are.
    broken = images.root / "team" / "web" / "index.json"
    broken.write_text("{not json")
    run = cli("retention", "plan", "--registry", str(images.root), "--all",
              "--now", NOW.isoformat())  # fmt: skip
    assert run.code == EXIT_FAILURE
    assert "mosaic: team/web: planning failed" in run.err
    assert "team/api: 10 tags" in run.out
    assert "3 repositories, 1 FAILED" in run.out.splitlines()[0]
