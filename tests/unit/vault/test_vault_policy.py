"""policy_for: least-privilege HCL for one service."""

from __future__ import annotations

import re

import pytest

from mosaic_sdk import Environment, InvalidValueError
from mosaic_sdk.vault import policy_for

_RULE = re.compile(r'path "(?P<path>[^"]+)" \{\n  capabilities = \[(?P<caps>[^\]]*)\]\n\}')


def _rules(hcl: str) -> dict[str, list[str]]:
    return {
        m["path"]: [c.strip().strip('"') for c in m["caps"].split(",")] for m in _RULE.finditer(hcl)
    }


def test_read_only_single_environment() -> None:
    hcl = policy_for("payments", "prod")
    assert _rules(hcl) == {
        "secret-prod/data/payments/*": ["read"],
        "secret-prod/metadata/payments/*": ["read", "list"],
    }
    assert hcl.startswith('# Vault policy for service "payments": read access in prod (KV v2).\n')
    assert hcl.endswith("}\n")


def test_read_write_several_environments_in_order_without_duplicates() -> None:
    hcl = policy_for("payments", ["production", Environment.DEV, "prod"], access="read-write")
    rules = _rules(hcl)
    assert list(rules) == [
        "secret-dev/data/payments/*",
        "secret-dev/metadata/payments/*",
        "secret-prod/data/payments/*",
        "secret-prod/metadata/payments/*",
    ]
    assert rules["secret-prod/data/payments/*"] == ["create", "read", "update", "patch", "delete"]
    assert rules["secret-prod/metadata/payments/*"] == ["read", "list"]


def test_nothing_outside_the_service_prefix() -> None:
    for access in ("read", "read-write"):
        for path, caps in _rules(policy_for("billing", ["dev", "staging", "prod"], access)).items():
            assert re.fullmatch(r"secret-(dev|staging|prod)/(data|metadata)/billing/\*", path)
            assert "sudo" not in caps
            assert "deny" not in caps
        hcl = policy_for("billing", "dev", access)
        assert "destroy" not in hcl
        assert "sys/" not in hcl
        assert hcl.count("path ") == 2


def test_kv_v1() -> None:
    assert _rules(policy_for("payments", "dev", "read", kv_version=1)) == {
        "secret-dev/payments/*": ["read", "list"]
    }
    assert _rules(policy_for("payments", "dev", "read-write", kv_version=1)) == {
        "secret-dev/payments/*": ["create", "read", "update", "delete", "list"]
    }


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"service": "Payments", "environments": "prod"}, "use 'payments'"),
        ({"service": "pay/ments", "environments": "prod"}, "contains"),
        ({"service": "*", "environments": "prod"}, "contains"),
        ({"service": "", "environments": "prod"}, "empty"),
        ({"service": "payments", "environments": []}, "names no environment"),
        ({"service": "payments", "environments": "qa"}, "qa"),
        ({"service": "payments", "environments": "prod", "access": "admin"}, "'read-write'"),
        ({"service": "payments", "environments": "prod", "kv_version": 3}, "KV version"),
    ],
)
def test_invalid_inputs_are_refused(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        policy_for(**kwargs)  # type: ignore[arg-type]
    assert needle in str(info.value)
