"""``OCILayout``: the :class:`ImageRegistry` Protocol over OCI image layout directories.

Mapping (the format skopeo ``oci:``, umoci and oras read and write): **one layout per
repository** under a root directory::

    <root>/<repository>/oci-layout       {"imageLayoutVersion": "1.0.0"}
    <root>/<repository>/index.json       the repository's manifests and tags
    <root>/<repository>/blobs/sha256/<hex>

so ``OCILayout("/data").put_manifest("team/app", "v1", m)`` is exactly what
``skopeo copy ... oci:/data/team/app:v1`` writes and reads. A tag is an ``index.json``
entry with the ``org.opencontainers.image.ref.name`` annotation; a manifest pushed by
digest alone gets an entry without that annotation (like an untagged manifest in a
registry). Because a layout keeps ``blobs/`` beside the repositories it may contain, no
repository path component may be called ``blobs``.

Docker v2 manifests and manifest lists are stored byte-exact too (their digests are kept),
but skopeo and umoci only see ``index.json`` entries with OCI media types: convert with
``skopeo copy --format oci`` (a new digest) when those tools must read the image.

Writes are atomic: a blob goes to a temporary file in the same directory and is renamed
into place after its sha256 is checked; ``index.json`` is replaced with
:func:`os.replace`. ``index.json`` updates and garbage collection hold an exclusive
``fcntl`` lock on ``<layout>/.mosaic.lock`` (POSIX), so processes sharing a layout do not
lose each other's tags.

:meth:`OCILayout.delete_manifest` removes every index entry of the digest (every tag,
as on distribution 2.8) and then garbage-collects: blobs no longer reachable from
``index.json`` are deleted unless younger than ``gc_grace`` seconds. The grace period
protects another process that has uploaded blobs but not yet written its manifest;
should it lose that race anyway, its :meth:`~OCILayout.put_manifest` fails with
``MANIFEST_BLOB_UNKNOWN`` instead of leaving a dangling reference.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._files import atomic_write_text
from mosaic_sdk.errors import (
    APIResponseValidationError,
    BadRequestError,
    ConflictError,
    InvalidValueError,
    NotFoundError,
)
from mosaic_sdk.registry._models import (
    ANNOTATION_REF_NAME,
    INDEX_MEDIA_TYPES,
    OCI_INDEX,
    Descriptor,
    Manifest,
    TagList,
    sha256_digest,
)
from mosaic_sdk.registry._names import (
    as_digest,
    as_manifest,
    parse_reference,
    validate_repository,
)
from mosaic_sdk.registry._sync import referrers as _referrers
from mosaic_sdk.values import Digest

if sys.platform == "win32":  # pragma: no cover - only the in-process lock applies

    @contextlib.contextmanager
    def _file_lock(path: Path) -> Iterator[None]:
        yield

else:
    import fcntl

    @contextlib.contextmanager
    def _file_lock(path: Path) -> Iterator[None]:
        """Exclusive POSIX advisory lock on ``path`` (created if missing)."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


__all__ = ["OCILayout"]

_PROVIDER = "oci-layout"
_LAYOUT_FILE = "oci-layout"
_LAYOUT_VERSION = '{"imageLayoutVersion":"1.0.0"}'
_LOCK_FILE = ".mosaic.lock"
DEFAULT_GC_GRACE = 300.0


def _not_found(code: str, message: str, url: str) -> NotFoundError:
    return NotFoundError(f"{code}: {message}", status_code=404, provider=_PROVIDER, url=url)


@attrs.frozen
class _IndexSnapshot:
    """One parsed version of an ``index.json``: its entries and the tag -> entry map
    (the last entry wins if a tool wrote a tag twice)."""

    entries: tuple[dict[str, Any], ...]
    by_tag: Mapping[str, dict[str, Any]]


class OCILayout:
    """An :class:`~mosaic_sdk.registry.ImageRegistry` backed by OCI image layout
    directories, one per repository under ``root`` (see the module docs for the mapping).

    Args:
        root: directory holding the repositories; created on first write.
        gc_grace: seconds an unreferenced blob is kept after it was written, so a
            concurrent writer's blobs survive a garbage collection (``0`` in tests).

    Example:
        >>> import tempfile
        >>> from mosaic_sdk.registry import OCILayout
        >>> layout = OCILayout(tempfile.mkdtemp())
        >>> str(layout.put_blob("team/app", b"{}"))
        'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
    """

    def __init__(self, root: str | os.PathLike[str], *, gc_grace: float = DEFAULT_GC_GRACE) -> None:
        if not isinstance(root, (str, os.PathLike)) or not str(root):
            raise InvalidValueError(
                root,
                "is not a layout directory path",
                "pass a directory path such as 'build/oci' (it is created on the first push)",
            )
        if isinstance(gc_grace, bool) or not isinstance(gc_grace, (int, float)) or gc_grace < 0:
            raise InvalidValueError(gc_grace, "gc_grace must not be negative", "pass seconds >= 0")
        self.root = Path(root)
        self.gc_grace = gc_grace
        self._thread_lock = threading.RLock()
        self._index_cache: dict[Path, tuple[tuple[int, int, int], _IndexSnapshot]] = {}

    @safe_repr
    def __repr__(self) -> str:
        return f"OCILayout({str(self.root)!r})"

    # -- paths and locking ------------------------------------------------------------

    def layout_path(self, repository: str) -> Path:
        """Directory of the OCI layout that holds ``repository``."""
        validate_repository(repository)
        if "blobs" in repository.split("/"):
            raise InvalidValueError(
                repository,
                "a path component named 'blobs' would collide with a layout's blob directory",
                "rename that part of the repository",
            )
        return self.root.joinpath(*repository.split("/"))

    def _url(self, repository: str, suffix: str = "") -> str:
        return f"oci:{self.root}/{repository}{suffix}"

    def _existing(self, repository: str) -> Path:
        path = self.layout_path(repository)
        if not (path / _LAYOUT_FILE).is_file():
            raise _not_found(
                "NAME_UNKNOWN",
                f"repository {repository!r} does not exist in the OCI layout root {self.root}; "
                "check the name with repositories() or push an image first",
                self._url(repository),
            )
        return path

    def _ensure(self, repository: str) -> Path:
        path = self.layout_path(repository)
        if (path / _LAYOUT_FILE).is_file():
            return path
        (path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        if not (path / "index.json").exists():
            self._write_index(path, [])
        if not (path / _LAYOUT_FILE).exists():
            # Written last: its presence marks a complete layout.
            atomic_write_text(path / _LAYOUT_FILE, _LAYOUT_VERSION)
        return path

    @contextlib.contextmanager
    def _locked(self, path: Path) -> Iterator[None]:
        with self._thread_lock, _file_lock(path / _LOCK_FILE):
            yield

    # -- index.json -------------------------------------------------------------------

    def _snapshot(self, path: Path) -> _IndexSnapshot:
        # index.json is only ever replaced (new inode) or rewritten (new mtime), so the
        # stat triple identifies a parsed version; a 2,000-tag index is parsed once, not
        # once per resolve.
        index_file = path / "index.json"
        try:
            stat = index_file.stat()
        except FileNotFoundError:
            return _IndexSnapshot((), {})
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = self._index_cache.get(index_file)
        if cached is not None and cached[0] == key:
            return cached[1]
        snapshot = self._parse_index(index_file)
        self._index_cache[index_file] = (key, snapshot)
        return snapshot

    def _read_index(self, path: Path) -> list[dict[str, Any]]:
        """The entries of ``index.json`` (a fresh list; the dicts must not be mutated)."""
        return list(self._snapshot(path).entries)

    def _parse_index(self, index_file: Path) -> _IndexSnapshot:
        try:
            doc = json.loads(index_file.read_bytes())
        except FileNotFoundError:
            return _IndexSnapshot((), {})
        except ValueError as exc:
            raise APIResponseValidationError(
                f"{index_file} is not valid JSON ({exc}); restore it from a backup",
                provider=_PROVIDER,
            ) from exc
        manifests = doc.get("manifests") if isinstance(doc, dict) else None
        if not isinstance(manifests, list):
            raise APIResponseValidationError(
                f"{index_file} has no 'manifests' list; it is not an OCI image index",
                provider=_PROVIDER,
            )
        entries = tuple(m for m in manifests if isinstance(m, dict))
        by_tag = {name: e for e in entries if (name := self._ref_name(e)) is not None}
        return _IndexSnapshot(entries, by_tag)

    def _write_index(self, path: Path, entries: list[dict[str, Any]]) -> None:
        doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
        # Compact, like skopeo writes it (and json's C encoder only runs without indent).
        atomic_write_text(path / "index.json", json.dumps(doc, separators=(",", ":")) + "\n")

    @staticmethod
    def _ref_name(entry: dict[str, Any]) -> str | None:
        annotations = entry.get("annotations")
        if isinstance(annotations, dict):
            name = annotations.get(ANNOTATION_REF_NAME)
            if isinstance(name, str):
                return name
        return None

    # -- blobs ------------------------------------------------------------------------

    @staticmethod
    def _blob_path(path: Path, digest: Digest) -> Path:
        return path / "blobs" / digest.algorithm / digest.hex

    def _write_blob(self, path: Path, data: bytes, digest: Digest) -> None:
        target = self._blob_path(path, digest)
        if target.is_file() and digest.verify(target.read_bytes()):
            # Content-addressed: identical bytes are already there. Refresh the mtime so
            # a concurrent garbage collection treats the blob as fresh.
            os.utime(target)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{digest.hex}.{secrets.token_hex(6)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if not digest.verify(tmp.read_bytes()):
                raise APIResponseValidationError(
                    f"blob written to {tmp} does not hash to {digest}; check the disk and retry",
                    provider=_PROVIDER,
                )
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def _read_blob(self, path: Path, repository: str, digest: Digest) -> bytes:
        try:
            data = self._blob_path(path, digest).read_bytes()
        except FileNotFoundError:
            raise _not_found(
                "BLOB_UNKNOWN",
                f"blob {digest} is not in repository {repository!r}; push it with put_blob",
                self._url(repository, f"@{digest}"),
            ) from None
        if not digest.verify(data):
            raise APIResponseValidationError(
                f"blob {digest} of repository {repository!r} is corrupt (its content hashes "
                f"to {sha256_digest(data)}); restore the layout or push the blob again",
                provider=_PROVIDER,
            )
        return data

    # -- manifest graph ---------------------------------------------------------------

    def _known_manifests(self, path: Path, repository: str) -> dict[Digest, Descriptor]:
        """Every manifest reachable from index.json (roots and index children)."""
        known: dict[Digest, Descriptor] = {}
        pending = [Descriptor.from_json(e) for e in self._read_index(path)]
        while pending:
            desc = pending.pop()
            if desc.digest in known:
                continue
            known[desc.digest] = desc
            blob = self._blob_path(path, desc.digest)
            if desc.media_type in INDEX_MEDIA_TYPES and blob.is_file():
                manifest = Manifest(desc.digest, desc.media_type, blob.read_bytes())
                pending.extend(manifest.manifests)
        return known

    def _reachable_blobs(self, path: Path) -> set[Digest]:
        reachable: set[Digest] = set()
        pending = [Descriptor.from_json(e) for e in self._read_index(path)]
        while pending:
            desc = pending.pop()
            if desc.digest in reachable:
                continue
            reachable.add(desc.digest)
            blob = self._blob_path(path, desc.digest)
            if not blob.is_file():
                continue
            manifest = Manifest(desc.digest, desc.media_type, blob.read_bytes())
            pending.extend(manifest.manifests)
            for child in (manifest.config, *manifest.layers):
                if child is not None:
                    reachable.add(child.digest)
        return reachable

    def _descriptor(self, path: Path, repository: str, reference: str) -> Descriptor:
        ref = parse_reference(reference)
        if isinstance(ref, Digest):
            desc = self._known_manifests(path, repository).get(ref)
            if desc is None:
                raise _not_found(
                    "MANIFEST_UNKNOWN",
                    f"manifest {ref} is not in repository {repository!r}; "
                    "check the digest with resolve(repository, tag)",
                    self._url(repository, f"@{ref}"),
                )
            return desc
        found = self._snapshot(path).by_tag.get(ref)
        if found is None:
            raise _not_found(
                "MANIFEST_UNKNOWN",
                f"tag {ref!r} is not in repository {repository!r}; "
                "list the tags with list_tags(repository)",
                self._url(repository, f":{ref}"),
            )
        return Descriptor.from_json(found)

    # -- the ImageRegistry Protocol ---------------------------------------------------

    def resolve(self, repository: str, reference: str) -> Digest:
        """Return the digest ``reference`` names (read from ``index.json``)."""
        return self._descriptor(self._existing(repository), repository, reference).digest

    def get_manifest(self, repository: str, reference: str) -> Manifest:
        """Read the manifest blob ``reference`` names, checked against its digest."""
        path = self._existing(repository)
        desc = self._descriptor(path, repository, reference)
        content = self._read_blob(path, repository, desc.digest)
        return Manifest(digest=desc.digest, media_type=desc.media_type, content=content)

    def put_manifest(
        self,
        repository: str,
        reference: str,
        manifest: Manifest | bytes,
        media_type: str | None = None,
    ) -> Digest:
        """Store the manifest blob and point ``reference`` at it in ``index.json``.

        A tag moves (the digest it leaves stays as an untagged entry, as in a registry);
        a digest reference adds an untagged entry unless the digest already has one.
        Every referenced blob and child manifest must already be in the repository
        (``BadRequestError`` ``MANIFEST_BLOB_UNKNOWN`` otherwise, as a registry answers).
        """
        manifest = as_manifest(manifest, media_type)
        ref = parse_reference(reference)
        if isinstance(ref, Digest) and ref != manifest.digest:
            raise InvalidValueError(
                str(ref),
                f"the manifest's own digest is {manifest.digest}",
                "put a manifest by its own digest, or use a tag",
            )
        path = self._ensure(repository)
        with self._locked(path):
            missing = [
                d
                for d in (*manifest.blob_digests, *manifest.child_digests)
                if not self._blob_path(path, d).is_file()
            ]
            if missing:
                raise BadRequestError(
                    f"MANIFEST_BLOB_UNKNOWN: manifest {manifest.digest} references "
                    f"{', '.join(map(str, missing))}, missing from repository {repository!r}; "
                    "push those blobs and child manifests first (copy() does this)",
                    status_code=400,
                    provider=_PROVIDER,
                    url=self._url(repository, f":{reference}"),
                )
            self._write_blob(path, manifest.content, manifest.digest)
            entries = self._read_index(path)
            if isinstance(ref, Digest):
                if not any(e.get("digest") == str(ref) for e in entries):
                    entries.append(manifest.descriptor().to_dict())
            else:
                entries = self._move_tag(entries, ref, manifest)
            self._write_index(path, entries)
            stored = self._descriptor(path, repository, reference).digest
        if stored != manifest.digest:
            raise APIResponseValidationError(
                f"{repository}:{reference} reads back as {stored}, not {manifest.digest}; "
                "another process wrote the same tag concurrently - retry",
                provider=_PROVIDER,
            )
        return manifest.digest

    def _move_tag(
        self, entries: list[dict[str, Any]], tag: str, manifest: Manifest
    ) -> list[dict[str, Any]]:
        """Point ``tag`` at ``manifest``. The digest the tag leaves keeps an untagged
        entry (a registry keeps untagged manifests until they are deleted), and an
        untagged entry of ``manifest`` is folded into the tagged one."""
        target = str(manifest.digest)
        moved: list[dict[str, Any]] = []
        kept: list[dict[str, Any]] = []
        digests: set[object] = set()
        for entry in entries:  # one pass: index.json may hold thousands of tags
            name = self._ref_name(entry)
            if name == tag:
                moved.append(entry)
            elif not (name is None and entry.get("digest") == target):
                kept.append(entry)
                digests.add(entry.get("digest"))
        for entry in moved:
            digest = entry.get("digest")
            if digest == target or digest in digests:
                continue
            untagged = dict(entry)
            annotations = {
                k: v
                for k, v in dict(entry.get("annotations") or {}).items()
                if k != ANNOTATION_REF_NAME
            }
            untagged.pop("annotations", None)
            if annotations:
                untagged["annotations"] = annotations
            kept.append(untagged)
            digests.add(digest)
        kept.append(manifest.descriptor(**{ANNOTATION_REF_NAME: tag}).to_dict())
        return kept

    def tag_list(self, repository: str) -> TagList:
        """Return the repository's tags as a :class:`TagList` (one "page")."""
        path = self._existing(repository)
        return TagList(repository=repository, tags=self._snapshot(path).by_tag, pages=1)

    def list_tags(self, repository: str) -> list[str]:
        """Return the sorted tag names of ``repository``."""
        return list(self.tag_list(repository).tags)

    def delete_manifest(self, repository: str, digest: Digest) -> None:
        """Remove every ``index.json`` entry of ``digest`` (all its tags), then collect
        garbage (see :meth:`gc`).

        Raises :class:`~mosaic_sdk.errors.ConflictError` when the digest is only
        reachable as the child of an index still in the repository: deleting it would
        break that index (distribution 2.8 allows this; a layout refuses).
        """
        path = self._existing(repository)
        digest = as_digest(digest)
        with self._locked(path):
            entries = self._read_index(path)
            kept = [e for e in entries if e.get("digest") != str(digest)]
            if len(kept) == len(entries):
                if digest in self._known_manifests(path, repository):
                    raise ConflictError(
                        f"manifest {digest} is a child of an index in repository "
                        f"{repository!r}; delete the index first",
                        status_code=409,
                        provider=_PROVIDER,
                        method="DELETE",
                        url=self._url(repository, f"@{digest}"),
                    )
                raise _not_found(
                    "MANIFEST_UNKNOWN",
                    f"manifest {digest} is not in repository {repository!r}; nothing to delete",
                    self._url(repository, f"@{digest}"),
                )
            self._write_index(path, kept)
            self._collect(path, self.gc_grace)

    def gc(self, repository: str, *, grace: float | None = None) -> list[Digest]:
        """Delete blobs of ``repository`` that ``index.json`` no longer reaches and that
        are older than ``grace`` seconds (default: ``gc_grace``). Returns what was removed."""
        path = self._existing(repository)
        with self._locked(path):
            return self._collect(path, self.gc_grace if grace is None else grace)

    def _collect(self, path: Path, grace: float) -> list[Digest]:
        reachable = self._reachable_blobs(path)
        cutoff = time.time() - grace
        removed: list[Digest] = []
        blob_root = path / "blobs"
        for algorithm_dir in sorted(p for p in blob_root.iterdir() if p.is_dir()):
            for blob in sorted(algorithm_dir.iterdir()):
                if blob.name.startswith("."):
                    continue
                try:
                    digest = Digest.parse(f"{algorithm_dir.name}:{blob.name}")
                except InvalidValueError:
                    continue
                if digest in reachable:
                    continue
                with contextlib.suppress(FileNotFoundError):
                    if blob.stat().st_mtime <= cutoff:
                        blob.unlink()
                        removed.append(digest)
        return removed

    def get_blob(self, repository: str, digest: Digest) -> bytes:
        """Read blob ``digest``, checked against the digest."""
        return self._read_blob(self._existing(repository), repository, as_digest(digest))

    def put_blob(self, repository: str, data: bytes) -> Digest:
        """Write ``data`` as a blob (temp file, sha256 check, rename) and return its digest."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidValueError(
                type(data).__name__, "blob data must be bytes", "pass the exact blob bytes"
            )
        data = bytes(data)
        digest = sha256_digest(data)
        self._write_blob(self._ensure(repository), data, digest)
        return digest

    def blob_exists(self, repository: str, digest: Digest) -> bool:
        """True when ``blobs/<alg>/<hex>`` exists in the repository's layout."""
        path = self.layout_path(repository)
        return self._blob_path(path, as_digest(digest)).is_file()

    def copy(
        self,
        src_repository: str,
        reference: str,
        dst_repository: str,
        tag: str | None = None,
    ) -> Digest:
        """Copy an image between repositories of this root: blobs are hard-linked (the
        layout's "mount"), copied when linking fails; index children go first."""
        manifest = self.get_manifest(src_repository, reference)
        if src_repository != dst_repository:
            src, dst = self._existing(src_repository), self._ensure(dst_repository)
            self._copy_tree(src, dst, src_repository, dst_repository, manifest)
        return self.put_manifest(dst_repository, tag or str(manifest.digest), manifest)

    def _copy_tree(
        self, src: Path, dst: Path, src_repo: str, dst_repo: str, manifest: Manifest
    ) -> None:
        for child in manifest.manifests:
            child_manifest = self.get_manifest(src_repo, str(child.digest))
            self._copy_tree(src, dst, src_repo, dst_repo, child_manifest)
            self._link_blob(src, dst, src_repo, child.digest)
        for digest in manifest.blob_digests:
            self._link_blob(src, dst, src_repo, digest)

    def _link_blob(self, src: Path, dst: Path, src_repo: str, digest: Digest) -> None:
        target = self._blob_path(dst, digest)
        if target.is_file():
            os.utime(target)
            return
        source = self._blob_path(src, digest)
        if not source.is_file():
            self._read_blob(src, src_repo, digest)  # raises the BLOB_UNKNOWN error
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{digest.hex}.{secrets.token_hex(6)}.tmp"
        try:
            try:
                os.link(source, tmp)
            except OSError:
                shutil.copyfile(source, tmp)
            if not digest.verify(tmp.read_bytes()):
                raise APIResponseValidationError(
                    f"blob {digest} of repository {src_repo!r} is corrupt; restore it first",
                    provider=_PROVIDER,
                )
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def repositories(self) -> list[str]:
        """Every directory under ``root`` that is an OCI layout, as a repository name."""
        if not self.root.is_dir():
            return []
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if d != "blobs" and not d.startswith(".")]
            if _LAYOUT_FILE in filenames:
                rel = Path(dirpath).relative_to(self.root).as_posix()
                if rel != ".":
                    found.append(rel)
        return sorted(found)

    def attach(
        self,
        repository: str,
        subject: Digest | str,
        data: bytes,
        *,
        artifact_type: str,
        media_type: str | None = None,
        annotations: Mapping[str, str] | None = None,
        created: datetime | None = None,
        settle: float = _referrers.DEFAULT_SETTLE,
    ) -> Descriptor:
        """Attach ``data`` to the image ``subject`` as an OCI 1.1 artifact (stored by
        digest) and list it in the referrers index tagged ``sha256-<hex>`` - the
        referrers tag schema, which is what a layout has. See
        :meth:`~mosaic_sdk.registry.RegistryClient.attach` for the arguments."""
        return _referrers.attach_by_tag(
            self,
            repository,
            subject,
            data,
            artifact_type=artifact_type,
            media_type=media_type,
            annotations=annotations,
            created=created,
            settle=settle,
        )

    def referrers(
        self, repository: str, subject: Digest | str, *, artifact_type: str | None = None
    ) -> list[Descriptor]:
        """The artifacts the referrers tag ``sha256-<hex>`` of ``subject`` lists."""
        return _referrers.referrers_by_tag(self, repository, subject, artifact_type=artifact_type)

    def close(self) -> None:
        """Nothing to release (files are opened per call); kept for the Protocol."""

    def __enter__(self) -> OCILayout:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
