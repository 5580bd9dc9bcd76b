"""SecretStore replaying cassettes recorded from a real OpenBao server (``make
cassettes``; tests/_support/vault_cassettes.py). Fast, and through the real transport path: the
retry adapter, urllib3 and hvac's error raising. Any request the cassette does not hold
fails the test.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from mosaic_sdk import RetryPolicy
from mosaic_sdk.vault import SecretStore
from tests._support.vault_cassettes import (
    CASSETTES,
    REPLAY_URL,
    SCENARIO_VALUES,
    SCENARIOS,
    SCRUBBED,
    player,
    summary_path,
)

# Token shapes: OpenBao/Vault service, batch and recovery tokens, and the suite's root
# tokens ("mosaic-root-<hex>").
TOKEN_SHAPES = re.compile(r"\bhv[sbr]\.[A-Za-z0-9_-]{20,}|\b[sbr]\.[A-Za-z0-9]{20,}|mosaic-root-")
SCRUBBED_KEYS = ("client_token", "accessor", "secret_id", "secret_id_accessor", "entity_id")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_replay_gives_the_recorded_summary(name: str) -> None:
    policy = RetryPolicy(max_retries=1, jitter=0, sleep=lambda s: None)
    with (
        SecretStore.from_token(REPLAY_URL, "cassette-replay-token-4e2a", retry=policy) as store,
        player("none").use_cassette(f"{name}.yaml") as cassette,
    ):
        summary = SCENARIOS[name](store)
    assert cassette.all_played
    assert summary == json.loads(summary_path(name).read_text())


def test_every_scenario_has_a_cassette() -> None:
    assert sorted(p.stem for p in CASSETTES.glob("*.yaml")) == sorted(SCENARIOS)


def _walk(value: object) -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()] + [
            item for v in value.values() for item in _walk(v)
        ]
    if isinstance(value, list):
        return [item for v in value for item in _walk(v)]
    return []


@pytest.mark.parametrize("path", sorted(CASSETTES.glob("*.yaml")), ids=lambda p: p.name)
def test_cassettes_hold_no_token_secret_id_accessor_or_value(path: object) -> None:
    text = path.read_text()  # type: ignore[attr-defined]
    assert not TOKEN_SHAPES.search(text)
    for value in SCENARIO_VALUES:
        assert value not in text
    assert "X-Vault-Token" not in text
    cassette = yaml.safe_load(text)
    for interaction in cassette["interactions"]:
        for part in (interaction["request"]["body"], interaction["response"]["body"]["string"]):
            if not part:
                continue
            for key, value in _walk(json.loads(part)):
                if key in SCRUBBED_KEYS and value:
                    assert value == SCRUBBED, (key, path)


def test_the_scan_would_catch_a_leak() -> None:
    assert TOKEN_SHAPES.search("token: s.AbCdEfGhIjKlMnOpQrStUvWx")
    assert TOKEN_SHAPES.search("X: mosaic-root-0123abcd")
