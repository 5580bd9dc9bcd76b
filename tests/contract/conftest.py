"""Fixtures for the Protocol conformance suites."""

from tests._support.registry_fixtures import registry_server, repo, rng  # noqa: F401 - fixtures
