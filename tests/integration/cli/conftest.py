"""The ``mosaic`` command fixtures (tests/_support/cli_fixtures.py)."""

from tests._support.cli_fixtures import *  # noqa: F403
