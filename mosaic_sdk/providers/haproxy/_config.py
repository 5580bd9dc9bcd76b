"""The HAProxy configuration the splitter writes (rendered without I/O).

One frontend, one backend with the two servers ``stable`` and ``canary``, round-robin
balancing (its weights change at run time), optional HTTP health checks, and an admin
``stats socket`` the splitter talks to. A slot with no release yet is written
``disabled`` (maintenance) and points at a placeholder address (``127.0.0.1:1``) that
never receives a request; so is a release at weight 0 when there are no health checks
(with checks it stays enabled at weight 0, so HAProxy keeps checking it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import attrs

from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import ConfigurationError, InvalidValueError
from mosaic_sdk.providers.haproxy._commands import check_name
from mosaic_sdk.providers.haproxy._models import (
    SLOTS,
    HAProxySlot,
    HAProxySlotRecord,
    ServerAddress,
)

__all__ = ["PLACEHOLDER", "HAProxyConfig"]

#: Where an empty slot points: never used, the server stays in maintenance.
PLACEHOLDER = ServerAddress("127.0.0.1", 1)
# sockaddr_un.sun_path holds 108 bytes on Linux, including the terminating NUL.
_MAX_SOCKET_PATH = 107
_PATH_OK = re.compile(r"[^\s\"'#\\]+")
_CHECK_PATH = re.compile(r"/[A-Za-z0-9._~/?&=%-]*")


def _path(value: Path, what: str) -> str:
    text = str(value)
    if not _PATH_OK.fullmatch(text):
        raise ConfigurationError(
            f"the {what} path {text!r} holds a space, quote, '#' or backslash, which an "
            "HAProxy configuration cannot carry unquoted; use a plain directory"
        )
    return text


@attrs.frozen
class HAProxyConfig(FieldsRepr):
    """The configuration text of a splitter that owns its HAProxy.

    Attributes:
        listen: where the frontend accepts requests.
        backend: the backend's name.
        frontend: the frontend's name.
        socket: the admin socket path (``level admin``, mode 600).
        pidfile: where HAProxy writes the pid of the process the splitter owns.
        health_check: the path of an HTTP health check (``option httpchk GET <path>``,
            every second), or ``None`` for no checks.
        servers: the slots' releases; a missing slot is written disabled.
        daemon: write ``daemon`` so ``haproxy -f`` returns once it runs.
    """

    listen: ServerAddress
    backend: str
    socket: Path
    pidfile: Path
    frontend: str = "web"
    health_check: str | None = None
    servers: Mapping[HAProxySlot, HAProxySlotRecord] = attrs.field(factory=dict)
    daemon: bool = True

    def __attrs_post_init__(self) -> None:
        check_name(self.backend, "backend")
        check_name(self.frontend, "frontend")
        if self.backend == self.frontend:
            raise InvalidValueError(
                self.frontend, "is also the backend's name", "give the frontend its own name"
            )
        if self.health_check is not None and not _CHECK_PATH.fullmatch(self.health_check):
            raise InvalidValueError(
                self.health_check,
                "is not a health-check path",
                "use an absolute path such as '/health'",
            )
        if len(str(self.socket).encode()) > _MAX_SOCKET_PATH:
            raise ConfigurationError(
                f"the admin socket path {str(self.socket)!r} is longer than the "
                f"{_MAX_SOCKET_PATH} bytes a UNIX socket address holds; use a shorter "
                "working directory or pass socket_path="
            )
        _path(self.socket, "admin socket")
        _path(self.pidfile, "pid file")

    def render(self) -> str:
        """The whole configuration file."""
        check = " check inter 1s fall 2 rise 1" if self.health_check else ""
        lines = [
            "# Written by mosaic_sdk's HAProxySplitter. It owns this file and the process",
            "# started from it; weights and addresses change through the admin socket.",
            "global",
            *(["    daemon"] if self.daemon else []),
            f"    pidfile {_path(self.pidfile, 'pid file')}",
            f"    stats socket {_path(self.socket, 'admin socket')} mode 600 level admin",
            "    stats timeout 30s",
            "",
            "defaults",
            "    mode http",
            "    option httplog",
            "    timeout connect 5s",
            "    timeout client 30s",
            "    timeout server 30s",
            "",
            f"frontend {self.frontend}",
            f"    bind {self.listen}",
            f"    default_backend {self.backend}",
            "",
            f"backend {self.backend}",
            "    balance roundrobin",
        ]
        if self.health_check:
            lines.append(f"    option httpchk GET {self.health_check}")
        for slot in SLOTS:
            record = self.servers.get(slot)
            address = record.address if record is not None else PLACEHOLDER
            weight = record.weight if record is not None else 0
            # An idle release stays checked when there are checks (weight 0 takes no
            # requests); without checks, and for the empty slot, it is disabled.
            idle = record is None or (weight == 0 and not self.health_check)
            disabled = " disabled" if idle else ""
            lines.append(f"    server {slot.value} {address} weight {weight}{check}{disabled}")
        return "\n".join(lines) + "\n"
