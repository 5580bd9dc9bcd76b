"""TLS contexts, built once per setting and shared by every client.

Building an :class:`ssl.SSLContext` loads the whole CA bundle (``load_verify_locations``):
20-30 ms on an idle machine, several hundred under load. httpx builds one for every client
it creates, and the SDK creates clients often (each post-deploy check, each registry or
provider client), so an asyncio service would stall its event loop that long each time.
:func:`tls_context` builds the context for a ``verify`` setting once and hands the same one
out afterwards (an :class:`ssl.SSLContext` is safe to share between connections and
threads); the asynchronous client calls it in a worker thread the first time.

The cache key holds what the context was built from: the setting, the CA bundle's path,
size and modification time, and the ``SSL_CERT_FILE``/``SSL_CERT_DIR`` variables httpx
reads, so a rotated bundle or a changed environment builds a fresh context.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import ssl
import threading

import httpx

__all__ = ["cached_tls_context", "prepare_async_transport", "tls_context"]

_Key = tuple[object, ...]
_lock = threading.Lock()
_contexts: dict[_Key, ssl.SSLContext] = {}


def _key(verify: bool | str) -> _Key:
    env = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    if isinstance(verify, str):
        try:
            stat = os.stat(verify)
        except OSError:
            return (verify, None, None, *env)
        return (verify, stat.st_size, stat.st_mtime_ns, *env)
    return (verify, *env)


def cached_tls_context(verify: bool | str) -> ssl.SSLContext | bool | None:
    """The context for ``verify`` when it costs nothing: ``False`` for no verification,
    the cached context, or ``None`` when it has yet to be built (:func:`tls_context`)."""
    if verify is False:
        return False
    with _lock:
        return _contexts.get(_key(verify))


def tls_context(verify: bool | str) -> ssl.SSLContext | bool:
    """The shared context for ``verify`` (``True``: the default CA bundle, or a bundle
    path); ``False`` stays ``False``. Raises what :mod:`ssl` raises for a bad bundle."""
    if verify is False:
        return False
    key = _key(verify)
    with _lock:
        found = _contexts.get(key)
    if found is not None:
        return found
    if isinstance(verify, str):
        context = (
            ssl.create_default_context(capath=verify)
            if os.path.isdir(verify)
            else ssl.create_default_context(cafile=verify)
        )
    else:
        context = httpx.create_ssl_context(verify=True)
    with _lock:
        return _contexts.setdefault(key, context)


def prepare_async_transport(verify: bool | str) -> ssl.SSLContext | bool:
    """:func:`tls_context`, and the modules an asynchronous httpx client imports on its
    first request (httpcore, its anyio backend, h11): called in a worker thread before
    the first asynchronous client of a process is built, so that work (a few hundred
    milliseconds on a loaded machine) never runs on the event loop."""
    context = tls_context(verify)
    for name in ("httpcore", "h11", "anyio", "httpcore._backends.anyio"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    return context
