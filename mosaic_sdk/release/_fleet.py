"""Retention across a registry: the configuration file, the protections, the values.

A fleet plan covers every repository of a registry's catalog, or those matching include
and exclude :class:`~mosaic_sdk.release.NamePattern` texts. Each repository gets its
policy from a :class:`FleetConfig`: the ``defaults`` table, then every ``overrides``
entry whose ``repositories`` patterns match it, in file order (a later entry wins for
the keys it sets). The I/O is written once in ``release/_async/fleet.py``
(:class:`~mosaic_sdk.release.AsyncRetentionFleet`, with the generated
:class:`~mosaic_sdk.release.RetentionFleet`); this module holds what does none.

Protection: digests that deployment targets report running are protected in every
repository (the same bytes under another name are kept too); digests named by
:class:`~mosaic_sdk.release.PromotionRecord` files in a records folder, promoted within
the rollback window, are protected in the record's repository - both the digest the
pointer moved to and the one it moved from, which a rollback would redeploy. Every
decision a protection makes names the target or the record file.

The configuration file (TOML, or YAML with the same structure)::

    [defaults]                      # any RetentionPolicy setting
    sha_max_age = "14d"             # a duration, 0, or "never"
    rc_max_age = "30d"
    keep_latest_rcs = 3
    keep_finals_per_major = 5       # omit to keep every final release
    keep_patterns = ["lts-*"]
    delete_patterns = ["re:pr-[0-9]+", "nightly-*"]

    [repositories]
    include = ["team/**"]           # default: every repository of the catalog
    exclude = ["team/legacy-*"]

    [[overrides]]
    repositories = ["team/api", "payments/*"]
    sha_max_age = "7d"
"""

from __future__ import annotations

import html
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._files import read_text_capped
from mosaic_sdk._render import FieldsRepr, JSONResult, html_table, md_escape, md_table
from mosaic_sdk.errors import InvalidValueError, PolicyFileError, RetentionError
from mosaic_sdk.release._promotion import PromotionRecord
from mosaic_sdk.release._retention import (
    DeletionOutcome,
    DigestDeletion,
    NamePattern,
    RetentionPlan,
    RetentionPolicy,
    RetentionResult,
    Verdict,
    _days,
    _short,
    _text_table,
    first_match,
)
from mosaic_sdk.values import Digest

__all__ = [
    "FleetConfig",
    "FleetOutcome",
    "FleetPlan",
    "FleetProgress",
    "FleetResult",
    "FleetSection",
    "PolicyOverride",
    "Protection",
    "load_promotion_records",
    "record_protections",
]

#: ``progress(done, total, repository, outcome)``: called after each digest of a fleet
#: apply; ``done`` and ``total`` count digests across all repositories.
FleetProgress = Callable[[int, int, str, DeletionOutcome], None]

# A config file past this size is not one.
_MAX_CONFIG_BYTES = 1024 * 1024
# A promotion record is a few hundred bytes.
_MAX_RECORD_BYTES = 1024 * 1024

_POLICY_KEYS = (
    "sha_max_age",
    "rc_max_age",
    "keep_latest_rcs",
    "keep_finals_per_major",
    "keep_patterns",
    "delete_patterns",
)
_TOP_KEYS = ("defaults", "repositories", "overrides")
_SELECTION_KEYS = ("include", "exclude")


# -- the configuration file -------------------------------------------------------------


def _suggest(key: str, known: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}known keys: {', '.join(known)}"


def _check_keys(path: str, where: str, table: object, known: Sequence[str]) -> Mapping[str, Any]:
    if not isinstance(table, Mapping):
        raise PolicyFileError(
            path,
            where,
            f"is not a table (it is a {type(table).__name__})",
            f"write it as a table of {', '.join(known)}",
        )
    for key in table:
        if key not in known:
            name = f"{where}.{key}" if where else str(key)
            raise PolicyFileError(path, name, "is not a known key", _suggest(str(key), known))
    return table


def _age(path: str, key: str, value: object) -> timedelta | None:
    from mosaic_sdk.observability import parse_duration

    fix = "write a duration such as '14d' or '12h', 0, or 'never'"
    if value == 0 and not isinstance(value, bool):
        return timedelta(0)
    if not isinstance(value, str):
        raise PolicyFileError(path, key, f"{value!r} is not a duration", fix)
    text = value.strip()
    if text.lower() in ("never", "none"):
        return None
    if text == "0":
        return timedelta(0)
    try:
        return parse_duration(text)
    except InvalidValueError:
        raise PolicyFileError(path, key, f"{value!r} is not a duration", fix) from None


def _count(path: str, key: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PolicyFileError(
            path,
            key,
            f"{value!r} is not an integer >= {minimum}",
            f"write e.g. {key.split('.')[-1]} = 3",
        )
    return value


def _pattern_list(path: str, key: str, value: object) -> tuple[NamePattern, ...]:
    fix = 'write a list of globs or \'re:\' expressions, e.g. ["ci-*", "re:pr-[0-9]+"]'
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise PolicyFileError(path, key, f"{value!r} is not a list", fix)
    out = []
    for n, item in enumerate(value):
        try:
            out.append(NamePattern.parse(item))
        except InvalidValueError as exc:
            raise PolicyFileError(path, f"{key}[{n}]", exc.reason, exc.fix or fix) from None
    return tuple(out)


def _settings(path: str, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """The RetentionPolicy keyword arguments a table sets, each checked."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{where}.{key}"
        if key in ("sha_max_age", "rc_max_age"):
            out[key] = _age(path, name, value)
        elif key == "keep_latest_rcs":
            out[key] = _count(path, name, value, 0)
        elif key == "keep_finals_per_major":
            out[key] = None if value in ("all", "none") else _count(path, name, value, 1)
        elif key in ("keep_patterns", "delete_patterns"):
            out[key] = _pattern_list(path, name, value)
    return out


@attrs.frozen
class PolicyOverride(FieldsRepr):
    """One ``[[overrides]]`` entry: the repositories it applies to and what it sets.

    Attributes:
        repositories: the patterns a repository must match (any of them).
        settings: the :class:`RetentionPolicy` settings it changes.
        label: where it is in the file, e.g. ``overrides[1]``.
    """

    repositories: tuple[NamePattern, ...]
    settings: Mapping[str, Any]
    label: str

    def applies_to(self, repository: str) -> bool:
        """True when ``repository`` matches one of its patterns."""
        return first_match(self.repositories, repository) is not None


def _pattern_tuple(items: Iterable[str | NamePattern]) -> tuple[NamePattern, ...]:
    if isinstance(items, (str, NamePattern)):
        raise InvalidValueError(
            str(items),
            "patterns are a list, not one pattern",
            f"wrap it in a list: [{str(items)!r}]",
        )
    return tuple(NamePattern.parse(item) for item in items)


def _override_tuple(items: Iterable[PolicyOverride]) -> tuple[PolicyOverride, ...]:
    out = tuple(items)
    for item in out:
        if not isinstance(item, PolicyOverride):
            raise InvalidValueError(
                type(item).__name__, "is not a PolicyOverride", "use FleetConfig.from_dict()"
            )
    return out


@attrs.frozen
class FleetConfig(FieldsRepr):
    """Which repositories a fleet plan covers and the policy of each.

    Attributes:
        defaults: the policy of every repository no override names.
        include: repositories to cover (any pattern); empty covers the whole catalog.
        exclude: repositories left out even when included.
        overrides: per-repository changes, applied in order (later ones win per key).
        source: the file it was read from, if any.

    Example:
        >>> config = FleetConfig.from_text(
        ...     '[defaults]\\nsha_max_age = "7d"\\n'
        ...     '[[overrides]]\\nrepositories = ["team/api"]\\nkeep_latest_rcs = 5\\n',
        ...     "toml",
        ... )
        >>> config.policy_for("team/api")[0].keep_latest_rcs
        5
        >>> config.policy_for("team/web")[1]
        ('defaults',)
    """

    defaults: RetentionPolicy = attrs.field(factory=RetentionPolicy)
    include: tuple[NamePattern, ...] = attrs.field(default=(), converter=_pattern_tuple)
    exclude: tuple[NamePattern, ...] = attrs.field(default=(), converter=_pattern_tuple)
    overrides: tuple[PolicyOverride, ...] = attrs.field(default=(), converter=_override_tuple)
    source: str | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FleetConfig:
        """Read a TOML (``.toml``) or YAML (``.yaml``/``.yml``) configuration file.

        Raises:
            PolicyFileError: the file cannot be read or parsed, or names an unknown key
                or a bad value; the message names the file, the key and the fix.
        """
        name = str(path)
        suffix = Path(name).suffix.lower()
        if suffix == ".toml":
            kind: Literal["toml", "yaml"] = "toml"
        elif suffix in (".yaml", ".yml"):
            kind = "yaml"
        else:
            raise PolicyFileError(
                name, "", "is neither TOML nor YAML", "name it *.toml, *.yaml or *.yml"
            )
        try:
            text = read_text_capped(path, max_bytes=_MAX_CONFIG_BYTES, what="retention config")
        except FileNotFoundError:
            raise PolicyFileError(name, "", "does not exist", "pass the path of the file") from None
        except (OSError, InvalidValueError) as exc:
            raise PolicyFileError(
                name, "", f"cannot be read ({exc})", "pass a readable file"
            ) from None
        return cls.from_text(text, kind, source=name)

    @classmethod
    def from_text(
        cls, text: str, kind: Literal["toml", "yaml"], *, source: str = "<text>"
    ) -> FleetConfig:
        """Parse configuration text (see :meth:`load`)."""
        data: object
        if kind == "toml":
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # Python 3.10: the same parser, from PyPI
                import tomli as tomllib
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise PolicyFileError(
                    source, "", f"is not TOML ({exc})", "fix the syntax"
                ) from None
        elif kind == "yaml":
            from ruamel.yaml import YAML
            from ruamel.yaml.error import YAMLError

            try:
                data = YAML(typ="safe", pure=True).load(text)
            except YAMLError as exc:
                problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise PolicyFileError(
                    source, "", f"is not YAML ({problem})", "fix the syntax"
                ) from None
        else:
            raise InvalidValueError(kind, "is not a config format", "pass 'toml' or 'yaml'")
        return cls.from_dict({} if data is None else data, source=source)

    @classmethod
    def from_dict(cls, data: object, *, source: str = "<dict>") -> FleetConfig:
        """Build from the parsed document (see the module documentation for its keys)."""
        top = _check_keys(source, "", data, _TOP_KEYS)
        defaults_table = _check_keys(source, "defaults", top.get("defaults", {}), _POLICY_KEYS)
        defaults_settings = _settings(source, "defaults", defaults_table)
        defaults = _policy(source, "defaults", defaults_settings, RetentionPolicy())
        selection = _check_keys(
            source, "repositories", top.get("repositories", {}), _SELECTION_KEYS
        )
        include = _pattern_list(source, "repositories.include", selection.get("include", []))
        exclude = _pattern_list(source, "repositories.exclude", selection.get("exclude", []))
        entries = top.get("overrides", [])
        if not isinstance(entries, list):
            raise PolicyFileError(
                source,
                "overrides",
                "is not a list of tables",
                "write [[overrides]] tables (TOML) or a list under overrides: (YAML)",
            )
        overrides = []
        for n, entry in enumerate(entries):
            label = f"overrides[{n}]"
            table = _check_keys(source, label, entry, ("repositories", *_POLICY_KEYS))
            if "repositories" not in table:
                raise PolicyFileError(
                    source,
                    f"{label}.repositories",
                    "is missing",
                    'say which repositories it changes, e.g. repositories = ["team/api"]',
                )
            patterns = _pattern_list(source, f"{label}.repositories", table["repositories"])
            settings = _settings(
                source, label, {k: v for k, v in table.items() if k != "repositories"}
            )
            _policy(source, label, settings, defaults)
            overrides.append(PolicyOverride(patterns, settings, label))
        return cls(defaults, include, exclude, overrides, source)

    def selects(self, repository: str) -> bool:
        """True when the fleet covers ``repository`` (included and not excluded)."""
        if self.include and first_match(self.include, repository) is None:
            return False
        return first_match(self.exclude, repository) is None

    def policy_for(self, repository: str) -> tuple[RetentionPolicy, tuple[str, ...]]:
        """The policy of ``repository`` and where it came from (``defaults`` and the
        labels of the overrides applied)."""
        settings: dict[str, Any] = {}
        labels = ["defaults"]
        for override in self.overrides:
            if override.applies_to(repository):
                settings.update(override.settings)
                labels.append(override.label)
        policy = attrs.evolve(self.defaults, **settings) if settings else self.defaults
        return policy, tuple(labels)

    def with_selection(
        self, include: Iterable[str | NamePattern] = (), exclude: Iterable[str | NamePattern] = ()
    ) -> FleetConfig:
        """This configuration with more include and exclude patterns (command-line ones)."""
        return attrs.evolve(
            self,
            include=self.include + _pattern_tuple(include),
            exclude=self.exclude + _pattern_tuple(exclude),
        )


def _policy(
    source: str, where: str, settings: Mapping[str, Any], base: RetentionPolicy
) -> RetentionPolicy:
    try:
        return attrs.evolve(base, **settings)
    except InvalidValueError as exc:
        raise PolicyFileError(source, where, exc.reason, exc.fix) from None


# -- protection ------------------------------------------------------------------------


@attrs.frozen
class Protection(FieldsRepr):
    """A digest retention must keep, and who says so.

    Attributes:
        digest: the protected digest.
        kind: ``"target"`` (a deployment target runs it), ``"record"`` (a promotion
            record in the rollback window names it) or ``"given"`` (passed in).
        source: the target name or the record file.
        reason: the words a decision repeats (``runs on target web``).
        repository: the repository it protects in; ``None``: in every repository.
    """

    digest: Digest
    kind: Literal["target", "record", "given"]
    source: str
    reason: str
    repository: str | None = None

    def applies_to(self, repository: str) -> bool:
        """True when it protects in ``repository``."""
        return self.repository is None or self.repository == repository

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "digest": str(self.digest),
            "kind": self.kind,
            "source": self.source,
            "reason": self.reason,
            "repository": self.repository,
        }


def load_promotion_records(
    folder: str | os.PathLike[str],
) -> list[tuple[str, PromotionRecord]]:
    """Every ``*.json`` promotion record under ``folder`` (recursively), with its path,
    sorted by path (``mosaic promote --record FILE`` writes them).

    Raises:
        RetentionError: the folder does not exist, or a file in it is not a promotion
            record (a record retention cannot read could name a digest a rollback needs;
            move other files out of the folder).
    """
    root = Path(folder)
    if not root.is_dir():
        raise RetentionError(
            f"the records folder {str(root)!r} is not a directory; pass the folder "
            "'mosaic promote --record' writes into"
        )
    out = []
    for path in sorted(root.rglob("*.json")):
        if not path.is_file():
            continue
        try:
            text = read_text_capped(path, max_bytes=_MAX_RECORD_BYTES, what="promotion record")
            record = PromotionRecord.from_json(text)
        except (OSError, InvalidValueError) as exc:
            raise RetentionError(
                f"{str(path)!r} in the records folder is not a promotion record ({exc}); "
                "nothing was planned - fix it or move it out of the folder"
            ) from None
        out.append((str(path), record))
    return out


def record_protections(
    records: Iterable[tuple[str, PromotionRecord]], now: datetime, window: timedelta
) -> list[Protection]:
    """The digests records promoted within ``window`` before ``now`` name: where the
    pointer went and where it was (a rollback's target), each in the record's repository."""
    out = []
    cutoff = now - window
    for path, record in records:
        if record.at < cutoff:
            continue
        when = record.at.strftime("%Y-%m-%d %H:%M UTC")
        named = [("promoted to", record.digest_after), ("rolled back to", record.digest_before)]
        for role, digest in named:
            if digest is None:
                continue
            verb = "promoted" if role == "promoted to" else "the rollback target"
            out.append(
                Protection(
                    digest=digest,
                    kind="record",
                    source=path,
                    reason=(
                        f"named by promotion record {path} ({record.tag}: {verb}, {when}, "
                        f"within the {_days(window)} rollback window)"
                    ),
                    repository=record.repository,
                )
            )
    return out


def protections_for(protections: Iterable[Protection], repository: str) -> dict[Digest, str]:
    """``{digest: why}`` of the protections that apply in ``repository``."""
    out: dict[Digest, str] = {}
    for item in protections:
        if item.applies_to(repository):
            out[item.digest] = (
                f"{out[item.digest]}; {item.reason}" if item.digest in out else item.reason
            )
    return out


# -- the plan ---------------------------------------------------------------------------


@attrs.frozen
class FleetSection(FieldsRepr):
    """One repository of a fleet plan: its plan, or why it has none.

    Attributes:
        repository: the repository.
        policy_source: where its policy came from (``defaults``, ``overrides[0]``...).
        plan: the :class:`RetentionPlan`, or ``None`` when planning failed.
        error: why planning failed (nothing of it will be deleted), else ``None``.
    """

    repository: str
    policy_source: tuple[str, ...]
    plan: RetentionPlan | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the repository was planned."""
        return self.plan is not None

    def summary(self) -> str:
        """The plan's summary line, or the failure."""
        if self.plan is None:
            return f"{self.repository}: FAILED, nothing planned: {self.error}"
        return self.plan.summary()


@attrs.frozen
class FleetPlan(JSONResult):
    """A retention plan for many repositories of one registry; nothing has changed yet.

    Attributes:
        registry: the registry, for humans (its URL or the layout path).
        now: the reference time every repository was planned against (UTC).
        sections: one :class:`FleetSection` per repository, sorted by name.
        protections: every :class:`Protection` found (targets, records, given).
        skipped: catalog repositories the include/exclude patterns left out.
    """

    registry: str
    now: datetime
    sections: tuple[FleetSection, ...]
    protections: tuple[Protection, ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every repository was planned."""
        return all(s.ok for s in self.sections)

    @property
    def plans(self) -> tuple[RetentionPlan, ...]:
        """The plans of the repositories that were planned."""
        return tuple(s.plan for s in self.sections if s.plan is not None)

    @property
    def deletions(self) -> tuple[DigestDeletion, ...]:
        """Every planned deletion of the fleet, repository by repository."""
        return tuple(d for p in self.plans for d in p.deletions)

    @property
    def failed(self) -> tuple[FleetSection, ...]:
        """The repositories whose planning failed."""
        return tuple(s for s in self.sections if not s.ok)

    def section(self, repository: str) -> FleetSection:
        """The section of ``repository``; :class:`KeyError` if it is not in the plan."""
        for item in self.sections:
            if item.repository == repository:
                return item
        raise KeyError(repository)

    def plan(self, repository: str) -> RetentionPlan:
        """The plan of ``repository``; :class:`KeyError` if it has none."""
        found = self.section(repository).plan
        if found is None:
            raise KeyError(repository)
        return found

    def totals(self) -> dict[str, int]:
        """Counts over the fleet: repositories, failed, tags, keep, delete, digests."""
        return {
            "repositories": len(self.sections),
            "failed": len(self.failed),
            "tags": sum(len(p.decisions) for p in self.plans),
            "keep": sum(len(p.to_keep) for p in self.plans),
            "delete": sum(len(p.to_delete) for p in self.plans),
            "digests": sum(len(p.deletions) for p in self.plans),
        }

    def summary(self) -> str:
        """One line with the totals."""
        t = self.totals()
        failed = f", {t['failed']} FAILED" if t["failed"] else ""
        left = f" ({len(self.skipped)} left out by the patterns)" if self.skipped else ""
        return (
            f"{self.registry}: {t['repositories']} repositories{left}{failed}, {t['tags']} "
            f"tags, keep {t['keep']}, delete {t['delete']} ({t['digests']} digests)"
        )

    def _repository_rows(self) -> list[tuple[str, str, str, str, str, str, str]]:
        rows = []
        for s in self.sections:
            policy = ", ".join(s.policy_source)
            if s.plan is None:
                rows.append((s.repository, "-", "-", "-", "-", policy, f"FAILED: {s.error}"))
                continue
            p = s.plan
            rows.append(
                (
                    s.repository,
                    str(len(p.decisions)),
                    str(len(p.to_keep)),
                    str(len(p.to_delete)),
                    str(len(p.deletions)),
                    policy,
                    "ok",
                )
            )
        return rows

    def _protection_rows(self) -> list[tuple[str, str, str]]:
        return [
            (_short(p.digest), p.repository or "(every repository)", p.reason)
            for p in self.protections
        ]

    _REPO_HEADERS = ("REPOSITORY", "TAGS", "KEEP", "DELETE", "DIGESTS", "POLICY", "STATUS")

    def table(self) -> str:
        """The per-repository totals as a fixed-width text table."""
        return _text_table(self._REPO_HEADERS, self._repository_rows())

    def text(self, *, verdict: Verdict | None = None) -> str:
        """The summary, the per-repository table, the protections, then each
        repository's plan table (optionally only ``"keep"`` or ``"delete"`` rows)."""
        parts = [self.summary(), self.table()]
        if self.protections:
            parts += ["", "protected digests:"]
            parts.append(
                _text_table(("DIGEST", "REPOSITORY", "PROTECTED BY"), self._protection_rows())
            )
        for s in self.sections:
            parts.append("")
            parts.append(s.summary())
            if s.plan is not None and (verdict is None or s.plan._rows(verdict)):
                parts.append(s.plan.table(verdict=verdict))
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.text()

    @safe_repr
    def __repr__(self) -> str:
        return f"<FleetPlan {self.summary()}>"

    def to_markdown(self, *, verdict: Verdict | None = None) -> str:
        """The summary, the per-repository table, the protections and one section per
        repository, as Markdown (for a CI job summary)."""
        parts = [
            f"**{md_escape(self.summary())}**",
            md_table(
                [h.lower() for h in self._REPO_HEADERS],
                ([md_escape(c) for c in row] for row in self._repository_rows()),
            ),
        ]
        if self.protections:
            parts.append("Protected digests:")
            parts.append(
                md_table(
                    ["digest", "repository", "protected by"],
                    ([md_escape(c) for c in row] for row in self._protection_rows()),
                )
            )
        for s in self.sections:
            parts.append(f"### {md_escape(s.repository)}")
            if s.plan is None:
                parts.append(md_escape(s.summary()))
            else:
                parts.append(s.plan.to_markdown(verdict=verdict))
        return "\n\n".join(parts) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(self.summary())}</b></p>" + html_table(
            [h.lower() for h in self._REPO_HEADERS], self._repository_rows()
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: totals, protections, and each repository's plan document."""
        return {
            "registry": self.registry,
            "ok": self.ok,
            "now": self.now.isoformat(),
            "summary": self.summary(),
            "totals": self.totals(),
            "protections": [p.to_dict() for p in self.protections],
            "skipped": list(self.skipped),
            "repositories": [
                {
                    "repository": s.repository,
                    "ok": s.ok,
                    "policy_source": list(s.policy_source),
                    "error": s.error,
                    "plan": None if s.plan is None else s.plan.to_dict(),
                }
                for s in self.sections
            ],
        }


# -- the result ------------------------------------------------------------------------


@attrs.frozen
class FleetOutcome(FieldsRepr):
    """What a fleet apply did in one repository.

    Attributes:
        repository: the repository.
        result: the :class:`RetentionResult`, or ``None`` when nothing was attempted.
        error: why nothing (or not everything) was done there, else ``None``.
    """

    repository: str
    result: RetentionResult | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the repository's apply ran and every deletion in it succeeded."""
        return self.error is None and self.result is not None and self.result.ok

    def summary(self) -> str:
        """The result's summary line, or the failure."""
        if self.result is None:
            return f"{self.repository}: FAILED: {self.error}"
        line = self.result.summary()
        return line if self.error is None else f"{line}; FAILED: {self.error}"


@attrs.frozen
class FleetResult(JSONResult):
    """What a fleet apply did, repository by repository.

    Attributes:
        registry: the registry, for humans.
        outcomes: one :class:`FleetOutcome` per repository of the plan, sorted by name;
            a repository that failed is reported here, never dropped.
    """

    registry: str
    outcomes: tuple[FleetOutcome, ...]

    @property
    def ok(self) -> bool:
        """True when every repository applied without a failure."""
        return all(o.ok for o in self.outcomes)

    @property
    def failed(self) -> tuple[FleetOutcome, ...]:
        """The repositories where something failed."""
        return tuple(o for o in self.outcomes if not o.ok)

    def outcome(self, repository: str) -> FleetOutcome:
        """The outcome of ``repository``; :class:`KeyError` if it is not in the result."""
        for item in self.outcomes:
            if item.repository == repository:
                return item
        raise KeyError(repository)

    def totals(self) -> dict[str, int]:
        """Counts: repositories, failed, deleted digests and tags, skipped, errors."""
        results = [o.result for o in self.outcomes if o.result is not None]
        return {
            "repositories": len(self.outcomes),
            "failed": len(self.failed),
            "deleted_digests": sum(len(r.deleted) for r in results),
            "deleted_tags": sum(len(r.deleted_tags) for r in results),
            "skipped": sum(len(r.skipped) for r in results),
            "errors": sum(len(r.errors) for r in results),
        }

    def summary(self) -> str:
        """One line with the totals."""
        t = self.totals()
        failed = f", {t['failed']} FAILED" if t["failed"] else ""
        return (
            f"{self.registry}: {t['repositories']} repositories{failed}: deleted "
            f"{t['deleted_digests']} digests ({t['deleted_tags']} tags), skipped "
            f"{t['skipped']}, failed {t['errors']}"
        )

    def _rows(self) -> list[tuple[str, str, str, str, str, str]]:
        rows = []
        for o in self.outcomes:
            r = o.result
            status = "ok" if o.ok else f"FAILED: {o.error}" if o.error else "FAILED"
            if r is None:
                rows.append((o.repository, "-", "-", "-", "-", status))
            else:
                rows.append(
                    (
                        o.repository,
                        str(len(r.deleted)),
                        str(len(r.deleted_tags)),
                        str(len(r.skipped)),
                        str(len(r.errors)),
                        status,
                    )
                )
        return rows

    _HEADERS = ("REPOSITORY", "DELETED", "TAGS", "SKIPPED", "FAILED", "STATUS")

    def __str__(self) -> str:
        parts = [self.summary(), _text_table(self._HEADERS, self._rows())]
        for o in self.outcomes:
            if o.result is not None and o.result.outcomes:
                parts += ["", str(o.result)]
        return "\n".join(parts)

    @safe_repr
    def __repr__(self) -> str:
        return f"<FleetResult {self.summary()}>"

    def to_markdown(self) -> str:
        """The summary and the per-repository table as Markdown."""
        rows = ([md_escape(c) for c in row] for row in self._rows())
        return f"**{md_escape(self.summary())}**\n\n" + md_table(
            [h.lower() for h in self._HEADERS], rows
        )

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(self.summary())}</b></p>" + html_table(
            [h.lower() for h in self._HEADERS], self._rows()
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: totals and each repository's result document."""
        return {
            "registry": self.registry,
            "ok": self.ok,
            "summary": self.summary(),
            "totals": self.totals(),
            "repositories": [
                {
                    "repository": o.repository,
                    "ok": o.ok,
                    "error": o.error,
                    "result": None if o.result is None else o.result.to_dict(),
                }
                for o in self.outcomes
            ],
        }


class FleetCounter:
    """Adds up the per-repository progress of a fleet apply into one ``progress`` call
    (``done`` and ``total`` over the whole fleet); safe from many threads."""

    def __init__(self, progress: FleetProgress | None, total: int) -> None:
        self._progress = progress
        self.total = total
        self.done = 0
        self._lock = threading.Lock()

    def for_repository(self, repository: str) -> Callable[[int, int, DeletionOutcome], None]:
        """The ``progress`` callback of one repository's apply."""

        def step(_done: int, _total: int, outcome: DeletionOutcome) -> None:
            with self._lock:
                self.done += 1
                done = self.done
            if self._progress is not None:
                self._progress(done, self.total, repository, outcome)

        return step


def check_progress(progress: object) -> None:
    """Refuse a ``progress`` that is not callable."""
    if progress is not None and not callable(progress):
        raise InvalidValueError(
            type(progress).__name__,
            "progress must be callable as progress(done, total, repository, outcome)",
            "pass a function, or None",
        )


def registry_label(registry: object) -> str:
    """A name for the registry in summaries: its URL without credentials, or its root."""
    from mosaic_sdk._core._redact import sanitize_url

    for attribute in ("url", "root", "base_url"):
        value = getattr(registry, attribute, None)
        if isinstance(value, (str, Path)) and str(value):
            return sanitize_url(str(value))
    inner = getattr(registry, "wrapped", None)
    if inner is not None and inner is not registry:
        return registry_label(inner)
    return type(registry).__name__
