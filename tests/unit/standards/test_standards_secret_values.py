"""DF007/CP006/K8S007 judge values, not only names (issue #14, lint precision)."""

from __future__ import annotations

import pytest

from mosaic_sdk.standards import FileKind, lint_text

TOKEN = "ghp_" + "a1B2c3D4e5" * 4  # GitHub's token shape, not a real token


def _rules(text: str, kind: FileKind) -> list[str]:
    return [f.rule_id for f in lint_text(text, kind, "f").findings]


@pytest.mark.parametrize(
    "env",
    ["TOKEN_URL=https://auth.example.com/token", "PASSWORD_MIN_LENGTH=12",
     "SECRET_ROTATION_DAYS=30", "JWT_SECRET=${JWT_SECRET}"],
)  # fmt: skip
def test_configuration_under_a_secret_name_is_not_df007(env: str) -> None:
    assert "DF007" not in _rules(f"FROM alpine:3.19\nENV {env}\nUSER app\n", FileKind.DOCKERFILE)


@pytest.mark.parametrize(
    "env",
    ["API_PASSWORD=hunter2-but-longer", f"GH={TOKEN}", "CACHE=redis://:pw@redis:6379",
     "DATABASE=postgres://app:s3cret@db/app"],
)  # fmt: skip
def test_literal_secrets_and_token_shapes_are_df007(env: str) -> None:
    assert "DF007" in _rules(f"FROM alpine:3.19\nENV {env}\nUSER app\n", FileKind.DOCKERFILE)


def test_compose_finds_a_password_inside_a_url_and_not_a_plain_url() -> None:
    text = (
        "services:\n  web:\n    image: nginx:1.25\n    environment:\n"
        "      REDIS_URL: redis://:pw@redis:6379\n      TOKEN_URL: https://auth.example.com/t\n"
    )
    messages = [f.message for f in lint_text(text, FileKind.COMPOSE, "c").findings]

    assert [m for m in messages if "literal secret" in m] == [
        "service 'web' sets REDIS_URL to a literal secret value"
    ]


def test_a_manifest_env_with_a_password_in_a_url_is_k8s007() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: a\n"
        "    image: nginx:1.25\n    env:\n    - name: CACHE\n      value: redis://:pw@redis\n"
    )
    assert "K8S007" in _rules(text, FileKind.KUBERNETES)
