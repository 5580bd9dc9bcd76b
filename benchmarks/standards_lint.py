"""Throughput of ``lint_paths`` on a synthetic repository, against a parse-only floor.

Writes ``--copies`` copies of a Dockerfile, a compose file, a three-document Kubernetes
manifest and a GitHub workflow into a temporary tree, then times:

* ``lint_paths``: detection, parsing (ruamel.yaml round-trip, for line numbers) and all
  rules;
* ``parse-only``: reading the same YAML files with PyYAML's ``safe_load_all`` (C loader
  when available) and splitting the Dockerfiles into lines, the least any checker does.

The ratio says what line numbers and the rules cost over bare parsing.

Run: ``.venv/bin/python benchmarks/standards_lint.py [--copies 200] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mosaic_sdk.standards import lint_paths
from tests._support.standards_cases import (
    CLEAN_COMPOSE,
    CLEAN_DOCKERFILE,
    CLEAN_GITHUB,
    CLEAN_KUBERNETES,
)

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def build_tree(root: Path, copies: int) -> int:
    files = 0
    for index in range(copies):
        service = root / "services" / f"svc{index}"
        (service / "k8s").mkdir(parents=True)
        (service / "Dockerfile").write_text(CLEAN_DOCKERFILE)
        (service / "compose.yaml").write_text(CLEAN_COMPOSE)
        (service / "k8s" / "app.yaml").write_text(CLEAN_KUBERNETES)
        files += 3
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for index in range(max(1, copies // 4)):
        (workflows / f"wf{index}.yml").write_text(CLEAN_GITHUB)
        files += 1
    return files


def parse_only(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.suffix in (".yml", ".yaml"):
            list(yaml.load_all(path.read_text(), Loader=Loader))
        elif path.name == "Dockerfile":
            path.read_text().splitlines()


def best_of(repeat: int, action: object) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        files = build_tree(root, args.copies)
        report = lint_paths([root], root=root)
        assert len(report.files_checked) == files, (len(report.files_checked), files)
        lint_seconds = best_of(args.repeat, lambda: lint_paths([root], root=root))
        parse_seconds = best_of(args.repeat, lambda: parse_only(root))
    print(f"files: {files} ({report.summary()})")
    print(f"lint_paths : {lint_seconds:8.3f} s  {files / lint_seconds:8.0f} files/s")
    rate = files / parse_seconds
    print(f"parse-only : {parse_seconds:8.3f} s  {rate:8.0f} files/s  ({Loader.__name__})")
    print(f"ratio      : {lint_seconds / parse_seconds:8.1f}x parse-only")


if __name__ == "__main__":
    main()
