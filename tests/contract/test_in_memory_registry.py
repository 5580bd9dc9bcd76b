"""``mosaic_sdk.testing.InMemoryRegistry`` passes the same conformance suite as the real
backends, so unit tests of workflows written against it hold on OCILayout and on
docker-registry too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mosaic_sdk.registry import ImageRegistry
from mosaic_sdk.testing import InMemoryRegistry
from tests.contract.test_image_registry import ImageRegistryContract


class TestInMemoryRegistry(ImageRegistryContract):
    @pytest.fixture
    def image_registry(self) -> Iterator[ImageRegistry]:
        registry = InMemoryRegistry()
        yield registry
        registry.close()
