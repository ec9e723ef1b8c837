"""Core records as HTML tables for a notebook (``_repr_html_``) and as plain text (``__str__``).

Jupyter shows a record by its ``_repr_html_``; every record the lab's notebook user meets (an activation, a
frame, a reading, a verdict, a demonstration's result) renders through these few functions, so the tables look
alike and every piece of text is escaped (html.escape): a learner's answer or a CSV's column name is shown as
text, never run as markup. Numbers are written with four significant figures; NaN as "NaN", infinities as "∞".
"""

from __future__ import annotations

import dataclasses
import enum
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

MAX_ITEMS = 8  # a longer list of numbers is cut, with the count of those left out

_STYLE = "border-collapse:collapse;text-align:left"


def number(v: float | int) -> str:
    """A number as a table shows it: whole numbers in full, others to four significant figures."""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return f"{v:.4g}"


def plain(value: Any) -> str:
    """A value as plain text: numbers by number(), sequences of numbers joined (cut after MAX_ITEMS)."""
    if value is None:
        return "—"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return number(value)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        shown = ", ".join(plain(v) for v in value[:MAX_ITEMS])
        return f"[{shown}{f', … ({len(value) - MAX_ITEMS} more)' if len(value) > MAX_ITEMS else ''}]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {plain(v)}" for k, v in value.items()) + "}"
    if dataclasses.is_dataclass(value):
        return f"{type(value).__name__}(" + ", ".join(
            f"{f.name}={plain(getattr(value, f.name))}" for f in dataclasses.fields(value)) + ")"
    return str(value)


def cell(value: Any) -> str:
    """A value as the escaped content of a table cell; a record or a mapping becomes a nested table."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return record_table(value)
    if isinstance(value, Mapping) and value and any(isinstance(v, (Mapping, list, tuple)) or
                                                    dataclasses.is_dataclass(v) for v in value.values()):
        return key_value_table(value.items())
    if isinstance(value, (list, tuple)) and value and all(dataclasses.is_dataclass(v) for v in value):
        return records_grid(value)
    return html.escape(plain(value))


def _caption(caption: str | None) -> str:
    return f"<caption style='text-align:left'><b>{html.escape(caption)}</b></caption>" if caption else ""


def key_value_table(rows: Iterable[tuple[Any, Any]], caption: str | None = None) -> str:
    """A two-column table: each row a name and its value."""
    body = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{cell(v)}</td></tr>" for k, v in rows)
    return f"<table style='{_STYLE}'>{_caption(caption)}{body}</table>"


def grid(header: Sequence[str], rows: Iterable[Sequence[Any]], caption: str | None = None) -> str:
    """A table with a header row, one row per item."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table style='{_STYLE}'>{_caption(caption)}<tr>{head}</tr>{body}</table>"


def records_grid(records: Sequence[Any], caption: str | None = None) -> str:
    """Records of one kind as a grid: a column per field."""
    names = [f.name for f in dataclasses.fields(records[0])]
    return grid(names, ([getattr(r, n, None) for n in names] for r in records), caption)


def record_table(record: Any, caption: str | None = None) -> str:
    """A dataclass's fields as a name/value table (nested records as nested tables)."""
    return key_value_table(((f.name, getattr(record, f.name)) for f in dataclasses.fields(record)), caption)


def text_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows as aligned plain text, for a record's __str__."""
    cells = [[str(h) for h in header]] + [[plain(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def record_text(record: Any) -> str:
    """A dataclass as "name: value" lines, for a result's __str__."""
    return "\n".join([type(record).__name__] + [f"  {f.name}: {plain(getattr(record, f.name))}"
                                                  for f in dataclasses.fields(record)])
