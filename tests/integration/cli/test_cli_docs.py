"""The shell sessions in docs/cli.md run, in order, and print what the page says.

The page's ``python`` blocks (which set up an OCI layout and some files) and its
``console`` blocks run in one temporary directory, top to bottom. In a console block,
``$ mosaic ...`` runs :func:`mosaic_sdk.cli.main`, ``$ export A=B`` sets variables and
``$ echo $?`` checks the previous exit code, ``~/`` is the home directory and a final
``| jq FILTER`` pipes stdout through ``jq``; every other command needs the block to be
marked ``<!-- no-run: reason -->``. A block marked ``<!-- run-with: NAME -->`` runs
against the stand-in ``stand_in_NAME`` (the in-memory Vault of ``tests/_support/fake_vault.py``,
or local services for ``mosaic health``), with the placeholder addresses of the page
replaced by the stand-in's. The expected output is stderr followed by stdout (the
notes a command prints come before its result); ``...`` in it matches any text, a
``sha256:`` digest (full or 12-digit short) matches any digest and a duration (``8 ms``,
``0.01 s``) any duration.
"""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests._support.cli_helpers import CLI
from tests._support.fake_vault import TEST_TOKEN, FakeVault, serve
from tests._support.servers import free_port, require_binary

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "cli.md"
BLOCK = re.compile(
    r"(?:<!--\s*(?:no-run:(?P<reason>[^>]*)|run-with:(?P<stand_ins>[^>]*))-->\s*\n)?"
    r"^```(?P<lang>python|console)[^\n]*\n(?P<code>.*?)^```",
    re.MULTILINE | re.DOTALL,
)


# Digests differ between runs (image creation times differ): any full or short sha256
# digest matches any other.
_DIGEST = re.compile(r"sha256:[0-9a-f]{12}(?:[0-9a-f]{52})?\b")
# Durations differ too: any "N ms" or "N.NN s" matches any other.
_DURATION = re.compile(r"\b\d+(?:\.\d+)? m?s\b")
# A metric gate's measured value ("0.0021 within <= 0.01") differs on every run; the
# threshold after it does not, and stays compared.
_MEASURED = re.compile(r": \d+(?:\.\d+)?(?:e-?\d+)? within ")


def _sessions(text: str) -> list[tuple[str, list[str]]]:
    """``(command, expected output lines)`` for each ``$`` line of a console block; a
    command ending in a backslash continues on the next line, as in a shell."""
    sessions: list[tuple[str, list[str]]] = []
    continued = False
    for line in text.splitlines():
        if continued:
            command, output = sessions[-1]
            sessions[-1] = (command[:-1].rstrip() + " " + line.strip(), output)
        elif line.startswith("$ "):
            sessions.append((line[2:], []))
        else:
            assert sessions, f"output before any command: {line!r}"
            sessions[-1][1].append(line)
        continued = bool(sessions) and not sessions[-1][1] and sessions[-1][0].endswith("\\")
    return sessions


def _matches(expected: str, actual: str) -> bool:
    def normal(text: str) -> str:
        text = _DURATION.sub("<duration>", _DIGEST.sub("sha256:<digest>", text))
        return _MEASURED.sub(": <measured> within ", text)

    expected, actual = normal(expected), normal(actual)
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


@pytest.fixture
def stand_in_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A Vault with a legacy ``secret`` mount (two secrets, one with a legacy field) and
    a clean ``secret-prod``, for ``https://vault.example.com:8200``; ``~/.vault-token``
    holds its token."""
    vault = FakeVault({"secret": 2, "secret-prod": 2})
    vault.seed_v2("secret", "payments/database/app", {"username": "app", "pass": "legacy-pw-1"})
    vault.seed_v2("secret", "payments/smtp", {"password": "legacy-pw-2"})
    vault.seed_v2("secret-prod", "payments/database/app", {"username": "app", "password": "pw-3"})
    home = tmp_path / "home"
    home.mkdir()
    (home / ".vault-token").write_text(TEST_TOKEN + "\n")
    monkeypatch.setenv("HOME", str(home))
    with serve(vault) as url:
        yield {"https://vault.example.com:8200": url}


@pytest.fixture
def stand_in_services() -> Iterator[dict[str, str]]:
    """For ``mosaic health``: an HTTP service answering ``/health`` 200 after 50 ms (so it
    is the slowest) for ``127.0.0.1:8080``, a TCP listener for ``127.0.0.1:5432`` and a
    port nobody listens on for ``127.0.0.1:6379``."""

    class Health(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            time.sleep(0.05)
            self.send_response(200 if self.path == "/health" else 404)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    http = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    http.daemon_threads = True
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    with socket.socket() as tcp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen(8)
        try:
            yield {
                "127.0.0.1:8080": f"127.0.0.1:{http.server_address[1]}",
                "127.0.0.1:5432": f"127.0.0.1:{tcp.getsockname()[1]}",
                "127.0.0.1:6379": f"127.0.0.1:{free_port()}",
            }
        finally:
            http.shutdown()
            http.server_close()
            thread.join(timeout=5)


@pytest.fixture
def stand_in_prometheus(tmp_path: Path) -> Iterator[dict[str, str]]:
    """For ``mosaic validate``: ``tests/_support/metrics_app.py`` serving the documented digest and
    version at ``http://10.0.0.5:8080`` under steady traffic, and Debian's ``prometheus``
    scraping it as ``job="api-blue"`` at ``http://prometheus:9090``; ready once the 5m
    error ratio has data."""
    from mosaic_sdk.observability import PrometheusClient
    from tests._support.metrics_app import MetricsApp
    from tests._support.prometheus_server import PrometheusServer

    digest = "sha256:0c11975afd5585914ee0853d209a1c544857d403a9ef9a30b6045c63a7699490"
    with MetricsApp(digest=digest, version="1.4.0-rc.2") as app:
        app.start_traffic(per_second=20)
        try:
            with PrometheusServer(tmp_path / "prometheus", {"api-blue": app.host}) as server:
                query = 'sum(rate(http_requests_total{job="api-blue"}[5m]))'
                with PrometheusClient(server.url, timeout=10) as prom:
                    deadline = time.monotonic() + 60
                    while prom.query(query).is_empty:  # two scrapes make a rate
                        assert time.monotonic() < deadline, "prometheus has no rate yet"
                        time.sleep(0.25)
                yield {
                    "http://10.0.0.5:8080": f"http://{app.host}",
                    "http://prometheus:9090": server.url,
                }
        finally:
            app.stop_traffic()


STAND_INS = ("vault", "services", "prometheus")


def _jq(text: str, program: str) -> str:
    jq = require_binary("jq")
    return subprocess.run(
        [jq, program], input=text, capture_output=True, text=True, check=True
    ).stdout


def test_cli_page_sessions_run(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.chdir(tmp_path)
    text = PAGE.read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "docs_cli"}
    commands = 0
    last_code: int | None = None
    for block in BLOCK.finditer(text):
        where = f"docs/cli.md:{text.count(chr(10), 0, block.start('code')) + 1}"
        if block.group("reason") is not None:
            assert block.group("reason").strip(), f"{where}: a no-run marker needs a reason"
            continue
        code = block.group("code")
        for name in (block.group("stand_ins") or "").split(","):
            if name.strip():
                assert name.strip() in STAND_INS, f"{where}: unknown stand-in {name!r}"
                replace = request.getfixturevalue(f"stand_in_{name.strip()}")
                for placeholder, value in replace.items():
                    code = code.replace(placeholder, value)
        if block.group("lang") == "python":
            exec(compile(code, where, "exec"), namespace)  # noqa: S102 - our own docs
            continue
        for command, expected_lines in _sessions(code):
            command, _, jq_program = command.partition(" | jq ")
            argv = [
                str(Path.home() / arg[2:]) if arg.startswith("~/") else arg
                for arg in shlex.split(command)
            ]
            expected = "\n".join(expected_lines) + ("\n" if expected_lines else "")
            if argv[0] == "export":
                for assignment in argv[1:]:
                    name, _, value = assignment.partition("=")
                    monkeypatch.setenv(name, value)
                continue
            if argv == ["echo", "$?"]:
                assert f"{last_code}\n" == expected, f"{where}: exit code of the last command"
                continue
            assert argv[0] == "mosaic", f"{where}: {command!r} cannot run here; mark the block"
            run = cli(*argv[1:])
            last_code = run.code
            commands += 1
            actual = run.err + (_jq(run.out, shlex.split(jq_program)[0]) if jq_program else run.out)
            assert _matches(expected, actual), (
                f"{where}: $ {command}\n--- expected\n{expected}--- actual\n{actual}"
            )
    assert commands >= 15


def test_the_matcher() -> None:
    assert _matches("a ... c\n", "a bbb\nb c\n")
    assert not _matches("a ... c\n", "a b d\n")
    assert _matches("x sha256:" + "0" * 12 + " y\n", "x sha256:" + "a1" * 6 + " y\n")
    assert not _matches("x sha256:" + "0" * 12 + " y\n", "x sha256:nothex y\n")
    assert _matches("x\n", "x\n")
