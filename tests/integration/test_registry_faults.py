"""The issue #13 proof, at test-tier counts: promotions and retention rounds through a
seeded fault proxy (resets, truncated answers, delays past the client timeout, 500/502/503
and 429 with Retry-After) in front of docker-registry end in no wrong end state, every
failure is a ``MosaicError`` that tells the truth, and reruns converge. The big counts run
in ``benchmarks/faults.py``."""

from __future__ import annotations

import pytest

from tests._support.fault_rounds import index_child_race, prod_delete_race, run_rounds
from tests._support.servers import RegistryServer

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("seed", [11])
def test_faults_leave_no_wrong_end_state_and_reruns_converge(
    registry_server: RegistryServer, seed: int
) -> None:
    tally = run_rounds(
        registry_server.url, seed=seed, promotions=12, retention_rounds=2, prefix="pf"
    )
    assert tally.faults >= 10, "the proxy injected too few faults to prove anything"
    assert tally.problems == []
    assert tally.broken == 0


def test_races_at_the_worst_moment_never_lose_prod_or_an_index_child(
    registry_server: RegistryServer,
) -> None:
    assert prod_delete_race(registry_server.url, 3, prefix="rt-prod") == 0
    assert index_child_race(registry_server.url, 3, prefix="rt-index") == 0
