"""Session-wide secret leak guard (a pytest plugin loaded by ``tests/conftest.py``).

For the whole run, a handler at DEBUG on the root logger (and on ``mosaic_sdk``, ahead
of any handler a test adds there) captures every log record. At the end of the session
the run fails if a known secret appears in

* any record as the SDK's JSON formatter renders it (what reaches a log sink when the
  application uses :func:`mosaic_sdk.configure_logging`), or
* any record of an SDK logger (``mosaic_sdk.*``) in its *raw* form, message and extra
  fields as logged, before any redaction: SDK code must never rely on the redactor to
  hide a secret it logs.

Known secrets are every value registered with
:func:`mosaic_sdk.observability.register_secret` during the run plus
:data:`KNOWN_TEST_SECRETS`, values tests use as secrets whether or not they register
them. Tests that deliberately log secrets to exercise redaction use loggers outside
``mosaic_sdk``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

import pytest

from mosaic_sdk.observability import JSONFormatter, registered_secrets

#: Secret values used by the suite, checked even if nothing registers them.
KNOWN_TEST_SECRETS: frozenset[str] = frozenset(
    {
        "fake-vault-root-token-0d1e",
        "cassette-test-token-not-real-8d1f",
        "cassette-secret-id-9b1c",
        "fake-db-password-71c2",
        "cassette-db-password-1",
        "cassette-db-password-2",
        "cassette-redis-password",
        "cassette-stripe-token-51c0",
        "legacy-password-8812",
        "hunter2-but-long",
    }
)
#: Shorter registered values are ignored by the check: a four-letter test value can
#: occur in ordinary text by accident; real secrets are longer.
MIN_CHECKED_LENGTH = 8

_SDK_PREFIX = "mosaic_sdk"
_SEEN = "_mosaic_secret_guard_seen"


def _raw_line(record: logging.LogRecord) -> str:
    try:
        message = record.getMessage()
    except Exception:  # an unformattable record still shows its parts
        message = f"{record.msg!s} {record.args!r}"
    extras = {
        k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
    }
    parts = [message, *(f"{k}={v!r}" for k, v in extras.items())]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return " ".join(parts)


_STANDARD = frozenset(
    {*logging.LogRecord("", 0, "", 0, "", (), None).__dict__, "message", "asctime", "taskName"}
)


class CaptureHandler(logging.Handler):
    """Keeps every record of the run, raw (SDK loggers) and rendered (all)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.formatter_json = JSONFormatter()
        self.raw_sdk: list[tuple[str, str]] = []
        self.rendered: list[tuple[str, str]] = []
        self._lock_lines = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        """Capture ``record`` once, even if it reaches both guard handlers."""
        if getattr(record, _SEEN, False):
            return
        setattr(record, _SEEN, True)
        try:
            raw = _raw_line(record) if record.name.startswith(_SDK_PREFIX) else None
            rendered = self.formatter_json.format(record)
        except Exception as exc:  # never break the logging call under test
            rendered = f"<guard could not render {record.name}: {type(exc).__name__}>"
            raw = None
        with self._lock_lines:
            if raw is not None:
                self.raw_sdk.append((record.name, raw))
            self.rendered.append((record.name, rendered))


def find_leaks(
    lines: Iterable[tuple[str, str]], secrets: Iterable[str]
) -> list[tuple[str, str, str]]:
    """``(logger, secret, line)`` for every line containing one of ``secrets``."""
    checked = [s for s in set(secrets) if len(s) >= MIN_CHECKED_LENGTH]
    leaks = []
    for logger_name, line in lines:
        for secret in checked:
            if secret in line:
                leaks.append((logger_name, secret, line))
    return leaks


def known_secrets() -> frozenset[str]:
    """Every value the guard looks for."""
    return registered_secrets() | KNOWN_TEST_SECRETS


class SecretGuard:
    """Installs the capture handler for the session and checks it at the end."""

    def __init__(self) -> None:
        self.handler = CaptureHandler()
        self.leaks: list[tuple[str, str, str, str]] = []
        self._saved_level: int | None = None

    def start(self) -> None:
        root = logging.getLogger()
        self._saved_level = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(self.handler)
        sdk = logging.getLogger(_SDK_PREFIX)
        sdk.handlers.insert(0, self.handler)

    def ensure(self) -> None:
        root = logging.getLogger()
        if root.level != logging.DEBUG:
            root.setLevel(logging.DEBUG)
        if self.handler not in root.handlers:
            root.addHandler(self.handler)
        sdk = logging.getLogger(_SDK_PREFIX)
        if self.handler not in sdk.handlers:
            sdk.handlers.insert(0, self.handler)

    def stop(self) -> None:
        logging.getLogger().removeHandler(self.handler)
        logging.getLogger(_SDK_PREFIX).removeHandler(self.handler)
        if self._saved_level is not None:
            logging.getLogger().setLevel(self._saved_level)

    def check(self) -> list[tuple[str, str, str, str]]:
        secrets = known_secrets()
        self.leaks = [
            ("raw SDK record", *leak) for leak in find_leaks(self.handler.raw_sdk, secrets)
        ] + [("rendered JSON line", *leak) for leak in find_leaks(self.handler.rendered, secrets)]
        return self.leaks


GUARD = SecretGuard()


def pytest_sessionstart(session: pytest.Session) -> None:
    GUARD.start()


def pytest_runtest_setup(item: pytest.Item) -> None:
    # A test (or a docs example) may have reconfigured logging: capture at DEBUG again.
    GUARD.ensure()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    GUARD.stop()
    if GUARD.check():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    handler = GUARD.handler
    if GUARD.leaks:
        terminalreporter.section("secret leaks in log lines", sep="!", red=True, bold=True)
        for kind, logger_name, secret, line in GUARD.leaks[:20]:
            # Show where, and the secret's length, never the secret itself.
            shown = line.replace(secret, f"<LEAKED SECRET, {len(secret)} chars>")
            terminalreporter.write_line(f"{kind} from {logger_name}: {shown[:300]}")
        terminalreporter.write_line(f"{len(GUARD.leaks)} leaking line(s); the run fails.")
    else:
        terminalreporter.write_line(
            f"secret guard: {len(handler.rendered)} log records captured "
            f"({len(handler.raw_sdk)} from mosaic_sdk), no known secret in any line"
        )
