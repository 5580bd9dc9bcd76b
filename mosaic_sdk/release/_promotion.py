"""Digest promotion: move environment pointers and blue/green slots to an exact digest.

Deploy by digest, promote the exact tested digest. A promotion re-tags the manifest bytes
that were tested - never a rebuild, never a re-serialization - under a pointer tag:
``testing``, ``staging`` and ``prod`` (environments, in that order) or ``blue`` and
``green`` (blue/green slots). Every promotion returns a :class:`PromotionRecord` that can
be stored and handed to a rollback later.

Rules:

* The source is a digest or an immutable tag (``sha-<commit>``, ``vX.Y.Z-rc.N``,
  ``vX.Y.Z``). ``latest`` and ``dev`` raise :class:`~mosaic_sdk.errors.ForbiddenTagError`;
  a pointer tag raises :class:`~mosaic_sdk.errors.PromotionError`, except in the explicit
  form ``promote(from_environment="testing", to="staging")``, which resolves the pointer
  to its digest first.
* Environment order: a digest reaches ``staging`` only once ``testing`` points to it, and
  ``prod`` (or a slot) only once ``staging`` does. ``staging`` is optional: in a
  repository that has no ``staging`` tag, ``prod`` follows ``testing``; a repository that
  never uses it can say so with ``Promotion(..., environments=("testing", "prod"))``, which
  saves the request that finds ``staging`` absent. ``force=True`` skips the check.
* Switching ``prod`` to a slot skips the order check: the slot was checked when the digest
  was deployed to it, and switching back must stay instant.

Registry requests (each Protocol call is one HTTP request on
:class:`~mosaic_sdk.registry.RegistryClient`):

==========================================  ==========================================  ==
promotion                                    requests                                    n
==========================================  ==========================================  ==
digest -> ``testing`` (or ``force=True``)    HEAD target, GET digest, PUT target         3
immutable tag -> ``testing``                 HEAD testing, GET tag, PUT testing          3
digest -> ``staging``                        HEAD staging, GET testing [1]_, PUT         3
digest -> ``prod`` / slot                    HEAD prod, GET staging [1]_, PUT            3
``from_environment`` -> next environment     HEAD target, GET source pointer, PUT        3
``switch("green")``                          HEAD prod, GET green, PUT prod              3
repeat of a digest promotion (no-op)         HEAD target                                 1
digest -> ``prod``, declared without         HEAD prod, GET testing [1]_, PUT            3
``staging`` [2]_
digest -> ``prod``, no ``staging`` tag       HEAD prod, GET staging (404), GET testing,  4
                                             PUT
immutable tag -> ``staging``/``prod``        HEAD target, GET tag, HEAD predecessor,     4
                                             PUT
``testing`` -> ``prod`` (skips staging)      HEAD prod, GET testing, HEAD staging, PUT   4
immutable tag -> ``prod``, no ``staging``    HEAD prod, GET tag, HEAD staging (404),     5
                                             HEAD testing, PUT
==========================================  ==========================================  ==

.. [1] The predecessor is fetched *by tag*: when it points to the source digest, its bytes
   are the source manifest, so one GET both checks the order and provides the bytes.
.. [2] ``Promotion(..., environments=("testing", "prod"))``; also ``testing`` -> ``prod``
   with ``promote_environment``. Undeclared, ``staging`` must be probed first.

The rows above 3 are lower bounds, not slack: a distribution API read names one reference,
and the PUT answer carries only the digest written (never the previous one), so a
promotion costs one request per distinct reference it must read - the target (for
``digest_before`` and the no-op), the predecessor (the order check), the source tag when
the source is a tag, and ``staging`` when its absence has to be established - plus the PUT.
``docs/promotion.md`` ("Why some promotions cost more than 3 requests") gives the argument.

The PUT answer is the verification: the registry's ``Docker-Content-Digest`` must equal the
digest of the bytes sent (:meth:`~mosaic_sdk.registry.ImageRegistry.put_manifest` checks it
and reads the pointer back when the header is missing). ``Promotion(..., verify="resolve")``
adds a HEAD of the target afterwards.

:class:`~mosaic_sdk.release.Promotion` (an :class:`~mosaic_sdk.registry.ImageRegistry`) and
:class:`~mosaic_sdk.release.AsyncPromotion` (an
:class:`~mosaic_sdk.registry.AsyncImageRegistry`, every method awaited) have the same
methods and results; the first is generated from the second (``release/_async/promotion.py``).
This module holds what both share: the records, plans and argument checks. A plan is a pure
value; the promotion that made it applies it:

    >>> from mosaic_sdk.release import Promotion
    >>> from mosaic_sdk.testing import InMemoryRegistry, push_image
    >>> registry = InMemoryRegistry()
    >>> image = push_image(registry, "team/app", "sha-1234567")
    >>> promotion = Promotion(registry, "team/app", actor="ci")
    >>> promotion.promote(image.digest, to="testing").digest_after == image.digest
    True
    >>> plan = promotion.plan_promotion(from_environment="testing", to="prod")
    >>> promotion.apply(plan).tag
    'prod'
    >>> promotion.promote(image.digest, to="prod").noop
    True
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Literal

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import FieldsRepr, JSONResult, md_code, md_escape, md_table
from mosaic_sdk.errors import (
    ForbiddenTagError,
    InvalidValueError,
    PromotionError,
)
from mosaic_sdk.registry._models import Manifest
from mosaic_sdk.registry._names import validate_repository
from mosaic_sdk.release._scan import ScanGate
from mosaic_sdk.values import (
    ENVIRONMENT_TAGS,
    FORBIDDEN_TAGS,
    SLOT_TAGS,
    Digest,
    ImageTag,
    TagKind,
)

__all__ = [
    "PROMOTION_ORDER",
    "BlueGreenState",
    "PromotionPlan",
    "PromotionRecord",
]

#: Environment pointer tags in promotion order; ``staging`` may be skipped when unused.
PROMOTION_ORDER: tuple[str, ...] = ENVIRONMENT_TAGS

_RECORD_SCHEMA = "mosaic.promotion-record/v1"
_OPTIONAL = "staging"
#: PUTs of one pointer, each sent only after reading the pointer back unchanged.
_PUT_ATTEMPTS = 3


#: The environment orders ``Promotion(environments=...)`` accepts: with and without staging.
ENVIRONMENT_ORDERS: tuple[tuple[str, ...], ...] = (
    ("testing", "staging", "prod"),
    ("testing", "prod"),
)


def _check_environments(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    order = tuple(value) if isinstance(value, (list, tuple)) else None
    if order not in ENVIRONMENT_ORDERS:
        raise InvalidValueError(
            value,
            "is not an environment order",
            "pass ('testing', 'staging', 'prod'), or ('testing', 'prod') for a repository "
            "without staging, or None to read it from the registry",
        )
    return order


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _default_actor() -> str:
    for name in ("MOSAIC_ACTOR", "USER", "USERNAME"):
        value = os.environ.get(name)
        if value:
            return value
    return "unknown"


def _as_utc(when: datetime, what: str) -> datetime:
    if not isinstance(when, datetime):
        raise InvalidValueError(
            when, f"{what} must be a datetime", "return datetime.now(timezone.utc)"
        )
    if when.tzinfo is None:
        raise InvalidValueError(
            when.isoformat(),
            f"{what} is a naive datetime (no timezone)",
            "use an aware datetime such as datetime.now(timezone.utc)",
        )
    return when.astimezone(timezone.utc)


def _short(digest: Digest | None) -> str:
    return "(none)" if digest is None else f"{digest.algorithm}:{digest.short}"


def _optional_digest(value: object, field: str) -> Digest | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValueError(value, f"{field} must be a digest string or null", "fix the record")
    return Digest.parse(value)


@attrs.frozen
class PromotionRecord(JSONResult):
    """What one promotion did: enough to audit it and to roll it back.

    Attributes:
        repository: the repository, e.g. ``team/app``.
        tag: the pointer tag that was moved (``staging``, ``prod``, ``blue``...).
        digest_before: where ``tag`` pointed before, ``None`` if it did not exist.
        digest_after: where ``tag`` points now (the promoted digest).
        at: when the promotion happened (UTC).
        actor: who promoted (the ``actor`` argument, else ``$MOSAIC_ACTOR``, else ``$USER``).
        source: what was promoted, as given (``sha256:...``, ``v1.2.3``, ``testing``...).
        noop: True when ``tag`` already pointed to the digest and nothing was written.
        forced: True when the environment order check was skipped with ``force=True``.

    ``to_dict()``/``to_json()`` and ``from_dict()``/``from_json()`` round-trip, so records
    can be stored beside a release and read back by a rollback.
    """

    repository: str
    tag: str
    digest_before: Digest | None
    digest_after: Digest
    at: datetime
    actor: str
    source: str
    noop: bool = False
    forced: bool = False

    @property
    def ok(self) -> bool:
        """Always True: a promotion that did not happen raises instead of returning a
        record (present so every result type answers ``ok``)."""
        return True

    @property
    def changed(self) -> bool:
        """True when the pointer moved (the opposite of :attr:`noop`)."""
        return not self.noop

    @property
    def message(self) -> str:
        """One sentence saying what happened, e.g. for a log line or a chat message."""
        where = f"{self.repository}:{self.tag}"
        if self.noop:
            return f"{where} already points to {self.digest_after}; nothing to do (no-op)"
        before = "was unset" if self.digest_before is None else f"was {self.digest_before}"
        forced = " (forced: environment order not checked)" if self.forced else ""
        return f"{where} -> {self.digest_after} from {self.source} ({before}){forced}"

    def __str__(self) -> str:
        return self.message

    @safe_repr
    def __repr__(self) -> str:
        flags = " (no-op)" if self.noop else (" (forced)" if self.forced else "")
        return (
            f"<PromotionRecord {self.repository}:{self.tag} {_short(self.digest_before)} -> "
            f"{_short(self.digest_after)}{flags} from {self.source} by {self.actor} "
            f"at {self.at.isoformat(timespec='seconds')}>"
        )

    def _rows(self) -> list[tuple[str, str]]:
        before = "(unset)" if self.digest_before is None else str(self.digest_before)
        return [
            ("pointer", f"{self.repository}:{self.tag}"),
            ("before", before),
            ("after", str(self.digest_after)),
            ("source", self.source),
            ("actor", self.actor),
            ("at", self.at.isoformat(timespec="seconds")),
            ("no-op", "yes" if self.noop else "no"),
            ("forced", "yes" if self.forced else "no"),
        ]

    def _repr_markdown_(self) -> str:
        rows = [(name, md_code(value)) for name, value in self._rows()]
        return f"**{md_escape(self.message)}**\n\n" + md_table(["", ""], rows) + "\n"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{name}</th><td><code>{html.escape(value)}</code></td></tr>"
            for name, value in self._rows()
        )
        return f"<p><b>{html.escape(self.message)}</b></p><table>{rows}</table>"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``to_json()`` is its JSON text)."""
        return {
            "schema": _RECORD_SCHEMA,
            "repository": self.repository,
            "tag": self.tag,
            "digest_before": None if self.digest_before is None else str(self.digest_before),
            "digest_after": str(self.digest_after),
            "at": self.at.isoformat(),
            "actor": self.actor,
            "source": self.source,
            "noop": self.noop,
            "forced": self.forced,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PromotionRecord:
        """Read a record written by :meth:`to_dict`; see :meth:`from_json`."""
        return cls.from_json(data)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | bytes) -> PromotionRecord:
        """Read a record written by :meth:`to_json` (its JSON text) or :meth:`to_dict`.

        Raises:
            InvalidValueError: the data is not a promotion record; the message names the
                field that is wrong.
        """
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, depth, digits
                raise InvalidValueError(
                    str(data)[:80], f"is not JSON ({exc})", "pass PromotionRecord.to_json() output"
                ) from None
        if not isinstance(data, Mapping):
            raise InvalidValueError(
                type(data).__name__, "a promotion record is a JSON object", "pass a dict"
            )
        schema = data.get("schema", _RECORD_SCHEMA)
        if schema != _RECORD_SCHEMA:
            raise InvalidValueError(
                schema, "is not a promotion record schema", f"expected {_RECORD_SCHEMA!r}"
            )
        for field in ("repository", "tag", "digest_after", "at", "actor", "source"):
            if not isinstance(data.get(field), str):
                raise InvalidValueError(
                    data.get(field), f"record field {field!r} must be a string", "fix the record"
                )
        try:
            at = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
        except ValueError:
            raise InvalidValueError(
                data["at"], "record field 'at' is not an ISO 8601 time", "fix the record"
            ) from None
        for flag in ("noop", "forced"):
            if not isinstance(data.get(flag, False), bool):
                raise InvalidValueError(
                    data.get(flag), f"record field {flag!r} must be true or false", "fix the record"
                )
        return cls(
            repository=validate_repository(data["repository"]),
            tag=str(data["tag"]),
            digest_before=_optional_digest(data.get("digest_before"), "digest_before"),
            digest_after=Digest.parse(data["digest_after"]),
            at=_as_utc(at, "record field 'at'"),
            actor=str(data["actor"]),
            source=str(data["source"]),
            noop=bool(data.get("noop", False)),
            forced=bool(data.get("forced", False)),
        )


@attrs.frozen
class PromotionPlan(JSONResult):
    """A promotion checked and ready to write: what would move, and why it is allowed.

    Made by :meth:`Promotion.plan_promotion` (or :meth:`AsyncPromotion.plan_promotion`);
    nothing changes until the executor applies it: ``promotion.apply(plan)`` (``await
    apromotion.apply(plan)``). The plan is a pure value - it holds no registry - so it can
    be shown, stored or checked before anything is written. The checks already ran (source
    resolved, environment order verified), so applying costs one PUT - or nothing for a
    no-op.

    Attributes:
        repository: the repository.
        tag: the pointer tag that would move.
        source: the source as given.
        digest: the digest ``tag`` would point to.
        digest_before: where ``tag`` points now (``None`` if unset).
        checks: what was verified, in words (``"staging points to sha256:..."``).
        forced: True when the order check was skipped.
        manifest: the exact manifest bytes that would be written (``None`` for a no-op).
    """

    repository: str
    tag: str
    source: str
    digest: Digest
    digest_before: Digest | None
    checks: tuple[str, ...]
    forced: bool
    manifest: Manifest | None = attrs.field(repr=False, eq=False)

    @property
    def noop(self) -> bool:
        """True when ``tag`` already points to ``digest``: applying writes nothing."""
        return self.digest_before == self.digest

    @property
    def ok(self) -> bool:
        """Always True: a promotion that is not allowed raises instead of giving a plan."""
        return True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the plan (the manifest bytes are left out)."""
        return {
            "repository": self.repository,
            "tag": self.tag,
            "source": self.source,
            "digest": str(self.digest),
            "digest_before": None if self.digest_before is None else str(self.digest_before),
            "checks": list(self.checks),
            "forced": self.forced,
            "noop": self.noop,
        }

    def __str__(self) -> str:
        where = f"{self.repository}:{self.tag}"
        if self.noop:
            head = f"{where} already at {_short(self.digest)} (no-op)"
        else:
            move = f"{_short(self.digest_before)} -> {_short(self.digest)}"
            head = f"{where}: {move} (from {self.source})"
        lines = [head, *(f"  - {check}" for check in self.checks)]
        return "\n".join(lines)

    @safe_repr
    def __repr__(self) -> str:
        return f"<PromotionPlan {str(self).splitlines()[0]}>"

    def _repr_markdown_(self) -> str:
        where = md_code(f"{self.repository}:{self.tag}")
        if self.noop:
            head = f"{where} already points to {md_code(self.digest)} (no-op)"
        else:
            head = (
                f"{where}: {md_code(_short(self.digest_before))} → {md_code(_short(self.digest))} "
                f"(from {md_code(self.source)})"
            )
        return "\n".join([head, "", *(f"- {md_escape(check)}" for check in self.checks)])

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(check)}</li>" for check in self.checks)
        head = html.escape(str(self).splitlines()[0])
        return f"<div><b>{head}</b><ul>{items}</ul></div>"


@attrs.frozen
class BlueGreenState(FieldsRepr, JSONResult):
    """Where the blue/green pointers are.

    Attributes:
        active: the slot ``prod`` points to (``"blue"``/``"green"``), ``None`` when ``prod``
            points to neither.
        idle: the slot the next deployment goes to: the one ``prod`` does not point to;
            when neither slot is live, an empty slot (``blue`` when both are empty), so a
            slot holding an earlier production release is never overwritten while the
            other is free.
        blue: digest of ``blue`` (``None`` if unset).
        green: digest of ``green`` (``None`` if unset).
        prod: digest of ``prod`` (``None`` if unset).
    """

    active: str | None
    idle: str
    blue: Digest | None
    green: Digest | None
    prod: Digest | None

    def digest(self, slot: str) -> Digest | None:
        """The digest of ``slot`` (``"blue"`` or ``"green"``)."""
        if slot not in SLOT_TAGS:
            raise InvalidValueError(slot, "is not a slot", f"use one of {', '.join(SLOT_TAGS)}")
        return self.blue if slot == "blue" else self.green

    def __str__(self) -> str:
        def mark(slot: str) -> str:
            role = "live" if slot == self.active else ("idle" if slot == self.idle else "")
            return f"{slot}={_short(self.digest(slot))}" + (f" ({role})" if role else "")

        return f"prod={_short(self.prod)}  {mark('blue')}  {mark('green')}"

    @property
    def ok(self) -> bool:
        """True when ``prod`` points to one of the slots (a blue/green pair in use)."""
        return self.active is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the slots, ``prod`` and which slot is live and idle."""

        def text(value: Digest | None) -> str | None:
            return None if value is None else str(value)

        return {
            "active": self.active,
            "idle": self.idle,
            "blue": text(self.blue),
            "green": text(self.green),
            "prod": text(self.prod),
        }


def _idle_slot(prod: Digest | None, blue: Digest | None, green: Digest | None) -> str:
    if prod is not None and blue == prod:
        return "green"
    if prod is not None and green == prod:
        return "blue"
    # Neither slot is live: never take a slot that holds a release while the other is empty.
    return "green" if blue is not None and green is None else "blue"


@attrs.frozen
class _Source:
    label: str  # as the caller gave it
    reference: str  # what to GET: a digest string or a tag
    digest: Digest | None  # known up front for digest sources
    pointer: str | None  # the environment/slot pointer for from_environment sources


class _PromotionCore:
    """What :class:`~mosaic_sdk.release.Promotion` and
    :class:`~mosaic_sdk.release.AsyncPromotion` share: argument checks and the pure steps
    of planning (no I/O here; the registry calls live in ``release/_async/promotion.py``)."""

    repository: str
    actor: str
    verify: Literal["put", "resolve"]
    environments: tuple[str, ...] | None
    require_evidence: bool
    scan_gate: ScanGate | None
    _clock: Callable[[], datetime]

    def _configure(
        self,
        repository: str,
        *,
        actor: str | None,
        clock: Callable[[], datetime] | None,
        verify: Literal["put", "resolve"],
        environments: Sequence[str] | None,
        require_evidence: bool = False,
        scan_gate: ScanGate | None = None,
    ) -> None:
        if verify not in ("put", "resolve"):
            raise InvalidValueError(verify, "is not a verification mode", "use 'put' or 'resolve'")
        if actor is not None and (not isinstance(actor, str) or not actor.strip()):
            raise InvalidValueError(actor, "actor must be a non-empty string", "pass e.g. 'ci'")
        self.repository = validate_repository(repository)
        self.actor = actor if actor is not None else _default_actor()
        self._clock = clock or _utc_now
        self.verify = verify
        self.environments = _check_environments(environments)
        if not isinstance(require_evidence, bool):
            raise InvalidValueError(
                require_evidence, "require_evidence must be True or False", "pass True"
            )
        self.require_evidence = require_evidence
        if scan_gate is not None and not isinstance(scan_gate, ScanGate):
            raise InvalidValueError(
                type(scan_gate).__name__,
                "is not a ScanGate",
                "pass scan_gate=ScanGate(reports=['trivy.json'], min_severity='high')",
            )
        self.scan_gate = scan_gate

    def _needs_evidence(self, plan: PromotionPlan) -> bool:
        """Whether ``plan`` moves ``prod`` under ``require_evidence``."""
        return self.require_evidence and plan.tag == "prod" and not plan.noop

    @staticmethod
    def _with_evidence(plan: PromotionPlan, report: Any, scan: Any = None) -> PromotionPlan:
        checks = [
            f"a passing validation report from {report.environment} is attached to "
            f"{plan.digest} ({report.headline()})"
        ]
        if scan is not None:
            checks.append(f"a {scan.format} scan report of {plan.digest} is attached")
        return attrs.evolve(plan, checks=(*plan.checks, *checks))

    def _check_scan(self, target: str, digest: Digest) -> str | None:
        """The scan gate's line for the plan's checks when it guards ``target``, ``None``
        when there is no gate or it does not guard ``target``.

        Raises:
            ScanGateError: the gate refuses ``digest``.
        """
        if self.scan_gate is None or not self.scan_gate.applies_to(target):
            return None
        today = _as_utc(self._clock(), "clock()").date()
        where = f"{digest} to {target} in {self.repository!r}"
        return self.scan_gate.check(digest, today=today, where=where).summary()

    def _check_plan(self, plan: object) -> PromotionPlan:
        if not isinstance(plan, PromotionPlan):
            raise InvalidValueError(
                type(plan).__name__,
                "is not a PromotionPlan",
                "pass what plan_promotion() returned: promotion.apply(plan)",
            )
        if plan.repository != self.repository:
            raise InvalidValueError(
                plan.repository,
                f"is the plan's repository, but this promotion moves {self.repository!r}",
                f"apply it with a promotion of {plan.repository!r}",
            )
        return plan

    def _state(
        self, prod: Digest | None, blue: Digest | None, green: Digest | None
    ) -> BlueGreenState:
        active: str | None = None
        if prod is not None and blue == prod:
            active = "blue"
        elif prod is not None and green == prod:
            active = "green"
        idle = _idle_slot(prod, blue, green)
        return BlueGreenState(active=active, idle=idle, blue=blue, green=green, prod=prod)

    def _target(self, to: object) -> str:
        if not isinstance(to, (str, ImageTag)):
            raise InvalidValueError(to, "the target is a pointer tag name", "use e.g. to='staging'")
        tag = ImageTag.parse(str(to))
        if tag.kind not in (TagKind.ENVIRONMENT, TagKind.SLOT):
            raise InvalidValueError(
                str(tag),
                "is an immutable tag; promotion moves pointer tags only",
                f"promote to one of {', '.join((*ENVIRONMENT_TAGS, *SLOT_TAGS))}",
            )
        return str(tag)

    def _source(
        self,
        source: Digest | ImageTag | str | None,
        from_environment: str | None,
        target: str,
    ) -> _Source:
        if (source is None) == (from_environment is None):
            raise InvalidValueError(
                (source, from_environment),
                "give exactly one of source and from_environment",
                "promote(digest, to=...) or promote(from_environment='testing', to='staging')",
            )
        if from_environment is not None:
            pointer = (
                ImageTag.parse(from_environment) if isinstance(from_environment, str) else None
            )
            if pointer is None or pointer.kind is not TagKind.ENVIRONMENT:
                raise InvalidValueError(
                    from_environment,
                    "from_environment must be an environment pointer",
                    f"use one of {', '.join(ENVIRONMENT_TAGS)} (slots move with switch())",
                )
            if str(pointer) == target:
                raise InvalidValueError(
                    from_environment, "is also the target", "promote into the next environment"
                )
            return _Source(str(pointer), str(pointer), None, str(pointer))
        if isinstance(source, Digest):
            return _Source(str(source), str(source), source, None)
        if isinstance(source, ImageTag):
            tag = source
        elif isinstance(source, str):
            if ":" in source:
                digest = Digest.parse(source)
                return _Source(str(digest), str(digest), digest, None)
            if source.lower() in FORBIDDEN_TAGS:
                raise ForbiddenTagError(
                    source,
                    "is a mutable development tag and cannot be promoted",
                    "promote the digest it points to, or a sha-<commit>/vX.Y.Z-rc.N/vX.Y.Z tag",
                )
            tag = ImageTag.parse(source)
        else:
            raise InvalidValueError(
                source,
                "is not a promotion source",
                "pass a Digest, a digest string or an immutable tag",
            )
        if not tag.is_immutable:
            raise PromotionError(
                f"refusing to promote from pointer tag {str(tag)!r}: it can move at any time, so "
                f"the promoted image would not be the tested one; use "
                f"promote(from_environment={str(tag)!r}, to={target!r}) to promote what it "
                "points to now, or pass a digest"
                if tag.kind is TagKind.ENVIRONMENT
                else f"refusing to promote from slot tag {str(tag)!r}; use switch({str(tag)!r}) "
                "to move prod to a slot, or pass a digest"
            )
        return _Source(str(tag), str(tag), None, None)

    def _predecessors(self, target: str) -> tuple[str, ...]:
        if target == "testing":
            return ()
        if target == "staging":
            return ("testing",)
        if self.environments is not None:  # prod and the slots follow the declared order
            return (self.environments[-2],)
        return ("staging", "testing")  # prod and the slots; staging is skipped when unused

    def _may_skip(self, pred: str, target: str) -> bool:
        """Whether a missing ``pred`` means "not used here" rather than "not promoted yet"."""
        return self.environments is None and pred == _OPTIONAL and target != _OPTIONAL

    def _check_declared(self, target: str, pointer: str | None) -> None:
        if self.environments is None:
            return
        for name, role, instead in ((target, "to", "prod"), (pointer, "from", "testing")):
            if name in ENVIRONMENT_TAGS and name not in self.environments:
                raise PromotionError(
                    f"cannot promote {role} {name} in {self.repository!r}: this Promotion "
                    f"declares the environments {' -> '.join(self.environments)}; promote "
                    f"{role} {instead} instead, or declare "
                    "environments=('testing', 'staging', 'prod')"
                )

    def _refuse(
        self, label: str, digest: Digest, target: str, pred: str, found: Digest | None
    ) -> PromotionError:
        now = "has no image" if found is None else f"points to {found}"
        what = label if label == str(digest) else f"{label} ({digest})"
        return PromotionError(
            f"refusing to promote {what} to {target} in {self.repository!r}: "
            f"{pred} {now}, and {target} comes after {pred}; promote it to {pred} first "
            f"(promote({str(digest)!r}, to={pred!r})), or pass force=True to skip the order check"
        )

    def _make(
        self,
        src: _Source,
        target: str,
        digest: Digest,
        before: Digest | None,
        checks: tuple[str, ...],
        force: bool,
        manifest: Manifest | None,
        *,
        gate: bool = True,
    ) -> PromotionPlan:
        if gate and before != digest:  # a no-op moves nothing, so there is nothing to gate
            line = self._check_scan(target, digest)
            checks = checks if line is None else (*checks, line)
        return PromotionPlan(
            repository=self.repository,
            tag=target,
            source=src.label,
            digest=digest,
            digest_before=before,
            checks=checks,
            forced=force,
            manifest=None if before == digest else manifest,
        )

    def _record(self, plan: PromotionPlan, *, noop: bool) -> PromotionRecord:
        return PromotionRecord(
            repository=plan.repository,
            tag=plan.tag,
            digest_before=plan.digest_before,
            digest_after=plan.digest,
            at=_as_utc(self._clock(), "clock()"),
            actor=self.actor,
            source=plan.source,
            noop=noop,
            forced=plan.forced,
        )
