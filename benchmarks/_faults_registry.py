"""The registry rows of ``benchmarks/faults.py`` (issue #13): faults on a real
docker-registry and races at the worst moment, measured on the code as it is.

* faults: promotions and retention rounds through the seeded fault proxy of
  ``tests/_support/fault_proxy.py`` (resets, truncated answers, delays past the client timeout,
  500/502/503/429 with Retry-After); "broke" counts wrong end states, "failed" promotions
  whose pointer moved, misreported deletions, non-``MosaicError`` failures and reruns
  that did not converge (``tests/_support/fault_rounds.py`` judges each against the registry).
* races: a promotion landing between apply's last check and its DELETE (prod deleted
  n/N) and prod rolled back to an old index during apply (index child deleted n/N),
  each landed at the exact moment by a hook.

Run on its own: ``python benchmarks/_faults_registry.py [--promotions N --rounds N]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests._support.fault_rounds import Tally, index_child_race, prod_delete_race, run_rounds
from tests._support.servers import RegistryServer

SEEDS = (1, 2, 3, 4)


def measure(
    promotions: int = 150, rounds: int = 10, trials: int = 100
) -> list[tuple[str, int, int, str]]:
    """The faults row and the race row, as ``(area, tried, broke, detail)``."""
    with tempfile.TemporaryDirectory() as tmp:
        server = RegistryServer(Path(tmp)).start()
        try:
            total = Tally()
            for seed in SEEDS:
                tally = run_rounds(
                    server.url,
                    seed=seed,
                    promotions=promotions // len(SEEDS),
                    retention_rounds=max(1, rounds // len(SEEDS)),
                    prefix="bench",
                )
                for field in (
                    "faults",
                    "promotions",
                    "retention_rounds",
                    "wrong_end_states",
                    "moved_but_failed",
                    "misreported_deletions",
                    "untyped",
                    "not_converged",
                    "typed_failures",
                ):
                    setattr(total, field, getattr(total, field) + getattr(tally, field))
                total.problems += tally.problems
            prod = prod_delete_race(server.url, trials)
            child = index_child_race(server.url, trials)
        finally:
            server.stop()
    faults = (
        f"{total.promotions} promotions + {total.retention_rounds} retention rounds "
        f"(seeds {', '.join(map(str, SEEDS))}): {total.wrong_end_states} wrong end states, "
        f'{total.moved_but_failed} "failed" promotions whose pointer moved, '
        f"{total.misreported_deletions} deletions misreported, {total.untyped} untyped, "
        f"{total.not_converged} reruns not converged ({total.typed_failures} typed failures)"
    )
    if total.problems:
        faults += "; " + "; ".join(total.problems[:3])
    races = f"prod deleted {prod}/{trials}; index child deleted {child}/{trials}"
    return [
        ("faults on a real registry (resets, truncation, delays, 5xx/429)", total.faults,
         total.broken, faults),
        ("races (registry)", 2 * trials, prod + child, races),
    ]  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--promotions", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=100)
    args = parser.parse_args()
    for area, tried, broke, detail in measure(args.promotions, args.rounds, args.trials):
        print(f"| {area} | {tried} | {broke} | {detail} |")
