"""Shared fixtures for the whole suite."""

from __future__ import annotations

# Session-wide guard: captures every log record of the run and fails the run if a known
# secret appears in any line (see tests/_secret_guard.py).
pytest_plugins = ["_secret_guard"]
