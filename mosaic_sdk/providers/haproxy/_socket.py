"""The one piece of I/O of the runtime API: send a command line, read the answer.

Two spellings of the same exchange, as :mod:`mosaic_sdk._core._concurrency` does for
sleeping: :func:`asend_command` (asyncio streams) is what ``_async/runtime.py`` is
written against, and ``scripts/gen_sync.py`` renames it to :func:`send_command`
(a plain :mod:`socket`) in the generated twin.

The protocol (HAProxy management guide, 9.3): connect to the admin socket (a UNIX
socket), write one command ending in a newline, read until HAProxy closes the
connection. Answers are small text, capped here at 4 MiB.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from pathlib import Path

from mosaic_sdk.errors import APIConnectionError, APITimeoutError

__all__ = ["MAX_ANSWER_BYTES", "asend_command", "send_command"]

#: The largest answer read; a ``show`` of a huge configuration is cut, not buffered.
MAX_ANSWER_BYTES = 4 * 1024 * 1024


def _failure(path: str, command: str, exc: BaseException) -> APIConnectionError:
    verb = " ".join(command.split()[:2])
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return APITimeoutError(
            f"the admin socket {path!r} did not answer {verb!r} in time; is HAProxy busy "
            "or stopped?",
            provider="haproxy",
        )
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return APIConnectionError(
        f"cannot talk to the admin socket {path!r} ({reason}); start HAProxy or point the "
        "splitter at its 'stats socket ... level admin'",
        provider="haproxy",
        request_sent=isinstance(exc, (ConnectionResetError, BrokenPipeError)),
    )


def _line(command: str) -> bytes:
    # _commands.check_name already refuses ';' and line breaks; this guards the seam.
    if "\n" in command or "\r" in command or ";" in command:
        raise ValueError(f"refusing a runtime API command with a separator: {command!r}")
    return command.encode("ascii") + b"\n"


def send_command(path: str | os.PathLike[str], command: str, *, timeout: float) -> str:
    """Send one command to the admin socket at ``path`` and return HAProxy's answer.

    Raises:
        APITimeoutError: no complete answer within ``timeout`` seconds.
        APIConnectionError: the socket is missing or refuses the connection.
    """
    where = str(Path(path))
    payload = _line(command)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(where)
            sock.sendall(payload)
            chunks: list[bytes] = []
            size = 0
            while size < MAX_ANSWER_BYTES:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except OSError as exc:
        raise _failure(where, command, exc) from None
    return b"".join(chunks).decode("utf-8", "replace")


async def asend_command(path: str | os.PathLike[str], command: str, *, timeout: float) -> str:
    """Send one command to the admin socket at ``path`` and return HAProxy's answer,
    without blocking the event loop (see :func:`send_command`).

    Raises:
        APITimeoutError: no complete answer within ``timeout`` seconds.
        APIConnectionError: the socket is missing or refuses the connection.
    """
    where = str(Path(path))
    payload = _line(command)

    async def exchange() -> bytes:
        reader, writer = await asyncio.open_unix_connection(where)
        try:
            writer.write(payload)
            await writer.drain()
            chunks: list[bytes] = []
            size = 0
            while size < MAX_ANSWER_BYTES:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            return b"".join(chunks)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    try:
        answer = await asyncio.wait_for(exchange(), timeout)
    except (OSError, asyncio.TimeoutError) as exc:
        raise _failure(where, command, exc) from None
    return answer.decode("utf-8", "replace")
