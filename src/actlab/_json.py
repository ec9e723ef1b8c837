"""One JSON form for every result: dataclasses, arrays and non-finite floats to JSON-ready values."""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any

import numpy as np


def fields_jsonable(record: Any) -> dict:
    """A dataclass's fields, each made JSON-ready."""
    return {f.name: jsonable(getattr(record, f.name)) for f in dataclasses.fields(record)}


def jsonable(value: Any) -> Any:
    """Dataclasses, arrays and non-finite floats to JSON-ready values (inf -> 'inf', NaN -> None)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):  # a record with its own JSON form
            return jsonable(value.to_dict())
        return fields_jsonable(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        v = float(value)
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value
