"""Image registries: the OCI distribution API and on-disk OCI image layouts behind one
Protocol.

* :class:`ImageRegistry` / :class:`AsyncImageRegistry`: the Protocols workflows depend on.
* :class:`RegistryClient` / :class:`AsyncRegistryClient`: the OCI distribution API
  (``/v2/``), with Basic and Bearer-token auth.
* :class:`OCILayout` / :class:`AsyncOCILayout`: OCI image layout directories on disk,
  one per repository (what ``skopeo copy ... oci:<dir>:<tag>`` reads and writes).
* :class:`BlobCache`: a verified, content-addressed folder of image configs that lets
  repeated retention plans skip the config reads.
* :func:`open_registry` picks one from a URL or path; :func:`copy_image` copies between
  any two; :func:`as_async_registry` gives the async registry of either kind.
* :func:`attach_artifact` / :func:`list_referrers` (and the ``a``-prefixed async twins):
  OCI 1.1 artifacts attached to a digest, through the referrers API where the registry
  has it and the referrers tag schema (``sha256-<hex>``) where it does not.
* :class:`Manifest`, :class:`Descriptor`, :class:`Platform`, :class:`TagList`: frozen
  models; a manifest keeps its exact bytes, so its digest never changes.
"""

# Submodules load on first use (PEP 562): `mosaic promote` with a RegistryClient must not
# pay for the async client, the OCI layout or the blob cache.
from __future__ import annotations

from typing import TYPE_CHECKING

from mosaic_sdk._core._lazy import lazy_exports

if TYPE_CHECKING:
    from mosaic_sdk.registry._adapters import AsyncOCILayout, as_async_registry
    from mosaic_sdk.registry._async.client import AsyncRegistryClient
    from mosaic_sdk.registry._async.referrers import aattach_artifact, alist_referrers
    from mosaic_sdk.registry._auth import Challenge, parse_challenge
    from mosaic_sdk.registry._cache import BlobCache, default_cache_directory
    from mosaic_sdk.registry._layout import OCILayout
    from mosaic_sdk.registry._models import (
        ACCEPT_MANIFEST_TYPES,
        ANNOTATION_CREATED,
        ANNOTATION_REF_NAME,
        DOCKER_CONFIG,
        DOCKER_LAYER_GZIP,
        DOCKER_MANIFEST_LIST,
        DOCKER_MANIFEST_V2,
        INDEX_MEDIA_TYPES,
        MANIFEST_MEDIA_TYPES,
        OCI_CONFIG,
        OCI_EMPTY,
        OCI_INDEX,
        OCI_LAYER_GZIP,
        OCI_MANIFEST,
        Descriptor,
        Manifest,
        Platform,
        TagList,
        sha256_digest,
    )
    from mosaic_sdk.registry._names import validate_repository, validate_tag
    from mosaic_sdk.registry._open import (
        copy_image,
        layout_root,
        open_async_registry,
        open_registry,
    )
    from mosaic_sdk.registry._ops import oci_error_message
    from mosaic_sdk.registry._protocol import (
        ArtifactRegistry,
        AsyncArtifactRegistry,
        AsyncImageRegistry,
        ImageRegistry,
    )
    from mosaic_sdk.registry._referrers import artifact_manifest, referrers_tag
    from mosaic_sdk.registry._sync.client import RegistryClient
    from mosaic_sdk.registry._sync.referrers import attach_artifact, list_referrers

_LAZY: dict[str, str] = {
    "AsyncOCILayout": "mosaic_sdk.registry._adapters",
    "as_async_registry": "mosaic_sdk.registry._adapters",
    "AsyncRegistryClient": "mosaic_sdk.registry._async.client",
    "aattach_artifact": "mosaic_sdk.registry._async.referrers",
    "alist_referrers": "mosaic_sdk.registry._async.referrers",
    "Challenge": "mosaic_sdk.registry._auth",
    "parse_challenge": "mosaic_sdk.registry._auth",
    "BlobCache": "mosaic_sdk.registry._cache",
    "default_cache_directory": "mosaic_sdk.registry._cache",
    "OCILayout": "mosaic_sdk.registry._layout",
    "ACCEPT_MANIFEST_TYPES": "mosaic_sdk.registry._models",
    "ANNOTATION_CREATED": "mosaic_sdk.registry._models",
    "ANNOTATION_REF_NAME": "mosaic_sdk.registry._models",
    "DOCKER_CONFIG": "mosaic_sdk.registry._models",
    "DOCKER_LAYER_GZIP": "mosaic_sdk.registry._models",
    "DOCKER_MANIFEST_LIST": "mosaic_sdk.registry._models",
    "DOCKER_MANIFEST_V2": "mosaic_sdk.registry._models",
    "INDEX_MEDIA_TYPES": "mosaic_sdk.registry._models",
    "MANIFEST_MEDIA_TYPES": "mosaic_sdk.registry._models",
    "OCI_CONFIG": "mosaic_sdk.registry._models",
    "OCI_EMPTY": "mosaic_sdk.registry._models",
    "OCI_INDEX": "mosaic_sdk.registry._models",
    "OCI_LAYER_GZIP": "mosaic_sdk.registry._models",
    "OCI_MANIFEST": "mosaic_sdk.registry._models",
    "Descriptor": "mosaic_sdk.registry._models",
    "Manifest": "mosaic_sdk.registry._models",
    "Platform": "mosaic_sdk.registry._models",
    "TagList": "mosaic_sdk.registry._models",
    "sha256_digest": "mosaic_sdk.registry._models",
    "validate_repository": "mosaic_sdk.registry._names",
    "validate_tag": "mosaic_sdk.registry._names",
    "copy_image": "mosaic_sdk.registry._open",
    "layout_root": "mosaic_sdk.registry._open",
    "open_async_registry": "mosaic_sdk.registry._open",
    "open_registry": "mosaic_sdk.registry._open",
    "oci_error_message": "mosaic_sdk.registry._ops",
    "ArtifactRegistry": "mosaic_sdk.registry._protocol",
    "AsyncArtifactRegistry": "mosaic_sdk.registry._protocol",
    "AsyncImageRegistry": "mosaic_sdk.registry._protocol",
    "ImageRegistry": "mosaic_sdk.registry._protocol",
    "artifact_manifest": "mosaic_sdk.registry._referrers",
    "referrers_tag": "mosaic_sdk.registry._referrers",
    "RegistryClient": "mosaic_sdk.registry._sync.client",
    "attach_artifact": "mosaic_sdk.registry._sync.referrers",
    "list_referrers": "mosaic_sdk.registry._sync.referrers",
}

__all__ = [
    "ACCEPT_MANIFEST_TYPES",
    "ANNOTATION_CREATED",
    "ANNOTATION_REF_NAME",
    "DOCKER_CONFIG",
    "DOCKER_LAYER_GZIP",
    "DOCKER_MANIFEST_LIST",
    "DOCKER_MANIFEST_V2",
    "INDEX_MEDIA_TYPES",
    "MANIFEST_MEDIA_TYPES",
    "OCI_CONFIG",
    "OCI_EMPTY",
    "OCI_INDEX",
    "OCI_LAYER_GZIP",
    "OCI_MANIFEST",
    "ArtifactRegistry",
    "AsyncArtifactRegistry",
    "AsyncImageRegistry",
    "AsyncOCILayout",
    "AsyncRegistryClient",
    "BlobCache",
    "Challenge",
    "Descriptor",
    "ImageRegistry",
    "Manifest",
    "OCILayout",
    "Platform",
    "RegistryClient",
    "TagList",
    "aattach_artifact",
    "alist_referrers",
    "artifact_manifest",
    "as_async_registry",
    "attach_artifact",
    "copy_image",
    "default_cache_directory",
    "layout_root",
    "list_referrers",
    "oci_error_message",
    "open_async_registry",
    "open_registry",
    "parse_challenge",
    "referrers_tag",
    "sha256_digest",
    "validate_repository",
    "validate_tag",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
