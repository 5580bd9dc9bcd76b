"""The Coolify client and deployment target, written once as asynchronous source.

``scripts/gen_sync.py`` (``make generate``) writes the synchronous twin of every module
here; request building and answer parsing stay I/O-free in ``_requests.py``.
"""
