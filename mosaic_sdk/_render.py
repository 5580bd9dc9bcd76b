"""One shape for results: JSON, Markdown and HTML rendering shared by every result type.

A leaf module (it imports nothing from mosaic_sdk), so value types, workflows and the CLI
can all use it. Three pieces:

- :func:`to_jsonable` turns SDK values (digests, tags, enums, times, attrs models) into
  what :func:`json.dumps` accepts;
- :class:`JSONResult` gives a type that has ``to_dict()`` its ``to_json()`` (a ``str``);
- :class:`FieldsRepr` renders an attrs type as a two-column table in Jupyter
  (``_repr_markdown_``, ``_repr_html_``) for the value types that have no table of their own.

Markdown helpers escape what they quote: a ``|``, ``*`` or ``<`` inside a tag, a message
or a URL never breaks the table or turns into formatting.
"""

from __future__ import annotations

import enum
import html
import json
import re
import warnings
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

__all__ = [
    "FieldsRepr",
    "JSONResult",
    "TextRepr",
    "deprecated_alias",
    "fields_dict",
    "html_table",
    "md_code",
    "md_escape",
    "md_table",
    "to_jsonable",
]

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the characters
# that start emphasis, code, links, raw HTML, entities or table cells anywhere in a line.
# ``>`` and ``#`` only matter at the start of a line (quotes, headings): see md_escape.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<|&~])")
_UNESCAPED_BAR = re.compile(r"(?<!\\)\|")


def md_escape(text: object) -> str:
    """``text`` as literal Markdown: special characters escaped, line breaks as spaces.

    Example:
        >>> md_escape("a|b *c* <d> -> e")
        'a\\\\|b \\\\*c\\\\* \\\\<d> -> e'
    """
    value = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).splitlines()))
    return "\\" + value if value.startswith((">", "#", "+", "-", "=")) else value


def md_code(text: object) -> str:
    """``text`` as inline Markdown code, fenced with more backticks than it contains
    (so a backtick in a value cannot end the code span), and ``|`` escaped for tables.

    Example:
        >>> md_code("sha256:abc")
        '`sha256:abc`'
        >>> md_code("a`b")
        '`` a`b ``'
    """
    value = " ".join(str(text).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {value} " if longest else value
    return f"{fence}{padded}{fence}".replace("|", "\\|")


def md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; cells are used as given (escape them with :func:`md_escape`
    or :func:`md_code` first), except that ``|`` and line breaks cannot break a row."""

    def cell(text: str) -> str:
        return _UNESCAPED_BAR.sub(r"\\|", " ".join(text.splitlines()))

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def html_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table; every header and cell is escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_jsonable(value: Any) -> Any:
    """A ``json.dumps`` ``default=``: results as their ``to_dict()``, times as ISO 8601,
    durations in seconds, enums as their value, attrs models as dicts of their fields,
    sets and tuples as lists, everything else (digests, tags, paths) as its text form.

    Example:
        >>> import json, enum
        >>> class Colour(enum.Enum):
        ...     RED = "red"
        >>> json.dumps({"c": Colour.RED, "t": (1, 2)}, default=to_jsonable)
        '{"c": "red", "t": [1, 2]}'
    """
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if attrs.has(type(value)):
        return {
            field.name: getattr(value, field.name)
            for field in attrs.fields(type(value))
            if not field.name.startswith("_")
        }
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def fields_dict(value: Any) -> dict[str, Any]:
    """The public fields of attrs instance ``value`` as JSON types, recursively (nested
    results through their own ``to_dict()``)."""
    fields = {
        field.name: getattr(value, field.name)
        for field in attrs.fields(type(value))
        if not field.name.startswith("_")
    }
    result: dict[str, Any] = json.loads(json.dumps(fields, default=to_jsonable))
    return result


class JSONResult:
    """Mixin for result types: ``to_json()`` is the JSON text of ``to_dict()``.

    A subclass defines ``to_dict()`` (a dict of JSON types only) and ``ok``.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of this result: every public field, with ``ok``."""
        return {"ok": bool(getattr(self, "ok", True)), **fields_dict(self)}

    def to_json(self, *, indent: int | None = 2) -> str:
        """This result as JSON text (``json.loads`` gives back :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent, default=to_jsonable)


class FieldsRepr:
    """Mixin for attrs value types without a table of their own: Jupyter shows the fields
    as a two-column table, each value in its text form.

    A subclass may override ``_repr_rows()`` to choose the rows.
    """

    __slots__ = ()

    def _repr_rows(self) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        for field in attrs.fields(type(self)):  # type: ignore[arg-type]
            if field.name.startswith("_"):
                continue
            value = getattr(self, field.name)
            rows.append((field.name, _text(value)))
        return rows

    def _repr_title(self) -> str:
        return f"{type(self).__name__}: {self}"

    def _repr_markdown_(self) -> str:
        rows = [(md_escape(name), md_code(value)) for name, value in self._repr_rows()]
        return f"**{md_escape(self._repr_title())}**\n\n" + md_table(["field", "value"], rows)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th>{html.escape(name)}</th><td><code>{html.escape(value)}</code></td></tr>"
            for name, value in self._repr_rows()
        )
        return f"<p><b>{html.escape(self._repr_title())}</b></p><table>{body}</table>"


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (tuple, list)):
        return ", ".join(_text(v) for v in value) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items()) or "-"
    return str(value)


def deprecated_alias(old: str, new: str, value: Any) -> Any:
    """Warn that ``old`` is deprecated in favour of ``new`` and return ``value``; used by
    the properties kept for one release after a rename (``passed`` -> ``ok``)."""
    warnings.warn(
        f"{old} is deprecated and will be removed in the next release; use {new}",
        DeprecationWarning,
        stacklevel=3,
    )
    return value


class TextRepr:
    """Mixin for value types whose text form is the whole story (a digest, a tag, an image
    reference, a Vault path): Jupyter shows ``str(value)`` as code."""

    __slots__ = ()

    def _repr_markdown_(self) -> str:
        return md_code(str(self))

    def _repr_html_(self) -> str:
        return f"<code>{html.escape(str(self))}</code>"
