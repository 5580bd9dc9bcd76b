"""The Vercel client and deployment target, written once (``_sync/`` is generated)."""
