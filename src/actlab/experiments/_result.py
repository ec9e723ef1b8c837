"""Shared helpers for experiment results: plain dataclasses that serialise to JSON and show as tables."""

from __future__ import annotations

from .. import _html
from .._json import fields_jsonable, jsonable

__all__ = ["ResultMixin", "jsonable"]


class ResultMixin:
    """JSON (to_dict), plain text (str) and a notebook's table (_repr_html_) for a result dataclass."""

    def to_dict(self) -> dict:
        return fields_jsonable(self)

    def __str__(self) -> str:
        return _html.record_text(self)

    def _repr_html_(self) -> str:
        return _html.record_table(self, caption=type(self).__name__)
