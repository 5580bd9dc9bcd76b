"""configure_logging, JSON/text formatters and the redacting filter."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.observability import (
    MASK,
    CorrelationIdFilter,
    JSONFormatter,
    RedactingFilter,
    TextFormatter,
    configure_logging,
    correlation_id,
    register_secret,
)

# Never logged raw by SDK code; only by these tests, through the redacting pieces.
ENGINE_SECRET = "s3cr3t-engine-value-7f1d"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """A logger 'mosaic_test.json' configured by configure_logging into a buffer."""
    buffer = io.StringIO()
    logger = logging.getLogger("mosaic_test.json")
    configure_logging(json=True, level="DEBUG", logger=logger, stream=buffer)
    yield buffer
    for handler in list(logger.handlers):
        logger.removeHandler(handler)


def _lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_one_json_object_per_line_with_core_fields(stream: io.StringIO) -> None:
    log = logging.getLogger("mosaic_test.json")
    log.info("deployed %s to %s", "api", "prod")
    log.debug("second")
    first, second = _lines(stream)
    assert list(first)[:5] == ["time", "level", "logger", "message", "correlation_id"]
    assert first["level"] == "INFO"
    assert first["logger"] == "mosaic_test.json"
    assert first["message"] == "deployed api to prod"
    assert first["correlation_id"] is None
    assert str(first["time"]).endswith("Z")
    assert second["level"] == "DEBUG"


def test_correlation_id_and_extra_fields(stream: io.StringIO) -> None:
    log = logging.getLogger("mosaic_test.json")
    with correlation_id("deploy-42"):
        log.info("step", extra={"service": "api", "attempt": 2, "tags": ["a", "b"], "level": "x"})
    (line,) = _lines(stream)
    assert line["correlation_id"] == "deploy-42"
    assert line["service"] == "api"
    assert line["attempt"] == 2
    assert line["tags"] == ["a", "b"]
    assert line["level"] == "INFO"
    assert line["extra.level"] == "x"


def test_secret_named_extras_and_registered_values_are_masked(stream: io.StringIO) -> None:
    register_secret(ENGINE_SECRET)
    log = logging.getLogger("mosaic_test.json")
    log.warning(
        "connecting with %s",
        ENGINE_SECRET,
        extra={
            "password": "hunter2-but-long",
            "headers": {"X-Vault-Token": "hvs.abcdefgh", "Accept": "json"},
            "url": "https://db?token=abc123&x=1",
            "note": f"value {ENGINE_SECRET} inside",
        },
    )
    raw = stream.getvalue()
    assert ENGINE_SECRET not in raw
    assert "hunter2-but-long" not in raw
    assert "hvs.abcdefgh" not in raw
    assert "abc123" not in raw
    (line,) = _lines(stream)
    assert line["message"] == f"connecting with {MASK}"
    assert line["password"] == MASK
    assert line["headers"] == {"X-Vault-Token": MASK, "Accept": "json"}
    assert line["note"] == f"value {MASK} inside"


def test_exception_tracebacks_are_included_and_redacted(stream: io.StringIO) -> None:
    register_secret(ENGINE_SECRET)
    log = logging.getLogger("mosaic_test.json")
    try:
        raise RuntimeError(f"failed with {ENGINE_SECRET}")
    except RuntimeError:
        log.exception("it broke")
    (line,) = _lines(stream)
    assert line["level"] == "ERROR"
    assert "RuntimeError: failed with ***" in str(line["exception"])
    assert ENGINE_SECRET not in stream.getvalue()


def test_reconfiguring_replaces_instead_of_duplicating(stream: io.StringIO) -> None:
    logger = logging.getLogger("mosaic_test.json")
    other = logging.StreamHandler(io.StringIO())
    logger.addHandler(other)
    second = io.StringIO()
    handler = configure_logging(json=False, level="info", logger="mosaic_test.json", stream=second)
    marked = [h for h in logger.handlers if h is not other]
    assert marked == [handler]
    assert other in logger.handlers  # the host's handler is left alone
    assert logger.level == logging.INFO
    logger.debug("hidden")
    logger.info("shown")
    assert stream.getvalue() == ""
    assert "shown" in second.getvalue()
    assert "hidden" not in second.getvalue()


def test_text_formatter_line() -> None:
    record = logging.LogRecord("mosaic.t", logging.INFO, __file__, 1, "hello %s", ("x",), None)
    record.service = "api"
    record.token = "tok-should-hide"
    with correlation_id("cid-1"):
        CorrelationIdFilter().filter(record)
    line = TextFormatter().format(record)
    assert " INFO     mosaic.t [cid-1] hello x service=api token=***" in line
    assert "tok-should-hide" not in line


def test_redacting_filter_changes_the_record_for_every_later_handler() -> None:
    register_secret(ENGINE_SECRET)
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "pw=%s then %s", (ENGINE_SECRET, "ok"), None
    )
    record.client_secret = "clientsecret-123"
    record.nested = {"api_key": "k-12345", "list": [ENGINE_SECRET]}
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "pw=*** then ok"
    assert record.__dict__["client_secret"] == MASK
    assert record.__dict__["nested"] == {"api_key": MASK, "list": [MASK]}
    # A plain formatter downstream sees only masked text.
    assert ENGINE_SECRET not in logging.Formatter("%(message)s").format(record)


def test_bad_format_arguments_do_not_raise() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s and %s", ("one",), None)
    assert RedactingFilter().filter(record) is True
    assert "unformattable" in record.getMessage()
    json.loads(JSONFormatter().format(record))


def test_non_json_values_are_rendered_as_text() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    record.when = object()
    record.path = __import__("pathlib").PurePosixPath("/tmp/a")
    payload = json.loads(JSONFormatter().format(record))
    assert payload["path"] == "/tmp/a"
    assert payload["when"].startswith("<object object")


@pytest.mark.parametrize("level", ["verbose", -1, True, 2.5, None])
def test_invalid_level_is_refused(level: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        configure_logging(level=level, logger="mosaic_test.bad")  # type: ignore[arg-type]
    assert "DEBUG, INFO, WARNING, ERROR, CRITICAL" in info.value.fix
    assert logging.getLogger("mosaic_test.bad").handlers == []


def test_warn_alias_and_numeric_levels() -> None:
    name = "mosaic_test.levels"
    logger = logging.getLogger(name)
    try:
        configure_logging(level="warn", logger=name, stream=io.StringIO())
        assert logger.level == logging.WARNING
        configure_logging(level=5, logger=name, stream=io.StringIO())
        assert logger.level == 5
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"json": "yes"}, "json="),
        ({"logger": 5}, "logger="),
        ({"stream": 5}, "stream="),
    ],
)
def test_invalid_options_are_refused(kwargs: dict[str, object], option: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        configure_logging(**kwargs)  # type: ignore[arg-type]
    assert option in str(info.value)
    assert all(not getattr(h, "_mosaic_sdk_handler", False) for h in logging.getLogger().handlers)
