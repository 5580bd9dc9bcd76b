"""Values of the HAProxy splitter: addresses, slots, the servers' state (no I/O)."""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Mapping
from typing import Any

import attrs

from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._render import FieldsRepr, JSONResult, TextRepr
from mosaic_sdk.errors import ConfigurationError, InvalidValueError
from mosaic_sdk.values import Digest, ImageReference

__all__ = [
    "SLOTS",
    "AsyncStaticServices",
    "HAProxyServer",
    "ServerAddress",
    "HAProxySlot",
    "HAProxySlotRecord",
    "StaticServices",
]


class HAProxySlot(TextRepr, enum.Enum):
    """The two servers of the backend, named by their role.

    ``STABLE`` serves the release :meth:`~mosaic_sdk.providers.haproxy.HAProxySplitter.running`
    reports; ``CANARY`` holds the candidate while it takes a share of traffic, and the
    previous stable release (idle, weight 0) after a promotion, so a switch back is
    one ``set_traffic``.
    """

    STABLE = "stable"
    CANARY = "canary"


#: Both slots, stable first.
SLOTS = (HAProxySlot.STABLE, HAProxySlot.CANARY)


@attrs.frozen
class ServerAddress(FieldsRepr, JSONResult):
    """Where one service answers: an IP address and a TCP port.

    HAProxy's runtime API moves a server with ``set server <b>/<s> addr <ip> port <n>``,
    which takes an IP address, not a host name, so only IP literals are accepted.

    Attributes:
        host: an IPv4 or IPv6 address (``127.0.0.1``, ``::1``).
        port: 1..65535.
    """

    host: str
    port: int

    def __attrs_post_init__(self) -> None:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            raise InvalidValueError(
                self.host,
                "is not an IP address; HAProxy's runtime API moves servers by address",
                "resolve the service's name first, e.g. ServerAddress('10.0.0.5', 8080)",
            ) from None
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise InvalidValueError(self.port, "is not a TCP port", "use a number 1..65535")
        if not 1 <= self.port <= 65535:
            raise InvalidValueError(self.port, "is not a TCP port", "use a number 1..65535")

    @classmethod
    def parse(cls, text: str) -> ServerAddress:
        """Read ``"127.0.0.1:8080"`` or ``"[::1]:8080"``.

        Raises:
            InvalidValueError: no port, a bad port, or a host that is not an IP address.
        """
        if not isinstance(text, str) or ":" not in text:
            raise InvalidValueError(text, "is not 'ip:port'", "write e.g. '127.0.0.1:8080'")
        host, _, port = text.rpartition(":")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        if not port.isdigit():
            raise InvalidValueError(text, "has no numeric port", "write e.g. '127.0.0.1:8080'")
        return cls(host, int(port))

    @property
    def is_ipv6(self) -> bool:
        """True for an IPv6 address."""
        return ipaddress.ip_address(self.host).version == 6

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if self.is_ipv6 else f"{self.host}:{self.port}"


@attrs.frozen
class HAProxySlotRecord(FieldsRepr, JSONResult):
    """What the splitter remembers about one slot (kept in its state file).

    Attributes:
        image: the digest-pinned image the server runs.
        address: where that release answers.
        version: the release version, when known.
        weight: the share of traffic last set, in percent.
    """

    image: ImageReference
    address: ServerAddress
    version: str | None = None
    weight: int = 0

    @property
    def digest(self) -> Digest:
        """The digest the server runs."""
        assert self.image.digest is not None  # only pinned images are recorded
        return self.image.digest

    def to_dict(self) -> dict[str, Any]:
        """The JSON object stored in the state file."""
        return {
            "image": str(self.image),
            "address": str(self.address),
            "version": self.version,
            "weight": self.weight,
        }

    @classmethod
    def from_json(cls, data: object, source: str) -> HAProxySlotRecord:
        """Read one slot of the state file.

        Raises:
            ConfigurationError: the entry is malformed (the file was hand-edited).
        """
        try:
            if not isinstance(data, Mapping):
                raise TypeError("not an object")
            image = ImageReference.parse(str(data["image"]))
            if image.digest is None:
                raise ValueError(f"{image} is not pinned by digest")
            weight = data.get("weight", 0)
            if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
                raise ValueError(f"weight {weight!r} is not a percentage")
            version = data.get("version")
            return cls(
                image=image,
                address=ServerAddress.parse(str(data["address"])),
                version=None if version is None else str(version),
                weight=weight,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"state file {source!r} has a malformed slot {data!r} ({exc}); fix that entry "
                "or delete the file and deploy the stable release again"
            ) from exc


@attrs.frozen
class HAProxyServer(FieldsRepr, JSONResult):
    """One server of the backend as HAProxy reports it (``show servers state``).

    Attributes:
        name: the server's name (``stable`` or ``canary``).
        address: where it sends requests now.
        weight: its current (user) weight.
        maintenance: True when it is in maintenance (``set server ... state maint``,
            or ``disabled`` in the configuration and never made ready).
        running: True when its operational state is running (up, or no checks).
        check: HAProxy's last health-check status (``enum healthcheck_status`` of
            ``include/haproxy/check-t.h``: 1 initialising, 15 L7OK, 17 L7STS, 8 L4CON...;
            stale while the server is in maintenance).
    """

    name: str
    address: ServerAddress | None
    weight: int
    maintenance: bool
    running: bool
    check: int = 0

    @property
    def check_passed(self) -> bool:
        """True when the last health check passed (L4OK, L6OK, L7OK, L7OKC, PROCOK)."""
        return self.check in _CHECK_PASSED

    @property
    def check_failed(self) -> bool:
        """True when the last health check failed (a refused connection, a timeout, an
        HTTP error status...)."""
        return self.check > _CHECK_STARTED and self.check not in _CHECK_PASSED

    @property
    def serving(self) -> bool:
        """True when the server takes new requests: weight above 0, not in
        maintenance, and up."""
        return self.weight > 0 and not self.maintenance and self.running

    def __str__(self) -> str:
        state = "maint" if self.maintenance else ("up" if self.running else "down")
        return f"{self.name} {self.address} weight {self.weight} {state}"


# enum healthcheck_status, include/haproxy/check-t.h (2.6): 0 unknown, 1 INI, 2 START,
# 3 CHECKED (marker); passing: 6 L4OK, 9 L6OK, 15 L7OK, 16 L7OKC, 20 PROCOK.
_CHECK_STARTED = 3
_CHECK_PASSED = frozenset({6, 9, 15, 16, 20})


class _StaticLookup:
    def __init__(self, addresses: Mapping[Digest | str, ServerAddress | str]) -> None:
        table: dict[Digest, ServerAddress] = {}
        for digest, address in dict(addresses).items():
            key = digest if isinstance(digest, Digest) else Digest.parse(str(digest))
            table[key] = (
                address if isinstance(address, ServerAddress) else ServerAddress.parse(address)
            )
        self.addresses = table

    @safe_repr
    def __repr__(self) -> str:
        shown = ", ".join(f"{str(d)[:19]}: {a}" for d, a in self.addresses.items())
        return f"{type(self).__name__}({{{shown}}})"

    def _address(self, image: ImageReference) -> ServerAddress:
        digest = image.digest
        if digest is None or digest not in self.addresses:
            known = ", ".join(str(d) for d in self.addresses) or "none"
            raise ConfigurationError(
                f"no running service is known for {image}; start it and add its address "
                f"to the StaticServices map (known digests: {known})"
            )
        return self.addresses[digest]


class StaticServices(_StaticLookup):
    """The simplest :class:`~mosaic_sdk.providers.haproxy.ServiceDeployer`: services that
    already run (``docker compose up -d`` started them), looked up by digest.

    Args:
        addresses: ``{digest: "ip:port"}`` (or :class:`ServerAddress` values).

    Raises:
        InvalidValueError: a key is not a digest or a value not ``ip:port``.
    """

    def deploy(self, image: ImageReference) -> ServerAddress:
        """The address of ``image``'s service.

        Raises:
            ConfigurationError: no address is known for the image's digest.
        """
        return self._address(image)


class AsyncStaticServices(_StaticLookup):
    """:class:`StaticServices` for :class:`~mosaic_sdk.providers.haproxy.AsyncHAProxySplitter`
    (an :class:`~mosaic_sdk.providers.haproxy.AsyncServiceDeployer`)."""

    async def deploy(self, image: ImageReference) -> ServerAddress:
        """See :meth:`StaticServices.deploy`."""
        return self._address(image)
