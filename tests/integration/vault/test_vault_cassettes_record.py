"""Record the Vault cassettes from a real server (``make cassettes``), or check that the
recorded cassettes still agree with that server (the default).

With ``MOSAIC_RECORD_CASSETTES=1`` each scenario of tests/_support/vault_cassettes.py runs
against a fresh OpenBao dev server under vcrpy (``record_mode="all"``) and its summary
is written beside the cassette. Without it, the scenario runs live (no vcrpy) and must
give the summary the replayed cassette gives (tests/unit/vault/test_vault_replay.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import pytest

from mosaic_sdk import RetryPolicy
from mosaic_sdk.vault import SecretStore
from tests._support.openbao import OpenBaoServer
from tests._support.vault_cassettes import CASSETTES, SCENARIOS, player, summary_path

RECORD = os.environ.get("MOSAIC_RECORD_CASSETTES") == "1"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_against_the_real_server(
    name: str, fresh_bao: Callable[..., OpenBaoServer]
) -> None:
    server = fresh_bao(kv2_mounts=("secret-prod",), kv1_mounts=("secret-legacy",))
    policy = RetryPolicy(max_retries=1, jitter=0, sleep=lambda s: None)
    with SecretStore.from_token(server.url, server.root_token, retry=policy) as store:
        if RECORD:
            CASSETTES.mkdir(parents=True, exist_ok=True)
            (CASSETTES / f"{name}.yaml").unlink(missing_ok=True)
            with player("all").use_cassette(f"{name}.yaml"):
                summary = SCENARIOS[name](store)
            summary_path(name).write_text(json.dumps(summary, indent=1) + "\n")
        else:
            summary = SCENARIOS[name](store)
    recorded = json.loads(summary_path(name).read_text())
    assert summary == recorded
