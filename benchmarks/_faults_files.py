"""Parser fuzz, hostile files and evidence races: rows for ``benchmarks/faults.py``.

``measure()`` returns ``(area, tried, broke, detail)`` rows:

* ``parser fuzz (N public parsers)``: seeded random inputs (text, bytes, None, numbers,
  nested JSON, huge digit runs, mutations of valid values) fed to every public parser;
  *broke* counts exceptions that are not ``MosaicError``;
* ``hostile repos / files``: the corpus of ``tests/_support/hostile.py`` (FIFOs, ``/dev/zero``,
  huge, deep, bad UTF-8, impossible dates, directories) under the linter, the evidence
  writer and target selection; *broke* counts other exceptions plus hangs (10 s);
* ``evidence races``: two processes x 200 writes to each evidence file; *broke* counts
  entries lost.

Run alone: ``.venv/bin/python benchmarks/_faults_files.py``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mosaic_sdk.errors import MosaicError  # noqa: E402

FUZZ_INPUTS_PER_PARSER = 1_000
RACE_WRITES = 200


def _parsers() -> dict[str, Callable[[Any], object]]:
    from mosaic_sdk import standards
    from mosaic_sdk.observability import _prometheus, _scrape
    from mosaic_sdk.observability._metrics import parse_duration
    from mosaic_sdk.providers.coolify._models import ResourceStatus
    from mosaic_sdk.providers.coolify._requests import parse_coolify_version
    from mosaic_sdk.registry import Descriptor, Manifest
    from mosaic_sdk.registry._auth import parse_challenge
    from mosaic_sdk.registry._models import Platform
    from mosaic_sdk.registry._names import parse_reference
    from mosaic_sdk.release._promotion import PromotionRecord
    from mosaic_sdk.release._retention import parse_created
    from mosaic_sdk.release._validation import CheckResult, ValidationReport
    from mosaic_sdk.standards import FileKind, lint_text
    from mosaic_sdk.standards._dockerfile_parser import parse_dockerfile
    from mosaic_sdk.standards._model import Severity
    from mosaic_sdk.values import (
        CommitMessage,
        Digest,
        Environment,
        ImageReference,
        ImageTag,
        VaultPath,
    )

    def as_bytes(value: Any) -> bytes:
        return value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")

    parsers: dict[str, Callable[[Any], object]] = {
        "ImageTag.parse": ImageTag.parse,
        "ImageReference.parse": ImageReference.parse,
        "Digest.parse": Digest.parse,
        "Environment.parse": Environment.parse,
        "VaultPath.parse": VaultPath.parse,
        "CommitMessage.parse": CommitMessage.parse,
        "Severity.parse": Severity.parse,
        "check_commit_message": lambda v: standards.check_commit_message(v, "m"),
        "Manifest.from_bytes": lambda v: Manifest.from_bytes(as_bytes(v)),
        "Manifest.from_bytes(oci)": lambda v: Manifest.from_bytes(
            as_bytes(v), "application/vnd.oci.image.manifest.v1+json"
        ),
        "Descriptor.from_json": Descriptor.from_json,
        "Platform.from_json": Platform.from_json,
        "parse_reference": parse_reference,
        "parse_challenge": parse_challenge,
        "parse_exposition": _scrape.parse_exposition,
        "parse_sample_value": _prometheus.parse_sample_value,
        "parse_query_response": lambda v: _prometheus.parse_query_response("up", v),
        "parse_duration": parse_duration,
        "parse_coolify_version": parse_coolify_version,
        "ResourceStatus.parse": ResourceStatus.parse,
        "parse_created": parse_created,
        "CheckResult.from_dict": CheckResult.from_dict,
        "ValidationReport.from_dict": ValidationReport.from_dict,
        "ValidationReport.from_json": ValidationReport.from_json,
        "PromotionRecord.from_json": PromotionRecord.from_json,
        "parse_dockerfile": parse_dockerfile,
    }
    for kind in FileKind:
        parsers[f"lint_text({kind.value})"] = lambda v, k=kind: lint_text(v, k, "f")
    return parsers


_SEEDS = [
    "v1.2.3", "v1.2.3-rc.4", "sha-abcdef1", "prod", "blue", "latest",
    "registry.example.com:5000/team/web:v1.0.0@sha256:" + "a" * 64, "sha256:" + "b" * 64,
    "secret/web/api/db-password", "fix(#7): Do it\n\nRefs #7\n", "FROM alpine:3.19\nUSER app\n",
    "services:\n  web:\n    image: nginx:1.25\n", "apiVersion: v1\nkind: Pod\nspec: {}\n",
    "on: push\njobs: {}\n", 'Bearer realm="https://auth.example.com/token",service="r"',
    "# TYPE x counter\nx_total 3\n", "5m", "2024-05-01T12:00:00Z", "running:healthy",
    '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}',
]  # fmt: skip


def _random_input(rng: random.Random) -> Any:
    choice = rng.randrange(12)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([0, -1, 2**70, 1.5, float("nan"), True, [], {}, ()])
    if choice == 2:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
    if choice == 3:
        return "v" + "9" * rng.choice([10, 5000, 20000]) + ".0.0"
    if choice == 4:
        depth = rng.choice([50, 5000, 100_000])
        return "[" * depth + "]" * depth
    if choice == 5:
        return {"schemaVersion": 2, "checks": [{"name": None}], "mediaType": rng.random()}
    if choice == 6:
        return json.loads(json.dumps({"a": [1, {"b": "c"}], "digest": "sha256:zz"}))
    if choice == 7:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(60)))
    seed = list(rng.choice(_SEEDS))
    for _ in range(rng.randrange(1, 6)):  # mutate a valid value
        at = rng.randrange(len(seed) + 1)
        action = rng.randrange(3)
        if action == 0 and seed:
            del seed[min(at, len(seed) - 1)]
        elif action == 1:
            seed.insert(at, rng.choice("\x00\n\r\t :@/#{}[]\"'\\-.9zé\ufeff"))
        else:
            seed.insert(at, rng.choice(["2024-02-30", "&a [*a]", "1" * 5000, "${X}", "--"]))
    return "".join(seed)


def fuzz_parsers(inputs_per_parser: int = FUZZ_INPUTS_PER_PARSER) -> tuple[int, int, int, str]:
    """``(parsers, inputs, non-MosaicError exceptions, causes)``."""
    parsers = _parsers()
    rng = random.Random(13)
    tried = 0
    causes: Counter[str] = Counter()
    for name, parse in parsers.items():
        for _ in range(inputs_per_parser):
            value = _random_input(rng)
            tried += 1
            try:
                parse(value)
            except MosaicError:
                pass
            except Exception as exc:
                causes[f"{name}: {type(exc).__name__}"] += 1
    detail = ", ".join(f"{cause} x{n}" for cause, n in causes.most_common(6)) or "none"
    return len(parsers), tried, sum(causes.values()), detail


def hostile_files() -> tuple[int, int, str]:
    """``(cases, other exceptions + hangs, detail)``."""
    from tests._support.hostile import run_all

    with tempfile.TemporaryDirectory() as base:
        outcomes = list(run_all(Path(base)))
    bad = [o for o in outcomes if o.kind in ("other", "hang")]
    kinds = Counter(o.kind for o in outcomes)
    slowest = max(outcomes, key=lambda o: o.seconds)
    detail = (
        f"{kinds['ok']} returned, {kinds['typed']} MosaicError, {kinds['other']} other, "
        f"{kinds['hang']} hangs; slowest {slowest.seconds:.1f} s ({slowest.case})"
    )
    if bad:
        detail += "; " + "; ".join(f"{o.case}: {o.kind} {o.detail[:60]}" for o in bad[:4])
    return len(outcomes), len(bad), detail


def _race_writer(repo: str, who: str, count: int, start: Any) -> None:
    from mosaic_sdk.release import ReleaseEvidence

    evidence = ReleaseEvidence(repo, issue=13, short_name="race")
    start.wait()
    for n in range(count):
        key = f"{who}-{n}"
        evidence.add_release_note(key, f"note {key}")
        evidence.mark_blocked(f"team/{key}", release="v1", reason="r", next_step="s")


def evidence_races(writes: int = RACE_WRITES) -> tuple[int, int, str]:
    """``(entries written, entries lost, detail)``: two processes x ``writes`` entries
    to CHANGELOG.md and to docs/TASKS.md."""
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory() as repo:
        start = context.Event()
        workers = [
            context.Process(target=_race_writer, args=(repo, who, writes, start))
            for who in ("a", "b")
        ]
        for worker in workers:
            worker.start()
        start.set()
        for worker in workers:
            worker.join(600)
        changelog = Path(repo, "CHANGELOG.md").read_text()
        tasks = Path(repo, "docs", "TASKS.md").read_text()
    expected = {f"{w}-{n}" for w in ("a", "b") for n in range(writes)}
    notes = {k for k in expected if f"<!-- mosaic:release {k} -->" in changelog}
    blocked = {k for k in expected if f"<!-- mosaic:deployment team/{k} -->" in tasks}
    entries = 2 * len(expected)
    lost = entries - len(notes) - len(blocked)
    detail = (
        f"2 processes x {writes} writes to CHANGELOG.md and docs/TASKS.md; "
        f"lost {len(expected) - len(notes)} release notes, {len(expected) - len(blocked)} "
        "task lines"
    )
    return entries, lost, detail


def measure() -> list[tuple[str, int, int, str]]:
    """The three rows for the faults table."""
    count, tried, broke, causes = fuzz_parsers()
    cases, bad, hostile_detail = hostile_files()
    entries, lost, race_detail = evidence_races()
    return [
        (f"parser fuzz ({count} public parsers)", tried, broke, causes),
        ("hostile repos / files", cases, bad, hostile_detail),
        ("evidence races", entries, lost, race_detail),
    ]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    for area, tried, broke, detail in measure():
        print(f"{area:34} {tried:>7} {broke:>6}  {detail}")
