"""The precision corpus stays judged: every finding on it has a verdict by hand (#14)."""

from __future__ import annotations

import json
from pathlib import Path

from mosaic_sdk.standards import lint_paths

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"


def test_every_finding_on_the_public_corpus_is_judged() -> None:
    corpus = BENCHMARKS / "corpus"
    report = lint_paths([corpus], root=corpus)
    judged = {
        (j["rule"], j["file"], j["line"]): j["verdict"]
        for j in json.loads((BENCHMARKS / "standards_precision_judgements.json").read_text())
    }
    found = {(f.rule_id, f.file, f.line) for f in report.findings}
    # A rule change that finds something new (or stops finding something) must be judged
    # again: run benchmarks/standards_precision.py and update the judgements file.
    assert found == set(judged)
    assert set(judged.values()) <= {"tp", "fp"}
    assert len(report.files_checked) == 23
