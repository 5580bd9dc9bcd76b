"""State shared between processes and machines: rate budgets and deployment locks.

* :class:`~mosaic_sdk.RateLimit` (in ``mosaic_sdk._http``) books its requests here when
  made with :meth:`~mosaic_sdk.RateLimit.file` or :meth:`~mosaic_sdk.RateLimit.redis`.
* :class:`DeploymentLock` (and :class:`AsyncDeploymentLock`): leases with an expiry and
  a fencing token, per repository and environment, so two pipelines never release the
  same service at once and retention never deletes while a promotion runs.

Three backends, one behaviour: in this process (the default), a state file under
``flock`` for the processes of one machine, and Redis (redis-py, an optional extra) for
many machines. This package sits below the feature packages and above ``values`` in
the layer contract: the HTTP core's rate limit and the release workflows both use it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mosaic_sdk.coordination._async.lock import AsyncDeploymentLock
    from mosaic_sdk.coordination._lease import Lease
    from mosaic_sdk.coordination._sync.lock import DeploymentLock

_LAZY: dict[str, str] = {
    "AsyncDeploymentLock": "mosaic_sdk.coordination._async.lock",
    "DeploymentLock": "mosaic_sdk.coordination._sync.lock",
    "Lease": "mosaic_sdk.coordination._lease",
}

__all__ = ["AsyncDeploymentLock", "DeploymentLock", "Lease"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
