"""``--lock SPEC``, ``--lock-ttl``, ``--lock-wait``: the deployment lock a command shares
with other pipelines (:class:`~mosaic_sdk.DeploymentLock`).

``SPEC`` is ``file:PATH`` (the processes of one machine) or a ``redis://``/``rediss://``
URL (many machines), given with ``--lock`` or ``$MOSAIC_LOCK``. A Redis password never
goes on the command line (``refuse_credentials_in_urls`` refuses it there): it comes with
the whole URL in ``$MOSAIC_LOCK``, or from ``$MOSAIC_LOCK_PASSWORD`` or
``--lock-password-file``. Nothing here imports the lock before a command asks for one.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
from collections.abc import Iterator
from typing import Any

from mosaic_sdk.cli._common import _CREDENTIAL_HOMES, UsageError, read_secret

__all__ = ["add_lock_options", "lock_from_args", "lock_refusals"]

#: Where the password of a ``--lock`` Redis URL goes instead of the command line.
LOCK_CREDENTIALS = _CREDENTIAL_HOMES["lock"]

_FIX = (
    "write file:PATH (a state file shared by the processes of this machine, e.g. "
    "file:/var/lib/mosaic/deploy.locks) or redis://HOST:PORT/DB (rediss:// for TLS; shared "
    f"by many machines, the password in {LOCK_CREDENTIALS})"
)


def add_lock_options(parser: argparse.ArgumentParser, what: str) -> None:
    """``--lock``, ``--lock-ttl``, ``--lock-wait`` and ``--lock-password-file``; ``what``
    (lines of at most 88 characters) says which keys the command holds."""
    group = parser.add_argument_group(
        "lock",
        f"{what}\n"
        "Another run holding a key makes the command stop before it writes (exit code 1),\n"
        "naming the key, the holder and when its lease expires; --lock-wait queues behind it.",
    )
    group.add_argument(
        "--lock",
        metavar="SPEC",
        help="file:PATH (this machine) or redis://HOST:PORT/DB, rediss://... (many "
        "machines) (default: $MOSAIC_LOCK)",
    )
    group.add_argument(
        "--lock-ttl",
        metavar="DURATION",
        help="how long a lease lasts unless renewed, e.g. 10m; a crashed run frees the "
        "keys after this long (default: the SDK's, 5m)",
    )
    group.add_argument(
        "--lock-wait",
        metavar="DURATION",
        help="wait this long for a held key before giving up, e.g. 2m (default: 0, fail at once)",
    )
    group.add_argument(
        "--lock-password-file",
        metavar="FILE",
        help="file holding the Redis password ('-' reads stdin; default: $MOSAIC_LOCK_PASSWORD)",
    )


def _seconds(text: str, option: str, *, zero: bool) -> float:
    """A Prometheus duration (``90s``, ``10m``) or a number of seconds."""
    from mosaic_sdk.errors import InvalidValueError
    from mosaic_sdk.observability import parse_duration

    value = text.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            return parse_duration(value).total_seconds()
        except InvalidValueError:
            pass
    else:
        if math.isfinite(seconds) and (seconds > 0 or (zero and seconds == 0)):
            return seconds
    least = "0 or more" if zero else "more than 0"
    raise InvalidValueError(
        text,
        f"{option} is not a duration of {least} seconds",
        "write a number of seconds or a number and a unit, e.g. '90s', '10m' or '1h'",
    )


def _redis_url(spec: str, option: str, args: argparse.Namespace) -> str:
    """``spec`` with the password of ``$MOSAIC_LOCK_PASSWORD``/``--lock-password-file``
    when it has none of its own."""
    from urllib.parse import quote, urlsplit, urlunsplit

    from mosaic_sdk._core._redact import register_url_secrets
    from mosaic_sdk.coordination._redis import shown_url
    from mosaic_sdk.errors import InvalidValueError

    register_url_secrets(spec)
    password = read_secret(
        env_var="MOSAIC_LOCK_PASSWORD", file=args.lock_password_file, what="lock password"
    )
    parts = urlsplit(spec)
    problem = "" if parts.hostname else "names no Redis host"
    try:
        parts.port  # noqa: B018 - reading it parses the port
    except ValueError:
        problem = "has no valid port"
    if problem:
        raise InvalidValueError(
            shown_url(spec), f"{option} {problem}", "write redis://HOST:PORT/DB"
        )
    if password is None or parts.password is not None:
        return spec
    user, _, host = parts.netloc.rpartition("@")  # a user name stays as written
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


def lock_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~mosaic_sdk.DeploymentLock` of ``--lock`` (or ``$MOSAIC_LOCK``), or
    ``None`` when neither is given.

    Raises:
        InvalidValueError: a spec that is neither ``file:PATH`` nor a Redis URL, or a
            ``--lock-ttl``/``--lock-wait`` that is not a duration (exit code 2).
        ConfigurationError: the state file's directory does not exist; the password
            file cannot be read (exit code 2).
        UsageError: ``--lock-ttl``, ``--lock-wait`` or ``--lock-password-file``
            without a lock.
    """
    from mosaic_sdk.errors import ConfigurationError, InvalidValueError

    spec = (args.lock or os.environ.get("MOSAIC_LOCK") or "").strip()
    option = "--lock" if args.lock else "$MOSAIC_LOCK"
    if not spec:
        given = [
            option
            for option, value in (
                ("--lock-ttl", args.lock_ttl),
                ("--lock-wait", args.lock_wait),
                ("--lock-password-file", args.lock_password_file),
            )
            if value is not None
        ]
        if given:
            verb = "configure" if len(given) > 1 else "configures"
            raise UsageError(
                f"{' and '.join(given)} {verb} the deployment lock, which needs "
                "--lock file:PATH or --lock redis://HOST:PORT/DB (or $MOSAIC_LOCK)"
            )
        return None
    settings: dict[str, Any] = {}
    if args.lock_ttl is not None:
        settings["ttl"] = _seconds(args.lock_ttl, "--lock-ttl", zero=False)
    if args.lock_wait is not None:
        settings["wait"] = _seconds(args.lock_wait, "--lock-wait", zero=True)
    actor = getattr(args, "actor", None) or os.environ.get("MOSAIC_ACTOR")
    if actor and actor.strip():
        settings["label"] = actor.strip()
    from mosaic_sdk.coordination import DeploymentLock

    scheme, colon, rest = spec.partition(":")
    if colon and scheme.lower() == "file":
        from pathlib import Path

        if args.lock_password_file is not None:
            raise UsageError("--lock-password-file is for a redis:// lock; a file: lock has none")
        if not rest or Path(rest).name in ("", ".", "..") or Path(rest).is_dir():
            raise InvalidValueError(spec, f"{option} names no state file", _FIX)
        folder = Path(rest).parent
        if not folder.is_dir():
            raise ConfigurationError(
                f"{option} {spec!r}: the folder {str(folder)!r} does not exist; create it, or "
                "name a state file in an existing folder that every pipeline of this "
                "machine can write"
            )
        return DeploymentLock.file(rest, **settings)
    if colon and scheme.lower() in ("redis", "rediss") and rest.startswith("//"):
        return DeploymentLock.redis(_redis_url(spec, option, args), **settings)
    from mosaic_sdk._core._redact import register_url_secrets, sanitize_url

    register_url_secrets(spec)
    raise InvalidValueError(sanitize_url(spec), f"{option} is not a lock spec", _FIX)


@contextlib.contextmanager
def lock_refusals(lock: Any) -> Iterator[None]:
    """Close ``lock`` on the way out, and say a held key in command-line terms: the
    library's message speaks of ``wait=``, the command line of ``--lock-wait``."""
    from mosaic_sdk.errors import LockHeldError

    if lock is None:
        yield
        return
    try:
        with contextlib.closing(lock):
            yield
    except LockHeldError as exc:
        raise LockHeldError(
            held_message(exc, lock.wait), key=exc.key, holder=exc.holder,
            expires_in=exc.expires_in, backend=exc.backend,
        ) from None  # fmt: skip


def held_message(exc: Any, waited: float) -> str:
    """Who holds ``exc.key``, until when, and what to do; nothing was changed."""
    from datetime import datetime, timedelta, timezone

    until = datetime.now(timezone.utc) + timedelta(seconds=exc.expires_in)
    waited_text = f"waited {waited:g} s; " if waited else ""
    return (
        f"{exc.key} is locked by {exc.holder}, whose lease expires in "
        f"{exc.expires_in:.1f} s (at {until:%Y-%m-%dT%H:%M:%SZ}) unless renewed; "
        f"{waited_text}nothing was changed. Let that run finish, queue behind it with "
        "--lock-wait DURATION, or, if the holder crashed, run again once its lease expired"
    )
