"""The public surface: curated, sorted, resolvable, and cheap to import."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

import mosaic_sdk
import mosaic_sdk.values

MODULES = [mosaic_sdk, mosaic_sdk.values]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_case_insensitively_without_duplicates(module: types.ModuleType) -> None:
    # Public names in case-insensitive order; dunders such as __version__ come last.
    assert module.__all__ == sorted(module.__all__, key=lambda n: (n.startswith("_"), n.lower()))
    assert len(set(module.__all__)) == len(module.__all__)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_every_exported_name_resolves(module: types.ModuleType) -> None:
    for name in module.__all__:
        assert getattr(module, name) is not None, name


def test_value_types_are_exported_at_the_top_level() -> None:
    for name in [
        "CommitMessage",
        "Digest",
        "Environment",
        "ImageReference",
        "ImageTag",
        "TagKind",
        "VaultPath",
        "VaultPaths",
    ]:
        assert name in mosaic_sdk.__all__
        assert getattr(mosaic_sdk, name) is getattr(mosaic_sdk.values, name)


def test_every_public_value_name_is_documented() -> None:
    for name in mosaic_sdk.values.__all__:
        obj = getattr(mosaic_sdk.values, name)
        if isinstance(obj, (type, types.FunctionType)):
            assert obj.__doc__, f"{name} has no docstring"


_PROBE = """
import json, sys
import mosaic_sdk
print(json.dumps(sorted(sys.modules)))
"""
_FORBIDDEN_PREFIXES = (
    "hvac",
    "httpx",
    "httpcore",
    "mosaic_sdk.providers",
    "mosaic_sdk.registry",
    "mosaic_sdk.vault",
    "mosaic_sdk._http",
)


def test_import_mosaic_sdk_stays_light() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(result.stdout)
    heavy = [
        name
        for name in loaded
        if any(name == p or name.startswith(p + ".") for p in _FORBIDDEN_PREFIXES)
    ]
    assert heavy == []
    # Every public name loads on first use: importing the package loads only itself.
    assert [name for name in loaded if name.startswith("mosaic_sdk")] == [
        "mosaic_sdk",
        "mosaic_sdk._version",
    ]


# Names a subpackage exports that the top level spells differently, and why.
_TOP_LEVEL_EXCEPTIONS = {
    # The subpackage mosaic_sdk.release is itself an attribute of mosaic_sdk.
    ("mosaic_sdk.release", "release"): "mosaic_sdk.release.release",
    # mosaic_sdk.Severity is the lint severity; the alert severity is AlertSeverity.
    ("mosaic_sdk.observability", "Severity"): "mosaic_sdk.AlertSeverity",
}
_SUBPACKAGES = [
    "mosaic_sdk.errors",
    "mosaic_sdk.observability",
    "mosaic_sdk.providers",
    "mosaic_sdk.providers.coolify",
    "mosaic_sdk.providers.haproxy",
    "mosaic_sdk.providers.portainer",
    "mosaic_sdk.providers.vercel",
    "mosaic_sdk.registry",
    "mosaic_sdk.release",
    "mosaic_sdk.standards",
    "mosaic_sdk.values",
    "mosaic_sdk.vault",
]


@pytest.mark.parametrize("module_name", _SUBPACKAGES)
def test_every_public_name_of_a_subpackage_is_importable_from_mosaic_sdk(
    module_name: str,
) -> None:
    # README: "Every public name is importable from mosaic_sdk".
    import importlib

    module = importlib.import_module(module_name)
    missing = [
        name
        for name in module.__all__
        if (module_name, name) not in _TOP_LEVEL_EXCEPTIONS
        and (
            name not in mosaic_sdk.__all__ or getattr(mosaic_sdk, name) is not getattr(module, name)
        )
    ]
    assert missing == [], (
        f"add {missing} of {module_name} to mosaic_sdk/__init__.py (_LAZY, __all__ and the "
        "TYPE_CHECKING imports)"
    )


def test_the_alert_severity_is_importable_under_its_own_name() -> None:
    from mosaic_sdk.observability import Severity

    assert mosaic_sdk.AlertSeverity is Severity
    assert mosaic_sdk.Severity is mosaic_sdk.standards.Severity


def test_deployment_not_queued_error_lives_in_the_error_tree() -> None:
    import mosaic_sdk.errors
    import mosaic_sdk.providers.coolify

    error = mosaic_sdk.errors.DeploymentNotQueuedError("gone", deployment_uuid="abc")
    assert mosaic_sdk.providers.coolify.DeploymentNotQueuedError is type(error)
    assert mosaic_sdk.DeploymentNotQueuedError is type(error)
    assert isinstance(error, mosaic_sdk.errors.NotFoundError)
    assert (error.status_code, error.provider, error.deployment_uuid) == (404, "coolify", "abc")
    assert "DeploymentNotQueuedError" in (mosaic_sdk.errors.__doc__ or "")
