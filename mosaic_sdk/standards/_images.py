"""How well an image reference is pinned, shared by every file kind's checks."""

from __future__ import annotations

import enum
import re

import attrs

from mosaic_sdk._render import FieldsRepr, TextRepr
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.standards._model import Finding, Rule
from mosaic_sdk.values import ImageReference, ImageTag

__all__ = [
    "CODENAMES",
    "ImagePin",
    "Pinning",
    "classify_image",
    "image_finding",
    "is_distroless",
    "official_name",
    "pinned_example",
]

# Tags that name a moving release line rather than a version. A tag with no digit at
# all is treated the same way (``stable``, ``alpine``, ``bookworm-slim``...).
_FLOATING = frozenset(
    {"latest", "dev", "stable", "lts", "current", "edge", "mainline", "rolling", "nightly"}
)
#: Release codenames that name one major version of a distribution, as a number would
#: (``debian:bookworm`` is Debian 12). ``sid``, ``testing`` and ``devel`` float.
CODENAMES = frozenset(
    {"jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "forky"}
    | {"xenial", "bionic", "focal", "jammy", "noble", "oracular", "plucky"}
)
_DIGIT = re.compile(r"[0-9]")
_VARIABLE = re.compile(r"\$\{?[A-Za-z_]|\$\{\{|\{\{")


class Pinning(TextRepr, enum.Enum):
    """How firmly an image reference names one image."""

    DIGEST = "digest"
    """``@sha256:...``: always the same bytes."""
    IMMUTABLE_TAG = "immutable-tag"
    """A deployment tag that is never re-pushed: ``sha-<commit>``, ``vX.Y.Z-rc.N``, ``vX.Y.Z``."""
    VERSION_TAG = "version-tag"
    """A versioned third-party tag such as ``3.12-slim``: specific, but can be re-pushed."""
    POINTER_TAG = "pointer-tag"
    """An environment or slot pointer (``prod``, ``blue``) that promotion moves."""
    UNPINNED = "unpinned"
    """No tag, ``latest``/``dev``, or a floating alias such as ``stable``."""
    UNRESOLVED = "unresolved"
    """The text holds a variable, so the image is only known at run time."""
    INVALID = "invalid"
    """Not an image reference at all."""


@attrs.frozen
class ImagePin(FieldsRepr):
    """The verdict on one image reference.

    Attributes:
        text: the reference as written.
        pinning: how firmly it is pinned.
        reference: the parsed reference, or ``None`` when it could not be parsed.
        reason: why the verdict is not ``DIGEST`` or ``IMMUTABLE_TAG`` (empty otherwise).
    """

    text: str
    pinning: Pinning
    reference: ImageReference | None = None
    reason: str = ""

    @property
    def is_pinned(self) -> bool:
        """True for a digest or an immutable deployment tag."""
        return self.pinning in (Pinning.DIGEST, Pinning.IMMUTABLE_TAG)


def has_variable(text: str) -> bool:
    """True when ``text`` holds a ``$VAR``, ``${VAR}`` or ``${{ expr }}`` reference."""
    return _VARIABLE.search(text) is not None


def classify_image(text: str) -> ImagePin:
    """Classify an image reference by how firmly it is pinned."""
    text = text.strip()
    if has_variable(text):
        # `$REGISTRY/app:latest` is unpinned whatever the variable holds.
        tail = text.rsplit("/", 1)[-1]
        literal = tail.rpartition(":")[2] if ":" in tail and "@" not in tail else ""
        if literal.lower() in ("latest", "dev") and not has_variable(literal):
            return ImagePin(
                text, Pinning.UNPINNED, reason=f"tag {literal!r} is re-pointed by every push"
            )
        return ImagePin(text, Pinning.UNRESOLVED, reason="the reference holds a variable")
    try:
        reference = ImageReference.parse(text)
    except InvalidValueError as exc:
        return ImagePin(text, Pinning.INVALID, reason=exc.reason)
    if reference.digest is not None:
        return ImagePin(text, Pinning.DIGEST, reference)
    tag = reference.tag
    if tag is None:
        return ImagePin(text, Pinning.UNPINNED, reference, "it has no tag, so it means `latest`")
    if tag.lower() in ("latest", "dev"):
        return ImagePin(
            text, Pinning.UNPINNED, reference, f"tag {tag!r} is re-pointed by every push"
        )
    try:
        parsed = ImageTag.parse(tag)
    except InvalidValueError:
        codename = tag.lower().partition("-")[0] in CODENAMES
        if not codename and (tag.lower() in _FLOATING or not _DIGIT.search(tag)):
            return ImagePin(
                text, Pinning.UNPINNED, reference, f"tag {tag!r} is a floating alias, not a version"
            )
        return ImagePin(
            text,
            Pinning.VERSION_TAG,
            reference,
            f"tag {tag!r} names a version but can be re-pushed",
        )
    if parsed.is_immutable:
        return ImagePin(text, Pinning.IMMUTABLE_TAG, reference)
    return ImagePin(
        text,
        Pinning.POINTER_TAG,
        reference,
        f"tag {tag!r} is {'an' if parsed.kind.value[0] in 'aeiou' else 'a'} "
        f"{parsed.kind.value} pointer that moves on promotion",
    )


def official_name(reference: ImageReference) -> str:
    """``python`` for ``python``, ``library/python`` and ``docker.io/library/python``;
    the full name for any other image."""
    if reference.domain in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        return reference.repository.removeprefix("library/")
    return reference.name


def is_distroless(name: str) -> bool:
    """True for Google's distroless images (``gcr.io/distroless/static-debian12``...)."""
    return name.startswith("gcr.io/distroless/")


def pinned_example(reference: ImageReference) -> str:
    """A pinned reference of the same image to show in a fix text: distroless's own
    ``:nonroot`` tag, a ``<version>`` placeholder otherwise, and a digest after it."""
    name = official_name(reference)
    tag = "nonroot" if is_distroless(name) else "<version>"
    return f"{name}:{tag}@sha256:<digest>"


def image_finding(
    image: str, file: str, line: int, where: str, *, unpinned: Rule, mutable: Rule
) -> Finding | None:
    """The finding for an image used by ``where`` (``"service 'web'"``), or ``None``
    when it is pinned or only known at run time."""
    pin = classify_image(image)
    if pin.is_pinned or pin.pinning is Pinning.UNRESOLVED:
        return None
    if pin.pinning in (Pinning.UNPINNED, Pinning.INVALID):
        fix = None
        if pin.reference is not None:
            fix = f"pin a version and preferably the digest: {pinned_example(pin.reference)}"
        return unpinned.finding(file, line, f"{where} uses image {image!r}: {pin.reason}", fix)
    name = pin.reference.name if pin.reference is not None else image
    return mutable.finding(
        file,
        line,
        f"{where} uses image {image!r}: {pin.reason}",
        f"pin it by digest ({name}:{pin.reference.tag if pin.reference else ''}@sha256:...) "
        "or use an immutable tag (sha-<commit>, vX.Y.Z-rc.N, vX.Y.Z)",
    )
