"""Atomic file writes shared by every module that writes to disk.

A reader never sees a half-written file: the text goes to a temporary file in the
same directory (so the final rename stays on one filesystem), is flushed and
fsynced, then moved over the target with :func:`os.replace`, which is atomic on
POSIX and Windows. An existing file keeps its permission bits; a new file gets the
usual ``0o666 & ~umask``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text"]


def atomic_write_text(
    path: str | os.PathLike[str],
    text: str,
    *,
    encoding: str = "utf-8",
    overwrite: bool = True,
) -> Path:
    """Write ``text`` to ``path`` atomically and return the path written.

    Args:
        path: the file to write. Its directory must exist.
        text: the whole new content.
        encoding: text encoding of the file.
        overwrite: when false, refuse to replace an existing file: the new file is
            linked into place with :func:`os.link`, which fails atomically if the
            target exists, so two writers racing never clobber each other.

    Raises:
        FileExistsError: ``overwrite`` is false and ``path`` already exists.
        OSError: the directory is missing or not writable.
    """
    return atomic_write_bytes(path, text.encode(encoding), overwrite=overwrite)


def atomic_write_bytes(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    overwrite: bool = True,
    durable: bool = True,
) -> Path:
    """Write ``data`` to ``path`` atomically and return the path written.

    Args:
        path: the file to write. Its directory must exist.
        data: the whole new content.
        overwrite: as for :func:`atomic_write_text`.
        durable: fsync the file and its directory before returning. Caches whose
            entries are verified on read pass ``False``: the rename is still atomic,
            only a power cut may lose the entry.

    Raises:
        FileExistsError: ``overwrite`` is false and ``path`` already exists.
        OSError: the directory is missing or not writable.
    """
    target = Path(path)
    directory = target.parent
    mode = _existing_mode(target) if overwrite else None
    tmp = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
    # os.open with 0o666 lets the process umask decide a new file's permissions,
    # as a plain open() would; mkstemp would force 0o600.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    if durable:
        _fsync_directory(directory)
    return target


def _existing_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable. Not possible on Windows (directories cannot be
    # opened), where the rename is still atomic, so failures are ignored.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
