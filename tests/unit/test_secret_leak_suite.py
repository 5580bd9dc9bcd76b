"""The secret-leak suite (issue #13): every secret shape the SDK can be handed - URL
userinfo (with '/', '?', '@', spaces, percent-encoding), a token as the user name,
credential query and fragment parameters, headers, credentials, secret-named log
fields, Docker config ``auth`` values, registered Vault values - is pushed through every
channel text leaves by: reprs, exception messages, JSON and text log lines, extra
fields, tracebacks, CLI output, evidence files, validation and stack-health reports.
None may show the secret. The attempts live in tests/_support/leak_attempts.py, shared with
benchmarks/_faults_leaks.py."""

from __future__ import annotations

import pytest

from tests._support.leak_attempts import Attempt, attempts

ATTEMPTS = attempts()


def test_the_suite_covers_every_shape_in_every_channel() -> None:
    assert len(ATTEMPTS) >= 300
    assert len({a.shape for a in ATTEMPTS}) >= 20
    assert len({a.channel for a in ATTEMPTS}) >= 15


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a.id for a in ATTEMPTS])
def test_no_secret_leaks(attempt: Attempt) -> None:
    produced = attempt.run()
    leaked = [form for form in attempt.forms() if form and form in produced]
    # Show where, never the secret itself.
    assert not leaked, f"{attempt.id} leaked: " + produced.replace(leaked[0], "<SECRET>")[:400]
