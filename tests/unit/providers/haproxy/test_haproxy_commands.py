"""HAProxy runtime API commands, answers and configuration, without HAProxy.

The answers below were captured from Debian's HAProxy 2.6.12 (the integration tests in
``tests/integration/providers/test_haproxy_splitter.py`` talk to the real one).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic_sdk.errors import ConfigurationError, HAProxyCommandError, InvalidValueError
from mosaic_sdk.providers.haproxy import (
    HAProxyConfig,
    HAProxySlot,
    HAProxySlotRecord,
    ServerAddress,
    StaticServices,
    _commands,
)
from mosaic_sdk.values import ImageReference

STATE = (
    "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight "
    "srv_iweight srv_time_since_last_change srv_check_status srv_check_result "
    "srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id "
    "srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr "
    "srv_agent_port\n"
    "3 app 1 stable 127.0.0.1 2 0 100 100 1 15 0 2 0 0 0 0 - 18556 - 0 0 - - 0\n"
    "3 app 2 canary 127.0.0.1 0 5 25 0 1 17 0 0 8 0 0 0 - 1 - 0 0 - - 0\n\n"
)
IMAGE = ImageReference.parse("ghcr.io/acme/web:v1@sha256:" + "a" * 64)


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (_commands.set_weight("app", "canary", 25), "set weight app/canary 25"),
        (_commands.get_weight("app", "stable"), "get weight app/stable"),
        (_commands.set_state("app", "canary", "maint"), "set server app/canary state maint"),
        (
            _commands.set_addr("app", "canary", ServerAddress("10.0.0.5", 8081)),
            "set server app/canary addr 10.0.0.5 port 8081",
        ),
        (_commands.show_servers_state("app"), "show servers state app"),
    ],
)
def test_commands(built: str, expected: str) -> None:
    assert built == expected


@pytest.mark.parametrize(
    "name", ["", "app;shutdown sessions", "app\nset weight x/y 0", "a b", "x" * 65, "é"]
)
def test_names_that_would_start_another_command_are_refused(name: str) -> None:
    with pytest.raises(InvalidValueError, match="HAProxy backend name"):
        _commands.set_weight(name, "canary", 10)


@pytest.mark.parametrize("weight", [-1, 257, True, 1.5])
def test_weights_outside_haproxys_range_are_refused(weight: object) -> None:
    with pytest.raises(InvalidValueError, match="0 to 256"):
        _commands.set_weight("app", "canary", weight)  # type: ignore[arg-type]


@pytest.mark.parametrize(("answer", "weight"), [("25 (initial 0)\n\n", 25), ("0 (initial 1)", 0)])
def test_get_weight_answers(answer: str, weight: int) -> None:
    assert _commands.parse_weight("get weight app/canary", answer) == weight


@pytest.mark.parametrize("answer", ["No such server.\n\n", "", "Unknown command\n"])
def test_an_answer_without_a_weight_is_an_error(answer: str) -> None:
    with pytest.raises(HAProxyCommandError) as info:
        _commands.parse_weight("get weight app/nope", answer)
    assert info.value.command == "get weight app/nope"
    assert info.value.answer == answer


def test_set_answers() -> None:
    _commands.check_empty_answer("set weight app/canary 10", "\n")
    with pytest.raises(HAProxyCommandError, match="Absolute weight"):
        _commands.check_empty_answer(
            "set weight app/canary 300",
            "Absolute weight can only be between 0 and 256 inclusive.\n\n",
        )
    _commands.parse_addr_answer(
        "set server app/canary addr 127.0.0.1 port 18557",
        "no need to change the addr, port changed from '1' to '18557' by 'stats socket command'\n",
    )
    _commands.parse_addr_answer(
        "x", "IP changed from '10.0.0.1' to '10.0.0.2' by 'stats socket command'\n"
    )
    with pytest.raises(HAProxyCommandError):
        _commands.parse_addr_answer("x", "No such server.\n")


def test_servers_state() -> None:
    servers = _commands.parse_servers_state("show servers state app", STATE)
    stable, canary = servers["stable"], servers["canary"]
    assert stable.address == ServerAddress("127.0.0.1", 18556)
    assert (stable.weight, stable.maintenance, stable.running) == (100, False, True)
    assert stable.check_passed
    assert not stable.check_failed
    assert stable.serving
    assert canary.address == ServerAddress("127.0.0.1", 1)
    assert (canary.weight, canary.maintenance, canary.running) == (25, True, False)
    assert canary.check_failed
    assert not canary.serving


@pytest.mark.parametrize("answer", ["Can't find backend.\n", "1\n# be_id srv_name\n3\n"])
def test_an_unreadable_server_table_is_an_error(answer: str) -> None:
    with pytest.raises(HAProxyCommandError):
        _commands.parse_servers_state("show servers state app", answer)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("127.0.0.1:8080", ServerAddress("127.0.0.1", 8080)),
        ("[::1]:8080", ServerAddress("::1", 8080)),
        ("::1:8080", ServerAddress("::1", 8080)),
    ],
)
def test_addresses_round_trip(text: str, address: ServerAddress) -> None:
    assert ServerAddress.parse(text) == address
    assert ServerAddress.parse(str(address)) == address


@pytest.mark.parametrize("text", ["localhost:80", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:x"])
def test_addresses_haproxy_cannot_take_are_refused(text: str) -> None:
    with pytest.raises(InvalidValueError):
        ServerAddress.parse(text)


def _config(tmp: Path, **options: object) -> HAProxyConfig:
    return HAProxyConfig(
        listen=ServerAddress("127.0.0.1", 8080),
        backend="app",
        socket=tmp / "admin.sock",
        pidfile=tmp / "haproxy.pid",
        **options,  # type: ignore[arg-type]
    )


def test_the_configuration_names_both_servers_and_an_admin_socket(tmp_path: Path) -> None:
    record = HAProxySlotRecord(IMAGE, ServerAddress("127.0.0.1", 8081), weight=100)
    text = _config(tmp_path, servers={HAProxySlot.STABLE: record}).render()
    assert f"stats socket {tmp_path / 'admin.sock'} mode 600 level admin" in text
    assert "    bind 127.0.0.1:8080\n" in text
    assert "    server stable 127.0.0.1:8081 weight 100\n" in text
    assert "    server canary 127.0.0.1:1 weight 0 disabled\n" in text
    assert "httpchk" not in text


def test_with_checks_an_idle_release_stays_checked(tmp_path: Path) -> None:
    servers = {
        HAProxySlot.STABLE: HAProxySlotRecord(IMAGE, ServerAddress("127.0.0.1", 8081), weight=100),
        HAProxySlot.CANARY: HAProxySlotRecord(IMAGE, ServerAddress("127.0.0.1", 8082), weight=0),
    }
    checked = _config(tmp_path, servers=servers, health_check="/health").render()
    assert "    option httpchk GET /health\n" in checked
    assert "server canary 127.0.0.1:8082 weight 0 check inter 1s fall 2 rise 1\n" in checked
    unchecked = _config(tmp_path, servers=servers).render()
    assert "server canary 127.0.0.1:8082 weight 0 disabled\n" in unchecked


def test_configuration_values_that_would_break_the_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError):
        _config(tmp_path, health_check="/health\n    server evil 1.2.3.4:80")
    with pytest.raises(ConfigurationError, match="107 bytes"):
        HAProxyConfig(
            listen=ServerAddress("127.0.0.1", 8080), backend="app",
            socket=Path("/tmp/" + "d" * 120 + "/admin.sock"), pidfile=tmp_path / "p",
        )  # fmt: skip
    with pytest.raises(ConfigurationError, match="space"):
        _config(tmp_path / "with space")


def test_static_services_look_up_by_digest() -> None:
    services = StaticServices({IMAGE.digest: "127.0.0.1:9000"})  # type: ignore[dict-item]
    assert services.deploy(IMAGE) == ServerAddress("127.0.0.1", 9000)
    other = ImageReference.parse("ghcr.io/acme/web@sha256:" + "b" * 64)
    with pytest.raises(ConfigurationError, match="no running service"):
        services.deploy(other)


def test_the_state_file_round_trips_and_refuses_hand_edits(tmp_path: Path) -> None:
    from mosaic_sdk.providers.haproxy._local import load_state, save_state

    path = tmp_path / "servers.json"
    assert load_state(path) == {}
    slots = {
        HAProxySlot.STABLE: HAProxySlotRecord(
            IMAGE, ServerAddress("127.0.0.1", 8081), version="v1", weight=90
        )
    }
    save_state(path, "app", slots)
    assert load_state(path) == slots
    path.write_text('{"slots": {"stable": {"image": "ghcr.io/acme/web:v1", "address": "x"}}}')
    with pytest.raises(ConfigurationError, match="malformed slot"):
        load_state(path)
    path.write_text("not json")
    with pytest.raises(ConfigurationError, match="not readable JSON"):
        load_state(path)
