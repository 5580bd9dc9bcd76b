"""Budgets and locks, written once: asynchronous source; ``_sync/`` is generated."""
