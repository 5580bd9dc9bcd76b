"""A small JSON state file that processes on one machine update under an ``flock``.

:meth:`StateFile.update` holds an exclusive advisory lock on ``<path>.lock`` (the state
file itself cannot carry the lock: it is replaced, not rewritten, so a reader never sees
half a file), reads the JSON document, lets the caller change it, and writes it back
atomically (:func:`mosaic_sdk._files.atomic_write_bytes`) when it changed. Every thread
and process that updates the same path waits for the others, so each one sees what the
previous one wrote. POSIX only: on Windows ``flock`` does not exist.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._files import atomic_write_bytes, read_bytes_capped
from mosaic_sdk.errors import CoordinationUnavailableError, InvalidValueError

__all__ = ["StateFile", "check_state_path"]

# A budget of a few hundred bookings or a few hundred locks stays far below this.
_MAX_BYTES = 8 << 20


def check_state_path(path: object, what: str) -> Path:
    """``path`` as a :class:`~pathlib.Path`, or a typed error naming the fix."""
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise InvalidValueError(
            type(path).__name__,
            f"is not a path for the {what} state file",
            "pass a str or pathlib.Path, e.g. '/var/lib/mosaic/coolify.budget'",
        )
    target = Path(path)
    if not str(path) or target.name in ("", ".", ".."):
        raise InvalidValueError(
            str(path), f"is not a file path for the {what} state", "name a file, not a folder"
        )
    if sys.platform == "win32":  # pragma: no cover - no flock on Windows
        raise CoordinationUnavailableError(
            f"the file backend of the {what} needs POSIX flock, which Windows lacks; use "
            "the in-process or the Redis backend",
            backend="file",
        )
    return target


class StateFile:
    """The JSON document at ``path``, updated under an exclusive ``flock``.

    Args:
        path: the state file; its directory must exist (it is not created, so a typo
            in a mount path fails loudly instead of splitting one budget in two).
        what: what the file holds, for error messages (``"rate limit"``, ``"lock"``).
        durable: fsync each write (locks: a lost write could reissue a fencing token);
            a budget passes ``False``, since a booking lost to a power cut is harmless.
    """

    def __init__(self, path: Path, what: str, *, durable: bool) -> None:
        self.path = path
        self.what = what
        self.durable = durable
        self.lock_path = path.with_name(path.name + ".lock")

    @safe_repr
    def __repr__(self) -> str:
        return f"StateFile({str(self.path)!r})"

    def _unavailable(self, exc: OSError) -> CoordinationUnavailableError:
        reason = exc.strerror or type(exc).__name__
        return CoordinationUnavailableError(
            f"cannot use {str(self.path)!r} as the {self.what} state file ({reason}); "
            "check that its directory exists and is writable by every process sharing it",
            backend="file",
        )

    def _read(self) -> dict[str, Any]:
        try:
            data = read_bytes_capped(self.path, max_bytes=_MAX_BYTES, what=f"{self.what} state")
        except FileNotFoundError:
            return {}
        except InvalidValueError as exc:
            raise CoordinationUnavailableError(str(exc), backend="file") from None
        try:
            doc = json.loads(data) if data.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            doc = None
        if not isinstance(doc, dict):
            raise CoordinationUnavailableError(
                f"{str(self.path)!r} is not a mosaic {self.what} state file (not a JSON "
                "object); point the backend at a file of its own, or delete this one",
                backend="file",
            )
        return doc

    @contextlib.contextmanager
    def update(self) -> Iterator[dict[str, Any]]:
        """Lock, read and yield the document; write it back if the caller changed it."""
        import fcntl

        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise self._unavailable(exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            doc = self._read()
            before = json.dumps(doc, sort_keys=True)
            yield doc
            after = json.dumps(doc, sort_keys=True)
            if after != before:
                try:
                    atomic_write_bytes(self.path, after.encode(), durable=self.durable)
                except OSError as exc:
                    raise self._unavailable(exc) from None
        finally:
            os.close(fd)  # closing the descriptor releases the flock
