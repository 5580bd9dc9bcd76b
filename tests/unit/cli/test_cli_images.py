"""``mosaic tag``, ``promote`` and ``retention`` against an OCI layout in a temp dir."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mosaic_sdk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from mosaic_sdk.release import PromotionRecord
from tests._support.cli_helpers import CLI, NOW, Images

# -- tag -----------------------------------------------------------------------------------


def test_tag_parse_classifies_each_tag(cli: CLI) -> None:
    run = cli("tag", "parse", "v1.4.0-rc.3", "sha-1a2b3c4", "prod", "v1.3.0")
    assert run.code == EXIT_OK
    lines = run.out.splitlines()
    assert lines[0] == "v1.4.0-rc.3: rc (immutable); release candidate 3 of 1.4.0"
    assert lines[1] == "sha-1a2b3c4: sha (immutable); commit 1a2b3c4"
    assert lines[2] == "prod: environment (pointer, moves on promotion)"
    assert lines[3] == "v1.3.0: release (immutable); release 1.3.0"


def test_tag_parse_json(cli: CLI) -> None:
    run = cli("tag", "parse", "v1.4.0-rc.3", "blue", "--json")
    assert run.code == EXIT_OK
    rc, slot = run.json()
    assert rc == {
        "tag": "v1.4.0-rc.3",
        "kind": "rc",
        "immutable": True,
        "version": "1.4.0-rc.3",
        "base_version": "1.4.0",
        "rc_number": 3,
        "commit": None,
    }
    assert slot["kind"] == "slot"
    assert slot["immutable"] is False


@pytest.mark.parametrize("tag", ["latest", "dev", "1.2.3", "v1.2"])
def test_tag_parse_refuses_bad_tags_with_exit_2(cli: CLI, tag: str) -> None:
    run = cli("tag", "parse", "v1.0.0", tag)
    assert run.code == EXIT_USAGE
    assert run.out == ""
    assert run.err.startswith("mosaic: error: ")
    assert repr(tag) in run.err


def test_tag_parse_bad_tag_with_json_prints_an_error_document(cli: CLI) -> None:
    run = cli("tag", "parse", "latest", "--json")
    assert run.code == EXIT_USAGE
    error = run.json()["error"]
    assert error["type"] == "ForbiddenTagError"
    assert error["exit_code"] == EXIT_USAGE
    assert "'latest'" in error["message"]


def test_next_rc_from_the_registry(cli: CLI, images: Images) -> None:
    run = cli("tag", "next-rc", "1.4.0", *images.args)
    assert (run.code, run.out) == (EXIT_OK, "v1.4.0-rc.3\n")
    data = cli("tag", "next-rc", "v1.5.0", *images.args, "--json").json()
    assert data["tag"] == "v1.5.0-rc.1"
    assert data["rc_number"] == 1
    assert data["from"] == "10 tags of team/api"


def test_next_rc_from_environment_settings(
    cli: CLI, images: Images, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOSAIC_REGISTRY", f"oci:{images.root}")
    monkeypatch.setenv("MOSAIC_REPOSITORY", images.repository)
    assert cli("tag", "next-rc", "1.4.0").out == "v1.4.0-rc.3\n"


def test_next_rc_of_a_new_repository_is_rc1(cli: CLI, images: Images) -> None:
    run = cli("tag", "next-rc", "2.0.0", "--registry", str(images.root), "--repository", "new/app")
    assert (run.code, run.out) == (EXIT_OK, "v2.0.0-rc.1\n")


def test_next_rc_from_given_tags(cli: CLI) -> None:
    run = cli("tag", "next-rc", "1.4.0", "--existing", "v1.4.0-rc.7", "--existing", "latest")
    assert run.out == "v1.4.0-rc.8\n"


def test_next_rc_refuses_a_released_version(cli: CLI, images: Images) -> None:
    run = cli("tag", "next-rc", "1.3.0", *images.args)
    assert run.code == EXIT_USAGE
    assert "'v1.3.0': is already released" in run.err
    assert "v1.3.1-rc.1" in run.err


def test_next_rc_without_registry_names_the_setting(cli: CLI) -> None:
    run = cli("tag", "next-rc", "1.4.0", "--repository", "team/api")
    assert run.code == EXIT_USAGE
    assert "--registry" in run.err
    assert "MOSAIC_REGISTRY" in run.err


def test_next_rc_with_a_missing_layout_directory(cli: CLI, tmp_path: Path) -> None:
    run = cli(
        "tag", "next-rc", "1.4.0", "--registry", str(tmp_path / "nope"), "--repository", "a/b"
    )
    assert run.code == EXIT_USAGE
    assert "is not a directory" in run.err


def test_next_rc_refuses_existing_and_registry_together(cli: CLI, images: Images) -> None:
    run = cli("tag", "next-rc", "1.4.0", "--existing", "v1.4.0-rc.1", *images.args)
    assert run.code == EXIT_USAGE
    assert "not both" in run.err
    assert run.err.startswith("usage: mosaic tag next-rc")


# -- promote -------------------------------------------------------------------------------


def test_promote_walks_the_environment_order(cli: CLI, images: Images, tmp_path: Path) -> None:
    rc2 = str(images.rc2.digest)
    run = cli("promote", "v1.4.0-rc.2", "--to", "testing", *images.args)
    assert run.code == EXIT_OK
    assert run.out == f"team/api:testing -> {rc2} from v1.4.0-rc.2 (was unset)\n"

    record_file = tmp_path / "staging.json"
    run = cli(
        "promote", "--from", "testing", "--to", "staging", *images.args,
        "--record", str(record_file), "--json",
    )  # fmt: skip
    assert run.code == EXIT_OK
    printed = PromotionRecord.from_json(run.out)
    stored = PromotionRecord.from_json(record_file.read_text())
    assert printed == stored
    assert (stored.tag, str(stored.digest_after), stored.actor) == ("staging", rc2, "cli-test")
    assert images.layout().resolve(images.repository, "staging") == images.rc2.digest

    repeat = cli("promote", rc2, "--to", "staging", *images.args, "--json").json()
    assert repeat["noop"] is True


def test_promote_out_of_order_is_a_failure_not_bad_input(cli: CLI, images: Images) -> None:
    cli("promote", "v1.4.0-rc.1", "--to", "testing", *images.args)
    cli("promote", "--from", "testing", "--to", "staging", *images.args)
    run = cli("promote", "v1.4.0-rc.2", "--to", "prod", *images.args)
    assert run.code == EXIT_FAILURE
    assert "staging" in run.err
    assert "prod" not in images.layout().list_tags(images.repository)
    forced = cli("promote", "v1.4.0-rc.2", "--to", "prod", "--force", *images.args, "--json")
    assert forced.code == EXIT_OK
    assert forced.json()["forced"] is True


def test_promote_with_a_declared_environment_order(
    cli: CLI, images: Images, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("promote", "v1.4.0-rc.1", "--to", "testing", *images.args)
    no_staging = ("--environments", "testing,prod")
    refused = cli("promote", "--from", "testing", "--to", "staging", *no_staging, *images.args)
    assert refused.code == EXIT_FAILURE
    assert "declares the environments testing -> prod" in refused.err
    run = cli("promote", "--from", "testing", "--to", "prod", *no_staging, *images.args, "--json")
    assert run.code == EXIT_OK
    assert run.json()["digest_after"] == str(images.rc1.digest)

    # From the environment too; a declared staging must be there before prod.
    monkeypatch.setenv("MOSAIC_ENVIRONMENTS", "testing,staging,prod")
    blocked = cli("promote", "v1.4.0-rc.1", "--to", "green", *images.args)
    assert blocked.code == EXIT_FAILURE
    assert "staging has no image" in blocked.err
    assert "green" not in images.layout().list_tags(images.repository)


@pytest.mark.parametrize("order", ["prod", "testing,staging", "testing, prod, staging", ","])
def test_promote_refuses_an_unknown_environment_order(cli: CLI, images: Images, order: str) -> None:
    run = cli("promote", "v1.4.0-rc.1", "--to", "testing", "--environments", order, *images.args)
    assert run.code == EXIT_USAGE
    assert "'testing,staging,prod' or 'testing,prod'" in run.err
    assert "testing" not in images.layout().list_tags(images.repository)


def test_promote_dry_run_writes_nothing(cli: CLI, images: Images) -> None:
    run = cli("promote", "v1.4.0-rc.1", "--to", "testing", "--dry-run", *images.args)
    assert run.code == EXIT_OK
    assert run.out.startswith("dry run, nothing written:\nteam/api:testing: (none) -> sha256:")
    assert "testing" not in images.layout().list_tags(images.repository)
    data = cli("promote", "v1.4.0-rc.1", "--to", "testing", "--dry-run", *images.args, "--json")
    assert data.json()["dry_run"] is True
    assert data.json()["digest"] == str(images.rc1.digest)


def test_blue_green_slots(cli: CLI, images: Images) -> None:
    cli("promote", "v1.4.0-rc.1", "--to", "testing", *images.args)
    deployed = cli("promote", "v1.4.0-rc.1", "--idle-slot", *images.args, "--json").json()
    assert deployed["tag"] == "blue"
    switched = cli("promote", "--switch", "blue", *images.args, "--json").json()
    assert (switched["tag"], switched["digest_after"]) == ("prod", str(images.rc1.digest))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["v1.4.0-rc.1"], "say where to promote with --to"),
        (["v1.4.0-rc.1", "--from", "testing", "--to", "staging"], "exactly one of SOURCE"),
        (["--switch", "blue", "--to", "prod"], "--switch moves prod to a slot"),
        (["--idle-slot", "--to", "prod"], "--idle-slot takes a SOURCE"),
        (["latest", "--to", "testing"], "'latest'"),
        (["v1.4.0-rc.1", "--to", "v1.4.0"], "is an immutable tag"),
        (["sha256:abc", "--to", "testing"], "sha256:abc"),
    ],
)
def test_promote_bad_input_exits_2(cli: CLI, images: Images, argv: list[str], message: str) -> None:
    run = cli("promote", *argv, *images.args)
    assert run.code == EXIT_USAGE, run.err
    assert message in run.err
    assert images.layout().list_tags(images.repository) == sorted(
        ["v1.3.0", "v1.4.0-rc.1", "v1.4.0-rc.2"]
        + [f"sha-{n:07x}" for n in (*range(4), *range(10, 13))]
    )


def test_promote_a_missing_source_is_reported(cli: CLI, images: Images) -> None:
    run = cli("promote", "v9.9.9", "--to", "testing", *images.args, "--json")
    assert run.code != EXIT_OK
    assert run.json()["ok"] is False


# -- retention -----------------------------------------------------------------------------


def test_retention_plan_prints_every_tag_and_changes_nothing(cli: CLI, images: Images) -> None:
    before = images.layout().list_tags(images.repository)
    run = cli("retention", "plan", *images.args, "--now", NOW.isoformat())
    assert run.code == EXIT_OK
    head, table = run.out.split("\n", 1)
    assert head == "team/api: 10 tags, keep 6, delete 4 (4 digests)"
    assert "sha-0000000" in table
    assert "DELETE" in table
    assert images.layout().list_tags(images.repository) == before


def test_retention_plan_json_and_only(cli: CLI, images: Images) -> None:
    run = cli("retention", "plan", *images.args, "--now", "2024-06-01T12:00:00Z", "--json")
    plan = run.json()
    assert plan["repository"] == "team/api"
    verdicts = {d["tag"]: d["verdict"] for d in plan["decisions"]}
    assert verdicts["v1.3.0"] == "keep"
    assert verdicts["sha-0000003"] == "delete"
    only = cli(
        "retention", "plan", *images.args, "--now", "2024-06-01T12:00:00Z", "--only", "delete",
        "--json",
    ).json()  # fmt: skip
    assert {d["tag"] for d in only["decisions"]} == {f"sha-{n:07x}" for n in range(4)}


def test_retention_policy_options(cli: CLI, images: Images) -> None:
    run = cli(
        "retention", "plan", *images.args, "--now", "2024-06-01T12:00:00Z",
        "--sha-max-age", "never", "--rc-max-age", "0", "--keep-latest-rcs", "1", "--json",
    )  # fmt: skip
    verdicts = {d["tag"]: d["verdict"] for d in run.json()["decisions"]}
    assert verdicts["sha-0000003"] == "keep"
    assert verdicts["v1.4.0-rc.1"] == "delete"
    assert verdicts["v1.4.0-rc.2"] == "keep"


def test_retention_protect_keeps_a_deployed_digest(cli: CLI, images: Images) -> None:
    old = str(images.old_shas[0].digest)
    run = cli(
        "retention", "plan", *images.args, "--now", "2024-06-01T12:00:00Z",
        "--protect", old, "--json",
    )  # fmt: skip
    verdicts = {d["tag"]: d["verdict"] for d in run.json()["decisions"]}
    assert verdicts["sha-0000000"] == "keep"
    assert verdicts["sha-0000001"] == "delete"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sha-max-age", "fortnight"], "'fortnight': --sha-max-age is not a duration"),
        (["--keep-latest-rcs", "-1"], "-1"),
        (["--now", "yesterday"], "--now is not an ISO 8601 time"),
        (["--now", "2024-06-01T12:00:00"], "--now has no timezone"),
        (["--protect", "sha256:nothex"], "sha256:nothex"),
    ],
)
def test_retention_bad_input_exits_2(
    cli: CLI, images: Images, argv: list[str], message: str
) -> None:
    run = cli("retention", "plan", *images.args, *argv)
    assert run.code == EXIT_USAGE
    assert message in run.err


def test_retention_apply_deletes_the_plan(cli: CLI, images: Images) -> None:
    run = cli("retention", "apply", *images.args, "--now", "2024-06-01T12:00:00Z", "--json")
    assert run.code == EXIT_OK
    data = run.json()
    assert data["ok"] is True
    assert data["result"]["deleted_tags"] == [f"sha-{n:07x}" for n in range(4)]
    assert "plan: team/api: 10 tags, keep 6, delete 4 (4 digests)" in run.err
    remaining = images.layout().list_tags(images.repository)
    assert "sha-0000000" not in remaining
    assert "v1.3.0" in remaining
    again = cli("retention", "apply", *images.args, "--now", "2024-06-01T12:00:00Z")
    assert again.out.startswith("team/api: deleted 0 digests (0 tags), skipped 0, failed 0")


def test_retention_apply_draws_a_progress_bar_when_asked(cli: CLI, images: Images) -> None:
    run = cli("retention", "apply", *images.args, "--now", "2024-06-01T12:00:00Z", "--progress")
    assert run.code == EXIT_OK
    frames = run.err.split("\r")
    assert len(frames) == 5  # the plan line, then one frame per digest
    assert frames[1].startswith("deleting [")
    assert " 1/4 deleted " in frames[1]
    assert frames[-1].startswith("deleting [" + "#" * 28 + "] 4/4 deleted ")
    assert frames[-1].endswith("\n")


def test_retention_apply_has_no_bar_off_a_terminal(cli: CLI, images: Images) -> None:
    run = cli("retention", "apply", *images.args, "--now", "2024-06-01T12:00:00Z")
    assert "\r" not in run.err
    assert "deleting [" not in run.err


def test_retention_apply_draws_the_bar_on_a_terminal(
    cli: CLI, images: Images, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    run = cli("retention", "apply", *images.args, "--now", "2024-06-01T12:00:00Z")
    assert run.code == EXIT_OK
    assert "\rdeleting [" in terminal.getvalue()
    no_bar = Terminal()
    monkeypatch.setattr("sys.stderr", no_bar)
    cli("retention", "apply", *images.args, "--no-progress")
    assert "deleting [" not in no_bar.getvalue()


def test_retention_json_output_is_one_document(cli: CLI, images: Images) -> None:
    run = cli("retention", "apply", *images.args, "--now", "2024-06-01T12:00:00Z", "--json")
    document = json.loads(run.out)
    assert set(document) == {"ok", "plan", "result", "journal"}


def _config_only_images(images: Images) -> set[str]:
    """Two images whose age is only in their config; returns the config digests' hex."""
    from datetime import timedelta

    from mosaic_sdk.testing import push_image

    layout = images.layout()
    pushed = [
        push_image(
            layout,
            images.repository,
            f"sha-c0ffee{n}",
            created=NOW - timedelta(days=30 + n),
            created_in="config",
        )
        for n in range(2)
    ]
    layout.close()
    return {m.config_digest.hex for m in pushed if m.config_digest is not None}


def test_retention_keeps_configs_in_the_blob_cache(
    cli: CLI, images: Images, tmp_path: Path, blob_cache_dir: Path
) -> None:
    configs = _config_only_images(images)
    folder = tmp_path / "blobs"
    first = cli("retention", "plan", *images.args, "--now", NOW.isoformat(), "--cache-dir",
                str(folder), "--json")  # fmt: skip
    assert first.code == EXIT_OK
    assert {p.name for p in (folder / "sha256").iterdir()} == configs
    again = cli("retention", "plan", *images.args, "--now", NOW.isoformat(), "--cache-dir",
                str(folder), "--json")  # fmt: skip
    assert again.json()["decisions"] == first.json()["decisions"]
    assert first.json()["reads"]["configs"] == 2
    assert again.json()["reads"] == {**first.json()["reads"], "configs": 0, "configs_cached": 2}
    assert again.err.endswith("2 from the cache\n")

    # Without --cache-dir the default folder ($MOSAIC_CACHE_DIR here) is used ...
    assert cli("retention", "plan", *images.args, "--now", NOW.isoformat()).code == EXIT_OK
    assert {p.name for p in (blob_cache_dir / "sha256").iterdir()} == configs
    # ... and --no-cache writes nowhere.
    for entry in (blob_cache_dir / "sha256").iterdir():
        entry.unlink()
    assert cli("retention", "plan", *images.args, "--no-cache").code == EXIT_OK
    assert not any((blob_cache_dir / "sha256").iterdir())


def test_retention_cache_dir_and_no_cache_exclude_each_other(cli: CLI, images: Images) -> None:
    run = cli("retention", "plan", *images.args, "--cache-dir", "x", "--no-cache")
    assert run.code == EXIT_USAGE
    assert "not allowed with argument" in run.err


def test_retention_plan_as_markdown_for_a_job_summary(cli: CLI, images: Images) -> None:
    run = cli("retention", "plan", *images.args, "--now", NOW.isoformat(), "--only", "delete",
              "--markdown")  # fmt: skip
    assert run.code == EXIT_OK
    lines = run.out.splitlines()
    assert lines[0] == "**team/api: 10 tags, keep 6, delete 4 (4 digests)**"
    assert lines[2] == "| tag | digest | kind | age | verdict | rule | reason |"
    assert lines[3] == "|---|---|---|---|---|---|---|"
    rows = lines[4:]
    assert len(rows) == 4
    assert all(row.startswith("| sha-") and "| DELETE |" in row for row in rows)
    both = cli("retention", "plan", *images.args, "--markdown", "--json")
    assert both.code == EXIT_USAGE
    assert "choose one of --markdown and --json" in both.err


def test_tag_resolve_in_a_layout_and_its_refusals(cli: CLI, images: Images) -> None:
    run = cli("tag", "resolve", "v1.3.0", "v1.4.0-rc.2", *images.args, "--json")
    assert run.code == EXIT_OK
    assert run.json() == [
        {"tag": "v1.3.0", "digest": str(images.release.digest)},
        {"tag": "v1.4.0-rc.2", "digest": str(images.rc2.digest)},
    ]
    latest = cli("tag", "resolve", "latest", *images.args)
    assert latest.code == EXIT_USAGE
    assert "'latest'" in latest.err
    pinned = cli("tag", "resolve", "v1.3.0", "--pinned", *images.args)
    assert pinned.code == EXIT_USAGE
    assert "an OCI layout has no host" in pinned.err
    two = cli("tag", "resolve", "v1.3.0", "v1.4.0-rc.2", "--pinned", *images.args)
    assert two.code == EXIT_USAGE
    assert "exactly one TAG" in two.err
    missing = cli("tag", "resolve", "v1.3.0", "sha-fffffff", *images.args)
    assert missing.code == EXIT_FAILURE
    assert missing.out == ""
    assert "team/api has no tag sha-fffffff" in missing.err


def test_idle_slot_never_takes_the_slot_holding_the_previous_prod_release(
    cli: CLI, images: Images
) -> None:
    cli("promote", "v1.4.0-rc.1", "--to", "testing", *images.args)
    cli("promote", "v1.4.0-rc.1", "--idle-slot", *images.args)  # blue = rc1
    cli("promote", "--switch", "blue", *images.args)  # prod = blue = rc1
    # a hotfix promoted straight to prod: prod is on neither slot, blue keeps rc1
    assert cli("promote", "v1.4.0-rc.2", "--to", "prod", "--force", *images.args).code == EXIT_OK
    deployed = cli("promote", "v1.4.0-rc.2", "--idle-slot", "--force", *images.args, "--json")
    assert deployed.json()["tag"] == "green"
    assert images.layout().resolve(images.repository, "blue") == images.rc1.digest


def test_retention_apply_writes_a_journal_and_undo_puts_everything_back(
    cli: CLI, images: Images, journal_dir: Path
) -> None:
    layout = images.layout()
    before = {t: layout.resolve(images.repository, t) for t in layout.list_tags(images.repository)}
    run = cli("retention", "apply", *images.args, "--now", "2024-06-01T12:00:00Z", "--json")
    assert run.code == EXIT_OK
    journal = Path(run.json()["journal"])
    assert journal.parent == journal_dir
    assert journal.name.startswith("retention-journal-")
    assert f"journal: {journal}; undo with: mosaic retention undo {journal}" in run.err
    assert "sha-0000000" not in layout.list_tags(images.repository)

    undo = cli("retention", "undo", str(journal), "--registry", str(images.root))
    assert undo.code == EXIT_OK, undo.err
    assert undo.out.startswith("undo ")
    assert "restored 4, already there 0, unrestorable 0 (of 4 manifests)" in undo.out
    after = {t: layout.resolve(images.repository, t) for t in layout.list_tags(images.repository)}
    assert after == before

    again = cli("retention", "undo", str(journal), "--registry", str(images.root), "--json")
    assert again.code == EXIT_OK
    assert {o["status"] for o in again.json()["outcomes"]} == {"present"}


def test_retention_undo_reports_manifests_whose_blobs_are_gone(
    cli: CLI, images: Images, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    run = cli("retention", "apply", *images.args, "--now", "2024-06-01T12:00:00Z",
              "--journal", str(journal))  # fmt: skip
    assert run.code == EXIT_OK
    config = images.old_shas[0].config_digest
    assert config is not None
    (images.root / images.repository / "blobs" / "sha256" / config.hex).unlink()

    undo = cli("retention", "undo", str(journal), "--registry", str(images.root))
    assert undo.code == EXIT_FAILURE
    assert "unrestorable 1, not attempted 3" in undo.out
    assert "garbage-collected" in undo.out
    assert "sha-0000001" not in images.layout().list_tags(images.repository)

    partial = cli("retention", "undo", str(journal), "--registry", str(images.root), "--partial")
    assert partial.code == EXIT_FAILURE
    assert "restored 3, already there 0, unrestorable 1" in partial.out
    assert "sha-0000001" in images.layout().list_tags(images.repository)


def test_retention_apply_no_journal_writes_none(
    cli: CLI, images: Images, journal_dir: Path
) -> None:
    run = cli("retention", "apply", *images.args, "--now", "2024-06-01T12:00:00Z", "--no-journal")
    assert run.code == EXIT_OK
    assert "journal" not in run.err
    assert list(journal_dir.iterdir()) == []
    bad = cli("retention", "undo", str(journal_dir / "missing"), "--registry", str(images.root))
    assert bad.code == EXIT_USAGE
    assert "is not a retention journal" in bad.err
