"""The one wire format: how a core record, an array or a non-finite number becomes JSON.

Every face writes JSON through these two functions: the CLI's --json outputs, the web routes, the playground's
frames and exports, the registry's describe() and the experiments' to_dict(). The convention:

- NaN (a diverged loss, a ratio with nothing to divide by) becomes null: there is no value;
- +inf and -inf become the strings "inf" and "-inf": the value is known and unbounded (sigmoid's
  output range is [0, 1], ReLU's is [0, "inf"]);
- dataclasses become objects (through their own to_dict() when they have one), tuples and arrays lists,
  enums their value, NumPy scalars Python numbers, and dict keys strings.

So ``json.dumps(jsonable(x), allow_nan=False)`` never fails on a number, and no JSON reader meets a bare NaN or
Infinity, which are not JSON. A value of any other type (a set, a path, an object) is a TypeError that names it.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from typing import Any

import numpy as np

__all__ = ["dumps", "fields_jsonable", "jsonable"]


def fields_jsonable(record: Any) -> dict:
    """A dataclass's fields, each made JSON-ready (for a to_dict() that writes every field)."""
    return {f.name: jsonable(getattr(record, f.name)) for f in dataclasses.fields(record)}


def jsonable(value: Any) -> Any:
    """``value`` as JSON-ready Python values, in the one convention of this module's docstring."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(value, enum.Enum):  # before int: an IntEnum is an int
        return jsonable(value.value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):  # a record with its own JSON form
            return jsonable(value.to_dict())
        return fields_jsonable(value)
    if isinstance(value, dict):
        return {str(jsonable(k)) if not isinstance(k, str) else k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biu" or (value.dtype.kind == "f" and np.isfinite(value).all()):
            return value.tolist()  # Python numbers already: the element-by-element walk below cost 0.5 us each
        return jsonable(value.tolist())
    raise TypeError(f"no JSON form for a {type(value).__name__} ({value!r:.60}); convert it to a number, text, "
                    "list or dict first")


def dumps(value: Any, **kwargs: Any) -> str:
    """``value`` as JSON text in the one convention; strict JSON (no NaN or Infinity literals)."""
    return json.dumps(jsonable(value), allow_nan=False, **kwargs)
