"""The HAProxy runtime client and splitter, written once (``_sync/`` is generated)."""
