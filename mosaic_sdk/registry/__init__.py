"""Image registries: the OCI distribution API and on-disk OCI image layouts behind one
Protocol.

* :class:`ImageRegistry` / :class:`AsyncImageRegistry`: the Protocols workflows depend on.
* :class:`Manifest`, :class:`Descriptor`, :class:`Platform`, :class:`TagList`: frozen
  models; a manifest keeps its exact bytes, so its digest never changes.
"""

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
from mosaic_sdk.registry._protocol import AsyncImageRegistry, ImageRegistry

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
    "AsyncImageRegistry",
    "Descriptor",
    "ImageRegistry",
    "Manifest",
    "Platform",
    "TagList",
    "sha256_digest",
]
