"""A Dockerfile parser that follows BuildKit's syntax rules.

Handles what real Dockerfiles use: parser directives (``# syntax=``, ``# escape=``),
comments, line continuations (with the escape character, skipping comment and blank
lines inside a continuation), heredocs (``<<EOF``, ``<<-EOF``, quoted delimiters,
several per instruction), ``--flag`` options, JSON exec form versus shell form,
multi-stage builds (``FROM image AS name``, ``FROM name``) and build-argument
substitution in ``FROM`` (``ARG`` before the first ``FROM``).

Problems that BuildKit would reject are collected in :attr:`Dockerfile.problems`
instead of raised, so a linter can report them next to its other findings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import attrs

from mosaic_sdk._render import FieldsRepr
from mosaic_sdk.errors import InvalidValueError

__all__ = [
    "Dockerfile",
    "Heredoc",
    "Instruction",
    "SyntaxProblem",
    "Stage",
    "expand_variables",
    "parse_dockerfile",
    "split_words",
]

KNOWN_INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
_HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
_FLAG_INSTRUCTIONS = frozenset({"FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"})
_KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})

#: Build arguments BuildKit defines automatically in the global scope; their values
#: depend on the build machine, so they never resolve to a fixed string.
AUTOMATIC_ARGS = frozenset(
    {
        "BUILDPLATFORM",
        "BUILDOS",
        "BUILDARCH",
        "BUILDVARIANT",
        "TARGETPLATFORM",
        "TARGETOS",
        "TARGETARCH",
        "TARGETVARIANT",
    }
)

_DIRECTIVE = re.compile(r"^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$")
_HEREDOC = re.compile(r"(?<![<\\])<<(?!<)(-?)(\"|')?([A-Za-z_][A-Za-z0-9_.-]*)(?(2)\2)")
_FROM_AS = re.compile(r"^(?P<image>\S+)(?:\s+[Aa][Ss]\s+(?P<name>\S+))?\s*$")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@attrs.frozen
class SyntaxProblem(FieldsRepr):
    """Something BuildKit would refuse or warn about, with its 1-based line."""

    line: int
    message: str


@attrs.frozen
class Heredoc(FieldsRepr):
    """One here-document attached to a ``RUN``, ``COPY`` or ``ADD``.

    Attributes:
        delimiter: the word after ``<<`` (``EOF``).
        body: the lines between the instruction and the delimiter, each ending in a
            newline; leading tabs removed for ``<<-``.
        line: 1-based line of the first body line.
        strip_tabs: ``<<-`` was used.
        expand: the delimiter was unquoted, so ``$VAR`` in the body is expanded.
    """

    delimiter: str
    body: str
    line: int
    strip_tabs: bool = False
    expand: bool = True


@attrs.frozen
class Instruction(FieldsRepr):
    """One Dockerfile instruction after continuations are joined.

    Attributes:
        keyword: the instruction, upper-case (``RUN``).
        arguments: the text after the keyword and its ``--flags``.
        line: 1-based line where the instruction starts.
        end_line: 1-based last line, including continuations and heredoc bodies.
        flags: ``(name, value)`` pairs of ``--name=value`` options, in order;
            ``value`` is ``None`` for a bare ``--name``.
        exec_form: the parsed JSON array for the exec form, or ``None`` for shell form.
        heredocs: here-documents attached to the instruction.
    """

    keyword: str
    arguments: str
    line: int
    end_line: int
    flags: tuple[tuple[str, str | None], ...] = ()
    exec_form: tuple[str, ...] | None = None
    heredocs: tuple[Heredoc, ...] = ()

    def flag(self, name: str) -> str | None:
        """Value of the last ``--name`` flag (``""`` for a bare flag), or ``None``."""
        found: str | None = None
        for key, value in self.flags:
            if key == name:
                found = "" if value is None else value
        return found

    @property
    def is_exec_form(self) -> bool:
        """True when the arguments are a JSON array of strings."""
        return self.exec_form is not None

    @property
    def command_text(self) -> str:
        """The command as one string: exec form joined by spaces, plus heredoc bodies.

        Used to search a ``RUN`` for tools it calls.
        """
        text = " ".join(self.exec_form) if self.exec_form is not None else self.arguments
        return "\n".join([text, *(h.body for h in self.heredocs)])


@attrs.frozen
class Stage(FieldsRepr):
    """One build stage: a ``FROM`` and the instructions up to the next ``FROM``.

    Attributes:
        index: 0-based position of the stage.
        base: the image text as written after ``FROM`` (flags removed).
        resolved_base: ``base`` with build arguments substituted, or ``None`` when a
            variable in it has no value.
        unresolved: names of the variables in ``base`` that have no value.
        name: the ``AS`` name, lower-case, or ``None``.
        parent: index of an earlier stage this one is built ``FROM``, or ``None``.
        from_instruction: the ``FROM`` instruction itself.
        instructions: the instructions after ``FROM``.
    """

    index: int
    base: str
    resolved_base: str | None
    unresolved: tuple[str, ...]
    name: str | None
    parent: int | None
    from_instruction: Instruction
    instructions: tuple[Instruction, ...]

    @property
    def line(self) -> int:
        """1-based line of the stage's ``FROM``."""
        return self.from_instruction.line

    @property
    def platform(self) -> str | None:
        """The ``--platform`` flag of the ``FROM``, if any."""
        return self.from_instruction.flag("platform")


@attrs.frozen
class Dockerfile(FieldsRepr):
    """A parsed Dockerfile.

    Attributes:
        directives: parser directives from the top of the file (``syntax``, ``escape``).
        escape: the escape character in force (``\\`` or a backtick).
        global_args: ``ARG`` instructions before the first ``FROM``.
        stages: build stages in order.
        problems: syntax problems BuildKit would reject, with their lines.
    """

    directives: tuple[tuple[str, str], ...]
    escape: str
    global_args: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    problems: tuple[SyntaxProblem, ...]

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        """Every instruction in file order, ``FROM`` lines included."""
        out = list(self.global_args)
        for stage in self.stages:
            out.append(stage.from_instruction)
            out.extend(stage.instructions)
        return tuple(out)

    @property
    def final_stage(self) -> Stage | None:
        """The last stage (the image ``docker build`` produces without ``--target``)."""
        return self.stages[-1] if self.stages else None

    def stage_named(self, name: str) -> Stage | None:
        """The stage called ``name`` (case-insensitive), or ``None``."""
        wanted = name.lower()
        return next((s for s in self.stages if s.name == wanted), None)


def parse_dockerfile(text: str, *, build_args: Mapping[str, str] | None = None) -> Dockerfile:
    """Parse Dockerfile ``text``.

    Args:
        text: the Dockerfile content.
        build_args: values given with ``--build-arg``; they override ``ARG`` defaults
            when resolving ``FROM`` lines.

    Returns:
        The parsed :class:`Dockerfile`. Syntax problems do not raise: they are listed
        in :attr:`Dockerfile.problems` and the parser continues with the next line.

    Raises:
        InvalidValueError: ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise InvalidValueError(text, "is not Dockerfile text", "pass the content as a str")
    lines = text.removeprefix("\ufeff").split("\n")
    lines = [line.removesuffix("\r") for line in lines]
    if lines and lines[-1] == "":
        lines.pop()
    problems: list[SyntaxProblem] = []
    directives, escape, start = _read_directives(lines, problems)
    instructions = _read_instructions(lines, start, escape, problems)
    global_args, stages = _build_stages(instructions, escape, dict(build_args or {}), problems)
    return Dockerfile(
        directives=tuple(directives),
        escape=escape,
        global_args=tuple(global_args),
        stages=tuple(stages),
        problems=tuple(sorted(problems, key=lambda p: p.line)),
    )


def _read_directives(
    lines: list[str], problems: list[SyntaxProblem]
) -> tuple[list[tuple[str, str]], str, int]:
    directives: list[tuple[str, str]] = []
    escape = "\\"
    index = 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index].strip()) if lines[index].strip() else None
        if match is None or match.group(1).lower() not in _KNOWN_DIRECTIVES:
            break  # the first blank line, comment or instruction ends the directives
        name, value = match.group(1).lower(), match.group(2)
        if any(existing == name for existing, _ in directives):
            problems.append(SyntaxProblem(index + 1, f"parser directive {name!r} set twice"))
        directives.append((name, value))
        if name == "escape":
            if value in ("\\", "`"):
                escape = value
            else:
                problems.append(
                    SyntaxProblem(
                        index + 1,
                        f"escape directive {value!r} is invalid; use a backslash or a backtick",
                    )
                )
        index += 1
    return directives, escape, index


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _continues(line: str, escape: str) -> bool:
    return line.rstrip(" \t").endswith(escape)


def _read_instructions(
    lines: list[str], start: int, escape: str, problems: list[SyntaxProblem]
) -> list[Instruction]:
    out: list[Instruction] = []
    index = start
    while index < len(lines):
        raw = lines[index]
        if not raw.strip() or _is_comment(raw):
            index += 1
            continue
        first = index
        # The pieces are joined once at the end: re-slicing the growing logical line
        # for every continuation made a long RUN quadratic. Only the latest piece can
        # end in the escape character (blank lines, which could hide it, are skipped).
        pieces = [raw]
        while _continues(pieces[-1], escape) and index + 1 < len(lines):
            pieces[-1] = pieces[-1].rstrip(" \t")[:-1]
            index += 1
            # BuildKit drops comment lines and blank lines inside a continuation.
            while index < len(lines) and (_is_comment(lines[index]) or not lines[index].strip()):
                index += 1
            if index >= len(lines):
                break
            pieces.append(lines[index])
        if _continues(pieces[-1], escape):
            pieces[-1] = pieces[-1].rstrip(" \t")[:-1]
        logical = "".join(pieces)
        parts = logical.strip().split(None, 1)
        if not parts:  # a lone escape character continuing into nothing
            index += 1
            continue
        keyword = parts[0].upper()
        rest = parts[1].strip() if len(parts) > 1 else ""
        if keyword not in KNOWN_INSTRUCTIONS:
            problems.append(
                SyntaxProblem(first + 1, f"unknown instruction {parts[0]!r}"),
            )
        flags: list[tuple[str, str | None]] = []
        if keyword in _FLAG_INSTRUCTIONS:
            rest = _take_flags(rest, flags)
        heredocs: list[Heredoc] = []
        if keyword in _HEREDOC_INSTRUCTIONS:
            for match in _HEREDOC.finditer(rest):
                strip_tabs, quote, delimiter = match.group(1) == "-", match.group(2), match.group(3)
                body_lines: list[str] = []
                body_start = index + 2
                index += 1
                while index < len(lines):
                    candidate = lines[index].lstrip("\t") if strip_tabs else lines[index]
                    if candidate == delimiter:
                        break
                    body_lines.append(candidate)
                    index += 1
                else:
                    problems.append(
                        SyntaxProblem(
                            first + 1,
                            f"heredoc <<{delimiter} is never closed; "
                            f"end it with a line holding only {delimiter}",
                        )
                    )
                heredocs.append(
                    Heredoc(
                        delimiter=delimiter,
                        body="".join(f"{b}\n" for b in body_lines),
                        line=body_start,
                        strip_tabs=strip_tabs,
                        expand=quote is None,
                    )
                )
        if not rest and keyword in KNOWN_INSTRUCTIONS and keyword not in {"HEALTHCHECK"}:
            problems.append(SyntaxProblem(first + 1, f"{keyword} has no arguments"))
        out.append(
            Instruction(
                keyword=keyword,
                arguments=rest,
                line=first + 1,
                end_line=min(index, len(lines) - 1) + 1,
                flags=tuple(flags),
                exec_form=_exec_form(rest) if not heredocs else None,
                heredocs=tuple(heredocs),
            )
        )
        index += 1
    return out


def _take_flags(rest: str, flags: list[tuple[str, str | None]]) -> str:
    while rest.startswith("--"):
        token, _, remainder = rest.partition(" ")
        name, sep, value = token[2:].partition("=")
        flags.append((name, value if sep else None))
        rest = remainder.lstrip()
    return rest


def _exec_form(rest: str) -> tuple[str, ...] | None:
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        return None  # BuildKit also falls back to shell form for invalid JSON
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


def _build_stages(
    instructions: list[Instruction],
    escape: str,
    build_args: dict[str, str],
    problems: list[SyntaxProblem],
) -> tuple[list[Instruction], list[Stage]]:
    global_args: list[Instruction] = []
    global_scope: dict[str, str | None] = dict.fromkeys(AUTOMATIC_ARGS)
    stages: list[Stage] = []
    current_from: Instruction | None = None
    current_body: list[Instruction] = []

    def close_stage() -> None:
        if current_from is not None:
            stages.append(
                _make_stage(len(stages), current_from, current_body, stages, global_scope, escape)
            )

    for instruction in instructions:
        if instruction.keyword == "FROM":
            close_stage()
            current_from, current_body = instruction, []
        elif current_from is None:
            if instruction.keyword == "ARG":
                global_args.append(instruction)
                for name, value in parse_arg(instruction.arguments, escape):
                    if name in build_args:
                        global_scope[name] = build_args[name]
                    elif value is not None:
                        expanded, missing = expand_variables(value, global_scope, escape)
                        global_scope[name] = None if missing else expanded
                    else:
                        global_scope.setdefault(name, None)
            else:
                problems.append(
                    SyntaxProblem(
                        instruction.line,
                        f"{instruction.keyword} before the first FROM; "
                        "only ARG may come before FROM",
                    )
                )
        else:
            current_body.append(instruction)
    close_stage()
    if not stages and instructions:
        problems.append(SyntaxProblem(instructions[0].line, "no FROM instruction"))
    return global_args, stages


def _make_stage(
    index: int,
    from_instruction: Instruction,
    body: list[Instruction],
    earlier: list[Stage],
    scope: Mapping[str, str | None],
    escape: str,
) -> Stage:
    match = _FROM_AS.match(from_instruction.arguments)
    if match is None:  # "FROM" alone (already a problem) or extra words after the image
        words = from_instruction.arguments.split()
        image, name = (words[0] if words else ""), None
    else:
        image, name = match.group("image"), match.group("name")
    resolved, unresolved = expand_variables(image, scope, escape)
    parent = None
    lowered = resolved.lower()
    for stage in earlier:
        if stage.name is not None and stage.name == lowered:
            parent = stage.index
    return Stage(
        index=index,
        base=image,
        resolved_base=None if unresolved else resolved,
        unresolved=tuple(unresolved),
        name=name.lower() if name else None,
        parent=parent,
        from_instruction=from_instruction,
        instructions=tuple(body),
    )


def expand_variables(
    text: str, scope: Mapping[str, str | None], escape: str = "\\"
) -> tuple[str, list[str]]:
    """Substitute ``$NAME`` and ``${NAME...}`` forms the way BuildKit does.

    Supports ``${NAME:-word}``, ``${NAME-word}``, ``${NAME:+word}``,
    ``${NAME+word}``, ``${NAME:?msg}`` and ``${NAME?msg}``. The escape character
    before ``$`` yields a literal ``$``; quotes are removed as a shell would.

    Args:
        text: the word to expand.
        scope: variable values; ``None`` means declared without a value.
        escape: the Dockerfile escape character.

    Returns:
        ``(expanded, unresolved)`` where ``unresolved`` lists the names that had no
        value and no default (they expand to ``""``).
    """
    unresolved: list[str] = []
    out: list[str] = []
    index = 0
    quote: str | None = None
    while index < len(text):
        char = text[index]
        if char == escape and index + 1 < len(text) and quote != "'":
            out.append(text[index + 1])
            index += 2
            continue
        if char in "\"'" and (quote is None or quote == char):
            quote = None if quote == char else char
            index += 1
            continue
        if char == "$" and quote != "'":
            replacement, index = _expand_one(text, index, scope, escape, unresolved)
            out.append(replacement)
            continue
        out.append(char)
        index += 1
    return "".join(out), unresolved


def _expand_one(
    text: str,
    index: int,
    scope: Mapping[str, str | None],
    escape: str,
    unresolved: list[str],
) -> tuple[str, int]:
    if index + 1 < len(text) and text[index + 1] == "{":
        end = _matching_brace(text, index + 1)
        if end < 0:
            return text[index:], len(text)
        inner = text[index + 2 : end]
        name_match = _VAR_NAME.match(inner)
        if name_match is None:
            return text[index : end + 1], end + 1
        name = name_match.group(0)
        operator_text = inner[len(name) :]
        value = scope.get(name)
        if not operator_text:
            if value is None:
                unresolved.append(name)
            return value or "", end + 1
        colon = operator_text.startswith(":")
        operator = operator_text[1:2] if colon else operator_text[:1]
        word = operator_text[2:] if colon else operator_text[1:]
        is_set = value is not None and (value != "" or not colon)
        if operator == "-":
            if is_set:
                return value or "", end + 1
            expanded, missing = expand_variables(word, scope, escape)
            unresolved.extend(missing)
            return expanded, end + 1
        if operator == "+":
            if not is_set:
                return "", end + 1
            expanded, missing = expand_variables(word, scope, escape)
            unresolved.extend(missing)
            return expanded, end + 1
        if operator == "?":
            if not is_set:
                unresolved.append(name)
            return value or "", end + 1
        # Pattern operators (#, %, /) need a value; without one the result is unknown.
        if value is None:
            unresolved.append(name)
        return value or "", end + 1
    name_match = _VAR_NAME.match(text, index + 1)
    if name_match is None:
        return "$", index + 1
    name = name_match.group(0)
    value = scope.get(name)
    if value is None:
        unresolved.append(name)
    return value or "", name_match.end()


def _matching_brace(text: str, open_index: int) -> int:
    depth = 0
    for position in range(open_index, len(text)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return position
    return -1


def split_words(text: str, escape: str = "\\") -> list[str]:
    """Split ``text`` on unquoted whitespace, keeping quotes and escapes in each word.

    Used for ``ENV``, ``ARG``, ``LABEL`` and ``COPY`` arguments, whose words are
    ``key=value`` pairs or paths that may be quoted.
    """
    words: list[str] = []
    current: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if char == escape and index + 1 < len(text) and quote != "'":
            current.append(text[index : index + 2])
            index += 2
            continue
        if char in "\"'" and (quote is None or quote == char):
            quote = None if quote == char else char
        elif char.isspace() and quote is None:
            if current:
                words.append("".join(current))
                current = []
            index += 1
            continue
        current.append(char)
        index += 1
    if current:
        words.append("".join(current))
    return words


def unquote(word: str, escape: str = "\\") -> str:
    """Remove shell quotes and escape characters from one word, without expanding."""
    out: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(word):
        char = word[index]
        if char == escape and index + 1 < len(word) and quote != "'":
            out.append(word[index + 1])
            index += 2
            continue
        if char in "\"'" and (quote is None or quote == char):
            quote = None if quote == char else char
        else:
            out.append(char)
        index += 1
    return "".join(out)


def parse_env(arguments: str, escape: str = "\\") -> list[tuple[str, str]]:
    """``(name, value)`` pairs of an ``ENV`` (``K=V ...`` or legacy ``K value``).

    Values keep their ``$VAR`` references; quotes and escapes are removed.
    """
    words = split_words(arguments, escape)
    if words and "=" not in words[0]:
        name, _, value = arguments.strip().partition(" ")
        return [(name, unquote(value.strip(), escape))]
    pairs: list[tuple[str, str]] = []
    for word in words:
        name, _, value = word.partition("=")
        pairs.append((name, unquote(value, escape)))
    return pairs


def parse_arg(arguments: str, escape: str = "\\") -> list[tuple[str, str | None]]:
    """``(name, default)`` pairs of an ``ARG``; ``default`` is ``None`` when absent."""
    pairs: list[tuple[str, str | None]] = []
    for word in split_words(arguments, escape):
        name, sep, value = word.partition("=")
        pairs.append((name, unquote(value, escape) if sep else None))
    return pairs
