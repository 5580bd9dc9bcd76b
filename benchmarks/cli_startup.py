"""Start-up of the ``mosaic`` command next to the interpreter it runs on.

Side by side in one run, each a fresh process, median of ``--rounds`` runs after one
warm-up: ``python -c pass`` (the floor: the interpreter and its site packages),
``mosaic --version``, ``mosaic --help`` and ``mosaic tag parse v1.4.0-rc.3`` (a command
that loads its module and the value types). Reported as ratios to the floor; the
target of issue #15 is ``--version`` and ``--help`` within 3x.

Modules are byte-compiled first and every process may use the cache, as after a
``pip install`` (this machine sets ``PYTHONDONTWRITEBYTECODE``, which would otherwise
make every run compile ``mosaic_sdk/__init__.py`` again).

Run: ``.venv/bin/python benchmarks/cli_startup.py [--rounds 30]``
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
PACKAGE = Path(__file__).resolve().parents[1] / "mosaic_sdk"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(command: list[str], rounds: int) -> float:
    subprocess.run(command, check=True, capture_output=True, env=ENV)  # warm the caches
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=ENV)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    compileall.compile_dir(PACKAGE, quiet=1)
    mosaic = str(BIN / "mosaic")
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("mosaic --version", [mosaic, "--version"]),
        ("mosaic --help", [mosaic, "--help"]),
        ("mosaic tag parse v1.4.0-rc.3", [mosaic, "tag", "parse", "v1.4.0-rc.3"]),
    ]
    results = [(name, median_seconds(command, args.rounds)) for name, command in rows]
    floor = results[0][1]
    width = max(len(name) for name, _ in results)
    print(f"start-up, median of {args.rounds} fresh processes ({sys.version.split()[0]})")
    print(f"{'command'.ljust(width)}  median ms  x python -c pass")
    for name, seconds in results:
        print(f"{name.ljust(width)}  {seconds * 1000:9.1f}  {seconds / floor:6.1f}x")


if __name__ == "__main__":
    main()
