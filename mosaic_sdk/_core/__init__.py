"""Leaf pieces every layer of mosaic_sdk uses: redaction, the correlation context and the
concurrency twins the generated synchronous code maps to.

Nothing here imports another part of mosaic_sdk (``make lint`` checks it with
import-linter): :mod:`mosaic_sdk.errors` redacts its messages with :mod:`._redact`, and
the HTTP core reads the correlation id from :mod:`._context`.
"""
