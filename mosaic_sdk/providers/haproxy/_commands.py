"""HAProxy runtime API commands and answers, built and read without I/O.

The runtime API (HAProxy's "management guide", section 9.3) takes one command per line
on the admin socket and answers with text, then closes the connection (non-interactive
mode). These functions build the few commands the splitter sends and read their answers;
``_socket.py`` carries them, ``_async/runtime.py`` strings them together.

Answers observed on Debian's HAProxy 2.6.12:

==========================================  =============================================
command                                     answer
==========================================  =============================================
``set weight app/canary 25``                empty on success;
                                            ``No such server.``,
                                            ``Absolute weight can only be between 0 and
                                            256 inclusive.`` otherwise
``get weight app/canary``                   ``25 (initial 0)``
``set server app/canary state maint``       empty on success
``set server app/canary addr 127.0.0.1      ``IP changed from '...' to '...'``,
port 8081``                                 ``no need to change the addr, port changed
                                            from '1' to '8081' ...``
``show servers state app``                  version line ``1``, a ``# be_id ...`` header,
                                            one space-separated row per server
==========================================  =============================================
"""

from __future__ import annotations

import re

from mosaic_sdk.errors import HAProxyCommandError, InvalidValueError
from mosaic_sdk.providers.haproxy._models import HAProxyServer, ServerAddress

__all__ = [
    "MAX_WEIGHT",
    "check_empty_answer",
    "check_name",
    "get_weight",
    "parse_addr_answer",
    "parse_servers_state",
    "parse_weight",
    "set_addr",
    "set_state",
    "set_weight",
    "show_servers_state",
]

#: The largest absolute weight HAProxy accepts.
MAX_WEIGHT = 256

# HAProxy proxy and server names: letters, digits, '-', '_', '.' and ':' (cfgparse.c,
# invalid_char()). Anything else - above all ';' and newlines, which separate runtime
# API commands - is refused before it reaches the socket.
_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_WEIGHT = re.compile(r"^(\d+) \(initial (\d+)\)$")

# srv_admin_state bits (include/haproxy/server-t.h): forced, inherited and resolver
# maintenance. 0x04 (CMAINT) only says "disabled in the configuration".
_ADMIN_MAINT = 0x01 | 0x02 | 0x20
_OP_RUNNING = 2


def check_name(value: str, what: str) -> str:
    """Return ``value`` when it is a valid HAProxy proxy or server name.

    Raises:
        InvalidValueError: empty, too long, or a character HAProxy refuses (``;`` and line
            breaks would start another runtime API command).
    """
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise InvalidValueError(
            value,
            f"is not a valid HAProxy {what} name",
            "use 1-64 letters, digits, '-', '_', '.' or ':'",
        )
    return value


def _weight(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
        raise InvalidValueError(
            value, "is not an HAProxy weight", f"use a whole number from 0 to {MAX_WEIGHT}"
        )
    return value


def set_weight(backend: str, server: str, weight: int) -> str:
    """``set weight <backend>/<server> <weight>`` (absolute weight, 0..256)."""
    target = f"{check_name(backend, 'backend')}/{check_name(server, 'server')}"
    return f"set weight {target} {_weight(weight)}"


def get_weight(backend: str, server: str) -> str:
    """``get weight <backend>/<server>``."""
    return f"get weight {check_name(backend, 'backend')}/{check_name(server, 'server')}"


def set_state(backend: str, server: str, state: str) -> str:
    """``set server <backend>/<server> state ready|drain|maint``."""
    if state not in ("ready", "drain", "maint"):
        raise InvalidValueError(state, "is not a server state", "use 'ready', 'drain' or 'maint'")
    return (
        f"set server {check_name(backend, 'backend')}/{check_name(server, 'server')} state {state}"
    )


def set_addr(backend: str, server: str, address: ServerAddress) -> str:
    """``set server <backend>/<server> addr <ip> port <port>``."""
    return (
        f"set server {check_name(backend, 'backend')}/{check_name(server, 'server')} "
        f"addr {address.host} port {address.port}"
    )


def show_servers_state(backend: str) -> str:
    """``show servers state <backend>``."""
    return f"show servers state {check_name(backend, 'backend')}"


def _error(command: str, answer: str, socket: str, what: str) -> HAProxyCommandError:
    text = answer.strip() or "(no answer)"
    return HAProxyCommandError(
        f"{command!r} {what}: {text.splitlines()[0]}; check the backend and server names "
        "and that the socket is a 'stats socket ... level admin'",
        command=command,
        answer=answer,
        socket=socket,
    )


def check_empty_answer(command: str, answer: str, socket: str = "") -> None:
    """The answer of a ``set`` command: empty means done, anything else is HAProxy's
    refusal.

    Raises:
        HAProxyCommandError: HAProxy answered with text.
    """
    if answer.strip():
        raise _error(command, answer, socket, "was refused")


def parse_weight(command: str, answer: str, socket: str = "") -> int:
    """The current weight in a ``get weight`` answer (``"25 (initial 0)"``).

    Raises:
        HAProxyCommandError: HAProxy answered anything else (an unknown server...).
    """
    match = _WEIGHT.match(answer.strip())
    if match is None:
        raise _error(command, answer, socket, "did not return a weight")
    return int(match.group(1))


def parse_addr_answer(command: str, answer: str, socket: str = "") -> None:
    """The answer of ``set server ... addr``: HAProxy says what changed, or that
    nothing needed to.

    Raises:
        HAProxyCommandError: HAProxy refused the address.
    """
    text = answer.strip()
    if text and "changed from" not in text and "no need to change" not in text:
        raise _error(command, answer, socket, "was refused")


def parse_servers_state(command: str, answer: str, socket: str = "") -> dict[str, HAProxyServer]:
    """The servers of one backend in a ``show servers state <backend>`` answer, by name.

    Raises:
        HAProxyCommandError: no header line, a row that does not match it, or an error
            text (``Can't find backend.``).
    """
    lines = [line for line in answer.splitlines() if line.strip()]
    header = next((line for line in lines if line.startswith("# ")), None)
    if header is None:
        raise _error(command, answer, socket, "did not return a server table")
    columns = header[2:].split()
    servers: dict[str, HAProxyServer] = {}
    for line in lines[lines.index(header) + 1 :]:
        fields = line.split()
        if len(fields) < len(columns):
            raise _error(command, answer, socket, "returned a row shorter than its header")
        row = dict(zip(columns, fields, strict=False))
        try:
            port = int(row["srv_port"])
            address = ServerAddress(row["srv_addr"], port) if port else None
            server = HAProxyServer(
                name=row["srv_name"],
                address=address,
                weight=int(row["srv_uweight"]),
                maintenance=bool(int(row["srv_admin_state"]) & _ADMIN_MAINT),
                running=int(row["srv_op_state"]) == _OP_RUNNING,
                check=int(row["srv_check_status"]),
            )
        except (KeyError, ValueError):
            raise _error(command, answer, socket, "returned a row that cannot be read") from None
        servers[server.name] = server
    return servers
