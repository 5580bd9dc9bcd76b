"""The HTTP core's send loop: written once, asynchronous; ``_sync/`` is generated."""
