"""The release workflows' I/O, written once (``scripts/gen_sync.py`` generates ``_sync/``)."""
