"""The secret-leak row of ``benchmarks/faults.py`` (issue #13).

``measure()`` runs every attempt of ``tests/_support/leak_attempts.py`` - each secret shape
(URL userinfo with '/', '?', '@', spaces or percent-encoding, a token as the user name,
credential query and fragment parameters, headers, credentials, secret-named log fields,
Docker config ``auth`` values, registered Vault values) through each channel (reprs,
exception messages, log lines, extras, tracebacks, CLI output, evidence files, reports)
- against the code as it is, and counts the attempts whose output shows the secret.

Run on its own: ``python benchmarks/_faults_leaks.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests._support.leak_attempts import attempts, run_attempts


def measure() -> list[tuple[str, int, int, str]]:
    """``[("secret-leak attempts", tried, leaks, detail)]``."""
    tried, leaks = run_attempts()
    if leaks:
        shown = "; ".join(leaks[:5]) + (f"; ... {len(leaks) - 5} more" if len(leaks) > 5 else "")
        detail = f"leaked: {shown}"
    else:
        every = attempts()
        shapes = len({a.shape for a in every})
        channels = len({a.channel for a in every})
        detail = f"{shapes} secret shapes x up to {channels} channels; none leaked"
    return [("secret-leak attempts", tried, len(leaks), detail)]


if __name__ == "__main__":
    for area, tried, broke, detail in measure():
        print(f"| {area} | {tried} | {broke} | {detail} |")
