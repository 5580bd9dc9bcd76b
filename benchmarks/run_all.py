"""Run every benchmark script in this folder, one after another."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
for script in sorted(here.glob("*.py")):
    if script.name in {"run_all.py"} or script.name.startswith("_"):
        continue
    print(f"\n== {script.name} ==", flush=True)
    subprocess.run([sys.executable, str(script)], check=True)
