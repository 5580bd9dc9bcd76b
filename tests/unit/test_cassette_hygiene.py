"""No cassette of the repository holds a credential.

Every vcrpy cassette under ``tests/cassettes`` (Vault, Portainer, Vercel) is scanned for
tokens, bearer headers and secret-named JSON fields with a value.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"


# -- hygiene -------------------------------------------------------------------------------

_SECRET_PATTERNS = [
    re.compile(r"(?i)^\s*(authorization|x-api-key|x-vault-token|cookie|set-cookie):"),
    re.compile(r"(?i)bearer\s+[a-z0-9|._-]{8,}"),
    re.compile(r"\b\d+\|[A-Za-z0-9]{20,}\b"),  # Sanctum token: <id>|<40 chars>
    re.compile(r"ptr_[A-Za-z0-9+/=]{8,}"),
    re.compile(r"\bhvs\.[A-Za-z0-9_-]{20,}"),  # Vault service token
    # Secret-named JSON fields with a value, except the "cassette-..." placeholders the
    # Vault cassettes store on purpose (tests/_support/secret_guard.py) and scrubbed values
    # ("REDACTED", "***", "<scrubbed>" as the recorded Vault cassettes write them).
    re.compile(
        r'"(password|repositoryPassword|token|secret|client_token|http_basic_auth_password)"'
        r'\s*:\s*"(?!cassette-|REDACTED"|<scrubbed>"|\*\*\*")[^"]+'
    ),
    re.compile(r"(?i)placeholder-not-a-token"),
]


def _all_cassettes() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def test_there_are_cassettes_to_scan() -> None:
    assert {p.parent.name for p in _all_cassettes()} >= {"vault"}


@pytest.mark.parametrize("path", _all_cassettes(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_cassette_holds_a_secret(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for pattern in _SECRET_PATTERNS:
            assert not pattern.search(line), (
                f"{path.parent.name}/{path.name}:{number} looks like a secret: {line.strip()[:80]}"
            )


@pytest.mark.parametrize(
    "leak",
    [
        "      Authorization:\n      - Bearer 1|abcdefghijklmnopqrstuvwxyz0123456789",
        '      string: \'{"token": "s3cr3t"}\'',
        "      - 12|AbCdEfGhIjKlMnOpQrStUvWxYz",
    ],
)
def test_the_secret_scan_would_catch_a_leak(leak: str) -> None:
    assert any(p.search(line) for p in _SECRET_PATTERNS for line in leak.splitlines())
