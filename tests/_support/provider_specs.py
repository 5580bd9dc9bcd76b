"""Spec-check exemptions for the Portainer and Vercel clients, named with their reasons.

Without the specs folder (``$MOSAIC_SPECS_DIR`` or ``../shared/specs``) the transport
passes requests through unchecked, unless ``require=True`` or ``MOSAIC_REQUIRE_SERVERS=1``
(then :func:`tests._support.spec.require_spec` skips or fails with its reason).

Requests outside the stored specs still reach the inner transport (so the rest of a
flow runs) but skip the spec check; :attr:`Exempting.exempted` records which ones did.

* Portainer's Docker proxy (``/api/endpoints/{id}/docker/...``) is the Docker Engine
  API; the Portainer swagger leaves it out by design (see its ``info.description``).
* Vercel's instant rollback (``POST /v1/projects/{projectId}/rollback/{deploymentId}``)
  is absent from the stored Oct-2025 spec; it is taken from the official SDK
  (``vercel/sdk`` HEAD ``src/funcs/projectsRequestRollback.ts``), see
  ``shared/specs/README.md``.
"""

from __future__ import annotations

import os
import re

import httpx

from tests._support.spec import (
    SPEC_FILES,
    AsyncSpecCheckingTransport,
    SpecCheckingTransport,
    require_spec,
    specs_dir,
)

PORTAINER_EXEMPT = {
    re.compile(r"^/api/endpoints/\d+/docker/"): (
        "Docker Engine API through Portainer's proxy; not part of the Portainer swagger by design"
    ),
}
VERCEL_EXEMPT = {
    re.compile(r"^/v1/projects/[^/]+/rollback/[^/]+$"): (
        "instant rollback is absent from the stored spec (vercel/sdk 1aada4a8, Oct 2025); "
        "path from vercel/sdk HEAD src/funcs/projectsRequestRollback.ts"
    ),
    re.compile(r"^/v1/projects/[^/]+/rolling-release/config$"): (
        # PATCH only: GET and DELETE take no body and stay checked.
        ("PATCH",),
        "the stored spec documents no body for PATCH rolling-release/config; the body is "
        "the CLI's (packages/cli/src/commands/rolling-release/configure-rolling-release.ts"
        ":323-335)",
    ),
    re.compile(r"^/v1/projects/[^/]+/rolling-release/start$"): (
        "absent from the stored spec; path and body from the CLI "
        "(packages/cli/src/commands/rolling-release/start-rolling-release.ts:78-85)"
    ),
}
EXEMPT = {"portainer": PORTAINER_EXEMPT, "vercel": VERCEL_EXEMPT}


class Exempting(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Checks every request against ``provider``'s spec except the named exemptions, and
    keeps every request sent (``sent``) for assertions on bodies."""

    def __init__(
        self,
        provider: str,
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport,
        *,
        require: bool = False,
    ) -> None:
        self.inner = inner
        self.exempt = EXEMPT[provider]
        self.exempted: set[str] = set()
        self.sent: list[httpx.Request] = []
        # Without the specs folder, tests about response handling still run (unchecked);
        # tests about the spec itself pass require=True and skip with require_spec's
        # reason. MOSAIC_REQUIRE_SERVERS=1 (CI) makes a missing spec fail everywhere.
        self.spec_available = (specs_dir() / SPEC_FILES[provider]).is_file()
        if require or os.environ.get("MOSAIC_REQUIRE_SERVERS") == "1":
            require_spec(provider)
        # MockTransport is both sync and async: give each side its own checker.
        self.sync_checking = (
            SpecCheckingTransport(provider, inner)
            if self.spec_available and isinstance(inner, httpx.BaseTransport)
            else None
        )
        self.async_checking = (
            AsyncSpecCheckingTransport(provider, inner)
            if self.spec_available and isinstance(inner, httpx.AsyncBaseTransport)
            else None
        )

    def _is_exempt(self, request: httpx.Request) -> bool:
        for pattern, entry in self.exempt.items():
            methods, reason = entry if isinstance(entry, tuple) else (None, entry)
            if methods is not None and request.method not in methods:
                continue
            if pattern.search(request.url.path):
                assert reason
                self.exempted.add(f"{request.method} {pattern.pattern}")
                return True
        return False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sent.append(request)
        if self._is_exempt(request) or self.sync_checking is None:
            assert isinstance(self.inner, httpx.BaseTransport)
            return self.inner.handle_request(request)
        return self.sync_checking.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.sent.append(request)
        if self._is_exempt(request) or self.async_checking is None:
            assert isinstance(self.inner, httpx.AsyncBaseTransport)
            return await self.inner.handle_async_request(request)
        return await self.async_checking.handle_async_request(request)

    @property
    def operations(self) -> set[str]:
        """Every spec operation checked so far."""
        return {
            op
            for checking in (self.sync_checking, self.async_checking)
            if checking is not None
            for op in checking.operations
        }

    def assert_clean(self) -> None:
        """Fail if any request violated the spec."""
        for checking in (self.sync_checking, self.async_checking):
            if checking is not None:
                checking.assert_clean()

    def close(self) -> None:
        """Close the inner transport (the client closes its transport on exit)."""
        if isinstance(self.inner, httpx.BaseTransport):
            self.inner.close()

    async def aclose(self) -> None:
        """Async twin of :meth:`close`."""
        if isinstance(self.inner, httpx.AsyncBaseTransport):
            await self.inner.aclose()
