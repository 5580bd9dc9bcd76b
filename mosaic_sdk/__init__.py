"""mosaic_sdk: a platform team's deployment rules as typed, composable code.

Everything public is importable from here. Value types and errors are imported
eagerly (they are pure and cheap); clients and workflows load on first use, so
``import mosaic_sdk`` never pulls in hvac or a provider module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mosaic_sdk._version import __version__
from mosaic_sdk.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    ForbiddenTagError,
    InvalidValueError,
    MosaicError,
    NotFoundError,
    RateLimitError,
    UnsupportedOperationError,
    VaultError,
    WorkflowError,
)
from mosaic_sdk.values import (
    CommitMessage,
    Digest,
    Environment,
    ImageReference,
    ImageTag,
    TagKind,
    VaultPath,
    VaultPaths,
)

if TYPE_CHECKING:
    from mosaic_sdk._http import RateLimit, RetryPolicy
    from mosaic_sdk.errors import SecretNotFoundError
    from mosaic_sdk.observability import (
        PrometheusClient,
        check_stack_health,
        configure_logging,
        correlation_id,
    )
    from mosaic_sdk.providers import (
        ComposeFileTarget,
        Deployment,
        DeploymentTarget,
        RunningRelease,
    )
    from mosaic_sdk.providers.coolify import AsyncCoolifyClient, CoolifyClient
    from mosaic_sdk.providers.portainer import AsyncPortainerClient, PortainerClient
    from mosaic_sdk.providers.vercel import AsyncVercelClient, VercelClient
    from mosaic_sdk.registry import (
        AsyncImageRegistry,
        AsyncOCILayout,
        AsyncRegistryClient,
        BlobCache,
        ImageRegistry,
        Manifest,
        OCILayout,
        RegistryClient,
        open_async_registry,
        open_registry,
    )
    from mosaic_sdk.release import (
        BlueGreen,
        Canary,
        HealthCheck,
        MetricGate,
        PostDeployValidation,
        Promotion,
        PromotionRecord,
        RetentionPlan,
        RetentionPolicy,
        Rollback,
        SmokeTest,
        ValidationReport,
        VersionMatch,
        select_deployment_target,
    )
    from mosaic_sdk.standards import Finding, LintReport, Severity, lint_paths, new_scratchpad
    from mosaic_sdk.vault import AuditReport, SecretStore, policy_for

# Public name -> module that defines it. Resolved on first attribute access (PEP 562).
_LAZY: dict[str, str] = {
    "RateLimit": "mosaic_sdk._http",
    "RetryPolicy": "mosaic_sdk._http",
    "AuditReport": "mosaic_sdk.vault",
    "SecretNotFoundError": "mosaic_sdk.errors",
    "SecretStore": "mosaic_sdk.vault",
    "configure_logging": "mosaic_sdk.observability",
    "correlation_id": "mosaic_sdk.observability",
    "policy_for": "mosaic_sdk.vault",
    "Promotion": "mosaic_sdk.release",
    "PostDeployValidation": "mosaic_sdk.release",
    "ValidationReport": "mosaic_sdk.release",
    "HealthCheck": "mosaic_sdk.release",
    "SmokeTest": "mosaic_sdk.release",
    "VersionMatch": "mosaic_sdk.release",
    "MetricGate": "mosaic_sdk.release",
    "BlueGreen": "mosaic_sdk.release",
    "Canary": "mosaic_sdk.release",
    "Rollback": "mosaic_sdk.release",
    "select_deployment_target": "mosaic_sdk.release",
    "PrometheusClient": "mosaic_sdk.observability",
    "check_stack_health": "mosaic_sdk.observability",
    "PromotionRecord": "mosaic_sdk.release",
    "RetentionPlan": "mosaic_sdk.release",
    "RetentionPolicy": "mosaic_sdk.release",
    "ComposeFileTarget": "mosaic_sdk.providers",
    "Deployment": "mosaic_sdk.providers",
    "DeploymentTarget": "mosaic_sdk.providers",
    "RunningRelease": "mosaic_sdk.providers",
    "AsyncCoolifyClient": "mosaic_sdk.providers.coolify",
    "CoolifyClient": "mosaic_sdk.providers.coolify",
    "AsyncPortainerClient": "mosaic_sdk.providers.portainer",
    "PortainerClient": "mosaic_sdk.providers.portainer",
    "AsyncVercelClient": "mosaic_sdk.providers.vercel",
    "VercelClient": "mosaic_sdk.providers.vercel",
    "AsyncImageRegistry": "mosaic_sdk.registry",
    "AsyncOCILayout": "mosaic_sdk.registry",
    "AsyncRegistryClient": "mosaic_sdk.registry",
    "BlobCache": "mosaic_sdk.registry",
    "ImageRegistry": "mosaic_sdk.registry",
    "Manifest": "mosaic_sdk.registry",
    "OCILayout": "mosaic_sdk.registry",
    "RegistryClient": "mosaic_sdk.registry",
    "open_async_registry": "mosaic_sdk.registry",
    "open_registry": "mosaic_sdk.registry",
    "Finding": "mosaic_sdk.standards",
    "LintReport": "mosaic_sdk.standards",
    "Severity": "mosaic_sdk.standards",
    "lint_paths": "mosaic_sdk.standards",
    "new_scratchpad": "mosaic_sdk.standards",
}

# Keep sorted (case-insensitive); tests/unit/test_exported_members.py checks it covers
# every eager import and every _LAZY entry.
__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncCoolifyClient",
    "AsyncImageRegistry",
    "AsyncOCILayout",
    "AsyncPortainerClient",
    "AsyncRegistryClient",
    "AsyncVercelClient",
    "AuditReport",
    "BlobCache",
    "BlueGreen",
    "Canary",
    "check_stack_health",
    "CommitMessage",
    "ComposeFileTarget",
    "ConfigurationError",
    "configure_logging",
    "CoolifyClient",
    "correlation_id",
    "Deployment",
    "DeploymentTarget",
    "Digest",
    "Environment",
    "Finding",
    "ForbiddenTagError",
    "HealthCheck",
    "ImageReference",
    "ImageRegistry",
    "ImageTag",
    "InvalidValueError",
    "lint_paths",
    "LintReport",
    "Manifest",
    "MetricGate",
    "MosaicError",
    "new_scratchpad",
    "NotFoundError",
    "OCILayout",
    "open_async_registry",
    "open_registry",
    "policy_for",
    "PortainerClient",
    "PostDeployValidation",
    "PrometheusClient",
    "Promotion",
    "PromotionRecord",
    "RateLimit",
    "RateLimitError",
    "RegistryClient",
    "RetentionPlan",
    "RetentionPolicy",
    "RetryPolicy",
    "Rollback",
    "RunningRelease",
    "SecretNotFoundError",
    "SecretStore",
    "select_deployment_target",
    "Severity",
    "SmokeTest",
    "TagKind",
    "UnsupportedOperationError",
    "ValidationReport",
    "VaultError",
    "VaultPath",
    "VaultPaths",
    "VercelClient",
    "VersionMatch",
    "WorkflowError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mosaic_sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
