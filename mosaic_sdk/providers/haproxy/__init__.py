"""HAProxy: a canary target whose two servers share one backend's traffic by weight.

:class:`HAProxySplitter` (and :class:`AsyncHAProxySplitter`) is a deployment target for
compose-style stacks: the stable and the candidate service each answer on an address,
and one HAProxy backend sends each its share of requests. The splitter writes and owns
that HAProxy (or attaches to an existing admin socket), and sets the weights through
the runtime API, reading them back.

The runtime client and the splitter are written once, asynchronously, in ``_async/``;
the synchronous twins in ``_sync/`` are generated (``make generate``). Commands and
answers are built and read without I/O in ``_commands.py``, the configuration in
``_config.py``.

See ``docs/providers/haproxy.md`` for the configuration written and the runtime API
commands used.
"""

from mosaic_sdk.providers.haproxy._async.runtime import AsyncHAProxyRuntime
from mosaic_sdk.providers.haproxy._async.splitter import AsyncHAProxySplitter, AsyncServiceDeployer
from mosaic_sdk.providers.haproxy._config import HAProxyConfig
from mosaic_sdk.providers.haproxy._models import (
    AsyncStaticServices,
    HAProxyServer,
    HAProxySlot,
    HAProxySlotRecord,
    ServerAddress,
    StaticServices,
)
from mosaic_sdk.providers.haproxy._sync.runtime import HAProxyRuntime
from mosaic_sdk.providers.haproxy._sync.splitter import HAProxySplitter, ServiceDeployer

__all__ = [
    "AsyncHAProxyRuntime",
    "AsyncHAProxySplitter",
    "AsyncServiceDeployer",
    "AsyncStaticServices",
    "HAProxyConfig",
    "HAProxyRuntime",
    "HAProxyServer",
    "HAProxySplitter",
    "ServerAddress",
    "ServiceDeployer",
    "HAProxySlot",
    "HAProxySlotRecord",
    "StaticServices",
]
