"""Atomic file writes and bounded reads shared by every module that touches disk.

A reader never sees a half-written file: the text goes to a temporary file in the
same directory (so the final rename stays on one filesystem), is flushed and
fsynced, then moved over the target with :func:`os.replace`, which is atomic on
POSIX and Windows. An existing file keeps its permission bits; a new file gets the
usual ``0o666 & ~umask``.

Reads of files a repository or a user supplies go through :func:`read_text_capped`
(or :func:`read_bytes_capped`): only regular files are read (a FIFO named
``compose.yaml`` would block a plain ``open()`` forever, a symlink to ``/dev/zero``
would fill memory), at most ``max_bytes`` bytes are taken, counted as they are read
rather than trusted from ``stat`` (which says 0 for ``/proc`` files and may change
while reading), and text that is not UTF-8 is an :class:`~mosaic_sdk.errors.InvalidValueError`
naming the file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from mosaic_sdk.errors import InvalidValueError

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "directory_lock",
    "read_bytes_capped",
    "read_text_capped",
]

# Opening a FIFO for reading blocks until a writer appears; O_NONBLOCK makes the
# open return at once so the file type can be checked. (Not defined on Windows,
# where FIFOs cannot be opened by path anyway.)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CHUNK = 1 << 16


def read_bytes_capped(path: str | os.PathLike[str], *, max_bytes: int, what: str) -> bytes:
    """Read the regular file ``path`` whole, refusing anything larger than ``max_bytes``.

    Args:
        path: the file to read; a symlink is followed, but must end at a regular file.
        max_bytes: the most bytes accepted. Counted while reading, so a file that grows,
            or a device that ``stat`` reports as empty, cannot get past it.
        what: what the file is to the caller (``"compose file"``, ``"docs/TASKS.md"``),
            used in error messages.

    Raises:
        FileNotFoundError: ``path`` (or a directory on the way) does not exist, so a
            caller can treat an absent optional file as absent.
        InvalidValueError: ``path`` is not a regular file (a directory, FIFO, socket or
            device), is larger than ``max_bytes``, or cannot be read.
    """
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | _O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(2, "No such file or directory", name) from None
    except OSError as exc:
        raise _unreadable(name, what, exc) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InvalidValueError(
                name,
                f"is {_file_type(mode)}, not a regular file, so it cannot be read as the {what}",
                "replace it with a regular file",
            )
        chunks: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            except BlockingIOError:  # pragma: no cover - regular files never block
                continue
            except OSError as exc:
                raise _unreadable(name, what, exc) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise InvalidValueError(
                    name,
                    f"is larger than {max_bytes} bytes, the most accepted for the {what}",
                    "shorten the file or split it",
                )
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_capped(path: str | os.PathLike[str], *, max_bytes: int, what: str) -> str:
    """Read the regular file ``path`` as UTF-8 text, as :func:`read_bytes_capped` does.

    Newlines are kept as written (no universal-newline translation). A leading UTF-8
    byte-order mark is kept too; callers that care strip ``"\ufeff"``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        InvalidValueError: as for :func:`read_bytes_capped`, or the content is not
            UTF-8 (the message gives the byte offset of the first bad byte).
    """
    data = read_bytes_capped(path, max_bytes=max_bytes, what=what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidValueError(
            os.fspath(path),
            f"is not UTF-8 text (byte {exc.start} is {data[exc.start : exc.start + 1]!r}), "
            f"so it cannot be read as the {what}",
            "re-save the file as UTF-8",
        ) from None


def _unreadable(name: str, what: str, exc: OSError) -> InvalidValueError:
    return InvalidValueError(
        name,
        f"cannot be read as the {what} ({exc.strerror or type(exc).__name__})",
        "check that it is a readable regular file",
    )


def _file_type(mode: int) -> str:
    for test, label in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return label
    return "an unknown kind of file"  # pragma: no cover - every POSIX type is listed above


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


# Locks this thread already holds, by directory: flock conflicts between two open
# file descriptions even within one process, so a nested request must not open a
# second one (it would wait for itself forever).
_held = threading.local()

if sys.platform == "win32":  # pragma: no cover - no flock; only in-process exclusion
    _WIN_LOCKS: dict[str, threading.RLock] = {}
    _WIN_GUARD = threading.Lock()

    @contextlib.contextmanager
    def _exclusive(directory: Path) -> Iterator[None]:
        with _WIN_GUARD:
            lock = _WIN_LOCKS.setdefault(
                os.path.normcase(os.path.abspath(directory)), threading.RLock()
            )
        with lock:
            yield

else:
    import fcntl

    @contextlib.contextmanager
    def _exclusive(directory: Path) -> Iterator[None]:
        fd = os.open(directory, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


@contextlib.contextmanager
def directory_lock(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold an exclusive lock for a read-modify-write of ``path`` (a file) or its peers.

    The lock is an advisory ``flock`` on the file's *directory*, not on a lock file
    beside it: evidence files live in git work trees, where a ``.TASKS.md.lock`` would
    show up in ``git status`` and get committed by ``git add -A``; and the file itself
    cannot carry the lock, since :func:`atomic_write_text` replaces its inode. Every
    process and thread that edits files of that directory through this function
    waits for the others, so each re-reads what the previous one wrote. The lock is
    re-entrant within a thread. The directory is created when missing.

    Yields the directory locked.

    Raises:
        OSError: the directory cannot be created or opened.
    """
    directory = Path(path).parent
    directory.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(directory)
    held: set[str] = _held.__dict__.setdefault("directories", set())
    if key in held:
        yield directory
        return
    with _exclusive(directory):
        held.add(key)
        try:
            yield directory
        finally:
            held.discard(key)
