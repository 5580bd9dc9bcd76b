"""JSON log lines on the standard :mod:`logging` module, with correlation ids and redaction.

Nothing here replaces :mod:`logging`: the SDK logs through ordinary loggers named
``mosaic_sdk.*``, and this module only provides a handler set-up
(:func:`configure_logging`) plus the building blocks it is made of, so a host
application that already owns its logging can attach just the pieces it wants:

* :class:`CorrelationIdFilter` stamps each record with the current correlation id;
* :class:`RedactingFilter` masks secrets in the record itself, so every formatter and
  handler after it sees masked text;
* :class:`JSONFormatter` renders one JSON object per line; :class:`TextFormatter` a
  readable line with the same fields. Both redact on their own as well.
"""

from __future__ import annotations

import json as _json
import logging
import sys
import time
from collections.abc import Mapping
from typing import TextIO

from mosaic_sdk._core._context import get_correlation_id
from mosaic_sdk._core._redact import MASK, is_secret_key, learn_secrets, redact_text

__all__ = [
    "CorrelationIdFilter",
    "JSONFormatter",
    "RedactingFilter",
    "TextFormatter",
    "configure_logging",
]

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(
    {
        *logging.LogRecord("", 0, "", 0, "", (), None).__dict__,
        "message",
        "asctime",
        "taskName",  # Python 3.12+
        "correlation_id",
        "_mosaic_redacted",
    }
)
# Keys every JSON line starts with; extra fields never overwrite them.
_CORE_KEYS = ("time", "level", "logger", "message", "correlation_id")
_LEVEL_NAMES = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Marks the handler installed by configure_logging so a second call replaces it.
_HANDLER_MARK = "_mosaic_sdk_handler"
_MAX_DEPTH = 8


def _redact_value(key: str, value: object, depth: int = 0) -> object:
    """Return a JSON-friendly, redacted copy of an extra field value."""
    if is_secret_key(key):
        return MASK
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return redact_text(value)
    if depth >= _MAX_DEPTH:
        return redact_text(repr(value))
    if isinstance(value, Mapping):
        return {str(k): _redact_value(str(k), v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_redact_value("", item, depth + 1) for item in value]
    return redact_text(str(value))


def _extra_fields(record: logging.LogRecord) -> dict[str, object]:
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }


def _learn_from_record(record: logging.LogRecord) -> None:
    """Register the values of secret-named extra fields and mapping arguments first, so
    the same value is masked in this record's message and traceback, and in later ones."""
    extras = _extra_fields(record)
    if extras:
        learn_secrets(extras)
    if isinstance(record.args, Mapping):
        learn_secrets(record.args)


def _safe_message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a bad %-format must not turn a log call into a crash
        return f"{record.msg!s} (unformattable arguments: {len(record.args or ())})"


def _exception_text(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    # Not cached on the record: another handler must not pick up our rendering.
    if record.exc_text:
        return record.exc_text
    return formatter.formatException(record.exc_info) if record.exc_info else ""


def _timestamp(record: logging.LogRecord) -> str:
    """UTC ISO 8601 with milliseconds, e.g. ``2024-05-01T12:00:00.123Z``."""
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class CorrelationIdFilter(logging.Filter):
    """Set ``record.correlation_id`` to the current correlation id (``None`` outside one).

    Attach it to a handler; a record that already carries an id (for example one passed
    with ``extra={"correlation_id": ...}``) keeps it. Never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp ``record`` and let it through."""
        if getattr(record, "correlation_id", None) is None:
            record.correlation_id = get_correlation_id()
        return True


class RedactingFilter(logging.Filter):
    """Mask secrets in a log record before any formatter sees it.

    The message is rendered (``msg % args``), redacted with
    :func:`~mosaic_sdk.observability.redact_text` and stored back with no arguments;
    extra fields named like secrets are replaced by ``***`` and every other string is
    redacted; an attached traceback and stack are rendered and redacted too. The record is
    changed in place, so later handlers of the same record also get masked text. Never
    drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place and let it through."""
        if getattr(record, "_mosaic_redacted", False):
            return True
        _learn_from_record(record)
        record.msg = redact_text(_safe_message(record))
        record.args = None
        for key, value in _extra_fields(record).items():
            setattr(record, key, _redact_value(key, value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        record._mosaic_redacted = True
        return True


class JSONFormatter(logging.Formatter):
    """Render each record as one JSON object on one line.

    Keys, in order: ``time`` (UTC, ISO 8601 with milliseconds), ``level``, ``logger``,
    ``message``, ``correlation_id``, then every field passed with ``extra=`` (an extra
    named like a core key is emitted as ``extra.<name>``), then ``exception`` and
    ``stack`` when present. Values are redacted, non-JSON values are rendered with
    ``str()``; non-ASCII text is kept as is.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the JSON line for ``record`` (without a trailing newline)."""
        correlation = getattr(record, "correlation_id", None)
        # A record that went through RedactingFilter is already masked, with JSON-friendly
        # extras: do not pay for redaction twice.
        done = getattr(record, "_mosaic_redacted", False)
        if not done:
            _learn_from_record(record)
        message = _safe_message(record)
        payload: dict[str, object] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": message if done else redact_text(message),
            "correlation_id": correlation if correlation is not None else get_correlation_id(),
        }
        for key, value in _extra_fields(record).items():
            name = f"extra.{key}" if key in _CORE_KEYS else key
            payload[name] = value if done else _redact_value(key, value)
        exc_text = _exception_text(self, record)
        if exc_text:
            payload["exception"] = redact_text(exc_text)
        if record.stack_info:
            payload["stack"] = redact_text(self.formatStack(record.stack_info))
        return _json.dumps(payload, ensure_ascii=False, default=lambda o: redact_text(str(o)))


class TextFormatter(logging.Formatter):
    """Render a record as a readable line with the same fields as :class:`JSONFormatter`.

    ``2024-05-01T12:00:00.123Z INFO     mosaic_sdk.vault [deploy-42] read secret path=...``
    Extra fields follow as ``key=value``; the whole line is redacted.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the text line for ``record`` (tracebacks on the following lines)."""
        correlation = getattr(record, "correlation_id", None) or get_correlation_id() or "-"
        _learn_from_record(record)
        parts = [
            _timestamp(record),
            f"{record.levelname:<8}",
            record.name,
            f"[{correlation}]",
            _safe_message(record),
        ]
        parts.extend(
            f"{key}={_redact_value(key, value)}" for key, value in _extra_fields(record).items()
        )
        line = " ".join(parts)
        exc_text = _exception_text(self, record)
        if exc_text:
            line += "\n" + exc_text
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return redact_text(line)


def _level_number(level: int | str) -> int:
    if isinstance(level, bool) or not isinstance(level, (int, str)):
        raise _invalid_level(level)
    if isinstance(level, int):
        if level < 0:
            raise _invalid_level(level)
        return level
    name = level.strip().upper()
    if name == "WARN":
        name = "WARNING"
    if name not in _LEVEL_NAMES:
        raise _invalid_level(level)
    return int(getattr(logging, name))


def _invalid_level(level: object) -> Exception:
    from mosaic_sdk.errors import InvalidValueError

    return InvalidValueError(
        level,
        "is not a logging level",
        f"use one of {', '.join(_LEVEL_NAMES)} or a non-negative integer such as logging.INFO",
    )


def _invalid_option(value: object, option: str, fix: str) -> Exception:
    from mosaic_sdk.errors import InvalidValueError

    return InvalidValueError(value, f"is not a valid {option} for configure_logging", fix)


def configure_logging(
    *,
    json: bool = True,
    level: int | str = "INFO",
    logger: str | logging.Logger | None = None,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send log records to ``stream`` as JSON lines (or text), with ids and redaction.

    Adds one :class:`logging.StreamHandler` carrying :class:`CorrelationIdFilter`,
    :class:`RedactingFilter` and :class:`JSONFormatter` (or :class:`TextFormatter`)
    to ``logger`` and sets that logger's level. Other handlers are left alone, so this
    composes with the host application's logging; calling it again replaces the handler
    it installed before instead of adding a second one.

    Args:
        json: one JSON object per line when true, a readable text line otherwise.
        level: minimum level, by name (``"DEBUG"``, ``"info"``...) or number.
        logger: the logger to configure, by name or object; the root logger by default,
            so every library's records get the same format. Pass ``"mosaic_sdk"`` to
            format only the SDK's own records.
        stream: where lines go; ``sys.stderr`` by default.

    Returns:
        The installed handler, for the caller to remove or adjust.

    Raises:
        InvalidValueError: ``level`` is not a level name or a non-negative integer, or
            ``json``, ``logger`` or ``stream`` has the wrong type.
    """
    number = _level_number(level)
    if not isinstance(json, bool):
        raise _invalid_option(json, "json=", "pass True for JSON lines or False for text")
    if logger is not None and not isinstance(logger, (str, logging.Logger)):
        raise _invalid_option(logger, "logger=", "pass a logger name, a Logger, or None for root")
    if stream is not None and not callable(getattr(stream, "write", None)):
        raise _invalid_option(stream, "stream=", "pass a text stream such as sys.stdout")
    target = logger if isinstance(logger, logging.Logger) else logging.getLogger(logger)
    for existing in list(target.handlers):
        if getattr(existing, _HANDLER_MARK, False):
            target.removeHandler(existing)
            existing.close()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(CorrelationIdFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JSONFormatter() if json else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    target.addHandler(handler)
    target.setLevel(number)
    return handler
