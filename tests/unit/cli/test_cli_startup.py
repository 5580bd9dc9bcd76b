"""``mosaic --version`` and ``--help`` load only the parser; a command loads its module.

The command table of ``mosaic_sdk.cli._text`` stands in for the command modules when
``mosaic --help`` lists them, so it must say what the modules register. ``mosaic
promote`` loads neither asyncio nor the libraries and twins other commands use (with a
registry URL: tests/integration/cli/test_cli_promote_startup.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from mosaic_sdk.cli import build_parser, main
from mosaic_sdk.cli._text import COMMANDS
from tests._support.cli_helpers import (
    PROMOTE_NEVER_IMPORTS,
    Images,
    loaded_under,
    modules_loaded_by,
)


def _commands(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {choice.dest: str(choice.help) for choice in action._choices_actions}
    raise AssertionError("no subcommands")


def test_the_command_table_matches_what_the_modules_register() -> None:
    assert _commands(build_parser()) == {name: text for name, (_, text) in COMMANDS.items()}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_lives_in_the_module_the_table_names(name: str) -> None:
    module, _ = COMMANDS[name]
    import importlib

    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(f"mosaic_sdk.cli.{module}").register(sub)
    assert name in sub.choices


def _loaded(argv: list[str]) -> list[str]:
    probe = (
        "import json, sys\n"
        "from mosaic_sdk.cli import main\n"
        "import contextlib, io\n"
        "out, err = io.StringIO(), io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
        f"    main({argv!r})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('mosaic_sdk'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return list(json.loads(done.stdout))


@pytest.mark.parametrize("argv", [["--version"], ["--help"], []])
def test_version_and_help_load_only_the_parser(argv: list[str]) -> None:
    assert _loaded(argv) == [
        "mosaic_sdk",
        "mosaic_sdk._version",
        "mosaic_sdk.cli",
        "mosaic_sdk.cli._app",
        "mosaic_sdk.cli._text",
    ]


def test_a_command_loads_its_own_module_and_not_the_others() -> None:
    loaded = _loaded(["tag", "parse", "v1.2.3"])
    assert "mosaic_sdk.cli._images" in loaded
    assert not {"mosaic_sdk.cli._vault", "mosaic_sdk.cli._release"} & set(loaded)
    assert not [name for name in loaded if name.startswith("mosaic_sdk.providers")]


def test_promote_on_a_layout_loads_no_event_loop_http_or_other_commands(images: Images) -> None:
    loaded = modules_loaded_by(["promote", "v1.4.0-rc.2", "--to", "testing", *images.args])
    assert "mosaic_sdk.release._sync.promotion" in loaded  # the probe saw the promotion
    assert loaded_under(loaded, [*PROMOTE_NEVER_IMPORTS, "httpx", "httpcore", "tenacity"]) == []


def test_the_sync_registry_client_and_promotion_load_no_async_stack() -> None:
    # What a script promoting over HTTP imports, without a server to talk to.
    probe = (
        "import json, sys\n"
        "from mosaic_sdk import Promotion\n"
        "from mosaic_sdk.registry import RegistryClient\n"
        "with RegistryClient('http://127.0.0.1:9') as client:\n"
        "    Promotion(client, 'team/api', actor='ci')\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(done.stdout)
    assert "httpx" in loaded  # the probe did build an HTTP client
    assert loaded_under(loaded, PROMOTE_NEVER_IMPORTS) == []


def test_help_lists_every_command_like_the_full_parser(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--help"]) == 0
    assert capsys.readouterr().out == build_parser().format_help()


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["-v", "tag", "parse", "v1"], "tag"),
        (["--log-format", "json", "lint"], "lint"),
        (["--correlation-id=abc", "promote"], "promote"),
        (["-vv", "--correlation-id", "x", "vault", "path"], "vault"),
        (["--version"], None),
    ],
)
def test_the_command_is_found_past_the_global_options(argv: list[str], command: str | None) -> None:
    from mosaic_sdk.cli._app import _command_of

    assert _command_of(argv) == command
