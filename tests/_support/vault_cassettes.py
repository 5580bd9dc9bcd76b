"""Vault cassettes recorded from a real OpenBao dev server, and the scenarios they hold.

``make cassettes`` (``MOSAIC_RECORD_CASSETTES=1``) runs each scenario against a fresh
``bao server -dev`` and records it with vcrpy; the fast unit tests replay the cassettes
(``record_mode="none"``), and the real-server tier runs the same scenarios live and
checks that both give the summary stored beside the cassette.

Scrubbing (applied while recording and, identically, to every request on replay so the
matcher compares like with like): the ``X-Vault-Token`` header is dropped; the server's
port becomes 8200; every secret value in request and response bodies, every token,
accessor, role id, secret id and entity id becomes ``"<scrubbed>"``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import vcr
import vcr.request

from mosaic_sdk import Environment, VaultPaths
from mosaic_sdk.errors import MosaicError
from mosaic_sdk.vault import SecretStore

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "vault"
REPLAY_URL = "http://127.0.0.1:8200"
SCRUBBED = "<scrubbed>"
_SCRUB_KEYS = frozenset(
    {"client_token", "accessor", "secret_id", "secret_id_accessor", "role_id", "entity_id", "id"}
)
_PORT = re.compile(r"^(https?://127\.0\.0\.1):\d+")

#: Values the scenarios write; none may appear in a cassette.
SCENARIO_VALUES: tuple[str, ...] = (
    "cassette-pw-one-6c1d",
    "cassette-pw-two-93ab",
    "cassette-pw-three-0f4e",
    "cassette-api-token-77d2",
)
PROD = VaultPaths(Environment.PROD)


def _scrub(value: Any, *, secret: bool = False) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _SCRUB_KEYS and isinstance(item, str) and item:
                out[key] = SCRUBBED
            elif key == "data" and isinstance(item, dict) and _is_secret_map(item):
                out[key] = {k: SCRUBBED if v is not None else None for k, v in item.items()}
            else:
                out[key] = _scrub(item)
        return out
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _is_secret_map(item: dict[str, Any]) -> bool:
    # KV v2's data.data (and a write's data): flat text fields. Metadata and version
    # answers hold nested objects or numbers, and are kept.
    return (
        bool(item)
        and all(isinstance(v, str) or v is None for v in item.values())
        and not ({"created_time", "deletion_time", "version"} & set(item))
    )


def _scrub_body(body: Any) -> Any:
    if not body:
        return body
    text = body.decode() if isinstance(body, bytes) else str(body)
    try:
        data = json.loads(text)
    except ValueError:
        return body
    return json.dumps(_scrub(data), sort_keys=True).encode()


def scrub_request(request: vcr.request.Request) -> vcr.request.Request:
    request.uri = _PORT.sub(r"\1:8200", request.uri)
    request.body = _scrub_body(request.body)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {})
    if body.get("string"):
        body["string"] = _scrub_body(body["string"])
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in ("date", "content-length"):
            del headers[name]
    return response


def _body_matcher(r1: vcr.request.Request, r2: vcr.request.Request) -> None:
    def parse(body: Any) -> Any:
        if not body:
            return None
        text = body.decode() if isinstance(body, bytes) else body
        try:
            return json.loads(text)
        except ValueError:
            return text

    assert parse(r1.body) == parse(r2.body), f"{r1.body!r} != {r2.body!r}"


def player(record_mode: str) -> vcr.VCR:
    # vcrpy logs whole requests (bodies, headers before filtering) at INFO/DEBUG; the
    # session's secret guard rightly fails the run when a scenario's value or the replay
    # token shows up there, so those records are never made.
    logging.getLogger("vcr").setLevel(logging.WARNING)
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode=record_mode,
        filter_headers=["X-Vault-Token", "Authorization"],
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        match_on=["method", "path", "query", "scrubbed_body"],
        decode_compressed_response=True,
    )
    recorder.register_matcher("scrubbed_body", _body_matcher)
    return recorder


# ---------------------------------------------------------------- scenarios


def _attempt(log: list[Any], name: str, call: Callable[[], Any]) -> Any:
    try:
        result = call()
    except MosaicError as exc:
        log.append([name, type(exc).__name__])
        return None
    log.append([name, _summary(result)])
    return result


def _summary(result: Any) -> Any:
    if result is None:
        return None
    if isinstance(result, tuple):
        return [_summary(item) for item in result]
    version = getattr(result, "version", None)
    fields = getattr(result, "data", None)
    if fields is not None:  # a Secret: field names and version, never values
        meta = result.metadata
        return {
            "fields": sorted(fields),
            "version": version,
            "current": meta.is_current if meta is not None else None,
        }
    if hasattr(result, "destroyed"):  # a SecretVersion
        return {"version": version, "deleted": result.deleted, "destroyed": result.destroyed}
    return str(result)


def kv2_lifecycle(store: SecretStore) -> list[Any]:
    path = PROD.path("payments", "database", "app")
    log: list[Any] = []
    one, two, three, _ = SCENARIO_VALUES
    _attempt(log, "write", lambda: store.write(path, {"username": "app", "password": one}))
    _attempt(log, "write cas", lambda: store.write(path, {"password": two}, cas=1))
    _attempt(log, "write cas stale", lambda: store.write(path, {"password": two}, cas=1))
    _attempt(log, "read", lambda: store.read(path))
    _attempt(log, "read v1", lambda: store.read(path, version=1))
    _attempt(log, "patch", lambda: store.patch(path, {"password": three, "username": None}))
    _attempt(log, "versions", lambda: store.versions(path))
    _attempt(log, "list", lambda: store.list("prod", "payments"))
    _attempt(log, "delete v1", lambda: store.delete(path, versions=[1]))
    _attempt(log, "read deleted", lambda: store.read(path, version=1))
    _attempt(log, "undelete v1", lambda: store.undelete(path, [1]))
    _attempt(log, "destroy v1", lambda: store.destroy(path, versions=[1]))
    _attempt(log, "read destroyed", lambda: store.read(path, version=1))
    _attempt(log, "metadata", lambda: store.write_metadata(path, max_versions=4))
    _attempt(log, "audit", lambda: str(store.audit("prod")).splitlines()[0])
    _attempt(log, "destroy", lambda: store.destroy(path))
    _attempt(log, "read gone", lambda: store.read(path))
    return log


def error_answers(store: SecretStore) -> list[Any]:
    log: list[Any] = []
    _, _, _, token = SCENARIO_VALUES
    staging = VaultPaths(Environment.STAGING).path("payments", "api", "stripe")
    _attempt(log, "missing mount", lambda: store.list("staging"))
    _attempt(log, "write missing mount", lambda: store.write(staging, {"token": token}))
    _attempt(log, "kv version", lambda: store.kv_version("secret-legacy"))
    return log


SCENARIOS: dict[str, Callable[[SecretStore], list[Any]]] = {
    "kv2_lifecycle": kv2_lifecycle,
    "error_answers": error_answers,
}


def summary_path(name: str) -> Path:
    return CASSETTES / f"{name}.summary.json"
