"""``--target KIND:SPEC``: a deployment target named on the command line.

===========================================  ============================================
spec                                         target (credentials)
===========================================  ============================================
``compose:PATH#SERVICE``                     :class:`~mosaic_sdk.providers.ComposeFileTarget`
                                             (a compose file or Kubernetes manifest)
``coolify:APPLICATION_UUID``                 Coolify (``COOLIFY_URL``, ``COOLIFY_TOKEN``)
``portainer:STACK_ID:ENDPOINT_ID:SERVICE``   Portainer (``PORTAINER_URL``,
                                             ``PORTAINER_API_KEY``)
``vercel:PROJECT``                           Vercel (``VERCEL_TOKEN``, ``VERCEL_TEAM_ID``)
===========================================  ============================================

Tokens come from the environment variable or from ``--token-file``; never from the spec.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import Any

from mosaic_sdk.cli._common import UsageError, read_secret
from mosaic_sdk.errors import ConfigurationError

__all__ = ["TARGET_HELP", "add_target_options", "open_target"]

TARGET_HELP = (
    "compose:PATH#SERVICE, coolify:APP_UUID, portainer:STACK_ID:ENDPOINT_ID:SERVICE or "
    "vercel:PROJECT"
)

_TOKENS = {
    "coolify": ("COOLIFY_TOKEN", "Coolify API token"),
    "portainer": ("PORTAINER_API_KEY", "Portainer access token"),
    "vercel": ("VERCEL_TOKEN", "Vercel token"),
}
_URLS = {"coolify": "COOLIFY_URL", "portainer": "PORTAINER_URL"}


def add_target_options(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--target`` and ``--token-file``."""
    group = parser.add_argument_group(
        "target",
        "Provider tokens come from COOLIFY_TOKEN, PORTAINER_API_KEY or VERCEL_TOKEN, or\n"
        "from --token-file; provider URLs from COOLIFY_URL or PORTAINER_URL.",
    )
    group.add_argument("--target", required=required, metavar="KIND:SPEC", help=TARGET_HELP)
    group.add_argument(
        "--token-file", metavar="FILE", help="file holding the provider token ('-' reads stdin)"
    )


def _provider_url(kind: str) -> str:
    variable = _URLS[kind]
    url = os.environ.get(variable)
    if not url:
        raise ConfigurationError(
            f"{variable} is not set; export the {kind.capitalize()} base URL, e.g. "
            f"{variable}=https://{kind}.example.com"
        )
    return url


def _token(kind: str, token_file: str | None) -> str:
    variable, what = _TOKENS[kind]
    token = read_secret(env_var=variable, file=token_file, what=what)
    if token is None:
        raise ConfigurationError(
            f"no {what}; set {variable} or pass --token-file FILE "
            "(never the token itself on the command line)"
        )
    return token


def _positive_int(text: str, what: str, spec: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"--target {spec!r}: {what} {text!r} is not a positive number")
    return int(text)


def open_target(spec: str, token_file: str | None, stack: contextlib.ExitStack) -> Any:
    """The :class:`~mosaic_sdk.providers.DeploymentTarget` that ``spec`` names; provider
    clients are closed when ``stack`` closes.

    Raises:
        UsageError: a malformed spec.
        ConfigurationError: a missing provider URL or token.
    """
    kind, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise UsageError(f"--target {spec!r} is not KIND:SPEC; use {TARGET_HELP}")
    if kind == "compose":
        path, hash_sign, service = rest.rpartition("#")
        if not hash_sign or not path or not service:
            raise UsageError(
                f"--target {spec!r}: name the service after '#', e.g. compose:compose.yaml#api"
            )
        from mosaic_sdk.providers import ComposeFileTarget

        return ComposeFileTarget(path, service)
    if kind == "coolify":
        from mosaic_sdk.providers.coolify import CoolifyClient, CoolifyDeploymentTarget

        client = stack.enter_context(
            CoolifyClient(_provider_url(kind), token=_token(kind, token_file))
        )
        return CoolifyDeploymentTarget(client, rest)
    if kind == "portainer":
        parts = rest.split(":")
        if len(parts) != 3 or not parts[2]:
            raise UsageError(
                f"--target {spec!r} is not portainer:STACK_ID:ENDPOINT_ID:SERVICE; "
                "e.g. portainer:12:1:web"
            )
        from mosaic_sdk.providers.portainer import PortainerClient, PortainerDeploymentTarget

        stack_id = _positive_int(parts[0], "stack id", spec)
        endpoint_id = _positive_int(parts[1], "endpoint id", spec)
        portainer = stack.enter_context(
            PortainerClient(_provider_url(kind), api_key=_token(kind, token_file))
        )
        return PortainerDeploymentTarget(portainer, stack_id, endpoint_id, parts[2])
    if kind == "vercel":
        from mosaic_sdk.providers.vercel import VercelClient, VercelDeploymentTarget

        team = os.environ.get("VERCEL_TEAM_ID") or os.environ.get("VERCEL_ORG_ID") or None
        vercel = stack.enter_context(VercelClient(_token(kind, token_file), team_id=team))
        return VercelDeploymentTarget(vercel, rest)
    raise UsageError(f"--target {spec!r}: unknown kind {kind!r}; use {TARGET_HELP}")
