"""The observability package's I/O, written once as asynchronous source.

``scripts/gen_sync.py`` (``make generate``) writes the synchronous twin of every module
here; the I/O-free parts they share stay in plain modules one level up.
"""
