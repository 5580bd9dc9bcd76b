"""``open_registry``: one entry point for registries and layouts, and ``copy_image``
between any two :class:`ImageRegistry` implementations."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.registry._names import validate_repository, validate_tag

if TYPE_CHECKING:
    from mosaic_sdk.registry._protocol import AsyncImageRegistry, ImageRegistry
    from mosaic_sdk.values import Digest

__all__ = ["copy_image", "layout_root", "open_async_registry", "open_registry"]

_HOST_PORT = re.compile(
    r"^(localhost|[A-Za-z0-9.-]+\.[A-Za-z]{2,}|\d{1,3}(\.\d{1,3}){3}):\d+(/.*)?$"
)


def layout_root(location: str | os.PathLike[str]) -> Path | None:
    """The directory an ``oci:`` URL or a path designates, or ``None`` for an
    ``http(s)://`` URL.

    ``oci:///data/layouts``, ``oci:/data/layouts`` and ``/data/layouts`` all give
    ``/data/layouts``; ``oci:relative/dir`` gives a relative path.
    """
    if isinstance(location, os.PathLike):
        return Path(location)
    if not isinstance(location, str) or not location:
        raise InvalidValueError(
            location, "is not a registry URL or a path", "pass 'https://host' or a directory"
        )
    if location.startswith(("http://", "https://")):
        return None
    if location.startswith("oci:"):
        rest = location[len("oci:") :]
        if rest.startswith("//"):
            rest = rest[2:]
            if not rest.startswith("/"):
                raise InvalidValueError(
                    location,
                    "an oci:// URL must have an empty host",
                    f"write 'oci:///{rest}' (three slashes) for an absolute path",
                )
        if not rest:
            raise InvalidValueError(location, "has no path", "write 'oci:/path/to/layouts'")
        return Path(rest)
    if "://" in location:
        raise InvalidValueError(
            location,
            "has an unsupported scheme",
            "use http://, https://, oci: or a plain directory path",
        )
    if _HOST_PORT.match(location) and not Path(location).exists():
        raise InvalidValueError(
            location,
            "looks like a registry host but has no scheme",
            f"write 'https://{location}' (or 'http://{location}' for a local test registry)",
        )
    return Path(location)


def open_registry(location: str | os.PathLike[str], **options: Any) -> ImageRegistry:
    """Open a registry by URL or an OCI layout root by path.

    * ``http(s)://host[:port]`` -> :class:`RegistryClient` (``options``: ``username``,
      ``password``, ``timeout``, ``retry``, ``verify``...).
    * ``oci:/path``, ``oci:///path`` or a directory path -> :class:`OCILayout`
      (``options``: ``gc_grace``); repository ``team/app`` lives in ``<path>/team/app``.

    Raises :class:`~mosaic_sdk.errors.InvalidValueError` for anything else, such as a
    bare ``host:port`` (say which scheme).
    """
    # Each kind is imported when it is opened: a client does not load the layout code.
    root = layout_root(location)
    if root is None:
        from mosaic_sdk.registry._sync.client import RegistryClient

        return RegistryClient(str(location), **options)
    from mosaic_sdk.registry._layout import OCILayout

    return OCILayout(root, **options)


def open_async_registry(location: str | os.PathLike[str], **options: Any) -> AsyncImageRegistry:
    """The async twin of :func:`open_registry`: :class:`AsyncRegistryClient` or
    :class:`AsyncOCILayout`."""
    root = layout_root(location)
    if root is None:
        from mosaic_sdk.registry._async.client import AsyncRegistryClient

        return AsyncRegistryClient(str(location), **options)
    from mosaic_sdk.registry._adapters import AsyncOCILayout

    return AsyncOCILayout(root, **options)


def copy_image(
    src: ImageRegistry,
    src_repository: str,
    reference: str,
    dst: ImageRegistry,
    dst_repository: str,
    tag: str | None = None,
) -> Digest:
    """Copy an image between two registries of any kind (a layout into a registry and
    back), keeping its digest: missing blobs are transferred, index children are
    written before the index. Returns the digest.

    Within one registry prefer ``registry.copy``, which mounts blobs instead of
    transferring them.
    """
    validate_repository(src_repository)
    validate_repository(dst_repository)
    if tag is not None:
        validate_tag(tag)
    manifest = src.get_manifest(src_repository, reference)
    pending = [manifest]
    ordered = []
    # Depth-first, children before parents: the order a registry accepts them in.
    while pending:
        current = pending.pop()
        ordered.append(current)
        pending.extend(src.get_manifest(src_repository, str(d)) for d in current.child_digests)
    for current in reversed(ordered):
        for digest in current.blob_digests:
            if not dst.blob_exists(dst_repository, digest):
                dst.put_blob(dst_repository, src.get_blob(src_repository, digest))
        if current is not manifest:
            dst.put_manifest(dst_repository, str(current.digest), current)
    return dst.put_manifest(dst_repository, tag or str(manifest.digest), manifest)
