"""``mosaic vault path|audit|policy``."""

from __future__ import annotations

import argparse
import os
from typing import Any

from mosaic_sdk.cli._common import (
    Console,
    UsageError,
    add_json_flag,
    command_parser,
    read_secret,
    write_output_file,
)
from mosaic_sdk.cli._text import EXIT_FAILURE, EXIT_OK
from mosaic_sdk.errors import ConfigurationError
from mosaic_sdk.values import Environment, VaultPath, VaultPaths

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``vault`` and its three subcommands."""
    vault = command_parser(
        subparsers,
        "vault",
        help="canonical Vault paths, mount audits and least-privilege policies",
        description=(
            "Vault secrets live at {mount}/{service}/{component}/{secret-name}, one mount per "
            "environment (secret-dev, secret-staging, secret-prod)."
        ),
        examples=(
            "  mosaic vault path prod payments database app\n"
            "  VAULT_ADDR=https://vault:8200 VAULT_TOKEN=... mosaic vault audit secret-prod\n"
            "  mosaic vault policy payments --env prod --access read"
        ),
    )
    actions = vault.add_subparsers(dest="vault_command", metavar="ACTION", required=True)

    path = command_parser(
        actions,
        "path",
        help="build or check a canonical Vault path",
        description=(
            "Build a path from its parts (ENV SERVICE COMPONENT NAME), or check an existing "
            "path (MOUNT/SERVICE/COMPONENT/NAME). Prints the path and its KV v2 API paths."
        ),
        examples=(
            "  mosaic vault path prod payments database app\n"
            "  mosaic vault path secret-staging/payments/stripe/api --json"
        ),
        handler=_path,
    )
    path.add_argument(
        "parts",
        nargs="+",
        metavar="PATH | ENV SERVICE COMPONENT NAME",
        help="a full path, or the environment and the three segments",
    )
    add_json_flag(path)

    audit = command_parser(
        actions,
        "audit",
        help="report every path and field of a mount that breaks the canonical structure",
        description=(
            "Walk a whole mount (LIST, depth first), read every secret's field names (never "
            "printing a value) and report each departure with its fix. Changes nothing. "
            "Vault's address comes from --vault-addr or $VAULT_ADDR; the token from "
            "--token-file or $VAULT_TOKEN, or an AppRole login from $VAULT_ROLE_ID and "
            "$VAULT_SECRET_ID (or --secret-id-file; mount $VAULT_APPROLE_MOUNT, default "
            "approle)."
        ),
        examples=(
            "  export VAULT_ADDR=https://vault.example.com:8200\n"
            "  mosaic vault audit secret-prod --token-file ~/.vault-token\n"
            "  VAULT_TOKEN=... mosaic vault audit secret --paths-only --json"
        ),
        handler=_audit,
    )
    audit.add_argument("mount", help="mount name (secret-prod) or environment (prod)")
    audit.add_argument(
        "--paths-only",
        action="store_true",
        help="check paths only (needs list, not read)",
    )
    audit.add_argument("--vault-addr", metavar="URL", help="Vault address (default: $VAULT_ADDR)")
    audit.add_argument(
        "--token-file",
        metavar="FILE",
        help="file holding the Vault token ('-' reads stdin; default: $VAULT_TOKEN)",
    )
    audit.add_argument(
        "--secret-id-file",
        metavar="FILE",
        help="AppRole secret id file, with $VAULT_ROLE_ID (default: $VAULT_SECRET_ID)",
    )
    audit.add_argument(
        "--namespace", metavar="NS", help="Vault Enterprise namespace (default: $VAULT_NAMESPACE)"
    )
    audit.add_argument(
        "--ca-cert", metavar="FILE", help="CA bundle for Vault's TLS (default: $VAULT_CACERT)"
    )
    add_json_flag(audit)

    policy = command_parser(
        actions,
        "policy",
        help="print a least-privilege HCL policy for one service",
        description=(
            "HCL granting SERVICE exactly its canonical paths in the given environments: "
            "read (read + list), read-write (adds create, update, patch, delete) or manage "
            "(adds deleting, undeleting and destroying versions, and metadata writes)."
        ),
        examples=(
            "  mosaic vault policy payments --env prod\n"
            "  mosaic vault policy payments --env dev --env staging --access read-write \\\n"
            "      --output payments.hcl\n"
            "  vault policy write payments-prod <(mosaic vault policy payments --env prod)"
        ),
        handler=_policy,
    )
    policy.add_argument("service", help="service name, e.g. payments")
    policy.add_argument(
        "--env",
        dest="environments",
        action="append",
        required=True,
        metavar="ENV",
        help="environment (dev, staging, prod); repeat for several",
    )
    policy.add_argument(
        "--access",
        choices=("read", "read-write", "manage"),  # policy_for.ACCESS_LEVELS; no hvac import
        default="read",
        help="default: read",
    )
    policy.add_argument(
        "--kv-version", type=int, choices=(1, 2), default=2, help="KV version of the mounts"
    )
    policy.add_argument("--output", metavar="FILE", help="write the HCL to FILE (atomically)")
    add_json_flag(policy)


def _path_data(path: VaultPath) -> dict[str, Any]:
    return {
        "path": str(path),
        "mount": path.mount,
        "environment": path.environment.value,
        "service": path.service,
        "component": path.component,
        "name": path.name,
        "kv2_data_path": path.kv2_data_path,
        "kv2_metadata_path": path.kv2_metadata_path,
    }


def _path(args: argparse.Namespace, console: Console) -> int:
    parts: list[str] = args.parts
    if len(parts) == 1:
        path = VaultPath.parse(parts[0])
    elif len(parts) == 4:
        path = VaultPaths(Environment.parse(parts[0])).path(*parts[1:])
    else:
        raise UsageError(
            f"expected a path or 4 parts (ENV SERVICE COMPONENT NAME), got {len(parts)}: "
            f"{' '.join(parts)!r}; e.g. 'mosaic vault path prod payments database app'"
        )
    data = _path_data(path)
    text = (
        f"{path}\n"
        f"  environment  {data['environment']}  (mount {path.mount})\n"
        f"  service      {path.service}\n"
        f"  component    {path.component}\n"
        f"  name         {path.name}\n"
        f"  KV v2 API    {path.kv2_data_path}  |  {path.kv2_metadata_path}"
    )
    console.result(text, data)
    return EXIT_OK


def _audit(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.vault import SecretStore

    url = args.vault_addr or os.environ.get("VAULT_ADDR")
    if not url:
        raise ConfigurationError(
            "no Vault address given; pass --vault-addr https://vault:8200 or set VAULT_ADDR"
        )
    verify: bool | str = args.ca_cert or os.environ.get("VAULT_CACERT") or True
    namespace = args.namespace or os.environ.get("VAULT_NAMESPACE") or None
    token = read_secret(env_var="VAULT_TOKEN", file=args.token_file, what="Vault token")
    if token is not None:
        store = SecretStore.from_token(url, token, namespace=namespace, verify=verify)
    else:
        role_id = os.environ.get("VAULT_ROLE_ID") or None
        secret_id = read_secret(
            env_var="VAULT_SECRET_ID", file=args.secret_id_file, what="AppRole secret id"
        )
        if role_id is None or secret_id is None:
            raise ConfigurationError(
                "no Vault credentials given; set VAULT_TOKEN or pass --token-file FILE, or "
                "set VAULT_ROLE_ID with VAULT_SECRET_ID (or --secret-id-file) for AppRole "
                "(never a secret itself on the command line)"
            )
        store = SecretStore.from_approle(
            url,
            role_id,
            secret_id,
            mount_point=os.environ.get("VAULT_APPROLE_MOUNT") or "approle",
            namespace=namespace,
            verify=verify,
        )
    with store:
        report = store.audit(_mount(args.mount), read_values=not args.paths_only)
    data = {
        "ok": report.ok,
        "mount": report.mount,
        "kv_version": report.kv_version,
        "paths": list(report.paths),
        "findings": [
            {"path": f.path, "field": f.field, "problem": f.problem, "fix": f.fix}
            for f in report.findings
        ],
    }
    console.result(str(report), data)
    return EXIT_OK if report.ok else EXIT_FAILURE


def _mount(text: str) -> Environment | str:
    """An environment name (``prod``) means its mount; anything else is a mount name,
    legacy ones (``secret``) included: that is what a migration audits first."""
    from mosaic_sdk.errors import InvalidValueError

    try:
        return Environment.parse(text)
    except InvalidValueError:
        return text


def _policy(args: argparse.Namespace, console: Console) -> int:
    from mosaic_sdk.vault import policy_for

    hcl = policy_for(args.service, args.environments, args.access, kv_version=args.kv_version)
    if args.output:
        written = write_output_file(args.output, hcl)
        console.note(f"wrote {written}")
    data = {
        "service": args.service,
        "environments": [Environment.parse(e).value for e in args.environments],
        "access": args.access,
        "kv_version": args.kv_version,
        "policy": hcl,
    }
    if args.output and not console.json:
        return EXIT_OK
    console.result(hcl, data)
    return EXIT_OK
