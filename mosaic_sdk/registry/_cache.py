"""A content-addressed cache of small immutable blobs (image configs) on disk.

A blob's digest is the hash of its bytes, so what a digest names never changes: a cached
copy can be served forever and needs no invalidation. That makes the bytes behind a
digest the one thing about a registry that is safe to remember between runs, and image
configs the one read of a retention plan it pays to remember: a plan reads one config per
image without a created annotation, and every later plan of the same repository reads the
same configs again (see :meth:`~mosaic_sdk.release.RetentionPolicy.plan`).

Entries live at ``<directory>/<algorithm>/<encoded>``, the same shape as the ``blobs``
folder of an OCI image layout. Every read re-hashes the entry and drops one that does not
match its name, so a torn, truncated or tampered file is a cache miss, never wrong data.
Writes go through a temporary file and a rename, so concurrent processes sharing one
directory never see half an entry. A cache that cannot be written (read-only disk, disk
full) logs a warning once and keeps answering from what it has: it never fails the caller.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._files import atomic_write_bytes
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.values import Digest

__all__ = ["DEFAULT_MAX_ENTRY_BYTES", "BlobCache", "default_cache_directory"]

logger = logging.getLogger("mosaic_sdk.registry")

_VERIFIABLE = frozenset({"sha256", "sha512"})

DEFAULT_MAX_ENTRY_BYTES = 1 << 20
"""Blobs above this size (1 MiB) are not cached: image configs are a few KiB."""


def default_cache_directory() -> Path:
    """Where the command line keeps its blob cache.

    ``$MOSAIC_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/mosaic/blobs``, else
    ``~/.cache/mosaic/blobs``.
    """
    explicit = os.environ.get("MOSAIC_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "mosaic" / "blobs"


class BlobCache:
    """Small immutable blobs kept on disk by digest, verified on every read.

    Thread-safe and safe to share between processes: entries are written atomically and
    checked against their digest when read.

    Args:
        directory: the cache folder; created on the first write.
        max_entry_bytes: blobs larger than this are neither stored nor served.

    Raises:
        InvalidValueError: ``directory`` is empty or ``max_entry_bytes`` is not a positive
            integer.

    Examples:
        >>> import tempfile
        >>> from mosaic_sdk.values import Digest
        >>> cache = BlobCache(tempfile.mkdtemp())
        >>> config = b'{"created": "2026-11-01T12:00:00Z"}'
        >>> cache.put(Digest.from_bytes(config), config)
        True
        >>> cache.get(Digest.from_bytes(config)) == config
        True
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
    ) -> None:
        if not isinstance(directory, (str, os.PathLike)) or not str(directory):
            raise InvalidValueError(
                directory, "is not a cache directory", "pass a folder path, e.g. '~/.cache/mosaic'"
            )
        if (
            isinstance(max_entry_bytes, bool)
            or not isinstance(max_entry_bytes, int)
            or max_entry_bytes < 1
        ):
            raise InvalidValueError(
                max_entry_bytes, "max_entry_bytes must be a positive integer", "pass 1048576"
            )
        self._directory = Path(directory).expanduser()
        self._max = max_entry_bytes
        self._lock = threading.Lock()
        self._write_failed = False
        self.hits = 0
        """Reads answered from disk since this object was made."""
        self.misses = 0
        """Reads that found nothing usable (absent, too large, or damaged)."""

    @property
    def directory(self) -> Path:
        """The cache folder."""
        return self._directory

    @property
    def max_entry_bytes(self) -> int:
        """The largest blob stored or served."""
        return self._max

    @safe_repr
    def __repr__(self) -> str:
        return f"BlobCache({str(self._directory)!r}, hits={self.hits}, misses={self.misses})"

    def path_for(self, digest: Digest) -> Path:
        """The file that holds ``digest`` (it may not exist)."""
        if not isinstance(digest, Digest):
            raise InvalidValueError(digest, "is not a Digest", "pass Digest.parse('sha256:...')")
        return self._directory / digest.algorithm / digest.encoded

    def get(self, digest: Digest) -> bytes | None:
        """The cached bytes of ``digest``, or ``None``.

        An entry whose bytes do not hash to its digest is deleted and reported as a miss.
        """
        path = self.path_for(digest)
        if digest.algorithm not in _VERIFIABLE:
            self._count(hit=False)
            return None
        try:
            with path.open("rb") as handle:
                data = handle.read(self._max + 1)
        except OSError:
            self._count(hit=False)
            return None
        if len(data) > self._max:  # stored by a cache with a larger limit: leave it
            self._count(hit=False)
            return None
        if not digest.verify(data):
            logger.warning(
                "blob cache entry %s does not match its digest; dropped it",
                path,
                extra={"path": str(path), "digest": str(digest)},
            )
            with contextlib.suppress(OSError):
                path.unlink()
            self._count(hit=False)
            return None
        self._count(hit=True)
        return data

    def put(self, digest: Digest, data: bytes) -> bool:
        """Store ``data`` under ``digest``; return whether it is now cached.

        Blobs over ``max_entry_bytes`` are skipped (``False``), as are digests of an
        algorithm this SDK cannot verify (not ``sha256``/``sha512``), and every write
        once the folder has proved unwritable (logged once as a warning).

        Raises:
            InvalidValueError: ``data`` does not hash to ``digest``: storing it would
                poison every later read.
        """
        path = self.path_for(digest)
        if not isinstance(data, bytes):
            raise InvalidValueError(
                type(data).__name__, "is not the blob's bytes", "pass the bytes as read"
            )
        if digest.algorithm not in _VERIFIABLE:
            return False  # an entry that cannot be checked on read is never stored
        if not digest.verify(data):
            raise InvalidValueError(
                str(digest),
                f"does not match the {len(data)} bytes given",
                "cache only bytes read and verified against this digest",
            )
        if len(data) > self._max or self._write_failed:
            return False
        if path.exists():
            return True
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data, durable=False)
        except OSError as exc:
            with self._lock:
                first = not self._write_failed
                self._write_failed = True
            if first:
                logger.warning(
                    "blob cache %s is not writable (%s); reading without storing from now on",
                    self._directory,
                    exc,
                    extra={"path": str(self._directory)},
                )
            return False
        return True

    def _count(self, *, hit: bool) -> None:
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1
