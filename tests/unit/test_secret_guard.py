"""The session-wide secret guard itself: installed for the run, and able to fail."""

from __future__ import annotations

import logging

from mosaic_sdk.observability import RedactingFilter, register_secret
from tests._support import secret_guard as _secret_guard
from tests._support.secret_guard import GUARD, CaptureHandler, find_leaks


def test_guard_captures_the_whole_run_at_debug() -> None:
    root = logging.getLogger()
    assert GUARD.handler in root.handlers
    assert GUARD.handler in logging.getLogger("mosaic_sdk").handlers
    assert GUARD.handler.level == logging.DEBUG
    assert root.level == logging.DEBUG
    before = len(GUARD.handler.rendered)
    logging.getLogger("mosaic_sdk.guard_probe").debug("probe %d", 1)
    assert len(GUARD.handler.rendered) == before + 1
    assert GUARD.handler.raw_sdk[-1] == ("mosaic_sdk.guard_probe", "probe 1")


def test_a_leak_is_found_raw_and_rendered() -> None:
    secret = "guard-probe-secret-6b1d"  # registered below, so never reaches the guard's lines
    handler = CaptureHandler()
    logger = logging.getLogger("mosaic_sdk.guard_isolated")
    logger.propagate = False  # keep this deliberate leak away from the session guard
    logger.addHandler(handler)
    try:
        logger.warning("connecting with %s", secret, extra={"note": "x"})
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    # Not registered yet: the rendered JSON line holds it too.
    assert find_leaks(handler.rendered, {secret})
    (leak,) = find_leaks(handler.raw_sdk, {secret, "short"})
    assert leak == ("mosaic_sdk.guard_isolated", secret, f"connecting with {secret} note='x'")
    register_secret(secret)
    # Once registered the formatter masks it, but the raw SDK line still counts as a leak.
    rendered_now = handler.formatter_json.format(
        logging.LogRecord("mosaic_sdk.x", logging.INFO, __file__, 1, "v=%s", (secret,), None)
    )
    assert not find_leaks([("x", rendered_now)], {secret})
    assert find_leaks(handler.raw_sdk, {secret})


def test_redacted_records_are_not_leaks() -> None:
    secret = "guard-probe-secret-second-77aa"
    register_secret(secret)
    handler = CaptureHandler()
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("guard_isolated_app")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.error("token is %s", secret)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert handler.rendered
    assert not find_leaks(handler.rendered, {secret})


def test_short_values_are_not_checked() -> None:
    assert _secret_guard.MIN_CHECKED_LENGTH == 8
    assert find_leaks([("x", "the word abcd appears")], {"abcd"}) == []
