"""Frozen models returned by :class:`~mosaic_sdk.vault.SecretStore`.

A secret's values never appear in a repr: :class:`SecretData` prints its field names
with every value masked, and every value read or written is also registered with the
redactor (see :func:`~mosaic_sdk.observability.register_secret`).
"""

from __future__ import annotations

import datetime as _dt
import html
import re
import types
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from mosaic_sdk._core._redact import MASK
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import FieldsRepr, JSONResult, md_code, md_escape
from mosaic_sdk.values import VaultPath

__all__ = [
    "AuditFinding",
    "AuditReport",
    "Secret",
    "SecretData",
    "SecretVersion",
]


class SecretData(Mapping[str, str]):
    """The fields of a secret: an immutable ``str -> str`` mapping whose repr masks values.

    ``data["password"]`` returns the real value; ``repr(data)`` and ``str(data)`` show
    ``SecretData({'password': '***', 'username': '***'})``.
    """

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, str] | None = None) -> None:
        self._fields: Mapping[str, str] = types.MappingProxyType(dict(fields or {}))

    def __getitem__(self, key: str) -> str:
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._fields) == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._fields.items()))

    @safe_repr
    def __repr__(self) -> str:
        masked = ", ".join(f"{key!r}: {MASK!r}" for key in sorted(self._fields))
        return f"SecretData({{{masked}}})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        return (SecretData, (dict(self._fields),))


def _secret_data(value: Mapping[str, str]) -> SecretData:
    return value if isinstance(value, SecretData) else SecretData(value)


def _frozen_mapping(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return types.MappingProxyType(dict(value or {}))


# The date-time part is spelled out: a looser ``[^.Z+]+`` swallowed a negative offset
# ("-01:00") into it, and the time was then read as UTC.
_VAULT_TIME = re.compile(
    r"(?P<base>\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d)(?:\.(?P<frac>\d+))?(?P<tz>[Zz]|[+-]\d\d:\d\d)?"
)


def parse_vault_time(text: object) -> _dt.datetime | None:
    """Parse Vault's RFC 3339 timestamps (nanosecond precision, ``Z``); ``""`` is ``None``.

    Returns ``None`` for an empty or missing value (Vault's "not deleted").

    Raises:
        ValueError: ``text`` is not a Vault timestamp.
    """
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a timestamp")
    match = _VAULT_TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an RFC 3339 timestamp")
    frac = (match.group("frac") or "")[:6].ljust(6, "0")
    tz = (match.group("tz") or "Z").upper()
    moment = _dt.datetime.fromisoformat(
        f"{match.group('base')[:10]}T{match.group('base')[11:]}.{frac}"
    )
    offset = _dt.timezone.utc if tz == "Z" else _dt.datetime.strptime(tz, "%z").tzinfo
    return moment.replace(tzinfo=offset)


@attrs.frozen
class SecretVersion(FieldsRepr):
    """One version of a KV v2 secret, as Vault's metadata describes it.

    Attributes:
        version: the version number, from 1.
        created_time: when the version was written (UTC).
        deletion_time: when it was (or will be) soft-deleted, ``None`` if not deleted.
        destroyed: the data was permanently destroyed.
        is_current: this is the secret's current version.
    """

    version: int
    created_time: _dt.datetime | None
    deletion_time: _dt.datetime | None = None
    destroyed: bool = False
    is_current: bool = False

    @property
    def deleted(self) -> bool:
        """The version is soft-deleted (recoverable) or destroyed (gone)."""
        return self.destroyed or self.deletion_time is not None

    def __str__(self) -> str:
        state = "destroyed" if self.destroyed else "deleted" if self.deleted else "live"
        current = ", current" if self.is_current else ""
        created = self.created_time.isoformat() if self.created_time else "unknown"
        return f"v{self.version} ({state}{current}, created {created})"


@attrs.frozen
class Secret(FieldsRepr):
    """A secret read from (or just written to) Vault.

    Attributes:
        path: where it lives.
        data: its fields; values are masked in reprs (``secret.data["password"]`` or
            ``secret["password"]`` return the real value).
        version: the KV v2 version number; ``None`` on a KV v1 mount.
        metadata: the version's metadata; ``None`` on a KV v1 mount.
        custom_metadata: the secret's KV v2 custom metadata (not secret, not masked).
    """

    path: VaultPath
    data: SecretData = attrs.field(converter=_secret_data)
    version: int | None = None
    metadata: SecretVersion | None = None
    custom_metadata: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen_mapping, eq=False, hash=False
    )

    def __getitem__(self, field: str) -> str:
        """The value of ``field``; raises ``KeyError`` when the secret lacks it."""
        return self.data[field]

    def __str__(self) -> str:
        version = f" v{self.version}" if self.version is not None else ""
        return f"{self.path}{version} {self.data!r}"


@attrs.frozen
class AuditFinding(FieldsRepr):
    """One departure from the canonical structure, with how to fix it.

    Attributes:
        path: the Vault path concerned, as found (it may not be canonical).
        field: the field concerned, or ``None`` when the problem is the path itself.
        problem: what is wrong.
        fix: what to do instead.
    """

    path: str
    field: str | None
    problem: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.path} [{self.field}]" if self.field is not None else self.path
        return f"{where}: {self.problem}; fix: {self.fix}"


@attrs.frozen
class AuditReport(JSONResult):
    """The result of :meth:`SecretStore.audit <mosaic_sdk.vault.SecretStore.audit>`.

    Attributes:
        mount: the mount walked.
        kv_version: its KV version (1 or 2).
        paths: every secret path found, sorted.
        findings: every problem found, in path order.
    """

    mount: str
    kv_version: int
    paths: tuple[str, ...]
    findings: tuple[AuditFinding, ...]

    @property
    def ok(self) -> bool:
        """No finding: every path and field follows the canonical structure."""
        return not self.findings

    @property
    def paths_with_findings(self) -> tuple[str, ...]:
        """The paths that need fixing, sorted, each once."""
        return tuple(sorted({finding.path for finding in self.findings}))

    def by_path(self) -> Mapping[str, tuple[AuditFinding, ...]]:
        """Findings grouped by path, in path order."""
        grouped: dict[str, list[AuditFinding]] = {}
        for finding in self.findings:
            grouped.setdefault(finding.path, []).append(finding)
        return types.MappingProxyType({path: tuple(items) for path, items in grouped.items()})

    def __str__(self) -> str:
        return "\n".join([self._header(), *(f"  - {finding}" for finding in self.findings)])

    def _header(self) -> str:
        return (
            f"audit of {self.mount} (KV v{self.kv_version}): {len(self.paths)} secrets, "
            f"{len(self.findings)} findings"
        )

    @safe_repr
    def __repr__(self) -> str:
        return f"<AuditReport {self._header()}>"

    def _repr_markdown_(self) -> str:
        head = f"**{_md(self._header())}**"
        if not self.findings:
            return head + "\n"
        rows = "\n".join(
            f"| {md_code(f.path)} | {_md(f.field or '')} | {_md(f.problem)} | {_md(f.fix)} |"
            for f in self.findings
        )
        return f"{head}\n\n| path | field | problem | fix |\n|---|---|---|---|\n{rows}\n"

    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(self._header())}</b></p>"
        if not self.findings:
            return head
        rows = "".join(
            f"<tr><td><code>{html.escape(f.path)}</code></td><td>{html.escape(f.field or '')}"
            f"</td><td>{html.escape(f.problem)}</td><td>{html.escape(f.fix)}</td></tr>"
            for f in self.findings
        )
        return (
            f"{head}<table><thead><tr><th>path</th><th>field</th><th>problem</th><th>fix</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )


def _md(text: str) -> str:
    return md_escape(text)
