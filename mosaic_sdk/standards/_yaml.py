"""YAML loading with line numbers, on ruamel.yaml's round-trip loader.

The round-trip loader keeps each mapping's and sequence's position (``.lc``), so a
finding can point at the exact line of the offending key or item. Values are plain
``dict``/``list`` subclasses, so the checks use ordinary ``isinstance`` tests.
"""

from __future__ import annotations

import re
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
    if _flow_depth(text) > _MAX_FLOW_DEPTH:
        return documents, YamlSyntaxError(
            1, f"YAML nested deeper than {MAX_DEPTH} levels; no manifest needs that"
        )
    try:
        for data in _loader().load_all(text):
            if data is None:
                continue
            line = node_line(data) or 1
            if _too_deep(data):
                return documents, YamlSyntaxError(
                    line, f"YAML nested deeper than {MAX_DEPTH} levels; no manifest needs that"
                )
            documents.append(YamlDocument(data, line))
    except RecursionError:
        # ruamel composes nodes recursively: a few thousand '[' exhaust the stack.
        line = documents[-1].line if documents else 1
        return documents, YamlSyntaxError(
            line, f"YAML nested deeper than {MAX_DEPTH} levels; no manifest needs that"
        )
    except ValueError as exc:
        # ruamel's constructors raise plain ValueError for values its resolver accepted,
        # such as the impossible date 2024-02-30 or a timestamp with month 13.
        line = documents[-1].line if documents else 1
        return documents, YamlSyntaxError(line, f"YAML value error: {exc}")
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        return documents, YamlSyntaxError(line, f"YAML syntax error: {problem}")
    except YAMLError as exc:
        return documents, YamlSyntaxError(1, f"YAML error: {exc}")
    return documents, None


#: Deepest nesting of mappings and sequences accepted; the checks walk documents
#: recursively, so deeper ones are refused before they are checked.
MAX_DEPTH = 100


# ruamel's scanner slows down quadratically with flow nesting ("[[[[..."): 1,200 levels
# take seconds before the RecursionError. A cheap pre-scan refuses such text first. It
# counts brackets outside quotes and comments, so brackets in block scalars count too:
# the bound is four times MAX_DEPTH so only absurd text is refused this way.
_MAX_FLOW_DEPTH = 4 * MAX_DEPTH
_FLOW_TOKEN = re.compile(r"""[\[\]{}]|'[^'\n]*'|"(?:[^"\\\n]|\\.)*"|(?:^|(?<=\s))#[^\n]*""", re.M)


def _flow_depth(text: str) -> int:
    depth = deepest = 0
    for match in _FLOW_TOKEN.finditer(text):
        found = match.group()
        if found in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif found in "]}":
            depth = max(0, depth - 1)
    return deepest


def _children(node: object) -> list[object] | None:
    if isinstance(node, Mapping):
        return [v for v in node.values() if isinstance(v, (Mapping, list))]
    if isinstance(node, list):
        return [v for v in node if isinstance(v, (Mapping, list))]
    return None


def _too_deep(data: object) -> bool:
    """Whether ``data`` nests deeper than :data:`MAX_DEPTH` (or refers to itself).

    Iterative, and each container is measured once: anchors and aliases share nodes,
    so walking every path of a YAML bomb would take exponential time.
    """
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[object, bool]] = [(data, False)]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        children = _children(node)
        if children is None or (key in height and not expanded):
            continue
        if expanded:
            on_path.discard(key)
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            if height[key] > MAX_DEPTH:
                return True
            continue
        if key in on_path:
            return True  # an alias to one of its own ancestors
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in height)
    return False


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
