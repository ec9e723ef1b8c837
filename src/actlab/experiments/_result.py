"""Shared helpers for experiment results: plain dataclasses that serialise to JSON."""

from __future__ import annotations

from .._json import fields_jsonable, jsonable

__all__ = ["ResultMixin", "jsonable"]


class ResultMixin:
    def to_dict(self) -> dict:
        return fields_jsonable(self)
