"""Table-driven malformed inputs: every parser refuses them with a typed error whose
message names the offending value and says what to do instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest

from mosaic_sdk.errors import ForbiddenTagError, InvalidValueError
from mosaic_sdk.values import (
    CommitMessage,
    Digest,
    Environment,
    ImageReference,
    ImageTag,
    VaultPath,
    VaultPaths,
    validate_field_name,
    validate_fields,
)

HEX64 = "a" * 64


@attrs.frozen
class Case:
    id: str
    call: Callable[[Any], object]
    value: Any
    error: type[InvalidValueError]
    hint: str
    #: The offending text the message must quote, when it is only part of the input.
    shown: str | None = None


def _pinned(text: str) -> object:
    return ImageReference.parse(text).require_pinned()


def _path(segments: tuple[str, str, str]) -> object:
    return VaultPaths(Environment.PROD).path(*segments)


CASES = [
    # -- Environment ------------------------------------------------------------------
    Case("env-unknown", Environment.parse, "qa", InvalidValueError, "use one of dev, staging"),
    Case("env-empty", Environment.parse, "", InvalidValueError, "use one of dev"),
    Case("env-typo", Environment.parse, "prdo", InvalidValueError, "production, prd"),
    Case("env-not-str", Environment.parse, 3, InvalidValueError, "as a string"),
    Case(
        "mount-long-name",
        Environment.from_mount,
        "secret-production",
        InvalidValueError,
        "use 'secret-prod'",
    ),
    Case(
        "mount-bare",
        Environment.from_mount,
        "secret",
        InvalidValueError,
        "secret-dev, secret-staging, secret-prod",
    ),
    Case("mount-kv", Environment.from_mount, "kv", InvalidValueError, "use one of secret-dev"),
    # -- VaultPath --------------------------------------------------------------------
    Case(
        "path-leading-slash",
        VaultPath.parse,
        "/secret-prod/pg/db/app",
        InvalidValueError,
        "remove it: 'secret-prod/pg/db/app'",
    ),
    Case(
        "path-trailing-slash",
        VaultPath.parse,
        "secret-prod/pg/db/app/",
        InvalidValueError,
        "remove it: 'secret-prod/pg/db/app'",
    ),
    Case(
        "path-double-slash",
        VaultPath.parse,
        "secret-prod/pg//app",
        InvalidValueError,
        "collapse the slashes",
    ),
    Case(
        "path-dotdot",
        VaultPath.parse,
        "secret-prod/pg/../app",
        InvalidValueError,
        "write the full path",
    ),
    Case(
        "path-dot",
        VaultPath.parse,
        "secret-prod/pg/./app",
        InvalidValueError,
        "write the full path",
    ),
    Case(
        "path-three",
        VaultPath.parse,
        "secret-prod/pg/db",
        InvalidValueError,
        "secret-prod/postgres/database/app",
    ),
    Case(
        "path-five", VaultPath.parse, "secret-prod/pg/db/app/extra", InvalidValueError, "expected 4"
    ),
    Case(
        "path-kv2-data",
        VaultPath.parse,
        "secret-prod/data/pg/db/app",
        InvalidValueError,
        "drop it: 'secret-prod/pg/db/app'",
    ),
    Case(
        "path-unknown-mount",
        VaultPath.parse,
        "secret/pg/db/app",
        InvalidValueError,
        "use one of secret-dev",
    ),
    Case(
        "path-long-mount",
        VaultPath.parse,
        "secret-production/pg/db/app",
        InvalidValueError,
        "use 'secret-prod'",
    ),
    Case(
        "path-uppercase",
        VaultPath.parse,
        "secret-prod/Postgres/db/app",
        InvalidValueError,
        "use 'postgres'",
    ),
    Case("path-space", VaultPath.parse, "secret-prod/pg sql/db/app", InvalidValueError, "'pg-sql'"),
    Case(
        "path-dot-in-name",
        VaultPath.parse,
        "secret-prod/pg/db/app.env",
        InvalidValueError,
        "lowercase letters, digits",
    ),
    Case(
        "path-whitespace",
        VaultPath.parse,
        " secret-prod/pg/db/app",
        InvalidValueError,
        "use 'secret-prod/pg/db/app'",
    ),
    Case("path-empty", VaultPath.parse, "", InvalidValueError, "{mount}/{service}"),
    Case(
        "paths-uppercase-segment",
        _path,
        ("pg", "DB", "app"),
        InvalidValueError,
        "use 'db'",
        shown="'DB'",
    ),
    Case(
        "paths-empty-segment",
        _path,
        ("pg", "", "app"),
        InvalidValueError,
        "give a component",
        shown="''",
    ),
    Case(
        "paths-dotdot-segment",
        _path,
        ("pg", "db", ".."),
        InvalidValueError,
        "name the secret name explicitly",
        shown="'..'",
    ),
    # -- field names ------------------------------------------------------------------
    Case("field-user", validate_field_name, "user", InvalidValueError, "rename it to 'username'"),
    Case("field-login", validate_field_name, "login", InvalidValueError, "'username'"),
    Case("field-pass", validate_field_name, "pass", InvalidValueError, "rename it to 'password'"),
    Case("field-passwd", validate_field_name, "passwd", InvalidValueError, "'password'"),
    Case("field-pwd", validate_field_name, "pwd", InvalidValueError, "'password'"),
    Case("field-api-key", validate_field_name, "api_key", InvalidValueError, "'token'"),
    Case("field-apikey-dash", validate_field_name, "API-Key", InvalidValueError, "'token'"),
    Case("field-access-token", validate_field_name, "access_token", InvalidValueError, "'token'"),
    Case("field-secret", validate_field_name, "secret", InvalidValueError, "'client_secret' if"),
    Case("field-uri", validate_field_name, "uri", InvalidValueError, "rename it to 'url'"),
    Case("field-dsn", validate_field_name, "dsn", InvalidValueError, "'url'"),
    Case("field-hostname", validate_field_name, "hostname", InvalidValueError, "'host'"),
    Case("field-server", validate_field_name, "server", InvalidValueError, "'host'"),
    Case("field-portnumber", validate_field_name, "portNumber", InvalidValueError, "'port'"),
    Case("field-clientid", validate_field_name, "clientId", InvalidValueError, "'client_id'"),
    Case(
        "field-client-secret",
        validate_field_name,
        "client-secret",
        InvalidValueError,
        "'client_secret'",
    ),
    Case("field-case", validate_field_name, "Password", InvalidValueError, "'password'"),
    Case(
        "field-unknown",
        validate_field_name,
        "colour",
        InvalidValueError,
        "username, password, token, client_id, client_secret, url, host, port",
    ),
    Case(
        "fields-several",
        validate_fields,
        {"user": "a", "pass": "b"},
        InvalidValueError,
        "rename 'user' to 'username', rename 'pass' to 'password'",
        shown="('user', 'pass')",
    ),
    # -- Digest -----------------------------------------------------------------------
    Case("digest-short", Digest.parse, "sha256:abc", InvalidValueError, "truncated"),
    Case("digest-no-prefix", Digest.parse, HEX64, InvalidValueError, f"'sha256:{HEX64}'"),
    Case("digest-upper-alg", Digest.parse, "SHA256:" + HEX64, InvalidValueError, "use 'sha256'"),
    Case(
        "digest-upper-hex",
        Digest.parse,
        "sha256:" + "A" * 64,
        InvalidValueError,
        f"use 'sha256:{HEX64}'",
    ),
    Case(
        "digest-not-hex", Digest.parse, "sha256:" + "g" * 64, InvalidValueError, "64 hex characters"
    ),
    Case("digest-sha512-short", Digest.parse, "sha512:" + HEX64, InvalidValueError, "expected 128"),
    Case("digest-empty-alg", Digest.parse, ":" + HEX64, InvalidValueError, "write it like"),
    Case("digest-empty-encoded", Digest.parse, "sha256:", InvalidValueError, "write it like"),
    Case(
        "digest-bad-encoded", Digest.parse, "multihash+base58:Qm!x", InvalidValueError, "encoding"
    ),
    Case("digest-bad-alg", Digest.parse, "sha 256:abc", InvalidValueError, "'+', '.', '_'"),
    Case(
        "digest-compute-unknown",
        lambda alg: Digest.from_bytes(b"x", alg),
        "md5",
        InvalidValueError,
        "use one of sha256, sha512",
    ),
    # -- ImageTag ---------------------------------------------------------------------
    Case("tag-latest", ImageTag.parse, "latest", ForbiddenTagError, "sha-<commit>"),
    Case("tag-dev", ImageTag.parse, "dev", ForbiddenTagError, "vX.Y.Z-rc.N"),
    Case("tag-latest-upper", ImageTag.parse, "LATEST", ForbiddenTagError, "vX.Y.Z"),
    Case("tag-no-v", ImageTag.parse, "1.2.3", InvalidValueError, "use 'v1.2.3'"),
    Case("tag-two-numbers", ImageTag.parse, "v1.2", InvalidValueError, "use 'v1.2.0'"),
    Case("tag-rc-no-dot", ImageTag.parse, "v1.2.3-rc1", InvalidValueError, "use 'v1.2.3-rc.1'"),
    Case("tag-rc-zero", ImageTag.parse, "v1.2.3-rc.0", InvalidValueError, "use 'v1.2.3-rc.1'"),
    Case("tag-rc-upper", ImageTag.parse, "v1.2.3-RC.2", InvalidValueError, "use 'v1.2.3-rc.2'"),
    Case("tag-beta", ImageTag.parse, "v1.2.3-beta.1", InvalidValueError, "'v1.2.3-rc.1'"),
    Case("tag-leading-zero", ImageTag.parse, "v01.2.3", InvalidValueError, "use 'v1.2.3'"),
    Case("tag-build-metadata", ImageTag.parse, "v1.2.3+build.5", InvalidValueError, "use 'v1.2.3'"),
    Case("tag-sha-upper", ImageTag.parse, "sha-ABCDEF1", InvalidValueError, "use 'sha-abcdef1'"),
    Case("tag-sha-short", ImageTag.parse, "sha-abc", InvalidValueError, "git rev-parse"),
    Case("tag-sha-long", ImageTag.parse, "sha-" + "a" * 41, InvalidValueError, "git rev-parse"),
    Case("tag-bare-commit", ImageTag.parse, "0123abc", InvalidValueError, "'sha-0123abc'"),
    Case("tag-production", ImageTag.parse, "production", InvalidValueError, "use 'prod'"),
    Case("tag-stage", ImageTag.parse, "stage", InvalidValueError, "use 'staging'"),
    Case("tag-slot-upper", ImageTag.parse, "Blue", InvalidValueError, "use 'blue'"),
    Case(
        "tag-signature",
        ImageTag.parse,
        f"sha256-{HEX64}.sig",
        InvalidValueError,
        f"by digest (sha256:{HEX64})",
    ),
    Case(
        "tag-attestation",
        ImageTag.parse,
        f"sha256-{HEX64}.att",
        InvalidValueError,
        "not a deployment tag",
    ),
    Case("tag-unknown", ImageTag.parse, "nightly", InvalidValueError, "testing, staging, prod"),
    Case("tag-invalid-chars", ImageTag.parse, "v1/2", InvalidValueError, "not starting with"),
    Case("tag-too-long", ImageTag.parse, "a" * 129, InvalidValueError, "vX.Y.Z"),
    Case("tag-empty", ImageTag.parse, "", InvalidValueError, "vX.Y.Z-rc.N"),
    Case("tag-sha-ctor", ImageTag.sha, "XYZ", InvalidValueError, "git rev-parse HEAD"),
    Case("tag-sha-ctor-prefixed", ImageTag.sha, "sha-abcdef1", InvalidValueError, "'abcdef1'"),
    Case("tag-release-ctor-rc", ImageTag.release, "1.2.3-rc.1", InvalidValueError, "use '1.2.3'"),
    Case("tag-release-ctor-junk", ImageTag.release, "one.two", InvalidValueError, "'1.2.3'"),
    Case(
        "tag-environment-ctor", ImageTag.environment, "production", InvalidValueError, "use 'prod'"
    ),
    Case("tag-slot-ctor", ImageTag.slot, "red", InvalidValueError, "blue, green"),
    # -- ImageReference ---------------------------------------------------------------
    Case(
        "ref-scheme",
        ImageReference.parse,
        "https://ghcr.io/team/app:v1.0.0",
        InvalidValueError,
        "drop it: 'ghcr.io/team/app:v1.0.0'",
    ),
    Case("ref-uppercase", ImageReference.parse, "Team/App", InvalidValueError, "'team/app'"),
    Case(
        "ref-empty-tag",
        ImageReference.parse,
        "ghcr.io/team/app:",
        InvalidValueError,
        "remove the ':'",
    ),
    Case(
        "ref-bad-tag", ImageReference.parse, "team/app:-x", InvalidValueError, "not starting with"
    ),
    Case(
        "ref-long-tag",
        ImageReference.parse,
        "team/app:" + "t" * 129,
        InvalidValueError,
        "the limit is 128",
    ),
    Case(
        "ref-empty-digest", ImageReference.parse, "team/app@", InvalidValueError, "remove the '@'"
    ),
    Case(
        "ref-bad-digest",
        ImageReference.parse,
        "team/app@sha256:1234",
        InvalidValueError,
        "truncated",
    ),
    Case(
        "ref-two-at",
        ImageReference.parse,
        f"a@sha256:{HEX64}@x",
        InvalidValueError,
        "single '@digest'",
    ),
    Case(
        "ref-bad-port",
        ImageReference.parse,
        "localhost:http/app",
        InvalidValueError,
        "numeric port",
    ),
    Case(
        "ref-empty-port",
        ImageReference.parse,
        "localhost:/app",
        InvalidValueError,
        "use 'localhost'",
    ),
    Case(
        "ref-double-slash",
        ImageReference.parse,
        "ghcr.io/team//app",
        InvalidValueError,
        "'team/app'",
    ),
    Case("ref-no-repo", ImageReference.parse, "ghcr.io/", InvalidValueError, "write it like"),
    Case(
        "ref-whitespace",
        ImageReference.parse,
        "team/app :v1",
        InvalidValueError,
        "remove it: 'team/app:v1'",
    ),
    Case("ref-bad-component", ImageReference.parse, "team/-app", InvalidValueError, "joined by"),
    Case(
        "ref-bad-host",
        ImageReference.parse,
        "bad_host.io/app",
        InvalidValueError,
        "registry.example.com",
    ),
    Case("ref-name-too-long", ImageReference.parse, "a" * 256, InvalidValueError, "shorten"),
    Case("ref-empty", ImageReference.parse, "", InvalidValueError, "write it like"),
    Case(
        "pin-latest",
        _pinned,
        "ghcr.io/team/app:latest",
        ForbiddenTagError,
        "pin it by digest (ghcr.io/team/app@sha256:...)",
    ),
    Case("pin-dev", _pinned, "team/app:dev", ForbiddenTagError, "pin it by digest"),
    Case(
        "pin-pointer",
        _pinned,
        "ghcr.io/team/app:prod",
        InvalidValueError,
        "resolve it to its digest first",
    ),
    Case(
        "pin-slot",
        _pinned,
        "ghcr.io/team/app:green",
        InvalidValueError,
        "resolve it to its digest first",
    ),
    Case("pin-untagged", _pinned, "ghcr.io/team/app", InvalidValueError, "pin it by digest"),
    Case("pin-unknown-tag", _pinned, "ghcr.io/team/app:1.2.3", InvalidValueError, "use 'v1.2.3'"),
    # -- CommitMessage ----------------------------------------------------------------
    Case(
        "commit-no-issue",
        CommitMessage.parse,
        "feat: Add tags\n\nRefs #2",
        InvalidValueError,
        "write 'feat(#2): ...'",
    ),
    Case(
        "commit-no-refs",
        CommitMessage.parse,
        "feat(#2): Add tags",
        InvalidValueError,
        "add the footer 'Refs #2'",
    ),
    Case(
        "commit-mismatch",
        CommitMessage.parse,
        "fix(#2): Add tags\n\nRefs #3",
        InvalidValueError,
        "same issue number",
    ),
    Case(
        "commit-two-refs",
        CommitMessage.parse,
        "fix(#2): Add tags\n\nRefs #2\nRefs #3",
        InvalidValueError,
        "keep only 'Refs #2'",
    ),
    Case(
        "commit-refs-in-body",
        CommitMessage.parse,
        "fix(#2): Add tags\n\nWhy.\nRefs #2",
        InvalidValueError,
        "put a blank line before",
    ),
    Case(
        "commit-loose-refs",
        CommitMessage.parse,
        "fix(#2): Add tags\n\nrefs: 2",
        InvalidValueError,
        "exactly as 'Refs #2'",
    ),
    Case(
        "commit-period",
        CommitMessage.parse,
        "fix(#2): Add tags.\n\nRefs #2",
        InvalidValueError,
        "use 'Add tags'",
    ),
    Case(
        "commit-long-subject",
        CommitMessage.parse,
        f"fix(#2): {'x' * 73}\n\nRefs #2",
        InvalidValueError,
        "shorten it",
    ),
    Case(
        "commit-empty-subject",
        CommitMessage.parse,
        "fix(#2): \n\nRefs #2",
        InvalidValueError,
        "say what the commit does",
    ),
    Case(
        "commit-unknown-type",
        CommitMessage.parse,
        "feature(#2): Add\n\nRefs #2",
        InvalidValueError,
        "use 'feat'",
    ),
    Case(
        "commit-upper-type",
        CommitMessage.parse,
        "Fix(#2): Add\n\nRefs #2",
        InvalidValueError,
        "'fix'",
    ),
    Case(
        "commit-named-scope",
        CommitMessage.parse,
        "fix(api): Add\n\nRefs #2",
        InvalidValueError,
        "'fix(#2): ...'",
    ),
    Case(
        "commit-scope-no-hash",
        CommitMessage.parse,
        "fix(2): Add\n\nRefs #2",
        InvalidValueError,
        "write '(#2)'",
    ),
    Case(
        "commit-no-space",
        CommitMessage.parse,
        "fix(#2):Add\n\nRefs #2",
        InvalidValueError,
        "type(#N): Subject",
    ),
    Case(
        "commit-bang",
        CommitMessage.parse,
        "fix(#2)!: Add\n\nRefs #2",
        InvalidValueError,
        "remove the '!'",
    ),
    Case(
        "commit-no-blank-line",
        CommitMessage.parse,
        "fix(#2): Add\nbody\n\nRefs #2",
        InvalidValueError,
        "insert an empty line",
    ),
    Case("commit-empty", CommitMessage.parse, "  \n", InvalidValueError, "type(#N): Subject"),
    Case(
        "commit-create-issue",
        lambda n: CommitMessage.create("fix", n, "Add"),
        0,
        InvalidValueError,
        "issue's number",
    ),
    # Wrong types, huge text and unicode on the other public entry points.
    Case("digest-of-text", Digest.from_bytes, "abc", InvalidValueError, "encode", "'str'"),
    Case(
        "digest-verify-text",
        Digest.from_bytes(b"x").verify,
        "x",
        InvalidValueError,
        "data.encode",
        "'str'",
    ),
    Case(
        "with-tag-none",
        ImageReference.parse("nginx:1").with_tag,
        None,
        InvalidValueError,
        "'v1.2.3'",
    ),
    Case(
        "next-rc-text",
        lambda tags: ImageTag.next_rc_number("1.2.3", tags),
        "v1.2.3-rc.2",
        InvalidValueError,
        "list of existing tags",
    ),
    Case(
        "next-rc-none",
        lambda tags: ImageTag.next_rc_number("1.2.3", tags),
        None,
        InvalidValueError,
        "list of existing tags",
    ),
    Case(
        "tag-huge", ImageTag.parse, "v" * 100_000, InvalidValueError, "1-128", "100000 characters"
    ),
    Case(
        "path-unicode",
        VaultPath.parse,
        "secret-prod/pöstgres/db/app",
        InvalidValueError,
        "lowercase",
    ),
    Case(
        "env-huge", Environment.parse, "p" * 100_000, InvalidValueError, "prod", "100000 characters"
    ),
]


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_malformed_input_is_refused_with_a_helpful_message(case: Case) -> None:
    with pytest.raises(InvalidValueError) as info:
        case.call(case.value)
    error = info.value
    assert type(error) is case.error
    message = str(error)
    if case.shown is not None:
        assert case.shown in message, message
    elif case.call == CommitMessage.parse and case.value.strip():
        # Header errors quote the header line; footer errors quote the whole message.
        header = case.value.split("\n", 1)[0]
        assert repr(header) in message or repr(case.value) in message, message
    else:
        assert repr(case.value) in message, message
    assert error.fix, "every error says what to do instead"
    assert case.hint in message, message
    assert isinstance(error, ValueError)
