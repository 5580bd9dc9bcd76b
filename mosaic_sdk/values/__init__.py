"""Pure, I/O-free value types: environments, Vault paths, digests, image references,
image tags and commit messages.

Every type is a frozen attrs class (or an enum). Text is read with ``X.parse(text)``
and written with ``str(x)``; the two round-trip. Invalid input raises
:class:`~mosaic_sdk.errors.InvalidValueError` naming the value and the fix. Nothing in
this package performs I/O or imports httpx or hvac.
"""

# Submodules load on first use (PEP 562): `mosaic promote` needs digests and tags, not
# Vault paths or commit messages.
from __future__ import annotations

from typing import TYPE_CHECKING

from mosaic_sdk._core._lazy import lazy_exports

if TYPE_CHECKING:
    from mosaic_sdk.values._commit import COMMIT_TYPES, SUBJECT_MAX_LENGTH, CommitMessage
    from mosaic_sdk.values._digest import Digest
    from mosaic_sdk.values._environment import Environment
    from mosaic_sdk.values._image import DEFAULT_DOMAIN, ImageReference
    from mosaic_sdk.values._tag import (
        ENVIRONMENT_TAGS,
        FORBIDDEN_TAGS,
        SLOT_TAGS,
        ImageTag,
        TagKind,
        is_signature_tag,
        signature_subject,
    )
    from mosaic_sdk.values._vault import (
        CONNECTION_FIELDS,
        CREDENTIAL_FIELDS,
        FIELD_ALIASES,
        OAUTH_FIELDS,
        STANDARD_FIELDS,
        TOKEN_FIELDS,
        VaultPath,
        VaultPaths,
        validate_field_name,
        validate_fields,
    )

_LAZY: dict[str, str] = {
    "COMMIT_TYPES": "mosaic_sdk.values._commit",
    "SUBJECT_MAX_LENGTH": "mosaic_sdk.values._commit",
    "CommitMessage": "mosaic_sdk.values._commit",
    "Digest": "mosaic_sdk.values._digest",
    "Environment": "mosaic_sdk.values._environment",
    "DEFAULT_DOMAIN": "mosaic_sdk.values._image",
    "ImageReference": "mosaic_sdk.values._image",
    "ENVIRONMENT_TAGS": "mosaic_sdk.values._tag",
    "FORBIDDEN_TAGS": "mosaic_sdk.values._tag",
    "SLOT_TAGS": "mosaic_sdk.values._tag",
    "ImageTag": "mosaic_sdk.values._tag",
    "TagKind": "mosaic_sdk.values._tag",
    "is_signature_tag": "mosaic_sdk.values._tag",
    "signature_subject": "mosaic_sdk.values._tag",
    "CONNECTION_FIELDS": "mosaic_sdk.values._vault",
    "CREDENTIAL_FIELDS": "mosaic_sdk.values._vault",
    "FIELD_ALIASES": "mosaic_sdk.values._vault",
    "OAUTH_FIELDS": "mosaic_sdk.values._vault",
    "STANDARD_FIELDS": "mosaic_sdk.values._vault",
    "TOKEN_FIELDS": "mosaic_sdk.values._vault",
    "VaultPath": "mosaic_sdk.values._vault",
    "VaultPaths": "mosaic_sdk.values._vault",
    "validate_field_name": "mosaic_sdk.values._vault",
    "validate_fields": "mosaic_sdk.values._vault",
}

__all__ = [
    "COMMIT_TYPES",
    "CommitMessage",
    "CONNECTION_FIELDS",
    "CREDENTIAL_FIELDS",
    "DEFAULT_DOMAIN",
    "Digest",
    "Environment",
    "ENVIRONMENT_TAGS",
    "FIELD_ALIASES",
    "FORBIDDEN_TAGS",
    "ImageReference",
    "ImageTag",
    "is_signature_tag",
    "OAUTH_FIELDS",
    "signature_subject",
    "SLOT_TAGS",
    "STANDARD_FIELDS",
    "SUBJECT_MAX_LENGTH",
    "TagKind",
    "TOKEN_FIELDS",
    "validate_field_name",
    "validate_fields",
    "VaultPath",
    "VaultPaths",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
