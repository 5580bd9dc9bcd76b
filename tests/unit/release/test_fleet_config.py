"""The fleet retention config file: TOML and YAML, defaults and overrides, and every bad
key or value refused with the file, the key and the fix."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from mosaic_sdk import ConfigurationError, FleetConfig, PolicyFileError, RetentionPolicy

TOML = """
[defaults]
sha_max_age = "7d"
rc_max_age = "never"
keep_latest_rcs = 2
keep_finals_per_major = 3
keep_patterns = ["lts-*"]
delete_patterns = ["re:pr-[0-9]+", "nightly-*"]

[repositories]
include = ["team/**", "payments/api"]
exclude = ["team/legacy-*"]

[[overrides]]
repositories = ["team/api", "team/web"]
sha_max_age = "30d"

[[overrides]]
repositories = ["team/web"]
keep_latest_rcs = 9
sha_max_age = 0
"""

YAML = """
defaults:
  sha_max_age: 7d
  rc_max_age: never
  keep_latest_rcs: 2
  keep_finals_per_major: 3
  keep_patterns: ["lts-*"]
  delete_patterns: ["re:pr-[0-9]+", "nightly-*"]
repositories:
  include: ["team/**", payments/api]
  exclude: ["team/legacy-*"]
overrides:
  - repositories: [team/api, team/web]
    sha_max_age: 30d
  - repositories: [team/web]
    keep_latest_rcs: 9
    sha_max_age: 0
"""


@pytest.mark.parametrize(("name", "text"), [("retention.toml", TOML), ("retention.yaml", YAML)])
def test_toml_and_yaml_give_the_same_config(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    config = FleetConfig.load(path)
    assert config.source == str(path)
    assert config.defaults == RetentionPolicy(
        sha_max_age=timedelta(days=7),
        rc_max_age=None,
        keep_latest_rcs=2,
        keep_finals_per_major=3,
        keep_patterns=["lts-*"],
        delete_patterns=["re:pr-[0-9]+", "nightly-*"],
    )
    selected = {
        r: config.selects(r)
        for r in ("team/api", "team/a/b", "team/legacy-x", "payments/api", "payments/web")
    }
    assert selected == {
        "team/api": True,
        "team/a/b": True,
        "team/legacy-x": False,
        "payments/api": True,
        "payments/web": False,
    }
    api, api_source = config.policy_for("team/api")
    assert api.sha_max_age == timedelta(days=30)
    assert api.keep_latest_rcs == 2  # the defaults fill in what an override leaves out
    assert api_source == ("defaults", "overrides[0]")
    web, web_source = config.policy_for("team/web")
    assert web.sha_max_age == timedelta(0)  # the later override wins for its keys
    assert web.keep_latest_rcs == 9
    assert web_source == ("defaults", "overrides[0]", "overrides[1]")
    assert config.policy_for("team/other") == (config.defaults, ("defaults",))


def test_an_empty_file_is_the_default_policy_over_the_whole_catalog(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("")
    config = FleetConfig.load(path)
    assert config.defaults == RetentionPolicy()
    assert config.selects("anything/at/all")


def test_command_line_patterns_add_to_the_file(tmp_path: Path) -> None:
    config = FleetConfig.from_text(TOML, "toml").with_selection(exclude=["team/api"])
    assert not config.selects("team/api")
    assert config.selects("team/web")


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("[defaults]\nsha_max_ag = '7d'\n", "defaults.sha_max_ag", "did you mean 'sha_max_age'"),
        ("[default]\n", "default", "did you mean 'defaults'"),
        ("[defaults]\nsha_max_age = '7x'\n", "defaults.sha_max_age", "is not a duration"),
        ("[defaults]\nsha_max_age = 7\n", "defaults.sha_max_age", "write a duration such as"),
        ("[defaults]\nkeep_latest_rcs = -1\n", "defaults.keep_latest_rcs", "integer >= 0"),
        ("[defaults]\nkeep_latest_rcs = true\n", "defaults.keep_latest_rcs", "integer >= 0"),
        ("[defaults]\nkeep_finals_per_major = 0\n", "defaults.keep_finals_per_major", ">= 1"),
        ("[defaults]\nkeep_patterns = 'lts-*'\n", "defaults.keep_patterns", "is not a list"),
        ("[defaults]\ndelete_patterns = ['re:(']\n", "defaults.delete_patterns[0]", "regular"),
        ("[repositories]\ninclude = 'team/*'\n", "repositories.include", "is not a list"),
        ("[repositories]\nonly = []\n", "repositories.only", "known keys: include, exclude"),
        ("[[overrides]]\nsha_max_age = '1d'\n", "overrides[0].repositories", "is missing"),
        (
            "[[overrides]]\nrepositories = ['a/b']\nkeep = ['x']\n",
            "overrides[0].keep",
            "known keys: repositories",
        ),
        ("overrides = 3\n", "overrides", "is not a list of tables"),
        ("defaults = 3\n", "defaults", "is not a table (it is a int)"),
    ],
)
def test_bad_keys_and_values_name_the_file_the_key_and_the_fix(
    tmp_path: Path, text: str, key: str, message: str
) -> None:
    path = tmp_path / "retention.toml"
    path.write_text(text)
    with pytest.raises(PolicyFileError) as caught:
        FleetConfig.load(path)
    error = caught.value
    assert isinstance(error, ConfigurationError)
    assert error.path == str(path)
    assert error.key == key
    assert message in str(error)
    assert str(error).startswith(f"{path}: {key}: ")
    assert error.fix


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("retention.toml", "[defaults\n", "is not TOML"),
        ("retention.yaml", "defaults: [\n", "is not YAML"),
        ("retention.ini", "", "is neither TOML nor YAML"),
        ("retention.yaml", "- a list\n", r"is not a table \(it is a list\)"),
    ],
)
def test_unparsable_files_are_refused(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(PolicyFileError, match=message):
        FleetConfig.load(path)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="does not exist"):
        FleetConfig.load(tmp_path / "nope.toml")
