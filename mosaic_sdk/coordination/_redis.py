"""Redis for budgets and locks shared by many machines: URL checks, connections, scripts.

Every change is one Lua script (``EVAL``), so it is atomic on the server: no other
client's command runs between its reads and writes. Times come from the Redis server
(``TIME``, ``PX`` expiries), so the clocks of the machines sharing a key never need to
agree. Keys carry a hash tag (``mosaic:rate:{KEY}:log``) so the keys of one budget or
lock live on one node of a Redis Cluster too.

The URL's password is registered with the redactor when the URL is first seen, and only
:func:`shown_url` (no userinfo, no query) is ever put in a repr, a log line or an error.
redis-py is an optional dependency (``pip install 'mosaic_sdk[redis]'``); it is imported
only when a Redis backend is created.
"""

from __future__ import annotations

import re
import threading
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mosaic_sdk._core._redact import register_url_secrets, sanitize_url
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk.errors import CoordinationUnavailableError, InvalidValueError

if TYPE_CHECKING:
    import asyncio

    import redis
    import redis.asyncio

__all__ = [
    "ACQUIRE",
    "CORRECT",
    "RELEASE",
    "RENEW",
    "RESERVE",
    "AsyncRedisConnections",
    "RedisConnections",
    "check_key",
    "check_redis_url",
    "shown_url",
]

_SCHEMES = ("redis", "rediss", "unix")
#: What a script argument may be.
Arg = str | int | float
_KEY = re.compile(r"[^\s{}]{1,200}")
# Seconds a command may take before the backend counts as unavailable.
DEFAULT_REDIS_TIMEOUT = 5.0


def check_redis_url(url: object) -> str:
    """``url`` when it is a Redis URL (``redis://``, ``rediss://``, ``unix://``); its
    password is registered with the redactor first, so no message can show it."""
    if not isinstance(url, str) or not url:
        raise InvalidValueError(
            type(url).__name__ if not isinstance(url, str) else url,
            "is not a Redis URL",
            "pass text like 'redis://:PASSWORD@redis.internal:6379/0'",
        )
    register_url_secrets(url)
    scheme = urlsplit(url).scheme
    if scheme not in _SCHEMES:
        raise InvalidValueError(
            shown_url(url),
            f"is not a Redis URL (scheme {scheme!r})",
            "use redis://HOST:PORT/DB, rediss:// for TLS, or unix:///path/to/redis.sock",
        )
    return url


def shown_url(url: str) -> str:
    """The URL as it may be shown: no user, no password, no query string."""
    return sanitize_url(url).split("?", 1)[0]


def check_key(key: object, what: str) -> str:
    """``key`` when it names a budget or lock: 1-200 characters, no space or brace."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidValueError(
            key if isinstance(key, str) else type(key).__name__,
            f"is not a {what} key (1-200 characters, no spaces or braces)",
            "name the allowance or the service, e.g. 'coolify:team-a' or 'team/app:prod'",
        )
    return key


def _import_redis() -> Any:
    try:
        import redis
        import redis.asyncio
    except ImportError:
        raise CoordinationUnavailableError(
            "the Redis backend needs redis-py; install it with pip install 'mosaic_sdk[redis]'",
            backend="redis",
        ) from None
    return redis


def _unavailable(url: str, exc: BaseException) -> CoordinationUnavailableError:
    return CoordinationUnavailableError(
        f"Redis at {shown_url(url)} is unavailable ({type(exc).__name__}: {exc}); check "
        "that it runs and that the URL's password and database are right",
        backend="redis",
    )


def _reply(value: Any) -> Any:
    """Script replies as text (redis-py returns bytes unless decoding is on)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [_reply(v) for v in value]
    return value


class RedisConnections:
    """One blocking redis-py client (a thread-safe connection pool), made on first use."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_REDIS_TIMEOUT) -> None:
        self.url = check_redis_url(url)
        self.timeout = timeout
        self._client: redis.Redis | None = None
        self._guard = threading.Lock()

    @safe_repr
    def __repr__(self) -> str:
        return f"RedisConnections({shown_url(self.url)!r})"

    def _get(self) -> redis.Redis:
        with self._guard:
            if self._client is None:
                module = _import_redis()
                try:
                    self._client = module.Redis.from_url(
                        self.url,
                        socket_timeout=self.timeout,
                        socket_connect_timeout=self.timeout,
                    )
                except (ValueError, module.RedisError) as exc:
                    raise _unavailable(self.url, exc) from None
            return self._client

    def eval(self, script: str, keys: list[str], args: list[Arg]) -> Any:
        """Run ``script`` atomically on the server; its reply with bytes decoded."""
        client = self._get()
        module = _import_redis()
        try:
            return _reply(client.eval(script, len(keys), *keys, *args))
        except module.RedisError as exc:
            raise _unavailable(self.url, exc) from None

    def close(self) -> None:
        """Close the connection pool (a later call connects again)."""
        with self._guard:
            client, self._client = self._client, None
        if client is not None:
            client.close()


class AsyncRedisConnections:
    """One ``redis.asyncio`` client per running event loop, made on first use there.

    An asyncio connection belongs to the loop that opened it, while a budget or lock
    often outlives a loop (``asyncio.run`` twice, a notebook); each loop gets its own
    client. ``await aclose()`` closes the running loop's client.
    """

    def __init__(self, url: str, *, timeout: float = DEFAULT_REDIS_TIMEOUT) -> None:
        self.url = check_redis_url(url)
        self.timeout = timeout
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis] = (
            weakref.WeakKeyDictionary()
        )

    @safe_repr
    def __repr__(self) -> str:
        return f"AsyncRedisConnections({shown_url(self.url)!r})"

    def _get(self) -> redis.asyncio.Redis:
        import asyncio  # not at the top: blocking programs never load asyncio

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            module = _import_redis()
            try:
                client = module.asyncio.Redis.from_url(
                    self.url,
                    socket_timeout=self.timeout,
                    socket_connect_timeout=self.timeout,
                )
            except (ValueError, module.RedisError) as exc:
                raise _unavailable(self.url, exc) from None
            self._clients[loop] = client
        return client

    async def eval(self, script: str, keys: list[str], args: list[Arg]) -> Any:
        """Run ``script`` atomically on the server; its reply with bytes decoded."""
        client = self._get()
        module = _import_redis()
        try:
            return _reply(await client.eval(script, len(keys), *keys, *args))
        except module.RedisError as exc:
            raise _unavailable(self.url, exc) from None

    async def aclose(self) -> None:
        """Close the running loop's connection pool."""
        import asyncio

        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()


# -- scripts -----------------------------------------------------------------------------
#
# Lua numbers are doubles; a number returned to Redis is truncated to an integer, so
# fractional values are returned with tostring().

#: Book one request (``_window.book``). KEYS: log (sorted set of start times), meta
#: (hash: max, per, blocked, seq). ARGV: max_requests, per_seconds.
#: Reply: {"ok", delay} or {"conflict", max, per} when live bookings of other numbers exist.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local max = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
local n = redis.call('ZCARD', KEYS[1])
local meta = redis.call('HMGET', KEYS[2], 'max', 'per', 'blocked')
if n > 0 and meta[1] and (tonumber(meta[1]) ~= max or tonumber(meta[2]) ~= per) then
  return {'conflict', meta[1], meta[2]}
end
local blocked = tonumber(meta[3] or '0') or 0
local start = math.max(now, blocked)
if n >= max then
  local kth = redis.call('ZRANGE', KEYS[1], n - max, n - max, 'WITHSCORES')
  start = math.max(start, tonumber(kth[2]) + per)
end
if n > 0 then
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  start = math.max(start, tonumber(last[2]))
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('ZADD', KEYS[1], start, string.format('%.6f:%d', start, seq))
redis.call('HSET', KEYS[2], 'max', ARGV[1], 'per', ARGV[2])
local ttl = math.ceil((math.max(start, blocked) - now + per) * 1000) + 1000
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return {'ok', tostring(start - now)}
"""

#: Book what the server counted and the log did not (``_window.correct``). KEYS as for
#: RESERVE. ARGV: max_requests, per_seconds, remaining, wait (seconds, or "" for none).
CORRECT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local max = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local remaining = tonumber(ARGV[3])
local wait = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
local n = redis.call('ZCARD', KEYS[1])
local phantom = now
if wait then phantom = math.min(now, now + wait - per) end
local missing = math.floor(max - n - remaining)
if missing > 0 then
  local seq = redis.call('HINCRBY', KEYS[2], 'seq', missing)
  for i = 1, missing do
    redis.call('ZADD', KEYS[1], phantom, string.format('%.6f:%d', phantom, seq - i + 1))
  end
end
local blocked = tonumber(redis.call('HGET', KEYS[2], 'blocked') or '0') or 0
if remaining <= 0 and wait then
  blocked = math.max(blocked, now + wait)
  redis.call('HSET', KEYS[2], 'blocked', tostring(blocked))
end
local ttl = math.ceil((math.max(now, blocked) - now + per) * 1000) + 1000
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 'ok'
"""

#: Take a free lock. KEYS: lock (value "TOKEN HOLDER", expiring), fence (counter).
#: ARGV: holder, ttl_ms. Reply: {token, "", ttl_ms} taken, or {0, value, pttl} held.
ACQUIRE = """
local cur = redis.call('GET', KEYS[1])
if cur then
  return {0, cur, redis.call('PTTL', KEYS[1])}
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ' ' .. ARGV[1], 'PX', ARGV[2])
return {token, '', tonumber(ARGV[2])}
"""

#: Extend a lease that is still the key's newest. KEYS as for ACQUIRE. ARGV: token,
#: holder, ttl_ms. Reply: {1, token} renewed, or {0, newest token}.
RENEW = """
local want = ARGV[1] .. ' ' .. ARGV[2]
local cur = redis.call('GET', KEYS[1])
if cur == want then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, ARGV[1]}
end
local fence = redis.call('GET', KEYS[2]) or '0'
if (not cur) and fence == ARGV[1] then
  redis.call('SET', KEYS[1], want, 'PX', ARGV[3])
  return {1, ARGV[1]}
end
return {0, fence}
"""

#: Give a lease back. KEYS as for ACQUIRE. ARGV: token, holder. The fence moves on, so
#: the released lease can never be renewed. Reply: 1 released, 0 no longer held.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] .. ' ' .. ARGV[2] then
  redis.call('DEL', KEYS[1])
  redis.call('INCR', KEYS[2])
  return 1
end
return 0
"""
