"""Validation of repository names, tags and references, before any I/O.

The grammar is the OCI distribution spec's ("Pulling manifests"), which every registry
enforces; distribution 2.8 answers a malformed tag with a plain-text ``404 page not
found`` from its router (``research/registry.md`` §1.8), so the SDK checks locally and
says what is wrong. This is the transport-level grammar: which tags a *deployment* may
use is :class:`mosaic_sdk.values.ImageTag`'s business.
"""

from __future__ import annotations

import re

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.registry._models import Manifest
from mosaic_sdk.values import Digest

__all__ = [
    "as_digest",
    "as_manifest",
    "is_digest",
    "parse_reference",
    "validate_repository",
    "validate_tag",
]

_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_MAX_REPOSITORY = 255


def validate_repository(name: str) -> str:
    """Return ``name`` if it is a valid OCI repository name, else raise
    :class:`InvalidValueError` saying why."""
    if not isinstance(name, str) or not name:
        raise InvalidValueError(
            name, "a repository name must be a non-empty string", "e.g. 'team/app'"
        )
    if len(name) > _MAX_REPOSITORY:
        raise InvalidValueError(
            name, f"repository names are at most {_MAX_REPOSITORY} characters", "shorten it"
        )
    if _REPOSITORY.fullmatch(name) is None:
        fix = "use lowercase letters, digits and single separators (. _ __ -) between '/'-parts"
        if name != name.lower():
            fix = f"repository names must be lowercase: use {name.lower()!r}"
        elif ":" in name or "@" in name:
            fix = "pass the repository alone (no registry host, tag or digest), e.g. 'team/app'"
        raise InvalidValueError(name, "is not a valid OCI repository name", fix)
    return name


def validate_tag(tag: str) -> str:
    """Return ``tag`` if it matches the OCI tag grammar, else raise
    :class:`InvalidValueError`."""
    if not isinstance(tag, str) or _TAG.fullmatch(tag) is None:
        fix = "tags are 1-128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'"
        if isinstance(tag, str) and "+" in tag:
            fix = f"'+' is not allowed in tags: use {tag.replace('+', '_')!r}"
        raise InvalidValueError(tag, "is not a valid OCI tag", fix)
    return tag


def is_digest(reference: str) -> bool:
    """True when ``reference`` looks like a digest (``algorithm:hex``) rather than a tag."""
    return ":" in reference


def parse_reference(reference: str | Digest) -> str | Digest:
    """Return a :class:`Digest` for ``sha256:...`` and the validated tag otherwise."""
    if isinstance(reference, Digest):
        return reference
    if isinstance(reference, str) and is_digest(reference):
        return Digest.parse(reference)
    return validate_tag(reference)


def as_manifest(manifest: Manifest | bytes, media_type: str | None) -> Manifest:
    """Coerce put_manifest's argument to a :class:`Manifest` (bytes are never re-encoded)."""
    if isinstance(manifest, Manifest):
        if media_type is not None and media_type != manifest.media_type:
            raise InvalidValueError(
                media_type,
                f"differs from the manifest's own media type {manifest.media_type!r}",
                "omit media_type when passing a Manifest",
            )
        return manifest
    if isinstance(manifest, (bytes, bytearray, memoryview)):
        return Manifest.from_bytes(bytes(manifest), media_type)
    raise InvalidValueError(
        type(manifest).__name__,
        "put_manifest takes a Manifest or the exact manifest bytes",
        "pass Manifest.from_bytes(content) or get_manifest(...)",
    )


def as_digest(digest: Digest | str) -> Digest:
    """Accept a :class:`Digest` or its string form."""
    if isinstance(digest, Digest):
        return digest
    return Digest.parse(digest)
