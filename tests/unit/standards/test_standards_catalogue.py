"""The rule catalogue, its documentation and the package's public surface."""

from __future__ import annotations

import re
from pathlib import Path

import mosaic_sdk
import mosaic_sdk.standards
from mosaic_sdk.standards import RULES, Severity

DOCS = Path(__file__).resolve().parents[3] / "docs" / "standards.md"
ROW = re.compile(
    r"^\| (?P<id>[A-Z0-9]+) \| (?P<severity>\w+) \| `(?P<name>[a-z0-9-]+)` \| (?P<summary>.+) \|$"
)


def test_every_rule_is_in_the_docs_table_with_its_severity_name_and_summary() -> None:
    rows = {
        m.group("id"): (m.group("severity"), m.group("name"), m.group("summary"))
        for m in map(ROW.match, DOCS.read_text(encoding="utf-8").splitlines())
        if m is not None
    }

    assert rows == {r.id: (r.severity.value, r.name, r.summary) for r in RULES.values()}


def test_rule_ids_and_names_are_unique_and_well_formed() -> None:
    names = [r.name for r in RULES.values()]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"(DF|CP|K8S|AL|CI|CM|SP)[0-9]{3}", rule_id) for rule_id in RULES)
    assert list(RULES) == sorted(RULES)
    assert all(r.summary.endswith(".") and r.fix.endswith(".") for r in RULES.values())
    assert {r.severity for r in RULES.values()} == set(Severity)


def test_standards_all_is_sorted_and_resolves() -> None:
    exported = mosaic_sdk.standards.__all__
    assert exported == sorted(exported, key=str.lower)
    for name in exported:
        assert getattr(mosaic_sdk.standards, name) is not None
        obj = getattr(mosaic_sdk.standards, name)
        if callable(obj):
            assert obj.__doc__, name


def test_top_level_exports() -> None:
    for name in ("lint_paths", "LintReport", "Finding", "Severity", "new_scratchpad"):
        assert name in mosaic_sdk.__all__
        assert getattr(mosaic_sdk, name) is getattr(mosaic_sdk.standards, name)
