"""A fault-injecting HTTP/1.1 proxy to put in front of a real ``docker-registry``.

Each request the SDK sends goes through :class:`FaultProxy` to the registry. A fault is
either scripted (``proxy.fail("PUT", "/manifests/prod", Fault.reset_after())``: the exact
request, the exact moment) or drawn from a seeded random generator with a budget
(``FaultProxy(url, seed=7, rate=0.3, budget=40)``), so every run is reproducible and
bounded in count and time.

Faults, and what the registry saw:

===============  =========================================================  ============
kind             what the client gets                                       request ran
===============  =========================================================  ============
``reset``        the connection reset before anything is forwarded          no
``reset_after``  the request is forwarded, then the connection is reset      yes
``truncate``     the answer is cut in the middle (headers or body), closed   yes
``delay``        the answer comes ``delay`` seconds late (client timeout)    yes
``late``         the request reaches the registry ``delay`` seconds late     yes, later
``status``       ``status`` (500/502/503/429 + ``Retry-After``), not sent     no
``status_after`` forwarded, then the answer replaced by ``status``            yes
===============  =========================================================  ============

Hooks (``proxy.on("DELETE", "/manifests/sha256:...", callback)``) run a callback right
before a matching request is forwarded: race tests use them to land a concurrent change
at the exact moment between the SDK's last check and its write.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from typing import Literal
from urllib.parse import urlsplit

import attrs

__all__ = ["FAULT_KINDS", "Fault", "FaultProxy"]

FaultKind = Literal["reset", "reset_after", "truncate", "delay", "late", "status", "status_after"]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "reset",
    "reset_after",
    "truncate",
    "delay",
    "late",
    "status",
    "status_after",
)
_STATUS_TEXT = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway"}
_STATUS_TEXT[503] = "Service Unavailable"


@attrs.frozen
class Fault:
    """One injected failure (see the module table)."""

    kind: FaultKind
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0

    @classmethod
    def reset(cls) -> Fault:
        return cls("reset")

    @classmethod
    def reset_after(cls) -> Fault:
        return cls("reset_after")

    @classmethod
    def truncate(cls) -> Fault:
        return cls("truncate")

    @classmethod
    def delayed(cls, seconds: float) -> Fault:
        return cls("delay", delay=seconds)

    @classmethod
    def late(cls, seconds: float) -> Fault:
        return cls("late", delay=seconds)

    @classmethod
    def answer(
        cls, status: int, retry_after: str | None = None, *, forwarded: bool = False
    ) -> Fault:
        return cls(
            "status_after" if forwarded else "status", status=status, retry_after=retry_after
        )


@attrs.define
class _Rule:
    method: str
    path_contains: str
    fault: Fault | None
    callback: Callable[[str, str], None] | None
    times: int
    after: bool = False


@attrs.frozen
class Injected:
    """A fault the proxy injected: the request it hit and the fault."""

    method: str
    path: str
    fault: Fault


class FaultProxy:
    """Forward HTTP/1.1 requests to ``upstream``, injecting faults.

    Args:
        upstream: ``http://host:port`` of the registry.
        seed: seed of the random faults (``None``: scripted faults only).
        rate: probability that a request gets a random fault while budget remains.
        budget: the most random faults injected.
        kinds: the kinds drawn at random.
        delay: seconds of a random ``delay``/``late`` fault (above the client timeout).
        statuses: the statuses drawn for ``status``/``status_after`` faults.
    """

    def __init__(
        self,
        upstream: str,
        *,
        seed: int | None = None,
        rate: float = 0.0,
        budget: int = 0,
        kinds: Sequence[FaultKind] = FAULT_KINDS,
        delay: float = 0.4,
        statuses: Sequence[int] = (500, 502, 503, 429),
    ) -> None:
        parts = urlsplit(upstream)
        assert parts.hostname is not None
        assert parts.port is not None
        self.upstream = (parts.hostname, parts.port)
        self._rng = random.Random(seed)
        self.rate = rate if seed is not None else 0.0
        self.budget = budget
        self.kinds = tuple(kinds)
        self.delay = delay
        self.statuses = tuple(statuses)
        self.injected: list[Injected] = []
        self.requests = 0
        self.seen: list[tuple[str, str]] = []
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    # -- control --------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        with contextlib.suppress(OSError):
            self._listener.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail(self, method: str, path_contains: str, fault: Fault, *, times: int = 1) -> None:
        """Inject ``fault`` into the next ``times`` requests whose method is ``method``
        and whose path contains ``path_contains``."""
        with self._lock:
            self._rules.append(_Rule(method, path_contains, fault, None, times))

    def on(
        self,
        method: str,
        path_contains: str,
        callback: Callable[[str, str], None],
        *,
        times: int = 1,
        after: bool = False,
    ) -> None:
        """Call ``callback(method, path)`` right before a matching request is forwarded
        (``after=True``: once the registry answered it, before the client gets the answer)."""
        with self._lock:
            self._rules.append(_Rule(method, path_contains, None, callback, times, after))

    def pause_random(self) -> None:
        """Stop drawing random faults (scripted ones still apply)."""
        with self._lock:
            self.rate = 0.0

    # -- deciding ---------------------------------------------------------------------------

    def _decide(self, method: str, path: str) -> tuple[Fault | None, list[_Rule]]:
        callbacks: list[_Rule] = []
        fault: Fault | None = None
        with self._lock:
            self.requests += 1
            self.seen.append((method, path))
            for rule in self._rules:
                if rule.times <= 0 or rule.method != method or rule.path_contains not in path:
                    continue
                if rule.callback is not None:
                    rule.times -= 1
                    callbacks.append(rule)
                elif fault is None and rule.fault is not None:
                    rule.times -= 1
                    fault = rule.fault
            if fault is None and self.budget > 0 and self._rng.random() < self.rate:
                self.budget -= 1
                kind = self._rng.choice(self.kinds)
                status = self._rng.choice(self.statuses)
                retry_after = "1" if status in (429, 503) else None
                fault = Fault(kind, status=status, retry_after=retry_after, delay=self.delay)
            if fault is not None:
                self.injected.append(Injected(method, path, fault))
        return fault, callbacks

    # -- serving ----------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        upstream: http.client.HTTPConnection | None = None
        reader = conn.makefile("rb")
        try:
            while True:
                request = _read_request(reader)
                if request is None:
                    return
                method, target, headers, body = request
                fault, callbacks = self._decide(method, target)
                if fault is not None and fault.kind == "reset":
                    _reset(conn)
                    return
                if fault is not None and fault.kind == "status":
                    conn.sendall(_error_answer(fault, method))
                    continue
                if fault is not None and fault.kind == "late":
                    time.sleep(fault.delay)
                for rule in callbacks:
                    if not rule.after and rule.callback is not None:
                        rule.callback(method, target)
                if upstream is None:
                    upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
                try:
                    answer = _forward(upstream, method, target, headers, body)
                except (OSError, http.client.HTTPException):
                    upstream.close()
                    upstream = None
                    conn.sendall(_error_answer(Fault("status", status=502), method))
                    continue
                for rule in callbacks:
                    if rule.after and rule.callback is not None:
                        rule.callback(method, target)
                if fault is None or fault.kind == "late":
                    conn.sendall(answer)
                elif fault.kind == "reset_after":
                    _reset(conn)
                    return
                elif fault.kind == "truncate":
                    conn.sendall(answer[: max(1, len(answer) // 2)])
                    _reset(conn)
                    return
                elif fault.kind == "delay":
                    time.sleep(fault.delay)
                    conn.sendall(answer)
                elif fault.kind == "status_after":
                    conn.sendall(_error_answer(fault, method))
        except OSError:
            return
        finally:
            if upstream is not None:
                upstream.close()
            try:
                reader.close()
                conn.close()
            except OSError:
                pass


def _reset(conn: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a crashed server or a dropping proxy does."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
    except OSError:
        pass


def _read_request(
    reader: socket.SocketIO | object,
) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
    line = reader.readline(65537)  # type: ignore[attr-defined]
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: list[tuple[str, str]] = []
    length = 0
    while True:
        raw = reader.readline(65537)  # type: ignore[attr-defined]
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        if name.strip().lower() == "transfer-encoding":
            raise OSError("chunked request bodies are not supported by the fault proxy")
    body = reader.read(length) if length else b""  # type: ignore[attr-defined]
    return method, target, headers, body


def _forward(
    upstream: http.client.HTTPConnection,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> bytes:
    upstream.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    for name, value in headers:
        upstream.putheader(name, value)
    upstream.endheaders(body or None)
    response = upstream.getresponse()
    data = response.read()
    lines = [f"HTTP/1.1 {response.status} {response.reason}"]
    for name, value in response.getheaders():
        lowered = name.lower()
        if lowered in ("transfer-encoding", "connection"):
            continue
        if lowered == "content-length" and method != "HEAD":
            continue
        lines.append(f"{name}: {value}")
    if method != "HEAD":
        lines.append(f"Content-Length: {len(data)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (b"" if method == "HEAD" else data)


def _error_answer(fault: Fault, method: str) -> bytes:
    body = (
        b'{"errors":[{"code":"UNAVAILABLE","message":"injected by the fault proxy"}]}'
        if fault.status != 429
        else b'{"errors":[{"code":"TOOMANYREQUESTS","message":"injected by the fault proxy"}]}'
    )
    lines = [
        f"HTTP/1.1 {fault.status} {_STATUS_TEXT.get(fault.status, 'Error')}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if fault.retry_after is not None:
        lines.append(f"Retry-After: {fault.retry_after}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if method == "HEAD" else head + body
