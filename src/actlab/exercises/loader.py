"""Teacher-written exercises from JSON files: data only, no code, checked by the same checker.

A file holds one exercise:
    {"key": "t1", "title": "...", "section": "vanishing", "prompt": "...",
     "parts": [{"kind": "number", "label": "...", "expected": "0.25^4", "min_sig_figs": 3,
                "slips": [{"value": "0.25^3", "feedback": "..."}]},
               {"kind": "choice", "label": "...", "choices": [{"patterns": ["undefined"], "status": "correct",
                                                               "feedback": "..."}]}],
     "hints": ["...", "..."], "solution": "..."}
"expected" and slip values are arithmetic read by the safe parser (never eval).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ConfigError
from .checker import Choice, ChoicePart, Exercise, NumberPart, Slip
from .parser import Unreadable, parse_number
from .status import STATUSES


def _value(text: object, where: str) -> float:
    try:
        return parse_number(str(text)).value
    except Unreadable as exc:
        raise ConfigError(where, f"cannot read {text!r}: {exc}") from None


def exercise_from_dict(data: dict, source: str = "exercise") -> Exercise:
    if not isinstance(data, dict):
        raise ConfigError(source, "must be a JSON object")
    for key in ("key", "title", "prompt", "parts", "hints", "solution"):
        if key not in data:
            raise ConfigError(f"{source}: {key}", "is missing")
    parts = []
    for i, p in enumerate(data["parts"]):
        where = f"{source}: parts[{i}]"
        kind = p.get("kind")
        if kind == "number":
            expected = _value(p.get("expected"), f"{where}.expected")
            slips = tuple(Slip(_value(s["value"], f"{where}.slips"), str(s["feedback"])) for s in p.get("slips", []))
            parts.append(NumberPart(str(p.get("label", f"part {i + 1}")), lambda v=expected: v, slips=slips,
                                    min_sig_figs=int(p.get("min_sig_figs", 3)), exact=bool(p.get("exact", False))))
        elif kind == "choice":
            choices = []
            for c in p.get("choices", []):
                if c.get("status") not in STATUSES:
                    raise ConfigError(f"{where}.choices", f"status must be one of {', '.join(STATUSES)}")
                choices.append(Choice(tuple(c["patterns"]), c["status"], str(c["feedback"])))
            parts.append(ChoicePart(str(p.get("label", f"part {i + 1}")), tuple(choices)))
        else:
            raise ConfigError(f"{where}.kind", f"'number' or 'choice'; got {kind!r}")
    solution = str(data["solution"])
    return Exercise(key=str(data["key"]), title=str(data["title"]), section=str(data.get("section", "extra")),
                    prompt=str(data["prompt"]), parts=tuple(parts), hints=tuple(str(h) for h in data["hints"]) or
                    ("No hints for this one.",), solution_fn=lambda: solution)


def load_directory(folder: str | Path) -> list[Exercise]:
    """Every *.json exercise in ``folder``, in file-name order."""
    out = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(str(path), f"not a readable JSON file: {exc}") from None
        out.append(exercise_from_dict(data, str(path.name)))
    return out
