"""``AsyncHAProxyRuntime``: the few runtime API commands the splitter needs, typed.

Commands are built and answers read in ``_commands.py`` (no I/O); the exchange itself is
``_socket.asend_command``. Every call opens its own connection, as HAProxy's
non-interactive mode expects, so the client holds nothing to close.
"""

from __future__ import annotations

import os
from pathlib import Path

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.providers.haproxy import _commands
from mosaic_sdk.providers.haproxy._models import HAProxyServer, ServerAddress
from mosaic_sdk.providers.haproxy._socket import asend_command

__all__ = ["AsyncHAProxyRuntime"]


class AsyncHAProxyRuntime:
    """A client of one HAProxy admin socket (``stats socket <path> level admin``).

    Args:
        socket: the admin socket's path.
        timeout: seconds to wait for each answer.

    Every method raises :class:`~mosaic_sdk.errors.APIConnectionError` (or its
    :class:`~mosaic_sdk.errors.APITimeoutError`) when the socket does not answer, and
    :class:`~mosaic_sdk.errors.HAProxyCommandError` when HAProxy refuses the command.
    """

    def __init__(self, socket: str | os.PathLike[str], *, timeout: float = 5.0) -> None:
        self.socket = Path(socket)
        self.timeout = float(timeout)

    @safe_repr
    def __repr__(self) -> str:
        return f"AsyncHAProxyRuntime(socket={str(self.socket)!r})"

    async def execute(self, command: str) -> str:
        """Send one raw command and return HAProxy's answer, unchecked."""
        return await asend_command(self.socket, command, timeout=self.timeout)

    async def set_weight(self, backend: str, server: str, weight: int) -> None:
        """``set weight <backend>/<server> <weight>`` (absolute, 0..256)."""
        command = _commands.set_weight(backend, server, weight)
        _commands.check_empty_answer(command, await self.execute(command), str(self.socket))

    async def get_weight(self, backend: str, server: str) -> int:
        """``get weight <backend>/<server>``: the server's current weight."""
        command = _commands.get_weight(backend, server)
        return _commands.parse_weight(command, await self.execute(command), str(self.socket))

    async def set_state(self, backend: str, server: str, state: str) -> None:
        """``set server <backend>/<server> state ready|drain|maint``."""
        command = _commands.set_state(backend, server, state)
        _commands.check_empty_answer(command, await self.execute(command), str(self.socket))

    async def set_address(self, backend: str, server: str, address: ServerAddress) -> None:
        """``set server <backend>/<server> addr <ip> port <port>``."""
        command = _commands.set_addr(backend, server, address)
        _commands.parse_addr_answer(command, await self.execute(command), str(self.socket))

    async def servers(self, backend: str) -> dict[str, HAProxyServer]:
        """``show servers state <backend>``: every server of the backend, by name."""
        command = _commands.show_servers_state(backend)
        return _commands.parse_servers_state(command, await self.execute(command), str(self.socket))
