"""Public surface of mosaic_sdk.observability and mosaic_sdk.vault."""

from __future__ import annotations

import types

import pytest

import mosaic_sdk
import mosaic_sdk.observability
import mosaic_sdk.vault

MODULES = [mosaic_sdk.observability, mosaic_sdk.vault]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_resolvable_and_documented(module: types.ModuleType) -> None:
    assert module.__all__ == sorted(module.__all__, key=lambda n: (n.startswith("_"), n.lower()))
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        obj = getattr(module, name)
        if isinstance(obj, (type, types.FunctionType)):
            assert obj.__doc__, f"{module.__name__}.{name} has no docstring"


def test_top_level_exports() -> None:
    assert mosaic_sdk.SecretStore is mosaic_sdk.vault.SecretStore
    assert mosaic_sdk.AuditReport is mosaic_sdk.vault.AuditReport
    assert mosaic_sdk.policy_for is mosaic_sdk.vault.policy_for
    assert mosaic_sdk.configure_logging is mosaic_sdk.observability.configure_logging
    assert mosaic_sdk.correlation_id is mosaic_sdk.observability.correlation_id
    assert mosaic_sdk.SecretNotFoundError is mosaic_sdk.vault.SecretNotFoundError
    assert issubclass(mosaic_sdk.SecretNotFoundError, mosaic_sdk.VaultError)


def test_http_core_reads_the_same_correlation_id() -> None:
    from mosaic_sdk._core import _context
    from mosaic_sdk._http import _base as _client

    assert _client.get_correlation_id is _context.get_correlation_id
    assert _client.CORRELATION_ID_HEADER is _context.CORRELATION_ID_HEADER
    assert mosaic_sdk.observability.CORRELATION_ID_HEADER is _context.CORRELATION_ID_HEADER
