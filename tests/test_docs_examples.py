"""Every ```python block in README.md and docs/ runs, so the docs cannot drift.

Blocks of one page run in order in one namespace, in a fresh temporary directory.

A block that talks to a server is preceded by ``<!-- run-with: NAME[, NAME...] -->`` and
runs against a local stand-in for each NAME (see ``STAND_INS`` below): before the block
runs, the stand-in is started, its environment variables are set, the names it provides
(``token``, ``role_id``, ...) are put in the namespace unless the page defined them, and
the placeholder URLs and credentials the page shows are replaced in the block's text by
the stand-in's. So ``https://registry.example.com`` in the docs becomes a real
``docker-registry`` on 127.0.0.1, and the example fails if the API it shows changes.

A block preceded by ``<!-- no-run: reason -->`` is skipped; the reason is required, so
nothing is skipped silently. Both markers are HTML comments: mkdocs renders them as
nothing.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(
    r"(?:<!--\s*(?:no-run:(?P<reason>[^>]*)|run-with:(?P<stand_ins>[^>]*))-->\s*\n)?"
    r"^```python[^\n]*\n(?P<code>.*?)^```",
    re.MULTILINE | re.DOTALL,
)


@attrs.frozen
class Block:
    page: Path
    line: int
    code: str
    skip_reason: str | None = None
    stand_ins: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    out = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start("code")) + 1
        reason, names = match.group("reason"), match.group("stand_ins")
        out.append(
            Block(
                page,
                line,
                match.group("code"),
                skip_reason=reason.strip() if reason is not None else None,
                stand_ins=tuple(n.strip() for n in (names or "").split(",") if n.strip()),
            )
        )
    return out


@attrs.frozen
class StandIn:
    """What a running stand-in gives a docs block.

    Attributes:
        replace: placeholder text in the docs -> the stand-in's value (URLs, credentials).
        names: variables the block may use without defining them (``token``, ...).
        env: environment variables set while the page runs (``VAULT_ADDR``, ...).
    """

    replace: Mapping[str, str] = attrs.field(factory=dict)
    names: Mapping[str, object] = attrs.field(factory=dict)
    env: Mapping[str, str] = attrs.field(factory=dict)

    def prepare(self, block: Block) -> str:
        code = block.code
        for placeholder, value in self.replace.items():
            code = code.replace(placeholder, value)
        return code


# ------------------------------------------------------------------------ stand-ins
# Each ``docs_<name>`` fixture starts one stand-in; a page asks for it by name.


@pytest.fixture
def docs_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    """A real OpenBao dev server (``tests/_support/openbao.py``).

    Mounts ``secret-dev``/``-staging``/``-prod`` (KV v2) and a legacy ``secret`` mount
    with three secrets, as in docs/secrets.md. Names: ``token``, ``role_id``,
    ``secret_id`` (an AppRole of the server), ``generated`` and ``rotated`` (passwords).
    """
    from tests._support.openbao import OpenBaoServer

    mounts = ("secret-dev", "secret-staging", "secret-prod")  # -dev has a KV v2 "secret"
    with OpenBaoServer(
        tmp_path_factory.mktemp("docs-bao"), kv2_mounts=mounts, kv1_mounts=()
    ) as bao:
        for relative, data in (
            ("payments/db", {"username": "payments_app", "pass": "legacy-pw-01"}),
            ("payments/database/app", {"password": "legacy-pw-02"}),
            ("checkout/api/stripe", {"token": "legacy-token-03"}),
        ):
            bao.ok("POST", f"secret/data/{relative}", {"data": data})
        bao.put_policy("docs-payments", 'path "secret-prod/*" { capabilities = ["read"] }')
        role_id, secret_id = bao.approle("docs", "docs-payments")
        yield StandIn(
            replace={"https://vault.example.com:8200": bao.url},
            names={
                "token": bao.root_token,
                "role_id": role_id,
                "secret_id": secret_id,
                "generated": "docs-generated-pw-5b1e",
                "rotated": "docs-rotated-pw-9c4a",
            },
            env={"VAULT_ADDR": bao.url, "VAULT_TOKEN": bao.root_token},
        )


@pytest.fixture(scope="module")
def docs_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    """Debian's ``prometheus`` scraping ``tests/_support/metrics_app.py`` (under traffic) as
    ``job="web"``, for ``http://127.0.0.1:9090``; ready once ``up{job="web"}`` has a
    sample. Module scope: the traffic thread must stop before other modules run (vcrpy
    cassettes would see its requests)."""
    from mosaic_sdk.observability import PrometheusClient
    from tests._support.metrics_app import MetricsApp
    from tests._support.prometheus_server import PrometheusServer

    workdir = tmp_path_factory.mktemp("docs-prometheus")
    with MetricsApp() as app:
        app.start_traffic(per_second=20)
        with PrometheusServer(workdir, {"web": app.host}) as server:
            with PrometheusClient(server.url, timeout=10) as prom:
                deadline = time.monotonic() + 30
                while prom.query('up{job="web"}').is_empty:  # the first scrape
                    assert time.monotonic() < deadline, "prometheus never scraped the app"
                    time.sleep(0.2)
            yield StandIn(replace={"http://127.0.0.1:9090": server.url})


@pytest.fixture(scope="module")
def docs_haproxy() -> Iterator[StandIn]:
    """Two loopback services (``tests/_support/metrics_app.py``) for the addresses
    ``10.0.0.11:8080`` (stable) and ``10.0.0.12:8080`` (candidate), a free port for the
    frontend's ``127.0.0.1:8080``, and Debian's ``haproxy`` (the example starts and stops
    its own)."""
    from tests._support.metrics_app import MetricsApp
    from tests._support.servers import free_port, require_binary

    require_binary("haproxy")
    with MetricsApp(version="1.4.0") as stable, MetricsApp(version="1.5.0") as candidate:
        yield StandIn(
            replace={
                "10.0.0.11:8080": stable.host,
                "10.0.0.12:8080": candidate.host,
                "127.0.0.1:8080": f"127.0.0.1:{free_port()}",
            }
        )


@pytest.fixture(scope="module")
def docs_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    """Debian's ``redis-server`` with a password, for
    ``redis://:PASSWORD@redis.internal:6379/0``."""
    from tests._support.redis_server import RedisServer

    with RedisServer(tmp_path_factory.mktemp("docs-redis")) as server:
        yield StandIn(replace={"redis://:PASSWORD@redis.internal:6379/0": server.url})


@pytest.fixture(scope="module")
def docs_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    """Debian's ``docker-registry`` with htpasswd Basic auth, holding ``team/app:v1.4.0``,
    for ``https://registry.example.com``; user ``ci`` becomes the registry's user and
    ``token`` its password."""
    from mosaic_sdk.registry import RegistryClient
    from tests._support.images import image, push
    from tests._support.servers import HTPASSWD_PASSWORD, HTPASSWD_USER, RegistryServer

    server = RegistryServer(tmp_path_factory.mktemp("docs-registry"), auth="htpasswd").start()
    try:
        with RegistryClient(server.url, username=HTPASSWD_USER, password=HTPASSWD_PASSWORD) as c:
            push(c, "team/app", image(random.Random("docs")), "v1.4.0")
        yield StandIn(
            replace={
                "https://registry.example.com": server.url,
                'username="ci"': f'username="{HTPASSWD_USER}"',
            },
            names={"token": HTPASSWD_PASSWORD},
        )
    finally:
        server.stop()


@pytest.fixture
def docs_logging() -> Iterator[StandIn]:
    """Lets a block change the process's logging: the root logger gets one extra
    handler for the block to configure, and every handler's filters and every logger's
    level are restored afterwards."""
    root = logging.getLogger()

    def loggers() -> dict[str, logging.Logger]:
        named = logging.root.manager.loggerDict
        return {"": root, **{n: logging.getLogger(n) for n in list(named)}}

    levels = {name: logger.level for name, logger in loggers().items()}
    handler = logging.NullHandler()
    root.addHandler(handler)
    filters = [(h, list(h.filters)) for h in root.handlers]
    try:
        yield StandIn()
    finally:
        root.removeHandler(handler)
        for h, saved in filters:
            h.filters[:] = saved
        for name, logger in loggers().items():  # loggers the block created go back to NOTSET
            logger.setLevel(levels.get(name, logging.NOTSET))


@pytest.fixture
def docs_vercel() -> Iterator[StandIn]:
    """The Vercel fake (``tests/_support/fake_vercel.py``) over HTTP: ``vercel-token``,
    ``team_...`` and ``prj_...`` become its token, team and project; builds are ready at
    the first poll and promotions land at the next project read."""
    from tests._support.fake_http import serve
    from tests._support.fake_vercel import PROJECT_ID, TEAM_ID, TOKEN, FakeVercel

    fake = FakeVercel()
    fake.build_steps = ["READY"]
    fake.promote_delay = 0
    with serve(fake) as url:
        yield StandIn(
            replace={
                '"vercel-token"': f'"{TOKEN}"',
                'team_id="team_..."': f'team_id="{TEAM_ID}", base_url="{url}"',
                '"prj_..."': f'"{PROJECT_ID}"',
            }
        )


@pytest.fixture
def docs_coolify() -> Iterator[StandIn]:
    """The Coolify fake (``tests/_support/coolify_fake.py``) over HTTP, with the application
    ``m0k4s8w0c8g4o8sc0kcsw8k0``; ``COOLIFY_URL`` and ``COOLIFY_TOKEN`` point at it."""
    from tests._support.coolify_fake import TOKEN, FakeCoolify, serve

    fake = FakeCoolify(progression=("queued", "finished"))
    fake.add_application("m0k4s8w0c8g4o8sc0kcsw8k0", name="shop")
    with serve(fake) as url:
        yield StandIn(env={"COOLIFY_URL": url, "COOLIFY_TOKEN": TOKEN})


@pytest.fixture
def docs_portainer() -> Iterator[StandIn]:
    """The Portainer fake (``tests/_support/fake_portainer.py``, stack 7 on endpoint 1) over
    HTTP, for ``https://portainer.example.com:9443`` with the key ``ptr_...``."""
    from tests._support.fake_http import serve
    from tests._support.fake_portainer import API_KEY, FakePortainer

    with serve(FakePortainer()) as url:
        yield StandIn(
            replace={"https://portainer.example.com:9443": url, '"ptr_..."': f'"{API_KEY}"'}
        )


STAND_INS = (
    "vault", "prometheus", "registry", "logging", "vercel", "coolify", "portainer", "haproxy",
    "redis",
)  # fmt: skip


# ------------------------------------------------------------------------ tests

PAGES_WITH_CODE = [p for p in PAGES if _blocks(p)]


def test_there_are_examples_to_run() -> None:
    assert len(PAGES_WITH_CODE) >= 3


def test_every_stand_in_named_in_the_docs_exists() -> None:
    for page in PAGES_WITH_CODE:
        for block in _blocks(page):
            unknown = set(block.stand_ins) - set(STAND_INS)
            assert not unknown, f"{block.where}: unknown stand-in {unknown}; known: {STAND_INS}"


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_examples_run(
    page: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    started: dict[str, StandIn] = {}
    ran = 0
    for block in _blocks(page):
        if block.skip_reason is not None:
            assert block.skip_reason, f"{block.where}: a no-run marker needs a reason"
            continue
        code = block.code
        for name in block.stand_ins:
            if name not in started:
                stand_in: StandIn = request.getfixturevalue(f"docs_{name}")
                for key, value in stand_in.env.items():
                    monkeypatch.setenv(key, value)
                started[name] = stand_in
            stand_in = started[name]
            for key, value in stand_in.names.items():
                namespace.setdefault(key, value)
            code = stand_in.prepare(attrs.evolve(block, code=code))
        compiled = compile(code, block.where, "exec")
        exec(compiled, namespace)  # noqa: S102 - running our own documentation
        ran += 1
    assert ran > 0 or os.environ.get("MOSAIC_DOCS_ALLOW_EMPTY")
