"""``AsyncHAProxySplitter``: a deployment target with a stable and a canary server
behind one HAProxy backend, whose weights move through the runtime API.

The plain pieces live beside this module: the configuration text (``_config.py``), the
runtime API commands and answers (``_commands.py``), the values (``_models.py``), and
the blocking state-file and process work (``_local.py``, run in a worker thread).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol, runtime_checkable

from mosaic_sdk._core._concurrency import AsyncLock, arun_blocking, asleep
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._files import atomic_write_text
from mosaic_sdk.errors import (
    APIConnectionError,
    ConfigurationError,
    InvalidValueError,
    TrafficSplitMismatchError,
)
from mosaic_sdk.providers._protocol import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
    pinned_digest,
    validate_traffic_weights,
)
from mosaic_sdk.providers.haproxy import _local
from mosaic_sdk.providers.haproxy._async.runtime import AsyncHAProxyRuntime
from mosaic_sdk.providers.haproxy._commands import check_name
from mosaic_sdk.providers.haproxy._config import HAProxyConfig
from mosaic_sdk.providers.haproxy._models import (
    SLOTS,
    HAProxyServer,
    HAProxySlot,
    HAProxySlotRecord,
    ServerAddress,
)
from mosaic_sdk.values import Digest, ImageReference

__all__ = ["AsyncHAProxySplitter", "AsyncServiceDeployer"]

CONFIG_NAME = "haproxy.cfg"
PID_NAME = "haproxy.pid"
SOCKET_NAME = "admin.sock"
STATE_NAME = "servers.json"


@runtime_checkable
class AsyncServiceDeployer(Protocol):
    """How the splitter gets a service running an image, and learns where it answers.

    The splitter calls ``deploy`` once per new digest and points the ``stable`` or
    ``canary`` server at the address it returns. An implementation starts the service
    (``docker compose up -d`` with the image pinned, a systemd unit, a container API)
    and waits until it accepts connections, or only looks up one that already runs
    (:class:`~mosaic_sdk.providers.haproxy.AsyncStaticServices`).
    """

    async def deploy(self, image: ImageReference) -> ServerAddress:
        """Make ``image`` (pinned by digest) answer somewhere and return where."""
        ...


class AsyncHAProxySplitter:
    """A :class:`~mosaic_sdk.providers.DeploymentTarget` and
    :class:`~mosaic_sdk.providers.TrafficSplitter` over one HAProxy backend with the two
    servers ``stable`` and ``canary``.

    * ``deploy(image)``: the first release goes to ``stable`` with all the traffic;
      later ones go to ``canary`` with weight 0 (in maintenance), beside the stable
      release, which keeps serving.
    * ``set_traffic({stable: 90, canary: 10})`` sets each server's weight (``set weight
      <backend>/<server> N``; 0 also puts the server in maintenance, so no request
      reaches it) and reads every weight back; a difference raises
      :class:`~mosaic_sdk.errors.TrafficSplitMismatchError`.
    * Giving the canary's digest 100 promotes it: ``stable`` is moved to the canary's
      address and ``canary`` keeps the previous release, idle at weight 0, so
      switching back is one ``set_traffic({previous: 100})``.

    Two ways to run, decided by ``admin_socket``:

    * **owned** (default): the splitter writes ``haproxy.cfg`` in ``workdir``, checks
      it with ``haproxy -c``, starts HAProxy with :meth:`start` and records its pid;
      :meth:`stop` stops that pid and nothing else.
    * **attached** (``admin_socket=`` an existing ``stats socket ... level admin``): the
      splitter only talks to that socket. It writes no configuration and starts, reloads
      or stops nothing; the backend must hold servers named ``stable`` and ``canary``.

    Either way ``workdir`` keeps ``servers.json``, the digest, address and weight of
    each server, so another process (the ``mosaic`` command, the next release) knows
    which release each server runs.

    Args:
        workdir: a directory the splitter owns (created when missing).
        deployer: brings a service up for an image and says where it answers
            (:class:`AsyncServiceDeployer`).
        listen: where the frontend accepts requests (``"ip:port"``; owned mode).
        backend: the backend's name.
        frontend: the frontend's name (owned mode).
        health_check: an HTTP path HAProxy checks every second on each server
            (``"/health"``), or ``None`` for no checks (owned mode).
        admin_socket: attach to this existing admin socket instead of owning HAProxy.
        socket_path: where the owned HAProxy puts its admin socket (default
            ``workdir/admin.sock``; a UNIX socket path holds at most 107 bytes).
        binary: the ``haproxy`` executable.
        timeout: seconds to wait for each runtime API answer, and for HAProxy to start.
        name: the target's name for logs and evidence (default
            ``"haproxy:<backend>@<socket>"``).
        clock: returns the current UTC time (tests inject a fixed clock).

    Raises:
        InvalidValueError: a malformed ``listen`` address, backend or frontend name.
    """

    supports_traffic_split: bool = True

    def __init__(
        self,
        workdir: str | os.PathLike[str],
        *,
        deployer: AsyncServiceDeployer,
        listen: str | ServerAddress = "127.0.0.1:8080",
        backend: str = "app",
        frontend: str = "web",
        health_check: str | None = None,
        admin_socket: str | os.PathLike[str] | None = None,
        socket_path: str | os.PathLike[str] | None = None,
        binary: str = "haproxy",
        timeout: float = 5.0,
        name: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if admin_socket is not None and socket_path is not None:
            raise ConfigurationError(
                "admin_socket= attaches to an HAProxy the splitter does not own and "
                "socket_path= places the socket of one it owns; pass only one"
            )
        self.workdir = Path(workdir)
        self.deployer = deployer
        self.listen = listen if isinstance(listen, ServerAddress) else ServerAddress.parse(listen)
        self.backend = check_name(backend, "backend")
        self.frontend = check_name(frontend, "frontend")
        self.health_check = health_check
        self.owned = admin_socket is None
        self.socket_path = Path(
            admin_socket or socket_path or (self.workdir.absolute() / SOCKET_NAME)
        )
        self.config_path = self.workdir.absolute() / CONFIG_NAME
        self.pidfile = self.workdir.absolute() / PID_NAME
        self.state_path = self.workdir / STATE_NAME
        self.binary = binary
        self.timeout = float(timeout)
        self.runtime = AsyncHAProxyRuntime(self.socket_path, timeout=self.timeout)
        self.name = name or f"haproxy:{self.backend}@{self.socket_path}"
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = AsyncLock()
        self.config()  # refuse a bad listen/health-check/socket path before any I/O

    @safe_repr
    def __repr__(self) -> str:
        mode = "owned" if self.owned else "attached"
        return f"AsyncHAProxySplitter({self.name!r}, {mode})"

    # -- the configuration and the process it owns -------------------------------------

    def config(
        self, servers: Mapping[HAProxySlot, HAProxySlotRecord] | None = None
    ) -> HAProxyConfig:
        """The configuration an owned splitter writes, for ``servers`` (none by default;
        :meth:`start` passes the recorded ones). No I/O: ``config().render()`` is the
        file's text."""
        return HAProxyConfig(
            listen=self.listen,
            backend=self.backend,
            frontend=self.frontend,
            socket=self.socket_path,
            pidfile=self.pidfile,
            health_check=self.health_check,
            servers=dict(servers or {}),
        )

    async def start(self) -> int:
        """Write ``haproxy.cfg`` (with the recorded servers), check it with ``haproxy
        -c``, start HAProxy and wait for its admin socket; return the owned pid.

        When the owned HAProxy already runs (its pid file names a live ``haproxy`` on
        this configuration), nothing is written or started and its pid is returned.

        Raises:
            ConfigurationError: the splitter is attached (it starts nothing it does not
                own), HAProxy rejects the configuration or does not start.
            APIConnectionError: the admin socket did not answer within ``timeout``.
        """
        self._require_owned("start HAProxy")
        async with self._lock:
            running = await self.pid()
            if running is not None:
                return running
            await arun_blocking(self.workdir.mkdir, parents=True, exist_ok=True)
            slots = await self.slots()
            text = self.config(slots).render()
            await arun_blocking(atomic_write_text, self.config_path, text)
            await arun_blocking(_local.check_config, self.binary, self.config_path)
            pid = await arun_blocking(
                _local.start_haproxy, self.binary, self.config_path, self.pidfile, self.timeout
            )
            await self._wait_for_socket()
            return pid

    async def stop(self) -> bool:
        """Stop the HAProxy this splitter started (SIGTERM to the recorded pid, after
        checking that pid still is ``haproxy`` on this configuration). Returns False,
        touching nothing, when attached or when no owned HAProxy runs."""
        if not self.owned:
            return False
        async with self._lock:
            pid = await self.pid()
            if pid is None:
                return False
            return await arun_blocking(
                _local.stop_pid, pid, self.pidfile, self.config_path, self.timeout
            )

    async def pid(self) -> int | None:
        """The pid of the HAProxy this splitter owns, when it runs (None when attached)."""
        if not self.owned:
            return None
        return await arun_blocking(_local.owned_pid, self.pidfile, self.config_path)

    async def check_config(self) -> None:
        """Run ``haproxy -c`` on the written ``haproxy.cfg``.

        Raises:
            ConfigurationError: attached, no configuration written yet, or HAProxy
                rejects it.
        """
        self._require_owned("check the configuration")
        await arun_blocking(_local.check_config, self.binary, self.config_path)

    # -- the DeploymentTarget protocol ---------------------------------------------------

    async def deploy(self, image: ImageReference, *, version: str | None = None) -> Deployment:
        """Bring ``image`` up through the deployer and point a server at it.

        The first release takes the ``stable`` server with all the traffic; every later
        one takes the ``canary`` server with weight 0 (in maintenance), replacing what
        the canary held. A digest that a server already runs is not deployed again.
        ``version`` defaults to the image's tag. Before :meth:`start`, an owned
        splitter only records the server, and :meth:`start` writes it into the
        configuration.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest (nothing is changed).
            APIConnectionError: attached, and the admin socket does not answer.
            HAProxyCommandError: HAProxy refused a command.
            TrafficSplitMismatchError: the server did not take the address or weight.
        """
        digest = pinned_digest(image)
        started = self._clock()
        async with self._lock:
            slots = await self.slots()
            for slot, record in slots.items():
                if record.digest == digest:
                    return self._deployment(
                        f"{slot.value}-{record.digest.short}",
                        image,
                        started,
                        f"already on server {self.backend}/{slot.value} at {record.address} "
                        f"({record.weight}% of traffic)",
                    )
            live = await self._live()  # attached and unreachable: fail before deploying
            address = await self.deployer.deploy(image)
            slot = HAProxySlot.CANARY if HAProxySlot.STABLE in slots else HAProxySlot.STABLE
            weight = 100 if slot is HAProxySlot.STABLE else 0
            record = HAProxySlotRecord(image, address, version or image.tag, weight)
            if live:
                await self._point(slot, address, weight)
                await self._verify({slot: (weight, address)})
            slots[slot] = record
            await self._save(slots)
        return self._deployment(
            f"{slot.value}-{started.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}",
            image,
            started,
            f"{image} on server {self.backend}/{slot.value} at {address} ({weight}% of traffic)",
        )

    def _deployment(
        self, id: str, image: ImageReference, started: datetime, detail: str
    ) -> Deployment:
        return Deployment(
            id=id,
            target=self.name,
            image=image,
            status=DeploymentStatus.SUCCEEDED,
            started_at=started,
            finished_at=self._clock(),
            detail=detail,
        )

    async def running(self) -> RunningRelease:
        """The release of the ``stable`` server, as recorded, checked against HAProxy
        when it answers: if HAProxy sends ``stable`` somewhere else, the digest is
        reported unknown (with the reason in ``detail``).

        Raises:
            ConfigurationError: the state file is malformed.
        """
        slots = await self.slots()
        stable = slots.get(HAProxySlot.STABLE)
        if stable is None:
            return RunningRelease(detail=f"no release deployed on {self.name} yet")
        detail = f"server {self.backend}/stable at {stable.address}, {stable.weight}% of traffic"
        canary = slots.get(HAProxySlot.CANARY)
        if canary is not None:
            detail += f"; canary {canary.digest.short} at {canary.weight}%"
        try:
            servers = await self.runtime.servers(self.backend) if await self._live() else None
        except APIConnectionError:
            servers = None
        if servers is not None:
            seen = servers.get(HAProxySlot.STABLE.value)
            if seen is None or seen.address != stable.address:
                where = "no stable server" if seen is None else f"stable to {seen.address}"
                return RunningRelease(
                    version=stable.version,
                    image=stable.image,
                    detail=f"HAProxy has {where}, not the recorded {stable.address} of "
                    f"{stable.digest}; deploy again or fix the backend",
                )
        return RunningRelease(
            digest=stable.digest, version=stable.version, image=stable.image, detail=detail
        )

    def state_spec(self) -> dict[str, object]:
        """How another process reaches this HAProxy again (a paused canary's state file
        keeps it for ``mosaic release resume|abort``): the working directory, the admin
        socket, the backend and, for :class:`StaticServices`, the service addresses."""
        spec: dict[str, object] = {
            "kind": "haproxy",
            "name": self.name,
            "workdir": str(self.workdir.absolute()),
            "admin_socket": str(self.socket_path),
            "backend": self.backend,
            "frontend": self.frontend,
        }
        addresses = getattr(self.deployer, "addresses", None)
        if isinstance(addresses, dict):
            spec["addresses"] = {str(d): str(a) for d, a in addresses.items()}
        return spec

    async def status(self) -> TargetStatus:
        """Health from HAProxy's view of the two servers.

        ``HEALTHY``: every server with weight above 0 is up (or runs without checks).
        ``DEGRADED``: some weighted server is down. ``FAILED``: HAProxy does not answer,
        the backend lacks a server, or no server can take traffic. ``UNKNOWN``: nothing
        deployed yet.
        """
        try:
            if not await self._live():
                return TargetStatus(TargetState.FAILED, f"HAProxy is not running for {self.name}")
            servers = await self.servers()
        except (APIConnectionError, ConfigurationError) as exc:
            return TargetStatus(TargetState.FAILED, exc.message)
        slots = await self.slots()
        if HAProxySlot.STABLE not in slots:
            return TargetStatus(TargetState.UNKNOWN, "no release deployed yet")
        weighted = [s for s in servers.values() if s.weight > 0 and not s.maintenance]
        shown = ", ".join(str(s) for s in servers.values())
        if not weighted:
            return TargetStatus(TargetState.FAILED, f"no server takes traffic ({shown})")
        down = [s for s in weighted if not s.running]
        if len(down) == len(weighted):
            return TargetStatus(TargetState.FAILED, f"every weighted server is down ({shown})")
        if down:
            return TargetStatus(TargetState.DEGRADED, shown)
        return TargetStatus(TargetState.HEALTHY, shown)

    # -- the TrafficSplitter protocol ----------------------------------------------------

    async def set_traffic(self, weights: Mapping[Digest, int]) -> None:
        """Give each deployed digest its share of requests, in whole percent summing to
        100, and read the weights back.

        A digest left out gets 0. Weight 0 puts its server in maintenance: no new
        request reaches it. The canary's digest at 100 promotes it (see the class).

        Raises:
            InvalidValueError: malformed weights, or a digest no server runs.
            APIConnectionError: HAProxy does not answer (start it first).
            HAProxyCommandError: HAProxy refused a command.
            TrafficSplitMismatchError: a weight read back differs from the one set.
        """
        split = validate_traffic_weights(weights)
        async with self._lock:
            slots = await self.slots()
            by_digest = {record.digest: slot for slot, record in slots.items()}
            unknown = [d for d in split if d not in by_digest]
            if unknown:
                deployed = ", ".join(f"{s.value}: {r.digest}" for s, r in slots.items())
                raise InvalidValueError(
                    str(unknown[0]),
                    f"is not deployed on {self.name} (servers run: {deployed or 'nothing'})",
                    "deploy it first; set_traffic only moves requests between deployed releases",
                )
            wanted = dict.fromkeys(slots, 0)
            for digest, weight in split.items():
                wanted[by_digest[digest]] = weight
            if wanted.get(HAProxySlot.CANARY) == 100:
                await self._promote(slots)
                return
            await self._set_weights(wanted)
            await self._save(
                {slot: _with_weight(record, wanted[slot]) for slot, record in slots.items()}
            )

    # -- extras --------------------------------------------------------------------------

    async def traffic(self) -> dict[Digest, int]:
        """The share each deployed digest gets now, read from HAProxy (a server in
        maintenance counts 0).

        Raises:
            APIConnectionError: HAProxy does not answer.
            ConfigurationError: the backend lacks the ``stable`` or ``canary`` server.
        """
        servers = await self.servers()
        slots = await self.slots()
        return {record.digest: _share(servers[slot.value]) for slot, record in slots.items()}

    async def servers(self) -> dict[str, HAProxyServer]:
        """The backend's ``stable`` and ``canary`` servers as HAProxy reports them.

        Raises:
            APIConnectionError: HAProxy does not answer.
            ConfigurationError: the backend lacks one of the two servers.
        """
        servers = await self.runtime.servers(self.backend)
        missing = [slot.value for slot in SLOTS if slot.value not in servers]
        if missing:
            raise ConfigurationError(
                f"backend {self.backend!r} behind {str(self.socket_path)!r} has no server "
                f"named {missing[0]!r}; declare 'server stable ...' and 'server canary ...' "
                "in it (see docs/providers/haproxy.md)"
            )
        return {slot.value: servers[slot.value] for slot in SLOTS}

    async def slots(self) -> dict[HAProxySlot, HAProxySlotRecord]:
        """What each server runs, as recorded in ``servers.json``.

        Raises:
            ConfigurationError: the file is malformed.
        """
        return await arun_blocking(_local.load_state, self.state_path)

    # -- internals -----------------------------------------------------------------------

    def _require_owned(self, what: str) -> None:
        if not self.owned:
            raise ConfigurationError(
                f"cannot {what}: {self.name} is attached to an HAProxy it does not own; "
                "run that from whatever started HAProxy, or let the splitter own one "
                "(leave admin_socket= out)"
            )

    async def _live(self) -> bool:
        # Owned and not started: nothing to talk to yet. Attached: the socket must answer.
        if self.owned and await self.pid() is None:
            return False
        if not self.owned:
            await self.runtime.servers(self.backend)
        return True

    async def _wait_for_socket(self) -> None:
        waited = 0.0
        while True:
            try:
                await self.servers()
                return
            except APIConnectionError:
                if waited >= self.timeout:
                    raise
            await asleep(0.05)
            waited += 0.05

    @property
    def _idle(self) -> str:
        # A release at weight 0 stays checked when there are checks (weight 0 takes no
        # request, and its health is known before it gets one); without, maintenance.
        return "ready" if self.health_check else "maint"

    async def _point(self, slot: HAProxySlot, address: ServerAddress, weight: int) -> None:
        server = slot.value
        if weight == 0:
            await self.runtime.set_weight(self.backend, server, 0)
            if not self.health_check:
                await self.runtime.set_state(self.backend, server, "maint")
            await self.runtime.set_address(self.backend, server, address)
            await self.runtime.set_state(self.backend, server, self._idle)
        else:
            await self.runtime.set_address(self.backend, server, address)
            await self.runtime.set_weight(self.backend, server, weight)
            await self.runtime.set_state(self.backend, server, "ready")

    async def _set_weights(self, wanted: Mapping[HAProxySlot, int]) -> None:
        current = await self.servers()
        gaining = [slot for slot in wanted if wanted[slot] > _share(current[slot.value])]
        for slot in gaining:
            await self._wait_healthy(slot, current[slot.value])
        # Raise the servers that gain traffic before lowering the others, so there is
        # never a moment when every server is at 0.
        for slot in [*gaining, *(s for s in wanted if s not in gaining)]:
            server, weight = slot.value, wanted[slot]
            await self.runtime.set_weight(self.backend, server, weight)
            await self.runtime.set_state(self.backend, server, "ready" if weight else self._idle)
        await self._verify({slot: (weight, None) for slot, weight in wanted.items()})

    async def _wait_healthy(self, slot: HAProxySlot, server: HAProxyServer) -> None:
        # With checks, a server gets a weight only once HAProxy's own check of it has
        # passed: an unhealthy candidate never sees a request.
        if not self.health_check:
            return
        if server.maintenance:  # an attached backend's disabled server: check it first
            await self.runtime.set_weight(self.backend, slot.value, 0)
            await self.runtime.set_state(self.backend, slot.value, "ready")
        waited = 0.0
        while True:
            server = (await self.servers())[slot.value]
            if server.check_passed and server.running:
                return
            if server.check_failed or waited >= self.timeout:
                verdict = "failed" if server.check_failed else "did not pass"
                raise TrafficSplitMismatchError(
                    f"server {self.backend}/{slot.value} at {server.address} {verdict} its "
                    f"health check (GET {self.health_check}, HAProxy check status "
                    f"{server.check}) within {self.timeout:g} s, so it gets no traffic and "
                    "the split stays as it was; fix that release, then set the traffic again",
                    expected={slot.value: server.weight},
                    actual={slot.value: 0},
                )
            await asleep(0.1)
            waited += 0.1

    async def _wait_running(self, slot: HAProxySlot) -> None:
        if not self.health_check:
            return
        waited = 0.0
        while not (await self.servers())[slot.value].running:
            if waited >= self.timeout:
                raise TrafficSplitMismatchError(
                    f"server {self.backend}/{slot.value} did not come up within "
                    f"{self.timeout:g} s after it was pointed at the canary's address; the "
                    "canary server keeps every request. Read splitter.servers()",
                    expected={slot.value: 100},
                    actual={slot.value: 0},
                )
            await asleep(0.1)
            waited += 0.1

    async def _promote(self, slots: dict[HAProxySlot, HAProxySlotRecord]) -> None:
        stable, canary = slots.get(HAProxySlot.STABLE), slots[HAProxySlot.CANARY]
        # 1. every request to the canary server
        await self._set_weights({HAProxySlot.CANARY: 100, HAProxySlot.STABLE: 0})
        moved = {HAProxySlot.CANARY: _with_weight(canary, 100)}
        if stable is not None:
            moved[HAProxySlot.STABLE] = _with_weight(stable, 0)
        await self._save(moved)
        # 2. the stable server joins it on the canary's address
        await self._point(HAProxySlot.STABLE, canary.address, 100)
        try:
            await self._wait_running(HAProxySlot.STABLE)
        except TrafficSplitMismatchError:
            # The canary server keeps every request; the stable one goes back idle.
            if stable is not None:
                await self._point(HAProxySlot.STABLE, stable.address, 0)
            raise
        # 3. the canary server leaves, keeping the previous release warm
        if stable is not None:
            await self._point(HAProxySlot.CANARY, stable.address, 0)
        else:
            await self.runtime.set_weight(self.backend, HAProxySlot.CANARY.value, 0)
            await self.runtime.set_state(self.backend, HAProxySlot.CANARY.value, self._idle)
        await self._verify(
            {
                HAProxySlot.STABLE: (100, canary.address),
                HAProxySlot.CANARY: (0, stable.address if stable is not None else None),
            }
        )
        swapped = {HAProxySlot.STABLE: _with_weight(canary, 100)}
        if stable is not None:
            swapped[HAProxySlot.CANARY] = _with_weight(stable, 0)
        await self._save(swapped)

    async def _verify(
        self, expected: Mapping[HAProxySlot, tuple[int, ServerAddress | None]]
    ) -> None:
        servers = await self.servers()
        actual: dict[str, int] = {}
        problems = []
        for slot, (weight, address) in expected.items():
            server = servers[slot.value]
            got = await self.runtime.get_weight(self.backend, slot.value)
            actual[slot.value] = 0 if server.maintenance else got
            if got != weight or actual[slot.value] != weight:
                problems.append(f"{slot.value} is at {_described(got, server)}, not {weight}")
            elif weight == 0 and not self.health_check and not server.maintenance:
                problems.append(f"{slot.value} is at weight 0 but not in maintenance")
            if address is not None and server.address != address:
                problems.append(f"{slot.value} points at {server.address}, not {address}")
        if problems:
            raise TrafficSplitMismatchError(
                f"HAProxy backend {self.backend!r} read back {'; '.join(problems)}: another "
                "writer or HAProxy itself changed the servers. Read splitter.servers(), "
                "fix the cause and set the traffic again",
                expected={slot.value: weight for slot, (weight, _) in expected.items()},
                actual=actual,
            )

    async def _save(self, slots: Mapping[HAProxySlot, HAProxySlotRecord]) -> None:
        await arun_blocking(self.workdir.mkdir, parents=True, exist_ok=True)
        await arun_blocking(_local.save_state, self.state_path, self.backend, dict(slots))


def _with_weight(record: HAProxySlotRecord, weight: int) -> HAProxySlotRecord:
    return HAProxySlotRecord(record.image, record.address, record.version, weight)


def _share(server: HAProxyServer) -> int:
    return 0 if server.maintenance else server.weight


def _described(weight: int, server: HAProxyServer) -> str:
    state = " in maintenance" if server.maintenance else ""
    return f"weight {weight}{state}"
