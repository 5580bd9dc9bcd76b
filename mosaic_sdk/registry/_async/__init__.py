"""The registry client's source: written once, asynchronous; ``_sync/`` is generated."""
