"""Secret-leak attempts (issue #13): every secret shape through every channel.

A *shape* is a way a secret reaches the SDK: in a URL (userinfo password with awkward
characters, a token as the user name, a credential query parameter), or learned as a
value (a header given to a client, a credential, a secret-named log field, a Docker
config ``auth`` value, a registered Vault value). A *channel* is a way text leaves the
SDK: reprs, exception messages, JSON and text log lines, tracebacks, CLI output,
evidence files and reports. Each attempt uses a fresh secret, so one attempt's
registration never hides another's leak, and counts as a leak when the secret (or the
form it had in the URL) appears in what the channel produced.

Used by ``tests/unit/test_secret_leak_suite.py`` (every attempt must hold) and by
``benchmarks/_faults_leaks.py`` (the tried/leaks row of ``benchmarks/faults.py``).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import attrs

__all__ = ["Attempt", "Shape", "attempts", "run_attempts"]

_HOST = "127.0.0.1:9"  # the discard port: nothing answers, nothing is ever sent a secret


@attrs.frozen
class Shape:
    """How a secret reaches the SDK.

    Attributes:
        name: for reports.
        url: the URL carrying ``secret`` (``None`` for a learned value).
        forms: the texts that count as the secret leaking (raw, and as written in the URL).
        learn: teaches the SDK the value (``None`` for URL shapes: the channel's own
            constructor is what sees the URL).
    """

    name: str
    secret: str
    url: str | None
    forms: tuple[str, ...]
    learn: Callable[[], None] | None = None


def _fresh(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


def _url_shapes() -> list[Shape]:
    shapes = []

    def add(name: str, secret: str, url: str, *extra: str) -> None:
        shapes.append(Shape(name, secret, url, (secret, *extra)))

    s = _fresh("plainpw-")
    add("userinfo password", s, f"http://ci:{s}@{_HOST}/api")
    s = _fresh("sl/ash pw-")
    add("password with '/' and space", s, f"http://ci:{s}@{_HOST}/api", s.split("/")[1])
    s = _fresh("q?at@pw-")
    add("password with '?' and '@'", s, f"http://ci:{s}@{_HOST}/api", s.split("?")[1])
    s = _fresh("pct/pw-")
    quoted = s.replace("/", "%2F")
    add("percent-encoded password", s, f"http://ci:{quoted}@{_HOST}/api", quoted)
    s = _fresh("ghp_")
    add("token as user name", s, f"http://{s}@{_HOST}/api")
    for parameter in ("token", "access_token", "password", "secret", "sig", "X-Amz-Signature",
                      "key", "api_key"):  # fmt: skip
        s = _fresh(f"{parameter.lower()}-value-")
        add(f"?{parameter}=", s, f"http://{_HOST}/api?n=1&{parameter}={s}")
    s = _fresh("frag-token-")
    add("#access_token=", s, f"http://{_HOST}/cb#access_token={s}&state=1")
    return shapes


def _learned_shapes() -> list[Shape]:
    from mosaic_sdk._http import HTTPClient, check_credential
    from mosaic_sdk.observability import register_secret

    def learned(name: str, secret: str, learn: Callable[[], None]) -> Shape:
        return Shape(name, secret, None, (secret,), learn)

    def header(name: str, value: str) -> Callable[[], None]:
        return lambda: HTTPClient(f"http://{_HOST}", headers={name: value}).close()

    def logged(**extra: object) -> Callable[[], None]:
        def learn() -> None:
            record = logging.LogRecord("tests.leaks", logging.INFO, __file__, 1, "x", None, None)
            for key, value in extra.items():
                setattr(record, key, value)
            from mosaic_sdk.observability import JSONFormatter

            JSONFormatter().format(record)

        return learn

    shapes = []
    s = _fresh("bearer-")
    shapes.append(
        learned("Authorization: Bearer header", s, header("Authorization", f"Bearer {s}"))
    )
    s = _fresh("xauth-")
    shapes.append(learned("X-Auth header", s, header("X-Auth", s)))
    s = _fresh("xauthtoken-")
    shapes.append(learned("X-Auth-Token header", s, header("X-Auth-Token", s)))
    s = _fresh("apikey-")
    shapes.append(learned("X-API-Key header", s, header("X-API-Key", s)))
    s = _fresh("credential-")
    shapes.append(
        learned("client credential", s, lambda s=s: check_credential(s, argument="token"))
    )  # type: ignore[misc]
    s = _fresh("registry-password-")
    shapes.append(learned("registry password argument", s, _registry_password(s)))
    s = _fresh("vault-value-")
    shapes.append(learned("registered (Vault) value", s, lambda s=s: register_secret(s)))  # type: ignore[misc]
    s = _fresh("extra-password-")
    shapes.append(learned("secret-named log field", s, logged(password=s)))
    s = _fresh("ZG9ja2VyOmF1dGg")
    shapes.append(
        learned("Docker config auth", s, logged(config={"auths": {"r.example": {"auth": s}}}))
    )
    s = _fresh("hdr-map-")
    shapes.append(learned("secret-named header in a log field", s, logged(headers={"X-Auth": s})))
    return shapes


def _registry_password(secret: str) -> Callable[[], None]:
    def learn() -> None:
        from mosaic_sdk.registry import RegistryClient

        RegistryClient(f"http://{_HOST}", username="ci", password=secret).close()

    return learn


# -- channels ------------------------------------------------------------------------------


def _repr_registry(shape: Shape) -> str:
    from mosaic_sdk.registry import RegistryClient

    assert shape.url is not None
    try:
        with RegistryClient(shape.url.split("/api")[0].split("?")[0].split("#")[0]) as client:
            return repr(client) + client.url
    except Exception as exc:  # a refused URL: its message is the channel
        return str(exc)


def _repr_http(shape: Shape) -> str:
    from mosaic_sdk._http import HTTPClient

    assert shape.url is not None
    try:
        with HTTPClient(shape.url) as client:
            return repr(client)
    except Exception as exc:
        return str(exc)


def _repr_prometheus(shape: Shape) -> str:
    from mosaic_sdk.observability import PrometheusClient

    assert shape.url is not None
    try:
        with PrometheusClient(shape.url) as client:
            return repr(client) + client.source_name
    except Exception as exc:
        return str(exc)


def _health_check(shape: Shape) -> str:
    from mosaic_sdk.release import HealthCheck

    assert shape.url is not None
    check = HealthCheck(shape.url)
    return f"{check!r} {check.name}"


def _service_check(shape: Shape) -> str:
    from mosaic_sdk.observability import ServiceCheck

    assert shape.url is not None
    return repr(ServiceCheck.http("api", shape.url))


def _promotion(shape: Shape) -> str:
    from mosaic_sdk.registry import RegistryClient
    from mosaic_sdk.release import Promotion

    assert shape.url is not None
    try:
        client = RegistryClient(shape.url.split("/api")[0])
    except Exception as exc:
        return str(exc)
    with client:
        return repr(Promotion(client, "team/app", actor="leaks"))


def _connection_error(shape: Shape) -> str:
    from mosaic_sdk._http import HTTPClient, RetryPolicy

    assert shape.url is not None
    with HTTPClient(retry=RetryPolicy(max_retries=0), timeout=2) as client:
        try:
            client.request("GET", shape.url)
        except Exception as exc:
            return f"{exc} {exc!r} {getattr(exc, 'url', '')}"
    return ""


def _bad_base_url(shape: Shape) -> str:
    from mosaic_sdk._http import check_base_url

    assert shape.url is not None
    try:
        check_base_url(shape.url.replace(_HOST, "127.0.0.1:port"), example="https://x")
    except Exception as exc:
        return str(exc)
    return ""


@contextlib.contextmanager
def _sdk_log(json_lines: bool) -> Iterator[io.StringIO]:
    from mosaic_sdk.observability import configure_logging

    stream = io.StringIO()
    logger = logging.getLogger("tests.leaks.sink")
    handler = configure_logging(json=json_lines, level="DEBUG", logger=logger, stream=stream)
    logger.propagate = False
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def _text_of(shape: Shape) -> str:
    return shape.url if shape.url is not None else f"value {shape.secret} end"


def _log_json(shape: Shape) -> str:
    with _sdk_log(True) as stream:
        logging.getLogger("tests.leaks.sink").warning("calling %s", _text_of(shape))
    return stream.getvalue()


def _log_text(shape: Shape) -> str:
    with _sdk_log(False) as stream:
        logging.getLogger("tests.leaks.sink").warning("calling %s", _text_of(shape))
    return stream.getvalue()


def _log_extra(shape: Shape) -> str:
    with _sdk_log(True) as stream:
        logging.getLogger("tests.leaks.sink").warning(
            "request failed", extra={"target": _text_of(shape), "attempt": 2}
        )
    return stream.getvalue()


def _log_traceback(shape: Shape) -> str:
    with _sdk_log(True) as stream:
        try:
            raise RuntimeError(f"upstream said {_text_of(shape)}")
        except RuntimeError:
            logging.getLogger("tests.leaks.sink").exception("failed")
    return stream.getvalue()


def _error_message(shape: Shape) -> str:
    from mosaic_sdk.errors import APIStatusError, MosaicError

    error = APIStatusError(
        f"failed for {_text_of(shape)}", status_code=500, url=shape.url or "", method="GET"
    )
    return f"{error} {error!r} {error.url} {MosaicError(_text_of(shape))}"


def _cli(shape: Shape) -> str:
    from mosaic_sdk.cli import main

    argv = ["health", f"api={shape.url}", "--timeout", "0.2", "--json"]
    if shape.url is None:
        argv = ["tag", "parse", f"v1.0.0-{shape.secret}", "--json"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            main(argv)
        finally:
            sys.stdout, sys.stderr = saved
    return out.getvalue() + err.getvalue()


def _evidence(shape: Shape) -> str:
    from mosaic_sdk.release import ReleaseEvidence

    with tempfile.TemporaryDirectory() as tmp:
        evidence = ReleaseEvidence(tmp, issue=13, short_name="leaks")
        evidence.record_failure(
            deployment="team/app prod",
            release="v1.0.0",
            reason=f"health check of {_text_of(shape)} failed",
            next_step=f"check {_text_of(shape)}",
            actions=(f"rolled back after {_text_of(shape)}",),
        )
        return "\n".join(p.read_text() for p in Path(tmp).rglob("*.md"))


def _report(shape: Shape) -> str:
    from mosaic_sdk.release import CheckResult, ValidationReport, Verdict

    now = datetime(2024, 6, 1, tzinfo=timezone.utc)
    result = CheckResult(
        f"health {_text_of(shape)}",
        "health",
        Verdict.FAILED,
        f"{_text_of(shape)} answered 500",
        evidence={"url": _text_of(shape)},
    )
    report = ValidationReport(
        "validation", "team/app@sha256:" + "a" * 64, "v1.0.0", f"at {_text_of(shape)}",
        (result,), now, now, 0.1,
    )  # fmt: skip
    return f"{report.to_markdown()}\n{report}\n{json.dumps(report.to_dict())}"


def _stack_health(shape: Shape) -> str:
    from mosaic_sdk.observability import ServiceHealth, StackHealthReport

    health = ServiceHealth(
        "api", "http", _text_of(shape), False, "500", 0.1, f"{_text_of(shape)} answered 500"
    )
    report = StackHealthReport((health,), 0.1, datetime(2024, 6, 1, tzinfo=timezone.utc))
    return f"{report}\n{report.to_markdown()}\n{json.dumps(report.to_dict())}"


#: (name, channel, takes URL shapes, takes learned shapes)
_CHANNELS: tuple[tuple[str, Callable[[Shape], str], bool, bool], ...] = (
    ("RegistryClient repr/url/error", _repr_registry, True, False),
    ("HTTPClient repr/error", _repr_http, True, False),
    ("PrometheusClient repr/source", _repr_prometheus, True, False),
    ("HealthCheck repr/name", _health_check, True, False),
    ("ServiceCheck repr", _service_check, True, False),
    ("Promotion repr", _promotion, True, False),
    ("connection error", _connection_error, True, False),
    ("base URL error", _bad_base_url, True, False),
    ("JSON log line", _log_json, True, True),
    ("text log line", _log_text, True, True),
    ("log extra field", _log_extra, True, True),
    ("log traceback", _log_traceback, True, True),
    ("exception message", _error_message, True, True),
    ("CLI output", _cli, True, True),
    ("evidence files", _evidence, True, True),
    ("validation report", _report, True, True),
    ("stack health report", _stack_health, True, True),
)


@attrs.frozen
class Attempt:
    """One secret shape through one channel."""

    shape: str
    channel: str
    run: Callable[[], str]
    forms: Callable[[], tuple[str, ...]]

    @property
    def id(self) -> str:
        return f"{self.channel} <- {self.shape}"


def attempts() -> list[Attempt]:
    """Every applicable (shape, channel) pair; each builds its fresh secret when run."""
    out = []
    shape_makers: list[tuple[str, bool, Callable[[], Shape]]] = []
    for index, shape in enumerate(_url_shapes()):
        shape_makers.append((shape.name, True, lambda i=index: _url_shapes()[i]))  # type: ignore[misc]
    for index, shape in enumerate(_learned_shapes()):
        shape_makers.append((shape.name, False, lambda i=index: _learned_shapes()[i]))  # type: ignore[misc]
    for shape_name, is_url, make in shape_makers:
        for channel_name, channel, url_ok, learned_ok in _CHANNELS:
            if (is_url and not url_ok) or (not is_url and not learned_ok):
                continue
            cell: dict[str, Shape] = {}

            def run(make: Callable[[], Shape] = make, channel: Callable[[Shape], str] = channel,
                    cell: dict[str, Shape] = cell) -> str:  # fmt: skip
                shape = cell["shape"] = make()
                if shape.learn is not None:
                    shape.learn()
                return channel(shape)

            out.append(
                Attempt(shape_name, channel_name, run, lambda cell=cell: cell["shape"].forms)  # type: ignore[misc]
            )
    return out


def run_attempts() -> tuple[int, list[str]]:
    """Run every attempt: ``(tried, ["channel <- shape", ...])`` for each leak."""
    leaks = []
    tried = 0
    for attempt in attempts():
        tried += 1
        try:
            produced = attempt.run()
        except Exception as exc:  # a crash is not a leak, but its message may be one
            produced = f"{type(exc).__name__}: {exc}"
        if any(form and form in produced for form in attempt.forms()):
            leaks.append(attempt.id)
    return tried, leaks
