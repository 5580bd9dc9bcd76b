"""YAML loading with line numbers, on ruamel.yaml's round-trip loader.

The round-trip loader keeps each mapping's and sequence's position (``.lc``), so a
finding can point at the exact line of the offending key or item. Values are plain
``dict``/``list`` subclasses, so the checks use ordinary ``isinstance`` tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

__all__ = [
    "YamlDocument",
    "YamlSyntaxError",
    "as_list",
    "as_mapping",
    "item_line",
    "key_line",
    "load_documents",
    "node_line",
    "text_of",
]


@attrs.frozen
class YamlDocument:
    """One document of a YAML stream and the 1-based line it starts on."""

    data: Any
    line: int


@attrs.frozen
class YamlSyntaxError:
    """Why a YAML stream could not be read, and the 1-based line of the problem."""

    line: int
    message: str


def _loader() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def load_documents(text: str) -> tuple[list[YamlDocument], YamlSyntaxError | None]:
    """Every document of ``text`` up to the first syntax error, and that error.

    Empty documents (``---`` alone) are skipped.
    """
    documents: list[YamlDocument] = []
    try:
        for data in _loader().load_all(text):
            if data is None:
                continue
            documents.append(YamlDocument(data, node_line(data) or 1))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        return documents, YamlSyntaxError(line, f"YAML syntax error: {problem}")
    except YAMLError as exc:
        return documents, YamlSyntaxError(1, f"YAML error: {exc}")
    return documents, None


def node_line(node: object) -> int | None:
    """1-based line where a mapping or sequence starts, if known."""
    lc = getattr(node, "lc", None)
    line = getattr(lc, "line", None)
    return line + 1 if isinstance(line, int) else None


def key_line(mapping: object, key: object, default: int | None = None) -> int:
    """1-based line of ``key`` in ``mapping``; falls back to ``default``, then to
    the mapping's own line, then 1 (keys merged in with ``<<:`` have no line)."""
    lc = getattr(mapping, "lc", None)
    if lc is not None:
        try:
            return int(lc.key(key)[0]) + 1
        except (KeyError, TypeError, AttributeError):
            pass
    if default is not None:
        return default
    return node_line(mapping) or 1


def item_line(sequence: object, index: int, default: int | None = None) -> int:
    """1-based line of item ``index`` of ``sequence`` (see :func:`key_line`)."""
    lc = getattr(sequence, "lc", None)
    if lc is not None:
        try:
            return int(lc.item(index)[0]) + 1
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
    if default is not None:
        return default
    return node_line(sequence) or 1


def as_mapping(value: object) -> Mapping[Any, Any] | None:
    """``value`` if it is a mapping, else ``None``."""
    return value if isinstance(value, Mapping) else None


def as_list(value: object) -> list[Any]:
    """``value`` if it is a list, ``[value]`` for a scalar, ``[]`` for ``None``."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def tag_of(node: object) -> str | None:
    """The explicit YAML tag of a node (``!reference``), if any."""
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", None)
    return value if isinstance(value, str) else None


def text_of(node: object) -> Iterator[str]:
    """Every string scalar inside ``node``, depth first (keys excluded)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from text_of(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_of(item)
