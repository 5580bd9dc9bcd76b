"""Pure, I/O-free value types: environments, Vault paths, digests, image references,
image tags and commit messages.

Every type is a frozen attrs class (or an enum). Text is read with ``X.parse(text)``
and written with ``str(x)``; the two round-trip. Invalid input raises
:class:`~mosaic_sdk.errors.InvalidValueError` naming the value and the fix. Nothing in
this package performs I/O or imports httpx or hvac.
"""

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
