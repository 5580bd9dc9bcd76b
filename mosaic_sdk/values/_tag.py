"""Deployment image tags: the five accepted kinds, their rules and their order.

Accepted tags:

========================  ===========  =========================================
form                      kind         meaning
========================  ===========  =========================================
``sha-<commit>``          SHA          built from a commit (7-40 lowercase hex)
``vX.Y.Z-rc.N``           RC           release candidate ``N`` (``N >= 1``)
``vX.Y.Z``                RELEASE      a release
``testing|staging|prod``  ENVIRONMENT  pointer to what runs in an environment
``blue|green``            SLOT         pointer to a blue/green deployment slot
========================  ===========  =========================================

SHA, RC and RELEASE tags are immutable: once pushed they always name the same image.
ENVIRONMENT and SLOT tags are pointers that promotion moves. ``latest`` and ``dev``
are refused with :class:`~mosaic_sdk.errors.ForbiddenTagError`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable

import attrs
import semver

from mosaic_sdk._render import TextRepr
from mosaic_sdk.errors import ForbiddenTagError, InvalidValueError
from mosaic_sdk.values._digest import Digest

__all__ = [
    "ENVIRONMENT_TAGS",
    "FORBIDDEN_TAGS",
    "SLOT_TAGS",
    "ImageTag",
    "TagKind",
    "is_signature_tag",
    "signature_subject",
]

#: Environment pointer tags, in promotion order.
ENVIRONMENT_TAGS: tuple[str, ...] = ("testing", "staging", "prod")
#: Blue/green slot pointer tags.
SLOT_TAGS: tuple[str, ...] = ("blue", "green")
#: Mutable development tags that must never be deployed.
FORBIDDEN_TAGS: tuple[str, ...] = ("latest", "dev")

_ACCEPTED = (
    "use one of: sha-<commit> (7-40 lowercase hex), vX.Y.Z-rc.N, vX.Y.Z, "
    "testing, staging, prod, blue, green"
)
_PINNED_FORMS = "a digest, sha-<commit>, vX.Y.Z-rc.N or vX.Y.Z"

# distribution/reference: tag := [\w][\w.-]{0,127}, \w being ASCII.
_OCI_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
_NUM = r"(0|[1-9][0-9]*)"
_SHA = re.compile(r"sha-([0-9a-f]{7,40})")
_RC = re.compile(rf"v{_NUM}\.{_NUM}\.{_NUM}-rc\.([1-9][0-9]*)")
_RELEASE = re.compile(rf"v{_NUM}\.{_NUM}\.{_NUM}")
_COMMIT = re.compile(r"[0-9a-f]{7,40}")
_SIGNATURE = re.compile(
    r"(sha256)-([0-9a-f]{64})(?:\.(?:sig|att|sbom))?"
    r"|(sha512)-([0-9a-f]{128})(?:\.(?:sig|att|sbom))?"
)
# Loose shapes, only used to explain what is wrong with a rejected tag.
_LOOSE_VERSION = re.compile(
    r"v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:[-.]?(rc|alpha|beta|pre|dev|a|b)[.-]?([0-9]*))?",
    re.IGNORECASE,
)
_ENVIRONMENT_SYNONYMS = {
    "test": "testing",
    "tst": "testing",
    "qa": "testing",
    "stage": "staging",
    "stg": "staging",
    "production": "prod",
    "prd": "prod",
}


class TagKind(TextRepr, enum.Enum):
    """The five kinds of deployment tag; each member documents its form."""

    SHA = "sha"
    """``sha-<commit>``: an image built from a commit (immutable)."""
    RC = "rc"
    """``vX.Y.Z-rc.N``: a release candidate (immutable)."""
    RELEASE = "release"
    """``vX.Y.Z``: a release (immutable)."""
    ENVIRONMENT = "environment"
    """``testing``, ``staging``, ``prod``: environment pointer (moves on promotion)."""
    SLOT = "slot"
    """``blue``, ``green``: blue/green slot pointer (moves on switch)."""


_IMMUTABLE = frozenset({TagKind.SHA, TagKind.RC, TagKind.RELEASE})
_ZERO = semver.Version(0, 0, 0)


def is_signature_tag(text: str) -> bool:
    """True for cosign / OCI-referrers artifact tags: ``sha256-<hex>.sig``, ``.att``,
    ``.sbom``, and the bare ``sha256-<hex>`` referrers fallback tag (also ``sha512``).

    These tags hold signatures, attestations and SBOMs of the image with that digest;
    they are never deployment tags. Retention keeps them exactly as long as it keeps
    their subject (see :func:`signature_subject`).
    """
    return isinstance(text, str) and _SIGNATURE.fullmatch(text) is not None


def signature_subject(text: str) -> Digest | None:
    """The digest a signature/attestation tag belongs to, or ``None`` if ``text`` is
    not such a tag. ``sha256-ab...cd.sig`` -> ``Digest('sha256', 'ab...cd')``."""
    match = _SIGNATURE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    if match.group(1):
        return Digest(match.group(1), match.group(2))
    return Digest(match.group(3), match.group(4))


def _explain(text: str) -> InvalidValueError:
    """Build the most helpful error for a tag that matched none of the accepted forms."""
    lower = text.lower()
    subject = signature_subject(lower) if lower != text else None
    if subject is not None:
        return InvalidValueError(text, "is a signature tag with uppercase hex", f"use {lower!r}")
    if lower != text and (
        _SHA.fullmatch(lower)
        or _RC.fullmatch(lower)
        or _RELEASE.fullmatch(lower)
        or lower in ENVIRONMENT_TAGS
        or lower in SLOT_TAGS
    ):
        return InvalidValueError(text, "tags are lowercase", f"use {lower!r}")
    if "+" in text and _RELEASE.fullmatch(text.split("+", 1)[0]):
        return InvalidValueError(
            text,
            "has semver build metadata, and '+' is not allowed in image tags",
            f"use {text.split('+', 1)[0]!r}",
        )
    if not _OCI_TAG.fullmatch(text):
        return InvalidValueError(
            text,
            "is not a valid image tag (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)",
            _ACCEPTED,
        )
    if lower.startswith("sha-"):
        commit = text[4:]
        return InvalidValueError(
            text,
            f"the commit {commit!r} is not 7-40 lowercase hex characters",
            "use the git commit id, e.g. 'sha-' + the output of `git rev-parse --short HEAD`",
        )
    if _COMMIT.fullmatch(text):
        return InvalidValueError(text, "is a bare commit id", f"prefix it: {'sha-' + text!r}")
    if lower in _ENVIRONMENT_SYNONYMS:
        return InvalidValueError(
            text,
            "is not an environment pointer tag",
            f"use {_ENVIRONMENT_SYNONYMS[lower]!r} (pointer tags: {', '.join(ENVIRONMENT_TAGS)})",
        )
    loose = _LOOSE_VERSION.fullmatch(text)
    if loose is not None:
        return _explain_version(text, loose)
    return InvalidValueError(text, "is not an accepted deployment tag", _ACCEPTED)


def _explain_version(text: str, loose: re.Match[str]) -> InvalidValueError:
    major, minor, patch, pre, number = loose.groups()
    base = f"v{int(major)}.{int(minor or 0)}.{int(patch or 0)}"
    if pre is not None and pre.lower() != "rc":
        return InvalidValueError(
            text,
            f"only release candidates are allowed as pre-releases, not {pre!r}",
            f"use {base + '-rc.1'!r} (the form is vX.Y.Z-rc.N)",
        )
    if pre is not None:
        n = int(number) if number else 1
        return InvalidValueError(
            text,
            "is not in the release-candidate form vX.Y.Z-rc.N (N >= 1)",
            f"use {base + '-rc.' + str(max(n, 1))!r}",
        )
    if minor is None or patch is None:
        return InvalidValueError(
            text, "a release tag needs all three numbers MAJOR.MINOR.PATCH", f"use {base!r}"
        )
    if not text.startswith("v"):
        return InvalidValueError(text, "release tags start with 'v'", f"use {base!r}")
    return InvalidValueError(text, "version numbers have no leading zeros", f"use {base!r}")


_MAX_TAG_LENGTH = 128


def _classify(text: object) -> tuple[TagKind, semver.Version | None]:
    if not isinstance(text, str):
        raise InvalidValueError(text, "is not a tag string", _ACCEPTED)
    if not text:
        raise InvalidValueError(text, "is an empty tag", _ACCEPTED)
    if len(text) > _MAX_TAG_LENGTH:
        # The distribution grammar's limit; it also keeps int() off 5,000-digit numbers.
        raise InvalidValueError(
            text, f"is longer than {_MAX_TAG_LENGTH} characters (tags are 1-128 characters)",
            _ACCEPTED,
        )  # fmt: skip
    if text.lower() in FORBIDDEN_TAGS:
        raise ForbiddenTagError(
            text,
            "is a mutable tag that is re-pointed by every push, so a deployment naming it "
            "cannot be reproduced or rolled back",
            f"deploy {_PINNED_FORMS} instead",
        )
    subject = signature_subject(text)
    if subject is not None:
        raise InvalidValueError(
            text,
            "is a signature/attestation artifact tag, not a deployment tag",
            f"deploy the image it belongs to by digest ({subject}), or use {_PINNED_FORMS}",
        )
    if _SHA.fullmatch(text):
        return TagKind.SHA, None
    match = _RC.fullmatch(text)
    if match is not None:
        major, minor, patch, n = (int(group) for group in match.groups())
        return TagKind.RC, semver.Version(major, minor, patch, prerelease=f"rc.{n}")
    match = _RELEASE.fullmatch(text)
    if match is not None:
        major, minor, patch = (int(group) for group in match.groups())
        return TagKind.RELEASE, semver.Version(major, minor, patch)
    if text in ENVIRONMENT_TAGS:
        return TagKind.ENVIRONMENT, None
    if text in SLOT_TAGS:
        return TagKind.SLOT, None
    raise _explain(text)


def _base_version(version: str | semver.Version) -> semver.Version:
    """``"1.2.3"``, ``"v1.2.3"`` or a :class:`semver.Version` without pre-release."""
    if isinstance(version, semver.Version):
        parsed = version
    elif isinstance(version, str):
        text = version[1:] if version.startswith("v") else version
        try:
            parsed = semver.Version.parse(text)
        except (ValueError, TypeError):
            raise InvalidValueError(
                version, "is not a MAJOR.MINOR.PATCH version", "write it like '1.2.3'"
            ) from None
    else:
        raise InvalidValueError(version, "is not a version", "pass a string like '1.2.3'")
    if parsed.prerelease is not None or parsed.build is not None:
        raise InvalidValueError(
            version,
            "has a pre-release or build part; a base version is plain MAJOR.MINOR.PATCH",
            f"use {str(parsed.finalize_version())!r}",
        )
    return parsed


@attrs.frozen(order=False)
class ImageTag(TextRepr):
    """A deployment tag, validated on construction; ``str(tag)`` is the tag text.

    Build one with :meth:`parse` or a named constructor (:meth:`sha`, :meth:`rc`,
    :meth:`release`, :meth:`environment`, :meth:`slot`). Tags compare equal by text.

    **Ordering** is total and deterministic. Tags are grouped, lowest first:

    1. ENVIRONMENT tags, in promotion order (``testing < staging < prod``);
    2. SLOT tags (``blue < green``);
    3. SHA tags, by commit text (commits have no meaningful order);
    4. RC and RELEASE tags together, by semver: ``v1.2.3-rc.9 < v1.2.3-rc.10 < v1.2.3
       < v1.2.4-rc.1``.

    Pointers sort first and versions last, so ``max(tags)`` of any mix is the newest
    version when there is one.

    Examples:
        >>> tags = [ImageTag.parse(t) for t in ["v1.2.3", "v1.2.3-rc.10", "v1.2.3-rc.9"]]
        >>> [str(t) for t in sorted(tags)]
        ['v1.2.3-rc.9', 'v1.2.3-rc.10', 'v1.2.3']
    """

    value: str
    kind: TagKind = attrs.field(init=False, eq=False)
    _version: semver.Version | None = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        kind, version = _classify(self.value)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "_version", version)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> ImageTag:
        """Read a tag, e.g. ``"v1.2.3-rc.4"``.

        Raises:
            ForbiddenTagError: ``latest`` or ``dev`` (any case).
            InvalidValueError: anything else that is not an accepted form; the message
                shows the corrected tag when there is an obvious one, else the accepted
                forms. Signature artifact tags (``sha256-<hex>.sig``) are refused too.
        """
        return cls(text)

    @classmethod
    def sha(cls, commit: str) -> ImageTag:
        """``sha-<commit>`` for a git commit id of 7 to 40 lowercase hex characters."""
        if not isinstance(commit, str) or not _COMMIT.fullmatch(commit):
            fix = "pass the id printed by `git rev-parse HEAD` (7-40 lowercase hex)"
            if isinstance(commit, str) and _COMMIT.fullmatch(commit.lower()):
                fix = f"use {commit.lower()!r}"
            elif isinstance(commit, str) and commit.startswith("sha-"):
                fix = f"pass the commit alone: {commit[4:]!r}"
            raise InvalidValueError(commit, "is not a git commit id", fix)
        return cls(f"sha-{commit}")

    @classmethod
    def rc(cls, version: str | semver.Version, n: int) -> ImageTag:
        """``v{version}-rc.{n}``: release candidate ``n`` (``n >= 1``) of ``version``.

        ``version`` is ``"1.2.3"``, ``"v1.2.3"`` or a :class:`semver.Version`.
        """
        base = _base_version(version)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidValueError(
                n, "is not a release-candidate number", "RC numbers are integers from 1"
            )
        return cls(f"v{base}-rc.{n}")

    @classmethod
    def release(cls, version: str | semver.Version) -> ImageTag:
        """``v{version}``: the release tag of ``version`` (``"1.2.3"`` or ``"v1.2.3"``)."""
        return cls(f"v{_base_version(version)}")

    @classmethod
    def environment(cls, name: str) -> ImageTag:
        """The environment pointer tag ``testing``, ``staging`` or ``prod``."""
        if name not in ENVIRONMENT_TAGS:
            suggestion = _ENVIRONMENT_SYNONYMS.get(name.lower()) if isinstance(name, str) else None
            fix = f"use one of {', '.join(ENVIRONMENT_TAGS)}"
            if suggestion is not None:
                fix = f"use {suggestion!r}"
            raise InvalidValueError(name, "is not an environment pointer tag", fix)
        return cls(name)

    @classmethod
    def slot(cls, name: str) -> ImageTag:
        """The blue/green slot pointer tag ``blue`` or ``green``."""
        if name not in SLOT_TAGS:
            raise InvalidValueError(name, "is not a slot tag", f"use one of {', '.join(SLOT_TAGS)}")
        return cls(name)

    @staticmethod
    def next_rc_number(version: str | semver.Version, existing: Iterable[ImageTag | str]) -> int:
        """The next release-candidate number for ``version`` given the tags that exist.

        ``existing`` may hold any registry tags: text that is not a valid deployment tag
        (``latest``, signature tags...) is ignored. Numbering starts at 1 and follows the
        highest existing RC (gaps are not filled).

        Raises:
            InvalidValueError: ``version`` is malformed, or ``v{version}`` has already
                been released (start candidates for the next version instead).
        """
        base = _base_version(version)
        if isinstance(existing, (str, bytes)) or not isinstance(existing, Iterable):
            raise InvalidValueError(
                existing,
                "is not a collection of tags",
                "pass the list of existing tags, e.g. ['v1.2.3-rc.1', 'v1.2.3-rc.2']",
            )
        highest = 0
        for item in existing:
            if isinstance(item, ImageTag):
                tag = item
            else:
                try:
                    tag = ImageTag(item)
                except InvalidValueError:
                    continue
            if tag.base_version != base:
                continue
            if tag.kind is TagKind.RELEASE:
                raise InvalidValueError(
                    f"v{base}",
                    "is already released; release candidates come before the release",
                    f"start candidates for the next version, e.g. 'v{base.bump_patch()}-rc.1'",
                )
            if tag.rc_number is not None:
                highest = max(highest, tag.rc_number)
        return highest + 1

    @classmethod
    def next_rc(cls, version: str | semver.Version, existing: Iterable[ImageTag | str]) -> ImageTag:
        """The next release-candidate tag for ``version`` (see :meth:`next_rc_number`)."""
        return cls.rc(version, cls.next_rc_number(version, existing))

    # -- properties ---------------------------------------------------------------------

    @property
    def is_immutable(self) -> bool:
        """True for SHA, RC and RELEASE tags, which always name the same image."""
        return self.kind in _IMMUTABLE

    @property
    def version(self) -> semver.Version | None:
        """The semver of an RC (``1.2.3-rc.4``) or RELEASE (``1.2.3``) tag, else None."""
        return self._version

    @property
    def base_version(self) -> semver.Version | None:
        """The version without its ``-rc.N`` part (``1.2.3``), else None."""
        return None if self._version is None else self._version.finalize_version()

    @property
    def rc_number(self) -> int | None:
        """``N`` of a ``vX.Y.Z-rc.N`` tag, else None."""
        if self.kind is not TagKind.RC or self._version is None:
            return None
        return int(str(self._version.prerelease).rsplit(".", 1)[1])

    @property
    def commit(self) -> str | None:
        """The commit id of a ``sha-<commit>`` tag, else None."""
        return self.value[4:] if self.kind is TagKind.SHA else None

    # -- ordering -----------------------------------------------------------------------

    def _sort_key(self) -> tuple[int, int, str, semver.Version]:
        if self.kind is TagKind.ENVIRONMENT:
            return (0, ENVIRONMENT_TAGS.index(self.value), "", _ZERO)
        if self.kind is TagKind.SLOT:
            return (1, SLOT_TAGS.index(self.value), "", _ZERO)
        if self.kind is TagKind.SHA:
            return (2, 0, self.value, _ZERO)
        assert self._version is not None  # RC and RELEASE always carry a version
        return (3, 0, "", self._version)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, ImageTag):
            return NotImplemented
        return self._sort_key() < other._sort_key()

    def __le__(self, other: object) -> bool:
        if not isinstance(other, ImageTag):
            return NotImplemented
        return self._sort_key() <= other._sort_key()

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, ImageTag):
            return NotImplemented
        return self._sort_key() > other._sort_key()

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, ImageTag):
            return NotImplemented
        return self._sort_key() >= other._sort_key()

    def __str__(self) -> str:
        return self.value
