"""Attach artifacts to a digest and list them, over any
:class:`~mosaic_sdk.registry.AsyncImageRegistry`, written once.

:func:`aattach_artifact` and :func:`alist_referrers` use a registry's own ``attach`` and
``referrers`` when it has them (:class:`~mosaic_sdk.registry.AsyncRegistryClient` asks
the referrers API first), and otherwise keep the OCI referrers tag schema through the
plain Protocol: :func:`push_artifact`, :func:`add_to_referrers_tag` and
:func:`referrers_by_tag` (what :class:`~mosaic_sdk.registry.OCILayout` and the in-memory
test registry use).

The tag ``sha256-<hex>`` is written by read-modify-write, and a registry offers no
compare-and-swap on tags (distribution 2.8 ignores ``If-Match``): two clients attaching
at once can each read the same list, and the later PUT drops the other's entry. So every
attach also *checks* its entry after the fact:

1. read the list, add the entry, and PUT it - but only while at most ``settle / 2``
   seconds have passed since the read began (a slower writer starts over);
2. wait ``settle`` seconds, then read the list again. Any writer that read before this
   PUT landed has written by then (step 1 bounds it), so an entry it dropped shows as
   missing here, and the attach starts over (at most ``attempts`` times), after a
   random pause so that writers that collided do not collide again.

With ``settle=0`` the check still runs at once but can miss a concurrent writer: use it
only where nobody else attaches (tests, a private layout).
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from datetime import datetime

from mosaic_sdk._core._concurrency import asleep
from mosaic_sdk.errors import ConflictError, InvalidValueError, NotFoundError
from mosaic_sdk.registry._models import Descriptor, Manifest
from mosaic_sdk.registry._names import as_digest
from mosaic_sdk.registry._protocol import AsyncArtifactRegistry, AsyncImageRegistry
from mosaic_sdk.registry._referrers import (
    EMPTY_CONFIG,
    artifact_manifest,
    merge_referrer,
    referrer_descriptor,
    referrers_from_index,
    referrers_tag,
)
from mosaic_sdk.values import Digest

__all__ = [
    "DEFAULT_SETTLE",
    "add_to_referrers_tag",
    "attach_by_tag",
    "aattach_artifact",
    "alist_referrers",
    "push_artifact",
    "referrers_by_tag",
]

#: Seconds an attach waits before checking that its entry survived concurrent writers.
DEFAULT_SETTLE = 1.0
#: Read-merge-write rounds of one attach before it gives up with a ConflictError.
DEFAULT_ATTEMPTS = 8


def check_settle(settle: object, attempts: object) -> tuple[float, int]:
    """``settle`` (seconds >= 0) and ``attempts`` (>= 1), or InvalidValueError."""
    if isinstance(settle, bool) or not isinstance(settle, (int, float)) or settle < 0:
        raise InvalidValueError(settle, "settle must be seconds >= 0", "pass e.g. settle=1.0")
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise InvalidValueError(attempts, "attempts must be a positive int", "pass e.g. 5")
    return float(settle), attempts


async def push_artifact(
    registry: AsyncImageRegistry,
    repository: str,
    subject: Digest | str,
    data: bytes,
    *,
    artifact_type: str,
    media_type: str | None = None,
    annotations: Mapping[str, str] | None = None,
    created: datetime | None = None,
) -> Manifest:
    """Store the blobs of an artifact for ``subject`` (the empty config and ``data``) and
    return its manifest, not yet pushed.

    Raises:
        NotFoundError: ``subject`` is not a manifest of ``repository``.
        InvalidValueError: ``data`` is not bytes, or a malformed media type.
    """
    digest = as_digest(subject)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidValueError(
            type(data).__name__,
            "artifact data must be bytes",
            "pass e.g. report.to_json().encode()",
        )
    data = bytes(data)
    image = await registry.get_manifest(repository, str(digest))
    await registry.put_blob(repository, EMPTY_CONFIG)
    layer_digest = await registry.put_blob(repository, data)
    layer = Descriptor(media_type or artifact_type, layer_digest, len(data))
    return artifact_manifest(
        image.descriptor(),
        artifact_type=artifact_type,
        layer=layer,
        annotations=annotations,
        created=created,
    )


async def _read_tag(registry: AsyncImageRegistry, repository: str, tag: str) -> Manifest | None:
    try:
        return await registry.get_manifest(repository, tag)
    except NotFoundError:
        return None


async def add_to_referrers_tag(
    registry: AsyncImageRegistry,
    repository: str,
    subject: Digest | str,
    artifact: Manifest,
    *,
    settle: float = DEFAULT_SETTLE,
    attempts: int = DEFAULT_ATTEMPTS,
) -> Manifest:
    """Add ``artifact`` to the referrers list of ``subject`` (the index tagged
    ``sha256-<hex>``), checked after ``settle`` seconds as the module documentation
    describes; returns the list as read back, which includes the entry.

    Raises:
        ConflictError: the entry was dropped by concurrent writers ``attempts`` times.
    """
    settle, attempts = check_settle(settle, attempts)
    digest = as_digest(subject)
    tag = referrers_tag(digest)
    entry = referrer_descriptor(artifact)
    window = settle / 2
    slow = 0
    for attempt in range(attempts):
        if attempt and settle:
            # Writers that collided retry at once otherwise, and collide again.
            await asleep(random.uniform(0, window))  # noqa: S311 - jitter, not secrecy
        began = time.monotonic()
        merged = merge_referrer(await _read_tag(registry, repository, tag), entry)
        if merged is not None:
            if settle and time.monotonic() - began > window:
                slow += 1
                continue  # too slow to be covered by the others' checks: read again
            await registry.put_manifest(repository, tag, merged)
        if settle:
            await asleep(settle)
        now = await _read_tag(registry, repository, tag)
        if now is not None and any(d.digest == entry.digest for d in referrers_from_index(now)):
            return now
    why = (
        f"reading it took over {window:g} s {slow} times (pass a larger settle)"
        if slow
        else f"concurrent writers dropped the entry {attempts} times"
    )
    raise ConflictError(
        f"the referrers list {repository}:{tag} does not hold the entry of "
        f"{artifact.digest}: {why}; the artifact itself is stored - attach it again (a "
        "repeat adds only the missing entry)",
        status_code=409,
        provider="registry",
        method="PUT",
        url=f"{repository}:{tag}",
    )


async def referrers_by_tag(
    registry: AsyncImageRegistry,
    repository: str,
    subject: Digest | str,
    *,
    artifact_type: str | None = None,
) -> list[Descriptor]:
    """The referrers the ``sha256-<hex>`` tag lists for ``subject`` (none when untagged)."""
    index = await _read_tag(registry, repository, referrers_tag(as_digest(subject)))
    return list(referrers_from_index(index, artifact_type))


async def attach_by_tag(
    registry: AsyncImageRegistry,
    repository: str,
    subject: Digest | str,
    data: bytes,
    *,
    artifact_type: str,
    media_type: str | None = None,
    annotations: Mapping[str, str] | None = None,
    created: datetime | None = None,
    settle: float = DEFAULT_SETTLE,
) -> Descriptor:
    """Attach through the referrers tag schema alone: push the artifact by digest, then
    add it to the index tagged ``sha256-<hex>`` (see :func:`add_to_referrers_tag`)."""
    check_settle(settle, DEFAULT_ATTEMPTS)
    artifact = await push_artifact(
        registry,
        repository,
        subject,
        data,
        artifact_type=artifact_type,
        media_type=media_type,
        annotations=annotations,
        created=created,
    )
    await registry.put_manifest(repository, str(artifact.digest), artifact)
    await add_to_referrers_tag(registry, repository, subject, artifact, settle=settle)
    return referrer_descriptor(artifact)


async def aattach_artifact(
    registry: AsyncImageRegistry,
    repository: str,
    subject: Digest | str,
    data: bytes,
    *,
    artifact_type: str,
    media_type: str | None = None,
    annotations: Mapping[str, str] | None = None,
    created: datetime | None = None,
    settle: float = DEFAULT_SETTLE,
) -> Descriptor:
    """Attach ``data`` to the image ``subject`` as an artifact of ``artifact_type`` and
    return the artifact's descriptor (the entry its subject's referrers list holds).

    A registry with its own ``attach`` (:class:`~mosaic_sdk.registry.AsyncRegistryClient`,
    :class:`~mosaic_sdk.registry.AsyncOCILayout`) does it its way; any other
    :class:`~mosaic_sdk.registry.AsyncImageRegistry` gets the artifact pushed by digest
    and listed under the referrers tag ``sha256-<hex>``.
    """
    if isinstance(registry, AsyncArtifactRegistry):
        return await registry.attach(
            repository,
            subject,
            data,
            artifact_type=artifact_type,
            media_type=media_type,
            annotations=annotations,
            created=created,
            settle=settle,
        )
    return await attach_by_tag(
        registry,
        repository,
        subject,
        data,
        artifact_type=artifact_type,
        media_type=media_type,
        annotations=annotations,
        created=created,
        settle=settle,
    )


async def alist_referrers(
    registry: AsyncImageRegistry,
    repository: str,
    subject: Digest | str,
    *,
    artifact_type: str | None = None,
) -> list[Descriptor]:
    """The artifacts attached to ``subject``: the registry's own ``referrers`` when it
    has one (the referrers API, then the tag schema), else the ``sha256-<hex>`` tag."""
    if isinstance(registry, AsyncArtifactRegistry):
        return await registry.referrers(repository, subject, artifact_type=artifact_type)
    return await referrers_by_tag(registry, repository, subject, artifact_type=artifact_type)
