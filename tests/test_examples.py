"""Every script in examples/ runs and prints what its docstring promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

EXPECTED = {
    "make_walkthrough.py": ["walkthrough.ipynb is up to date with docs/notebook.md"],
    "promote_in_a_layout.py": ["nothing to do (no-op)", "would delete: ('sha-0a1b2c3',)"],
    "vault_conventions.py": ["secret-prod/postgres/database/app", "rename it to 'password'"],
}


def test_every_example_has_expectations() -> None:
    assert sorted(p.name for p in (ROOT / "examples").glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for needle in EXPECTED[name]:
        assert needle in done.stdout
