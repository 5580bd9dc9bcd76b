"""Issue #13's table (area | tried | broke) for the code as it is.

Imports every ``benchmarks/_faults_*.py`` module present; each exposes
``measure() -> list[tuple[area, tried, broke, detail]]``. Run:
``python benchmarks/faults.py`` (prints a Markdown table, then the details).
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _load(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    rows: list[tuple[str, int, int, str, float]] = []
    for path in sorted(HERE.glob("_faults_*.py")):
        module = _load(path)
        started = time.monotonic()
        for area, tried, broke, detail in module.measure():  # type: ignore[attr-defined]
            rows.append((area, tried, broke, detail, time.monotonic() - started))
    print("| area | tried | broke |")
    print("|---|---|---|")
    for area, tried, broke, _, _ in rows:
        print(f"| {area} | {tried:,} | {broke:,} |")
    print()
    for area, _, _, detail, seconds in rows:
        print(f"- {area} ({seconds:.0f}s): {detail}")
    return 1 if any(row[2] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
