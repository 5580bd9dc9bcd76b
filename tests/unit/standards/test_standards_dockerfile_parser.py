"""The Dockerfile parser on the syntax BuildKit accepts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mosaic_sdk.standards import lint_dockerfile, parse_dockerfile
from mosaic_sdk.standards._dockerfile_parser import expand_variables, parse_arg, parse_env


def test_continuation_joins_lines_and_skips_comments_and_blank_lines() -> None:
    text = (
        "FROM alpine:3.20\n"
        "RUN apk add \\\n"
        "    # a comment inside the continuation\n"
        "\n"
        "    curl \\\n"
        "    git\n"
        "USER app\n"
    )

    df = parse_dockerfile(text)

    run = df.stages[0].instructions[0]
    assert run.keyword == "RUN"
    assert run.arguments == "apk add     curl     git"
    assert (run.line, run.end_line) == (2, 6)
    assert df.stages[0].instructions[1].line == 7
    assert df.problems == ()


def test_trailing_whitespace_after_the_escape_still_continues() -> None:
    df = parse_dockerfile("FROM alpine:3.20\nRUN echo a \\   \n  b\n")

    assert df.stages[0].instructions[0].arguments == "echo a   b"


def test_backtick_escape_directive() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir C:\\ `\n  /s\n"

    df = parse_dockerfile(text)

    assert df.escape == "`"
    assert ("escape", "`") in df.directives
    run = df.stages[0].instructions[0]
    assert run.arguments == "dir C:\\   /s"
    assert (run.line, run.end_line) == (3, 4)


def test_directives_stop_at_the_first_comment_or_instruction() -> None:
    df = parse_dockerfile("# a comment\n# escape=`\nFROM alpine:3.20\n")

    assert df.escape == "\\"
    assert df.directives == ()


def test_syntax_directive_is_recorded() -> None:
    df = parse_dockerfile("# syntax=docker/dockerfile:1.7\nFROM alpine:3.20\n")

    assert df.directives == (("syntax", "docker/dockerfile:1.7"),)


def test_duplicate_directive_is_a_problem() -> None:
    df = parse_dockerfile("# escape=`\n# escape=\\\nFROM alpine:3.20\n")

    assert [p.line for p in df.problems] == [2]


def test_heredoc_body_is_not_parsed_as_instructions() -> None:
    text = (
        "FROM alpine:3.20\nRUN <<EOF\nFROM this is not an instruction\nUSER root\nEOF\nUSER app\n"
    )

    df = parse_dockerfile(text)

    assert len(df.stages) == 1
    run, user = df.stages[0].instructions
    assert run.heredocs[0].body == "FROM this is not an instruction\nUSER root\n"
    assert run.heredocs[0].line == 3
    assert (run.line, run.end_line) == (2, 5)
    assert user.keyword == "USER"
    assert user.line == 6


def test_heredoc_with_dash_strips_leading_tabs_and_quoted_delimiter_disables_expansion() -> None:
    text = "FROM alpine:3.20\nRUN <<-'END'\n\techo $HOME\n\tEND\n"

    heredoc = parse_dockerfile(text).stages[0].instructions[0].heredocs[0]

    assert heredoc.delimiter == "END"
    assert heredoc.strip_tabs
    assert not heredoc.expand
    assert heredoc.body == "echo $HOME\n"


def test_several_heredocs_in_one_instruction() -> None:
    text = (
        "FROM alpine:3.20\n"
        "COPY <<one.txt <<two.txt /dest/\n"
        "first\n"
        "one.txt\n"
        "second\n"
        "two.txt\n"
        "USER app\n"
    )

    copy, user = parse_dockerfile(text).stages[0].instructions

    assert [h.body for h in copy.heredocs] == ["first\n", "second\n"]
    assert [h.delimiter for h in copy.heredocs] == ["one.txt", "two.txt"]
    assert user.line == 7


def test_heredoc_after_a_command_word() -> None:
    text = "FROM alpine:3.20\nRUN cat <<EOF > /etc/motd\nhello\nEOF\n"

    run = parse_dockerfile(text).stages[0].instructions[0]

    assert run.arguments == "cat <<EOF > /etc/motd"
    assert run.heredocs[0].body == "hello\n"


def test_here_string_is_not_a_heredoc() -> None:
    run = parse_dockerfile("FROM alpine:3.20\nRUN cat <<<word\n").stages[0].instructions[0]

    assert run.heredocs == ()


def test_unclosed_heredoc_is_a_problem_at_its_instruction() -> None:
    df = parse_dockerfile("FROM alpine:3.20\nRUN <<EOF\necho hi\n")

    assert [(p.line, "EOF" in p.message) for p in df.problems] == [(2, True)]


def test_exec_form_and_shell_form() -> None:
    df = parse_dockerfile(
        'FROM alpine:3.20\nCMD ["python", "-m", "app"]\nENTRYPOINT exec app\nCMD [not json\n'
    )

    cmd, entrypoint, broken = df.stages[0].instructions
    assert cmd.exec_form == ("python", "-m", "app")
    assert entrypoint.exec_form is None
    assert broken.exec_form is None  # BuildKit falls back to the shell form


def test_flags_are_separated_from_arguments() -> None:
    text = (
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "COPY --from=build --chown=app:app /out /app\n"
        "RUN --mount=type=cache,target=/root/.cache --network=none go build\n"
    )

    df = parse_dockerfile(text)

    stage = df.stages[0]
    assert stage.platform == "$BUILDPLATFORM"
    assert stage.base == "golang:1.22"
    copy, run = stage.instructions
    assert copy.flag("from") == "build"
    assert copy.flag("chown") == "app:app"
    assert copy.arguments == "/out /app"
    assert run.flag("mount") == "type=cache,target=/root/.cache"
    assert run.flag("missing") is None


def test_multi_stage_names_and_references() -> None:
    text = (
        "FROM python:3.12 AS Builder\n"
        "RUN pip wheel .\n"
        "FROM builder AS test\n"
        "FROM python:3.12-slim\n"
        "COPY --from=builder /w /w\n"
    )

    df = parse_dockerfile(text)

    assert [s.name for s in df.stages] == ["builder", "test", None]
    assert [s.parent for s in df.stages] == [None, 0, None]
    assert df.stage_named("BUILDER") is df.stages[0]
    assert df.final_stage is df.stages[2]
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "FROM", "FROM", "COPY"]


def test_a_stage_cannot_refer_to_a_later_stage() -> None:
    df = parse_dockerfile("FROM later\nFROM alpine:3.20 AS later\n")

    assert df.stages[0].parent is None


def test_arg_before_from_is_substituted() -> None:
    text = (
        "ARG REGISTRY=registry.example.com\n"
        "ARG VERSION=3.12\n"
        "ARG IMAGE=${REGISTRY}/python:${VERSION}\n"
        "FROM ${IMAGE}-slim AS base\n"
        "FROM ${MISSING:-alpine:3.20}\n"
        "FROM $UNSET\n"
    )

    df = parse_dockerfile(text)

    assert [i.line for i in df.global_args] == [1, 2, 3]
    assert df.stages[0].resolved_base == "registry.example.com/python:3.12-slim"
    assert df.stages[1].resolved_base == "alpine:3.20"
    assert df.stages[2].resolved_base is None
    assert df.stages[2].unresolved == ("UNSET",)


def test_build_args_override_defaults() -> None:
    df = parse_dockerfile("ARG V=3.11\nFROM python:$V\n", build_args={"V": "3.12"})

    assert df.stages[0].resolved_base == "python:3.12"


def test_automatic_platform_args_are_not_values() -> None:
    df = parse_dockerfile("FROM golang:1.22-$TARGETARCH\n")

    assert df.stages[0].unresolved == ("TARGETARCH",)


@pytest.mark.parametrize(
    ("word", "scope", "expected", "unresolved"),
    [
        ("$A", {"A": "1"}, "1", []),
        ("${A}x", {"A": "1"}, "1x", []),
        ("${A:-d}", {}, "d", []),
        ("${A:-d}", {"A": ""}, "d", []),
        ("${A-d}", {"A": ""}, "", []),
        ("${A:+alt}", {"A": "1"}, "alt", []),
        ("${A:+alt}", {}, "", []),
        ("${A:?required}", {}, "", ["A"]),
        ("${A:-${B}}", {"B": "b"}, "b", []),
        ("\\$A", {"A": "1"}, "$A", []),
        ("'$A'", {"A": "1"}, "$A", []),
        ('"$A"', {"A": "1"}, "1", []),
        ("$", {}, "$", []),
        ("${A%.*}", {"A": "x.y"}, "x.y", []),
        ("$A", {"A": None}, "", ["A"]),
    ],
)
def test_expand_variables(
    word: str, scope: dict[str, str | None], expected: str, unresolved: list[str]
) -> None:
    assert expand_variables(word, scope) == (expected, unresolved)


def test_env_forms() -> None:
    assert parse_env('A=1 B="two words" C=\\"q\\"') == [
        ("A", "1"),
        ("B", "two words"),
        ("C", '"q"'),
    ]
    assert parse_env("LEGACY value with spaces") == [("LEGACY", "value with spaces")]


def test_arg_forms() -> None:
    assert parse_arg("A B=2 C=") == [("A", None), ("B", "2"), ("C", "")]


def test_unknown_instruction_and_missing_from() -> None:
    df = parse_dockerfile("ARG X=1\n")

    assert [p.message for p in df.problems] == ["no FROM instruction"]
    assert parse_dockerfile("FROM alpine:3.20\nRUNN x\n").problems[0].line == 2


def test_crlf_and_bom_are_tolerated() -> None:
    df = parse_dockerfile("\ufeffFROM alpine:3.20\r\nUSER app\r\n")

    assert df.problems == ()
    assert df.stages[0].instructions[0].arguments == "app"


def test_lowercase_instructions_are_accepted() -> None:
    df = parse_dockerfile("from alpine:3.20 as base\nuser app\n")

    assert df.stages[0].name == "base"
    assert df.stages[0].instructions[0].keyword == "USER"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_any_text_parses_and_findings_point_inside_the_file(text: str) -> None:
    report = lint_dockerfile(text)

    last_line = max(1, text.count("\n") + 1)
    assert all(1 <= f.line <= last_line for f in report.findings)


_FRAGMENTS = st.sampled_from(
    [
        "FROM",
        "from",
        " alpine:3.20",
        " python",
        " AS b",
        " b",
        "RUN",
        "COPY",
        " . .",
        " .env /",
        "USER",
        " root",
        " 0",
        "CMD",
        "ENTRYPOINT",
        ' ["a", "b"]',
        " echo",
        "ARG",
        "ENV",
        " X=",
        " TOKEN=abc",
        "$X",
        "${X:-",
        "}",
        " <<EOF",
        " <<-'EOF'",
        "EOF",
        "\tEOF",
        "\\",
        "`",
        "# escape=`",
        "# syntax=x",
        "#",
        " ",
        "\n",
        "\n",
        "\n",
        "\r\n",
        "[",
        '"',
    ]
)


@given(st.lists(_FRAGMENTS, max_size=60).map("".join))
def test_dockerfile_like_text_parses_and_findings_point_inside_the_file(text: str) -> None:
    report = lint_dockerfile(text)

    last_line = max(1, text.count("\n") + 1)
    assert all(1 <= f.line <= last_line for f in report.findings)
    df = parse_dockerfile(text)
    assert all(i.line <= i.end_line <= last_line for i in df.instructions)
