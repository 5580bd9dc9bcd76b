"""``mosaic validate``, ``rollback``, ``target``, ``health`` and ``demo``."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the release workflow commands."""
