"""Deployment environments and their Vault mounts."""

from __future__ import annotations

import enum

from mosaic_sdk._render import TextRepr
from mosaic_sdk.errors import InvalidValueError

__all__ = ["Environment"]

_MOUNT_PREFIX = "secret-"


class Environment(TextRepr, enum.Enum):
    """A deployment environment: ``DEV``, ``STAGING`` or ``PROD``.

    ``str(env)`` is the canonical short name (``"dev"``, ``"staging"``, ``"prod"``) and
    :meth:`parse` reads it back, along with the usual spellings. Members are listed in
    promotion order, so ``list(Environment)`` is ``[DEV, STAGING, PROD]``.

    Examples:
        >>> Environment.parse("Production").vault_mount
        'secret-prod'
    """

    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"

    def __str__(self) -> str:
        return self.value

    @property
    def vault_mount(self) -> str:
        """The KV v2 mount that holds this environment's secrets (``secret-prod``...)."""
        return _MOUNT_PREFIX + self.value

    @classmethod
    def parse(cls, text: str) -> Environment:
        """Read an environment name, accepting common spellings.

        Case-insensitive; surrounding whitespace is ignored. Accepted: ``dev``,
        ``development``, ``develop``; ``staging``, ``stage``, ``stg``; ``prod``,
        ``production``, ``prd``.

        Raises:
            InvalidValueError: the text names no known environment.
        """
        if not isinstance(text, str):
            raise InvalidValueError(
                text, "is not an environment name", f"pass one of {_ACCEPTED} as a string"
            )
        found = _SPELLINGS.get(text.strip().lower())
        if found is None:
            raise InvalidValueError(text, "is not a known environment", f"use one of {_ACCEPTED}")
        return found

    @classmethod
    def from_mount(cls, mount: str) -> Environment:
        """Return the environment whose Vault mount is ``mount`` (``secret-prod`` -> PROD).

        Raises:
            InvalidValueError: ``mount`` is not one of the three environment mounts.
        """
        for env in cls:
            if mount == env.vault_mount:
                return env
        mounts = ", ".join(env.vault_mount for env in cls)
        fix = f"use one of {mounts}"
        if isinstance(mount, str) and mount.lower().startswith(_MOUNT_PREFIX):
            suffix = mount[len(_MOUNT_PREFIX) :].strip().lower()
            guess = _SPELLINGS.get(suffix)
            if guess is not None:
                fix = f"use {guess.vault_mount!r} (mounts use the short environment name)"
        raise InvalidValueError(mount, "is not an environment Vault mount", fix)


_SPELLINGS: dict[str, Environment] = {
    "dev": Environment.DEV,
    "development": Environment.DEV,
    "develop": Environment.DEV,
    "staging": Environment.STAGING,
    "stage": Environment.STAGING,
    "stg": Environment.STAGING,
    "prod": Environment.PROD,
    "production": Environment.PROD,
    "prd": Environment.PROD,
}

_ACCEPTED = "dev, staging, prod (or development, stage, stg, production, prd)"
