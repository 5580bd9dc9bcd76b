"""Canonical Vault paths, standard field names and a least-privilege policy, with no Vault.

.venv/bin/python examples/vault_conventions.py
"""

from __future__ import annotations

from mosaic_sdk import Environment, MosaicError, VaultPath, VaultPaths, policy_for
from mosaic_sdk.values import validate_field_name


def main() -> None:
    for env in Environment:
        print(VaultPaths(env).path("postgres", "database", "app"))

    path = VaultPath.parse("secret-prod/billing/api/stripe")
    print(path.environment, path.service, path.component, path.name)

    for bad in ("secret-prod/billing/stripe", "secret-qa/billing/api/stripe", "Secret-prod/a/b/c"):
        try:
            VaultPath.parse(bad)
        except MosaicError as exc:
            print("refused:", exc)

    for field in ("username", "passwd", "api_key"):
        try:
            print("ok:", validate_field_name(field))
        except MosaicError as exc:
            print("refused:", exc)

    print(policy_for("billing", [Environment.STAGING, Environment.PROD], "read"))


if __name__ == "__main__":
    main()
