"""Decide where a repository deploys: Coolify, Portainer, Vercel, docker compose or
Kubernetes.

:func:`select_deployment_target` reads the repository (never the network) and stops at
the first pass that decides:

1. **Explicit** - ``docs/PRD.md``, ``docs/PRD.json`` and ``docs/DEPLOYMENT.md`` (any
   letter case) may name the target the way teams write it: YAML front matter
   (``deployment_target: vercel``, ``deployment: {target: vercel}``), a Markdown table row
   (``| Deployment target | Vercel |``) or a ``Target`` column, a label line
   (``Deployment target: Coolify``, ``**Target:** Portainer``, ``- Hosting platform -
   Vercel``), a ``## Deployment target`` section, or a sentence ("We deploy to Coolify.",
   "Production runs on Portainer."); in JSON, a ``deployment_target`` /
   ``deploymentTarget`` key or ``{"deployment": {"target": ...}}`` at any depth. Labels,
   tables and front matter outrank sentences. Negations ("We do not use Vercel.", "Coolify,
   not Vercel", "we moved off Vercel") rule a target out everywhere, also in the
   inferred pass. Declarations that disagree, an unknown name (quoted whole:
   ``'Fly.io'``), or a line that mentions the deployment target but cannot be read are
   errors that quote the line.
2. **CI** - a pipeline (GitHub Actions, GitLab CI, Woodpecker) that deploys to a
   platform is strong evidence: a call to Coolify's deploy API (``/api/v1/deploy``) or its
   webhook, a Portainer stack or service webhook, ``vercel deploy`` / ``vercel --prod`` or a
   Vercel action. When it contradicts a declaration the answer is an error naming both;
   when it contradicts the configuration, CI's target wins and the rationale says so.
3. **Inferred** - project configuration: ``vercel.json`` or ``.vercel/`` (Vercel);
   Coolify markers in compose files (``coolify.*`` labels, Coolify's ``SERVICE_FQDN_*`` /
   ``SERVICE_URL_*`` magic variables) or ``COOLIFY_*`` variables in env files; Portainer
   markers (``io.portainer.*`` labels, ``PORTAINER_*`` variables). A plain compose file
   or Kubernetes manifests count only when no platform marker exists; a pipeline that runs
   ``docker compose up`` or ``kubectl apply`` breaks a tie between them.

A monorepo whose apps (``apps/*``, ``packages/*``, ``services/*``, ``sites/*``) deploy to
different targets is an error that gives each app's answer and how to ask per app.
Anything still ambiguous, or nothing found, is a
:class:`~mosaic_sdk.errors.ConfigurationError` that lists every candidate with its
evidence and says how to declare the target.
"""

from __future__ import annotations

import enum
import html
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._files import read_bytes_capped
from mosaic_sdk._render import FieldsRepr, JSONResult, TextRepr, md_code, md_escape
from mosaic_sdk.errors import ConfigurationError, InvalidValueError

__all__ = ["TargetCandidate", "TargetKind", "TargetSelection", "select_deployment_target"]


class TargetKind(TextRepr, enum.Enum):
    """Where a repository can deploy (each has a deployment target in
    :mod:`mosaic_sdk.providers`)."""

    COOLIFY = "coolify"
    PORTAINER = "portainer"
    VERCEL = "vercel"
    COMPOSE = "compose"
    KUBERNETES = "kubernetes"


_ALIASES: dict[str, TargetKind] = {
    "coolify": TargetKind.COOLIFY,
    "portainer": TargetKind.PORTAINER,
    "vercel": TargetKind.VERCEL,
    "compose": TargetKind.COMPOSE,
    "docker-compose": TargetKind.COMPOSE,
    "docker compose": TargetKind.COMPOSE,
    "kubernetes": TargetKind.KUBERNETES,
    "k8s": TargetKind.KUBERNETES,
}
_PLATFORMS = frozenset({TargetKind.COOLIFY, TargetKind.PORTAINER, TargetKind.VERCEL})
_EXPLICIT_FILES = ("docs/PRD.md", "docs/PRD.json", "docs/DEPLOYMENT.md")
_SKIP_DIRS = frozenset(
    {".git", "node_modules", ".venv", "venv", "vendor", "dist", "build", "__pycache__", ".tox"}
)
_APP_DIRS = ("apps", "packages", "services", "sites")
_MAX_DEPTH = 3
_MAX_BYTES = 512 * 1024

# -- reading the docs -------------------------------------------------------------------

_LABELS = (
    r"deployment[ _-]?target|deploy[ _-]?target|target[ _-]?platform|target[ _-]?environment"
    r"|deployment[ _-]?platform|deploy[ _-]?platform|hosting[ _-]?platform|hosting[ _-]?provider"
    r"|deployment[ _-]?provider|hosted[ _-](?:on|at|with)|deployed[ _-](?:to|on|with|via)"
    r"|deploys[ _-](?:to|on|with|via)|deploy[ _-](?:to|on|with|via)|runs[ _-]on"
    r"|hosting|platform|provider|deployment|target"
)
# Labels that are often something else in a PRD ("Platform: Web, iOS", "Deployment:
# automatic on merge"): only a known target name counts there.
_WEAK_LABELS = frozenset({"hosting", "platform", "provider", "deployment", "target environment"})
_EMPH = r"(?:\*\*|__|\*|_)?"
_LABEL_LINE = re.compile(
    rf"^\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+)?(?:\[[ xX]\]\s+)?{_EMPH}\s*(?P<label>{_LABELS})\s*"
    rf"{_EMPH}\s*(?P<sep>:|=|->|=>|→|\u2014|\u2013|\s-\s)\s*{_EMPH}\s*(?P<value>.*?)\s*$",
    re.IGNORECASE,
)
_TARGET_HEADING = re.compile(
    r"^#{1,6}\s+(?:\d+[.)]?\s+)?(?:deployment|deploy|hosting|target)[ _-]?(?:target|platform)"
    r"\s*#*\s*$",
    re.IGNORECASE,
)
_ALIAS_WORD = re.compile(
    r"(?<![\w./-])(coolify|portainer|vercel|docker[ -]compose|compose|kubernetes|k8s)"
    r"(?![\w-]|\.(?:json|ya?ml|io|com)\b)",
    re.IGNORECASE,
)
# A line that talks about the deployment target: when nothing on it could be read, the
# error quotes it rather than claiming the file declares nothing.
_MENTIONS_TARGET = re.compile(
    r"deploy(?:ment)?[ _-]?target|hosting[ _-]?platform|deployment[ _-]?platform", re.IGNORECASE
)
_BOUNDARY = re.compile(
    r"[.;!?()\[\],|]|\s[\u2014\u2013-]\s|\b(?:but|and|while|whereas|then|so)\b", re.IGNORECASE
)
_NEGATION_BEFORE = re.compile(
    r"\bnot\b|n't\b|\bnever\b|\bno longer\b|\bno\s|\bnor\b|\binstead of\b|\brather than\b"
    r"|\b(?:moved|moving|migrated|migrating|switched|switching)\s+(?:away\s+)?(?:from|off)\b"
    r"|\baway from\b|\boff of\b|\bformerly\b|\bpreviously\b|\bused to\b|\bdropped\b"
    r"|\bretired\b|\bdeprecated\b|\breplac\w*\b(?!\s+by\b)|\bwithout\b|\bavoid\w*\b",
    re.IGNORECASE,
)
_NEGATION_AFTER = re.compile(
    r"^\W*(?:is|are|was|were|has been|have been)\s+(?:not\b|no longer\b|never\b|dropped\b"
    r"|retired\b|deprecated\b|replaced\b|gone\b|out\b)|^\W*(?:isn't|aren't|wasn't)\b",
    re.IGNORECASE,
)
_POSITIVE_CUE = re.compile(
    r"\b(?:deploy\w*|ship\w*|host\w*|runs?\s+on|running\s+on|served?\s+(?:from|by|on)"
    r"|lives?\s+on|released?\s+(?:to|on)|goes\s+to|production|prod)\b",
    re.IGNORECASE,
)
# In DEPLOYMENT.md the whole document is about deploying: "We use Coolify." counts.
_DEPLOYMENT_DOC_CUE = re.compile(r"\b(?:use[sd]?|using|via|on|with|through)\b", re.IGNORECASE)
_NEUTRAL = re.compile(
    r"\blocal(?:ly|host)?\b|\bdevelopment\b|\bdev\b|\btests?\b|\btesting\b|\bpreviews?\b"
    r"|\bci\b|\bexample\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"^(?:tbd|tbc|todo|\?+|n/?a|none|-+|unknown|undecided)\W*$", re.I)
_NOT_A_NAME = re.compile(
    r"^(?:q[1-4]|h[12]|\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|end\b|mid\b"
    r"|early\b|late\b|users?\b|audience\b|customers?\b)",
    re.IGNORECASE,
)
_NAME = re.compile(r"[^\s,;()\[\]|]+(?:\s+[A-Z0-9][^\s,;()\[\]|]*)*")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_FRONT_KEY = re.compile(
    r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[\w][\w .-]*?)\s*:(?:\s+(?P<value>.*))?$"
)

Strength = Literal["label", "sentence"]


@attrs.frozen
class _Claim:
    """One thing a docs file says about the target."""

    kind: TargetKind | None  # None: a name that is not a known target
    name: str  # as written
    where: str  # file:line
    line: str  # the line, for messages
    strength: Strength = "label"
    negative: bool = False


@attrs.frozen
class _DocReading:
    claims: list[_Claim] = attrs.field(factory=list)
    unread: list[tuple[str, str]] = attrs.field(factory=list)  # (where, line)


def _clean(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return text.replace("**", "").replace("__", "").replace("`", "").strip(" \t*_\"'")


def _alias_kind(word: str) -> TargetKind:
    return _ALIASES[word.lower().replace("docker-compose", "docker compose")]


def _mentions(text: str) -> list[tuple[TargetKind, bool, int, int]]:
    """Every target named in ``text``: ``(kind, negative, start, end)``.

    A mention is negative when a negation ("not", "no longer", "instead of", "moved off")
    stands between it and the previous mention or the start of its clause, or follows it
    ("Vercel is no longer used"). ``Vercel or Coolify`` after a negation shares it.
    """
    found: list[tuple[TargetKind, bool, int, int]] = []
    boundaries = [m.end() for m in _BOUNDARY.finditer(text)]
    for match in _ALIAS_WORD.finditer(text):
        start, end = match.span()
        clause = max((b for b in boundaries if b <= start), default=0)
        previous = found[-1] if found and found[-1][3] > clause else None
        segment = text[previous[3] if previous else clause : start]
        after = text[end:]
        stop = _BOUNDARY.search(after)
        after = after[: stop.start()] if stop else after
        if previous is not None and re.fullmatch(r"\s*(?:or|nor|/|,)\s*", segment, re.I):
            negative = previous[1]
        else:
            negative = bool(_NEGATION_BEFORE.search(segment)) or (
                previous is None and bool(_NEGATION_BEFORE.search(text[clause:start]))
            )
        if _NEGATION_AFTER.search(after):
            negative = True
        found.append((_alias_kind(match.group(1)), negative, start, end))
    return found


def _value_claims(value: str, where: str, line: str, *, weak: bool) -> list[_Claim] | None:
    """Claims from the value of a label (``Coolify (self-hosted)``, ``Fly.io``); None
    when the value says nothing readable about a target."""
    text = _clean(value)
    if not text:
        return None
    mentions = _mentions(text)
    if mentions:
        return [
            _Claim(kind, text[start:end], where, line, "label", negative)
            for kind, negative, start, end in mentions
        ]
    if weak or _NOT_A_NAME.match(text):
        return []
    if _PLACEHOLDER.match(text):
        return [_Claim(None, text, where, line)]
    name = _NAME.match(text)
    return [_Claim(None, (name.group(0) if name else text).rstrip(".:"), where, line)]


def _decode_lines(data: bytes, rel: str, reading: _DocReading) -> list[str]:
    lines: list[str] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            reading.unread.append((f"{rel}:{number}", raw.decode("utf-8", "replace")))
            lines.append("")
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    return lines


def _read_doc(path: Path, rel: str) -> bytes | None:
    try:
        return read_bytes_capped(path, max_bytes=_MAX_BYTES, what=rel)
    except FileNotFoundError:
        return None


def _front_matter(lines: list[str], rel: str, reading: _DocReading) -> int:
    """Read YAML front matter (``---`` ... ``---``); return the first body line index."""
    if not lines or lines[0].strip() != "---":
        return 0
    parents: list[tuple[int, str]] = []
    for index in range(1, len(lines)):
        line = lines[index]
        if line.strip() in ("---", "..."):
            return index + 1
        match = _FRONT_KEY.match(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        indent = len(match.group("indent"))
        while parents and parents[-1][0] >= indent:
            parents.pop()
        key = match.group("key").strip().lower().replace("_", " ").replace("-", " ")
        value = (match.group("value") or "").split(" #", 1)[0].strip()
        parents.append((indent, key))
        if not value or value in ("|", ">"):
            continue
        path = [k for _i, k in parents]
        label = _front_label(path)
        if label is None:
            continue
        if value.startswith("[") and value.endswith("]"):
            value = value[1:-1]
        found = _value_claims(value, f"{rel}:{index + 1}", line.strip(), weak=label in _WEAK_LABELS)
        if found:
            reading.claims.extend(found)
        elif found is None:
            reading.unread.append((f"{rel}:{index + 1}", line.strip()))
    return 0  # no closing marker: not front matter


def _front_label(path: list[str]) -> str | None:
    key = path[-1]
    parent = path[-2] if len(path) > 1 else ""
    if re.fullmatch(_LABELS, key, re.IGNORECASE):
        if key in ("target", "platform", "provider") and parent in ("deployment", "deploy"):
            return "deployment target"
        return key if key != "deployment" or not parent else None
    if parent in ("deployment", "deploy", "hosting") and key in ("target", "platform", "provider"):
        return "deployment target"
    return None


def _table_cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if not stripped.startswith("|"):
        return None
    return [c.strip() for c in stripped.strip("|").split("|")]


def _markdown(path: Path, rel: str) -> _DocReading:
    reading = _DocReading()
    data = _read_doc(path, rel)
    if data is None:
        return reading
    lines = _decode_lines(data, rel, reading)
    deployment_doc = rel.lower().endswith("deployment.md")
    start = _front_matter(lines, rel, reading)
    fenced = False
    comment = False
    header: list[str] | None = None
    skip_until = start
    for index in range(start, len(lines)):
        line = lines[index]
        number = index + 1
        where = f"{rel}:{number}"
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or index < skip_until:
            continue
        if comment or line.lstrip().startswith("<!--"):
            comment = "-->" not in line
            continue
        cells = _table_cells(line)
        if cells is not None:
            header = _table_row(cells, header, where, line, reading)
            continue
        header = None
        if _TARGET_HEADING.match(line.strip()):
            section = _section(lines, index, rel, reading)
            skip_until = section
            continue
        if line.lstrip().startswith("#"):
            continue
        match = _LABEL_LINE.match(line)
        if match is not None:
            label = re.sub(r"[ _-]+", " ", match.group("label").lower())
            value = match.group("value")
            if not _clean(value) and match.group("sep") == ":":
                value, skip_until = _next_paragraph(lines, index)
            found = _value_claims(value, where, line.strip(), weak=label in _WEAK_LABELS)
            if found:
                reading.claims.extend(found)
                continue
            if found is None or not (label in _WEAK_LABELS or label == "target"):
                if _MENTIONS_TARGET.search(line) and not found:
                    reading.unread.append((where, line.strip()))
                continue
        before = len(reading.claims)
        _sentences(line, where, reading, deployment_doc=deployment_doc)
        if len(reading.claims) == before and _MENTIONS_TARGET.search(line):
            reading.unread.append((where, line.strip()))
    return reading


def _next_paragraph(lines: list[str], index: int) -> tuple[str, int]:
    """The value of ``**Deployment target:**`` written on the following line."""
    for following in range(index + 1, min(index + 3, len(lines))):
        if lines[following].strip():
            return lines[following], following + 1
    return "", index + 1


def _table_row(
    cells: list[str], header: list[str] | None, where: str, line: str, reading: _DocReading
) -> list[str] | None:
    if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
        return header  # the |---|---| separator
    first = _clean(cells[0]).lower().rstrip(":")
    label = re.fullmatch(_LABELS, first, re.IGNORECASE) if first else None
    if label is not None and len(cells) >= 2:
        key = re.sub(r"[ _-]+", " ", first)
        found = _value_claims(cells[1], where, line.strip(), weak=key in _WEAK_LABELS)
        if found:
            reading.claims.extend(found)
        elif found is None and _MENTIONS_TARGET.search(first):
            reading.unread.append((where, line.strip()))
        return header
    if header is None:
        return cells  # a header row: remember the column names
    for column, name in enumerate(header):
        key = re.sub(r"[ _-]+", " ", _clean(name).lower())
        if column < len(cells) and re.fullmatch(_LABELS, key, re.IGNORECASE):
            found = _value_claims(cells[column], where, line.strip(), weak=key in _WEAK_LABELS)
            if found:
                reading.claims.extend(found)
    return header


def _section(lines: list[str], heading: int, rel: str, reading: _DocReading) -> int:
    """Read the first paragraph under a ``## Deployment target`` heading; return the
    index after it."""
    paragraph: list[tuple[int, str]] = []
    end = heading + 1
    for index in range(heading + 1, len(lines)):
        line = lines[index]
        end = index
        if line.lstrip().startswith("#"):
            break
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append((index + 1, line))
        end = index + 1
    before = len(reading.claims)
    for number, line in paragraph:
        text = _clean(line)
        reading.claims.extend(
            _Claim(kind, text[s:e], f"{rel}:{number}", line.strip(), "label", negative)
            for kind, negative, s, e in _mentions(text)
        )
    if len(reading.claims) == before:
        quoted = paragraph[0] if paragraph else (heading + 1, lines[heading])
        reading.unread.append((f"{rel}:{quoted[0]}", quoted[1].strip()))
    return end


def _sentences(line: str, where: str, reading: _DocReading, *, deployment_doc: bool) -> None:
    text = _clean(re.sub(r"^\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+)?", "", line))
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        mentions = _mentions(sentence)
        if not mentions:
            continue
        cue = _POSITIVE_CUE.search(sentence) or (
            deployment_doc and _DEPLOYMENT_DOC_CUE.search(sentence)
        )
        for kind, negative, start, end in mentions:
            clause_start = max(
                (m.end() for m in _BOUNDARY.finditer(sentence) if m.end() <= start), default=0
            )
            stop = _BOUNDARY.search(sentence, end)
            clause = sentence[clause_start : stop.start() if stop else len(sentence)]
            if negative:
                reading.claims.append(
                    _Claim(kind, sentence[start:end], where, sentence, "sentence", True)
                )
            elif cue and not _NEUTRAL.search(clause):
                reading.claims.append(
                    _Claim(kind, sentence[start:end], where, sentence, "sentence")
                )


def _json_doc(path: Path, rel: str) -> _DocReading:
    reading = _DocReading()
    data = _read_doc(path, rel)
    if data is None:
        return reading
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{rel} is not valid JSON ({exc}); fix it or remove it") from None
    _json_claims(document, [], rel, reading)
    return reading


_JSON_KEYS = frozenset(
    {"deploymenttarget", "deploytarget", "deploymentplatform", "hostingplatform", "hosting"}
)


def _json_claims(node: Any, path: list[str], rel: str, reading: _DocReading) -> None:
    if len(path) > 6:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            _json_claims(value, [*path, str(key)], rel, reading)
        return
    if not path:
        return
    key = re.sub(r"[^a-z]", "", path[-1].lower())
    parent = re.sub(r"[^a-z]", "", path[-2].lower()) if len(path) > 1 else ""
    if parent.isdigit() or (not parent and len(path) > 1):
        parent = ""
    if not (
        key in _JSON_KEYS
        or (parent in ("deployment", "deploy", "hosting") and key in ("target", "platform"))
    ):
        return
    values = node if isinstance(node, list) else [node]
    where = f"{rel} ({'.'.join(path)})"
    for value in values:
        if isinstance(value, str):
            found = _value_claims(value, where, f"{'.'.join(path)}: {value}", weak=False)
            if found:
                reading.claims.extend(found)
            else:
                reading.unread.append((where, f"{'.'.join(path)}: {value!r}"))
        elif value is not None:
            reading.unread.append((where, f"{'.'.join(path)}: {json.dumps(value)[:80]}"))


# -- reading the configuration and CI ---------------------------------------------------

_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$")
_ENV_NAME = re.compile(r"^(?:\.env(?:\..+)?|.+\.env)$")
_COOLIFY_COMPOSE = re.compile(r"coolify\.[\w.-]+|\bSERVICE_(?:FQDN|URL|PASSWORD|USER|BASE64)_\w+")
_PORTAINER_COMPOSE = re.compile(r"\b(?:io|com)\.portainer\.[\w.-]+")
_COOLIFY_ENV = re.compile(r"^\s*(?:export\s+)?COOLIFY_\w+\s*=", re.MULTILINE)
_PORTAINER_ENV = re.compile(r"^\s*(?:export\s+)?PORTAINER_\w+\s*=", re.MULTILINE)
# Two searches, not one "apiVersion.*?kind" pattern: that one restarted its lazy scan
# to the end of the file from every apiVersion line (160 s for 195 kB of them).
_K8S_API_VERSION = re.compile(r"^apiVersion:\s*\S+", re.M)
_K8S_WORKLOAD_KIND = re.compile(r"^kind:\s*(?:Deployment|StatefulSet|DaemonSet)\b", re.M)


def _is_k8s_manifest(text: str) -> bool:
    """A workload ``kind:`` line after an ``apiVersion:`` line, in linear time."""
    first = _K8S_API_VERSION.search(text)
    return first is not None and _K8S_WORKLOAD_KIND.search(text, first.end()) is not None


# A pipeline that deploys to a platform (strong evidence). Sources: Coolify's API route
# `GET|POST /api/v1/deploy` (coolify routes/api.php) and its "Deploy webhook" URL; Portainer's
# stack webhooks `POST /api/stacks/webhooks/{id}` and service webhooks `POST /api/webhooks/
# {id}` (portainer api/http/handler/stacks, webhooks); the Vercel CLI's `deploy` command,
# which is also what a bare `vercel --prod` runs.
_CI_DEPLOYS: dict[TargetKind, re.Pattern[str]] = {
    TargetKind.VERCEL: re.compile(
        r"\bvercel(?:@[\w.^~-]+)?\s+(?:deploy\b|--prod\b|--prebuilt\b|--token\b|-t\b|promote\b"
        r"|alias\b)|uses:\s*[\w.-]+/[\w.-]*vercel[\w.-]*",
        re.IGNORECASE,
    ),
    TargetKind.COOLIFY: re.compile(
        r"/api/v1/deploy\b|coolify\w*webhook|/api/v1/applications/\S+/(?:restart|start)"
        r"|uses:\s*[\w.-]+/[\w.-]*coolify[\w.-]*",
        re.IGNORECASE,
    ),
    TargetKind.PORTAINER: re.compile(
        r"/api/stacks/webhooks/|portainer\w*webhook|portainer\S*/api/(?:webhooks|stacks)\b"
        r"|\bPORTAINER_\w*URL\w*\S*/api/|uses:\s*[\w.-]+/[\w.-]*portainer[\w.-]*",
        re.IGNORECASE,
    ),
}
# Generic deploy commands: they only break a tie between plain compose and Kubernetes
# (a test job runs `docker compose up` too).
_CI_GENERIC: dict[TargetKind, re.Pattern[str]] = {
    TargetKind.COMPOSE: re.compile(
        r"docker[ -]compose\b[^\n]*\bup\b|docker\s+stack\s+deploy", re.IGNORECASE
    ),
    TargetKind.KUBERNETES: re.compile(
        r"kubectl\s+(?:apply|rollout|set\s+image)|helm\s+(?:upgrade|install)|kustomize\s+build"
        r"|argocd\s+app",
        re.IGNORECASE,
    ),
}

Method = Literal["explicit", "inferred", "ci"]


@attrs.frozen
class TargetCandidate(FieldsRepr, JSONResult):
    """One target the repository could deploy to, with the evidence for it.

    Attributes:
        kind: the target.
        evidence: where it showed up (``"vercel.json"``, ``"compose.yaml:12: coolify..."``).
        ci: CI files that deploy to it (``".github/workflows/deploy.yml:30"``).
        platform: True for platform markers (Coolify, Portainer, Vercel), False for a
            plain compose file or manifests.
    """

    kind: TargetKind
    evidence: tuple[str, ...]
    ci: tuple[str, ...] = ()
    platform: bool = True

    def describe(self) -> str:
        """``vercel (vercel.json; CI: .github/workflows/deploy.yml:12)``."""
        parts = "; ".join(self.evidence[:3]) or "no configuration"
        ci = f"; wired in CI: {', '.join(self.ci[:2])}" if self.ci else "; not wired in CI"
        return f"{self.kind.value} ({parts}{ci})"


@attrs.frozen
class TargetSelection(JSONResult):
    """Where the repository deploys, and why.

    Attributes:
        kind: the chosen target.
        method: ``explicit`` (declared in the docs), ``inferred`` (one candidate in the
            configuration) or ``ci`` (a pipeline deploys there).
        source: the file (and line) that decided it.
        rationale: the reasoning, in a sentence or two.
        candidates: every candidate found in the configuration (also for explicit
            choices, so a mismatch can be spotted).
    """

    kind: TargetKind
    method: Method
    source: str
    rationale: str
    candidates: tuple[TargetCandidate, ...] = ()

    def __str__(self) -> str:
        lines = [f"deployment target: {self.kind.value} ({self.method}, {self.source})",
                 f"  {self.rationale}"]  # fmt: skip
        lines += [f"  candidate: {c.describe()}" for c in self.candidates]
        return "\n".join(lines)

    @safe_repr
    def __repr__(self) -> str:
        return f"<TargetSelection {self.kind.value} ({self.method}, {self.source})>"

    @property
    def ok(self) -> bool:
        """Always True: a repository whose target cannot be told raises instead."""
        return True

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(c.describe())}</li>" for c in self.candidates)
        return (
            f"<p><b>Deployment target: {html.escape(self.kind.value)}</b> "
            f"({html.escape(self.method)}, <code>{html.escape(self.source)}</code>)</p>"
            f"<p>{html.escape(self.rationale)}</p>" + (f"<ul>{items}</ul>" if items else "")
        )

    def _repr_markdown_(self) -> str:
        lines = [
            f"**Deployment target: {self.kind.value}** ({self.method}, {md_code(self.source)})",
            "",
            md_escape(self.rationale),
        ]
        if self.candidates:
            lines += ["", *(f"- {md_escape(c.describe())}" for c in self.candidates)]
        return "\n".join(lines)


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    """Files up to ``_MAX_DEPTH`` levels deep, skipping vendored and build folders."""
    for current, dirs, files in os.walk(root):
        rel_dir = Path(current).relative_to(root)
        depth = len(rel_dir.parts)
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and depth < _MAX_DEPTH)
        if ".vercel" in dirs:
            yield Path(current) / ".vercel", (rel_dir / ".vercel").as_posix() + "/"
        for name in sorted(files):
            path = Path(current) / name
            yield path, (rel_dir / name).as_posix()


def _first_line(text: str, pattern: re.Pattern[str]) -> tuple[int, str] | None:
    match = pattern.search(text)
    if match is None:
        return None
    number = text.count("\n", 0, match.start()) + 1
    return number, match.group(0).strip()[:60]


def _config_text(path: Path, rel: str) -> str:
    """A configuration file's text; a FIFO, device, huge or non-UTF-8 file reads as empty
    (its name still counts) and is noted."""
    try:
        data = read_bytes_capped(path, max_bytes=_MAX_BYTES, what=rel)
    except (FileNotFoundError, InvalidValueError):
        return ""
    return data.decode("utf-8", "replace")


def _inferred(root: Path) -> dict[TargetKind, list[str]]:
    found: dict[TargetKind, list[str]] = {}

    def add(kind: TargetKind, evidence: str) -> None:
        found.setdefault(kind, []).append(evidence)

    for path, rel in _walk(root):
        name = path.name
        if rel.endswith(".vercel/") or name in ("vercel.json", "now.json"):
            add(TargetKind.VERCEL, rel)
        elif _COMPOSE_NAME.match(name):
            text = _config_text(path, rel)
            add(TargetKind.COMPOSE, rel)
            for kind, pattern in ((TargetKind.COOLIFY, _COOLIFY_COMPOSE),
                                  (TargetKind.PORTAINER, _PORTAINER_COMPOSE)):  # fmt: skip
                hit = _first_line(text, pattern)
                if hit:
                    add(kind, f"{rel}:{hit[0]}: {hit[1]}")
        elif _ENV_NAME.match(name):
            text = _config_text(path, rel)
            for kind, pattern in ((TargetKind.COOLIFY, _COOLIFY_ENV),
                                  (TargetKind.PORTAINER, _PORTAINER_ENV)):  # fmt: skip
                hit = _first_line(text, pattern)
                if hit:
                    add(kind, f"{rel}:{hit[0]}: {hit[1].rstrip('=').strip()}")
        elif name in ("kustomization.yaml", "kustomization.yml", "Chart.yaml"):
            add(TargetKind.KUBERNETES, rel)
        elif name.endswith((".yaml", ".yml")) and not rel.startswith(
            (".github/", ".gitlab", ".woodpecker")
        ):
            text = _config_text(path, rel)
            if _is_k8s_manifest(text):
                add(TargetKind.KUBERNETES, rel)
    return found


def _ci_files(root: Path) -> list[tuple[Path, str]]:
    files: list[tuple[Path, str]] = []
    for folder in (".github/workflows", ".woodpecker"):
        directory = root / folder
        if directory.is_dir():
            files += [(p, f"{folder}/{p.name}") for p in sorted(directory.iterdir())
                      if p.suffix in (".yml", ".yaml")]  # fmt: skip
    for name in (".gitlab-ci.yml", ".gitlab-ci.yaml", ".woodpecker.yml", ".woodpecker.yaml"):
        if (root / name).is_file():
            files.append((root / name, name))
    return files


def _ci_wiring(
    root: Path,
) -> tuple[dict[TargetKind, list[str]], dict[TargetKind, list[str]]]:
    """``(platform deploys, generic deploys)``: kind -> ``["file:line", ...]``."""
    strong: dict[TargetKind, list[str]] = {}
    generic: dict[TargetKind, list[str]] = {}
    for path, rel in _ci_files(root):
        text = _config_text(path, rel)
        # Comments are not wiring: "# we used to deploy with vercel deploy".
        text = re.sub(r"(?m)^\s*#.*$", "", text)
        for table, patterns in ((strong, _CI_DEPLOYS), (generic, _CI_GENERIC)):
            for kind, pattern in patterns.items():
                hit = _first_line(text, pattern)
                if hit:
                    table.setdefault(kind, []).append(f"{rel}:{hit[0]}")
    return strong, generic


# -- deciding ---------------------------------------------------------------------------


def _declare_hint() -> str:
    return (
        "declare it in docs/DEPLOYMENT.md with a line such as 'Deployment target: coolify' "
        f"(one of {', '.join(k.value for k in TargetKind)})"
    )


def _docs(root: Path) -> dict[str, Path]:
    """The explicit files present, matched without regard to letter case."""
    docs = root / "docs"
    if not docs.is_dir():
        return {}
    wanted = {Path(rel).name.lower(): rel for rel in _EXPLICIT_FILES}
    found: dict[str, Path] = {}
    for entry in sorted(docs.iterdir()):
        rel = wanted.get(entry.name.lower())
        if rel is not None and rel not in found:
            found[rel] = entry
    return {rel: found[rel] for rel in _EXPLICIT_FILES if rel in found}


def _quote(line: str) -> str:
    return repr(line if len(line) <= 100 else line[:97] + "...")


def _explicit(
    readings: list[_DocReading],
) -> tuple[tuple[TargetKind, str, str] | None, dict[TargetKind, _Claim]]:
    """``((kind, where, why) or None, {negated kind: the claim})``."""
    claims = [c for r in readings for c in r.claims]
    negated: dict[TargetKind, _Claim] = {}
    for claim in claims:
        if claim.negative and claim.kind is not None:
            negated.setdefault(claim.kind, claim)
    known = ", ".join(k.value for k in TargetKind)
    for claim in claims:
        if claim.kind is None:
            raise ConfigurationError(
                f"{claim.where} names the deployment target {claim.name!r}, which is not one "
                f"of {known} (the line reads {_quote(claim.line)}); write one of those names"
            )
    for strength in ("label", "sentence"):
        positive = [c for c in claims if c.strength == strength and not c.negative]
        if not positive:
            continue
        kinds = {c.kind for c in positive if c.kind is not None}
        first: dict[TargetKind, _Claim] = {}
        for claim in positive:
            assert claim.kind is not None
            first.setdefault(claim.kind, claim)
        if len(kinds) > 1 and len({c.where for c in first.values()}) == 1:
            where = next(iter(first.values())).where
            names = ", ".join(sorted(k.value for k in kinds))
            raise ConfigurationError(
                f"{where} names several targets ({names}) in {_quote(positive[0].line)}; "
                "name exactly one, or rule the others out ('not vercel')"
            )
        if len(kinds) > 1:
            listed = "; ".join(f"{c.where} says {k.value}" for k, c in first.items())
            what = "disagree on" if strength == "label" else "name several candidates for"
            raise ConfigurationError(
                f"the docs {what} the deployment target: {listed}; make them name the "
                "same target with one line such as 'Deployment target: "
                f"{next(iter(first)).value}'"
            )
        kind = next(iter(kinds))
        chosen = first[kind]
        if kind in negated:
            against = negated[kind]
            raise ConfigurationError(
                f"the docs contradict themselves: {chosen.where} says {kind.value} "
                f"({_quote(chosen.line)}) but {against.where} rules it out "
                f"({_quote(against.line)}); correct one of them"
            )
        why = (
            f"{chosen.where} declares the deployment target {kind.value}."
            if strength == "label"
            else f"{chosen.where} says {_quote(chosen.line)}."
        )
        return (kind, chosen.where, why), negated
    return None, negated


def _app_of(rel: str) -> str | None:
    parts = rel.split("/")
    if len(parts) >= 3 and parts[0] in _APP_DIRS:
        return f"{parts[0]}/{parts[1]}"
    return None


def _monorepo_answers(root: Path, inferred: dict[TargetKind, list[str]]) -> dict[str, str]:
    """``{app dir: its answer}`` when apps deploy to different targets, else ``{}``."""
    apps: dict[str, set[TargetKind]] = {}
    for kind, evidence in inferred.items():
        for item in evidence:
            app = _app_of(item.split(":", 1)[0])
            if app is not None:
                apps.setdefault(app, set()).add(kind)
    if len(apps) < 2:
        return {}
    best = {
        app: frozenset(k for k in kinds if k in _PLATFORMS) or frozenset(kinds)
        for app, kinds in apps.items()
    }
    if len(set(best.values())) < 2:
        return {}
    answers: dict[str, str] = {}
    for app in sorted(apps):
        try:
            answers[app] = str(select_deployment_target(root / app)).splitlines()[0]
        except ConfigurationError as exc:
            answers[app] = f"undecided: {exc}"
    return answers


def select_deployment_target(repo_dir: str | os.PathLike[str]) -> TargetSelection:
    """Decide where the repository at ``repo_dir`` deploys (see the module docs).

    Raises:
        InvalidValueError: ``repo_dir`` is not a directory, or a docs file is not a regular
            file (a FIFO, a device) or is larger than 512 KiB.
        ConfigurationError: an explicit declaration names an unknown target, the docs
            disagree or contradict themselves, or a docs line about the target cannot be
            read (the message quotes it); CI deploys somewhere the docs rule out or do
            not declare; the apps of a monorepo deploy to different targets (the message
            gives each app's answer); several candidates fit and CI does not single one
            out; or nothing points to any target. The message lists the candidates and
            their evidence and says how to declare the target.

    Example:
        >>> select_deployment_target(".")  # doctest: +SKIP
        TargetSelection(kind=<TargetKind.VERCEL: 'vercel'>, method='inferred', ...)
    """
    root = Path(repo_dir)
    if not root.is_dir():
        raise InvalidValueError(
            os.fspath(repo_dir), "is not a directory", "pass the repository's root directory"
        )
    inferred = _inferred(root)
    strong, generic = _ci_wiring(root)
    wiring = {k: strong.get(k, []) + generic.get(k, []) for k in TargetKind}
    readings = [
        _json_doc(path, rel) if rel.endswith(".json") else _markdown(path, rel)
        for rel, path in _docs(root).items()
    ]
    declared, negated = _explicit(readings)
    unread = [u for r in readings for u in r.unread]
    candidates = tuple(
        TargetCandidate(kind, tuple(evidence), tuple(wiring.get(kind, ())), kind in _PLATFORMS)
        for kind, evidence in sorted(inferred.items(), key=lambda item: item[0].value)
    )
    apps = _monorepo_answers(root, inferred)
    if apps and (declared is None or len(apps) > 1):
        listed = "; ".join(f"{app}: {answer}" for app, answer in apps.items())
        said = f" ({declared[1]} declares {declared[0].value} for the whole repository)" if (
            declared
        ) else ""  # fmt: skip
        raise ConfigurationError(
            f"this is a monorepo whose apps deploy to different targets{said}: {listed}; "
            "ask for each app's target in its own directory "
            f"(select_deployment_target('{next(iter(apps))}'), mosaic target "
            f"{next(iter(apps))})"
        )
    if declared is not None:
        kind, where, why = declared
        contrary = {k: v for k, v in strong.items() if k is not kind}
        if contrary and kind not in strong:
            listed = "; ".join(
                f"{', '.join(v[:2])} deploys to {k.value}" for k, v in contrary.items()
            )
            raise ConfigurationError(
                f"the docs and CI disagree on the deployment target: {where} declares "
                f"{kind.value} but {listed}; correct the declaration or the pipeline"
            )
        note = ""
        others = [c.kind.value for c in candidates if c.platform and c.kind is not kind]
        if others:
            note = f" The configuration also shows {', '.join(others)}; the declaration wins."
        return TargetSelection(
            kind=kind, method="explicit", source=where, rationale=why + note,
            candidates=candidates,
        )  # fmt: skip
    if unread:
        listed = "; ".join(f"{where}: {_quote(line)}" for where, line in unread[:3])
        raise ConfigurationError(
            f"could not read the deployment target from the docs: {listed}; rewrite the line "
            "as 'Deployment target: <name>' (one of "
            f"{', '.join(k.value for k in TargetKind)})"
        )
    for kind, claim in negated.items():
        if kind in strong:
            raise ConfigurationError(
                f"the docs and CI disagree: {claim.where} rules out {kind.value} "
                f"({_quote(claim.line)}) but {', '.join(strong[kind][:2])} deploys to it; "
                "correct the docs or the pipeline"
            )
    ruled_out = [c for c in candidates if c.kind in negated]
    pool_all = [c for c in candidates if c.kind not in negated]
    excluded = ""
    if ruled_out:
        excluded = (
            " "
            + "; ".join(f"{negated[c.kind].where} rules out {c.kind.value}" for c in ruled_out)
            + "."
        )
    if strong:
        return _by_ci(strong, pool_all, candidates, excluded)
    platform = [c for c in pool_all if c.platform]
    pool = platform or pool_all
    if not pool:
        if ruled_out:
            raise ConfigurationError(
                f"no deployment target is left in {str(root)!r}:{excluded} Nothing else "
                f"points to a target; {_declare_hint()}"
            )
        raise ConfigurationError(
            f"no deployment target found in {str(root)!r}: no declaration in "
            f"{', '.join(_EXPLICIT_FILES)}, no vercel.json/.vercel, no Coolify or Portainer "
            f"markers, no compose file or Kubernetes manifest, no pipeline that deploys; "
            f"{_declare_hint()}"
        )
    if len(pool) == 1:
        only = pool[0]
        weak = "" if only.platform else " (no platform marker; a plain deployment file)"
        return TargetSelection(
            kind=only.kind,
            method="inferred",
            source=only.evidence[0].split(":", 1)[0],
            rationale=f"only {only.kind.value} fits the configuration{weak}: "
            f"{'; '.join(only.evidence[:3])}.{excluded}",
            candidates=candidates,
        )
    wired = [c for c in pool if c.ci]
    if len(wired) == 1:
        winner = wired[0]
        losers = ", ".join(c.kind.value for c in pool if c is not winner)
        return TargetSelection(
            kind=winner.kind,
            method="ci",
            source=winner.ci[0],
            rationale=f"{len(pool)} targets fit the configuration ({winner.kind.value}, {losers}); "
            f"CI deploys to {winner.kind.value} ({', '.join(winner.ci[:2])}), so it wins."
            f"{excluded}",
            candidates=candidates,
        )
    why = "CI deploys to several of them" if len(wired) > 1 else "no CI pipeline deploys to any"
    listed = "; ".join(c.describe() for c in pool)
    raise ConfigurationError(
        f"cannot choose a deployment target: {len(pool)} fit ({listed}) and {why}; "
        f"{_declare_hint()}"
    )


def _by_ci(
    strong: dict[TargetKind, list[str]],
    pool: list[TargetCandidate],
    candidates: tuple[TargetCandidate, ...],
    excluded: str,
) -> TargetSelection:
    """A pipeline deploys to a platform: that decides, unless it deploys to several."""
    kinds = set(strong)
    if len(kinds) > 1:
        configured = {c.kind for c in pool if c.platform} & kinds
        if len(configured) != 1:
            listed = "; ".join(f"{k.value} ({', '.join(v[:2])})" for k, v in strong.items())
            fits = "; ".join(c.describe() for c in pool if c.platform) or "no platform marker"
            raise ConfigurationError(
                f"cannot choose a deployment target: CI deploys to several of them ({listed}) "
                f"and the configuration shows {fits}; {_declare_hint()}"
            )
        kinds = configured
    kind = next(iter(kinds))
    where = strong[kind]
    platform = [c for c in pool if c.platform]
    others = [c for c in platform if c.kind is not kind]
    if not platform or not others:
        if any(c.kind is kind for c in platform):
            names = ", ".join(c.kind.value for c in pool)
            head = (
                f"{len(pool)} targets fit the configuration ({names}); "
                if len(pool) > 1
                else f"the configuration shows {kind.value}; "
            )
        else:
            head = "no platform marker in the configuration; "
        rationale = f"{head}CI deploys to {kind.value} ({', '.join(where[:2])}), so it wins."
    else:
        names = ", ".join(f"{c.kind.value} ({'; '.join(c.evidence[:2])})" for c in others)
        listed = ", ".join(c.kind.value for c in platform)
        rationale = (
            f"{len(platform)} targets fit the configuration ({listed}); "
            f"CI deploys to {kind.value} ({', '.join(where[:2])}), so it wins over the "
            f"configuration's {names}."
        )
    return TargetSelection(
        kind=kind, method="ci", source=where[0], rationale=rationale + excluded,
        candidates=candidates,
    )  # fmt: skip
