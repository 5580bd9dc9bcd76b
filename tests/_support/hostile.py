"""A corpus of hostile repositories and files, and a harness that runs SDK calls on them.

Shared by ``tests/unit/test_hostile_files.py`` (which asserts every case ends in a
return or a :class:`~mosaic_sdk.errors.MosaicError`, in time) and
``benchmarks/_faults_files.py`` (which counts what does not).

Each case builds a small repository in a fresh directory and names one SDK call on it:
the linter (``lint_paths`` on the directory or on the file), the evidence writer
(``ReleaseEvidence``) or target selection (``select_deployment_target``).
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import attrs

from mosaic_sdk.errors import MosaicError

#: Seconds a case may take before it counts as a hang. The slow cases of the old code
#: took 36-60 s; the fixed code takes well under a second for each.
DEADLINE = 10.0

Build = Callable[[Path], None]


@attrs.frozen
class Case:
    """One hostile repository (``build``) and the call made on it (``call``)."""

    name: str
    build: Build
    call: str  # "lint-dir", "lint-file:<rel>", "evidence-tasks", "evidence-changelog", "select"


@attrs.frozen
class Outcome:
    """What a case did: ``"ok"``, ``"typed"`` (a MosaicError), ``"other"`` or ``"hang"``."""

    case: str
    kind: str
    detail: str
    seconds: float


def _write(rel: str, content: str | bytes) -> Build:
    def build(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(data)

    return build


def _fifo(rel: str) -> Build:
    def build(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(root / rel)

    return build


def _symlink(rel: str, target: str) -> Build:
    def build(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to(target)

    return build


def _directory(rel: str) -> Build:
    def build(root: Path) -> None:
        (root / rel).mkdir(parents=True)

    return build


def _socket(rel: str) -> Build:
    def build(root: Path) -> None:
        server = socket.socket(socket.AF_UNIX)
        server.bind(os.fspath(root / rel))
        server.close()  # the socket file stays

    return build


def _both(*builds: Build) -> Build:
    def build(root: Path) -> None:
        for each in builds:
            each(root)

    return build


_DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n"
)
_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
)
_FLOW_DEEP = "apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 5000 + "]" * 5000 + "\n"
_BLOCK_DEEP = "apiVersion: v1\nkind: ConfigMap\ndata:\n" + "".join(
    " " * (2 * i + 2) + f"k{i}:\n" for i in range(400)
)
_CONTINUED = (
    "FROM alpine:3.19\nRUN echo \\\n" + "".join(f"  && echo {i} \\\n" for i in range(200_000))
) + "  true\n"
_API_LINES = "apiVersion: v1\n" * 13_000  # 195 kB: quadratic in the old target selection
_MANY_DOCS = "".join(
    f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: v\n"
    for i in range(400)
)


def cases() -> list[Case]:
    """Every hostile case, in a fixed order."""
    fifo_compose = _fifo("compose.yaml")
    zero_dockerfile = _symlink("Dockerfile", "/dev/zero")
    return [
        Case("FIFO compose.yaml, lint the repo", fifo_compose, "lint-dir"),
        Case("FIFO compose.yaml, lint the file", fifo_compose, "lint-file:compose.yaml"),
        Case("FIFO compose.yaml, select the target", fifo_compose, "select"),
        Case("FIFO deploy.yaml, lint the repo", _fifo("k8s/deploy.yaml"), "lint-dir"),
        Case("FIFO docs/PRD.md, select the target", _fifo("docs/PRD.md"), "select"),
        Case("FIFO docs/DEPLOYMENT.md, select", _fifo("docs/DEPLOYMENT.md"), "select"),
        Case("FIFO vercel.json, select the target", _fifo("vercel.json"), "select"),
        Case("FIFO workflow, select the target", _fifo(".github/workflows/ci.yml"), "select"),
        Case("FIFO docs/TASKS.md, write evidence", _fifo("docs/TASKS.md"), "evidence-tasks"),
        Case("FIFO CHANGELOG.md, write evidence", _fifo("CHANGELOG.md"), "evidence-changelog"),
        Case("Dockerfile -> /dev/zero, lint the repo", zero_dockerfile, "lint-dir"),
        Case("Dockerfile -> /dev/zero, lint the file", zero_dockerfile, "lint-file:Dockerfile"),
        Case("Dockerfile -> /dev/zero, select", zero_dockerfile, "select"),
        Case("compose.yaml -> /dev/zero, select", _symlink("compose.yaml", "/dev/zero"), "select"),
        Case("docs/PRD.md -> /dev/zero, select", _symlink("docs/PRD.md", "/dev/zero"), "select"),
        Case(
            "docs/TASKS.md -> /dev/zero, evidence",
            _symlink("docs/TASKS.md", "/dev/zero"),
            "evidence-tasks",
        ),
        Case(
            "deploy.yaml -> /dev/urandom, lint",
            _symlink("deploy.yaml", "/dev/urandom"),
            "lint-file:deploy.yaml",
        ),
        Case(
            "5 MiB manifest, lint the file",
            _write("big.yaml", _DEPLOYMENT + "#" * (5 << 20) + "\n"),
            "lint-file:big.yaml",
        ),
        Case("5 MiB docs/PRD.md, select", _write("docs/PRD.md", "x" * (5 << 20)), "select"),
        Case("195 kB of apiVersion lines, lint", _write("k.yaml", _API_LINES), "lint-dir"),
        Case("195 kB of apiVersion lines, select", _write("k.yaml", _API_LINES), "select"),
        Case("400 manifests in one file, lint", _write("k.yaml", _MANY_DOCS), "lint-dir"),
        Case("200,000 continuation lines", _write("Dockerfile", _CONTINUED), "lint-dir"),
        Case("5,000 nested flow sequences, lint", _write("k.yaml", _FLOW_DEEP), "lint-dir"),
        Case("5,000 nested flow sequences, select", _write("k.yaml", _FLOW_DEEP), "select"),
        Case("400 nested mappings, lint", _write("k.yaml", _BLOCK_DEEP), "lint-dir"),
        Case("YAML alias bomb, lint", _write("compose.yaml", "services: {}\n" + _BOMB), "lint-dir"),
        Case("YAML alias bomb, select", _write("compose.yaml", "services: {}\n" + _BOMB), "select"),
        Case(
            "impossible date in a manifest",
            _write("k.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  d: 2024-02-30\n"),
            "lint-dir",
        ),
        Case(
            "impossible date in compose, lint",
            _write("compose.yaml", "services:\n  a:\n    image: x\n    x-d: 2024-13-01\n"),
            "lint-dir",
        ),
        Case(
            "impossible date in compose, select",
            _write("compose.yaml", "services:\n  a:\n    image: x\n    x-d: 2024-13-01\n"),
            "select",
        ),
        Case(
            "Latin-1 Dockerfile, lint",
            _write("Dockerfile", b"FROM alpine:3.19\n# caf\xe9\nUSER app\n"),
            "lint-dir",
        ),
        Case("Latin-1 docs/PRD.md, select", _write("docs/PRD.md", b"Target: caf\xe9\n"), "select"),
        Case(
            "Latin-1 docs/TASKS.md, evidence",
            _write("docs/TASKS.md", b"# Tasks\n\xe9\n"),
            "evidence-tasks",
        ),
        Case(
            "Latin-1 CHANGELOG.md, evidence",
            _write("CHANGELOG.md", b"# Changelog\n\xe9\n"),
            "evidence-changelog",
        ),
        Case("directory docs/TASKS.md, evidence", _directory("docs/TASKS.md"), "evidence-tasks"),
        Case("directory CHANGELOG.md, evidence", _directory("CHANGELOG.md"), "evidence-changelog"),
        Case("directory docs/PRD.md, select", _directory("docs/PRD.md"), "select"),
        Case("directory vercel.json, select", _directory("vercel.json"), "select"),
        Case("directory compose.yaml, lint", _directory("compose.yaml"), "lint-dir"),
        Case("dangling compose.yaml, lint", _symlink("compose.yaml", "gone.yaml"), "lint-dir"),
        Case("dangling compose.yaml, select", _symlink("compose.yaml", "gone.yaml"), "select"),
        Case(
            "symlink loop compose.yaml, lint", _symlink("compose.yaml", "compose.yaml"), "lint-dir"
        ),
        Case("socket named Dockerfile, lint", _socket("Dockerfile"), "lint-dir"),
        Case(
            "NUL bytes in a workflow, lint",
            _write(".github/workflows/ci.yml", b"on: push\x00\njobs: {}\n"),
            "lint-dir",
        ),
        Case(
            "FIFO beside a good Dockerfile, lint",
            _both(_fifo("compose.yaml"), _write("Dockerfile", "FROM alpine:3.19\nUSER app\n")),
            "lint-dir",
        ),
    ]


def _operation(case: Case, root: Path) -> Callable[[], object]:
    from mosaic_sdk.release import ReleaseEvidence, select_deployment_target
    from mosaic_sdk.standards import lint_paths

    if case.call == "lint-dir":
        return lambda: lint_paths(root, root=root)
    if case.call.startswith("lint-file:"):
        rel = case.call.split(":", 1)[1]
        return lambda: lint_paths(root / rel, root=root)
    if case.call == "evidence-tasks":
        evidence = ReleaseEvidence(root, issue=1, short_name="hostile")
        return lambda: evidence.mark_blocked("web prod", release="v1", reason="r", next_step="s")
    if case.call == "evidence-changelog":
        evidence = ReleaseEvidence(root, issue=1, short_name="hostile")
        return lambda: evidence.add_release_note("k", "note")
    if case.call == "select":
        return lambda: select_deployment_target(root)
    raise AssertionError(case.call)


def _child(case: Case, root: Path, sender: Connection) -> None:
    try:
        _operation(case, root)()
    except MosaicError as exc:
        sender.send(("typed", f"{type(exc).__name__}: {str(exc)[:160]}"))
    except BaseException as exc:
        sender.send(("other", f"{type(exc).__name__}: {str(exc)[:160]}"))
    else:
        sender.send(("ok", ""))


def run_case(case: Case, root: Path, *, deadline: float = DEADLINE) -> Outcome:
    """Build ``case`` in the empty directory ``root``, run its call and classify it.

    The call runs in a forked child process, killed (by its own handle) at the
    deadline: a thread cannot be stopped, and a runaway regex never releases the GIL,
    so only a process boundary tells a hang from slow work reliably.
    """
    case.build(root)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(case, root, sender), daemon=True)
    started = time.perf_counter()
    child.start()
    sender.close()
    try:
        ready = receiver.poll(deadline)
        seconds = time.perf_counter() - started
        if not ready:
            return Outcome(case.name, "hang", f"still running after {deadline:.0f} s", seconds)
        try:
            kind, detail = receiver.recv()
        except EOFError:  # the child died without answering (killed by the OOM killer...)
            return Outcome(case.name, "other", f"child exited {child.exitcode}", seconds)
        return Outcome(case.name, kind, detail, seconds)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)


def run_all(base: Path, *, deadline: float = DEADLINE) -> Iterator[Outcome]:
    """Run every case, each in its own directory under ``base``."""
    import mosaic_sdk.release
    import mosaic_sdk.standards  # noqa: F401 - imported once, not in every child

    for number, case in enumerate(cases()):
        root = base / f"case-{number:02d}"
        root.mkdir()
        yield run_case(case, root, deadline=deadline)
