"""The LLM activation census: which activation each model family's feed-forward uses.

Built from small config.json-style fixtures shipped in actlab/data/census (no downloads). Each
fixture cites where its facts come from; each activation name resolves through the registry's
aliases, so the table shows the exact function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from .. import activations
from ._result import ResultMixin

ACT_KEYS = ("hidden_act", "activation_function", "hidden_activation", "ffn_activation", "activation",
            "feed_forward_proj")


# the gated block each gate function makes; the tanh GELU's is named apart from the registry's geglu (exact GELU)
_GATED_BLOCKS = {"silu": "SwiGLU", "gelu": "GeGLU", "gelu_tanh": "GeGLU with the tanh GELU", "relu": "ReGLU",
                 "sigmoid": "GLU"}


@dataclass(frozen=True)
class CensusRow(ResultMixin):
    family: str  # one model family: families released in different years get a row each
    year: int
    config_key: str
    config_value: str
    activation: str  # registry key the value resolves to
    gated: bool
    block: str  # "SwiGLU", "GeGLU" or "plain MLP"
    formula: str
    source: str


def parse_config(config: dict) -> tuple[str, str, str, bool]:
    """(key, raw value, registry key, gated) from a config dict; T5's 'gated-gelu' convention included."""
    for key in ACT_KEYS:
        if key in config:
            raw = str(config[key])
            gated = bool(config.get("gated_mlp", False))
            name = raw
            if key == "feed_forward_proj":
                parts = raw.split("-")
                gated = parts[0] == "gated"
                name = "gelu_new" if raw == "gated-gelu" else parts[-1]  # transformers' T5 rule
            return key, raw, activations.resolve(name), gated
    raise ValueError(f"no activation key among {', '.join(ACT_KEYS)} in {sorted(config)}")


def load_fixtures() -> list[dict]:
    folder = resources.files("actlab") / "data" / "census"
    return [json.loads(f.read_text(encoding="utf-8")) for f in sorted(folder.iterdir(), key=lambda p: p.name)
            if f.name.endswith(".json")]


def census() -> list[CensusRow]:
    rows = []
    for fx in load_fixtures():
        key, raw, name, gated = parse_config(fx["config"])
        act = activations.get(name)
        block = _GATED_BLOCKS.get(name, "gated") if gated else "plain MLP"
        rows.append(CensusRow(fx["family"], fx["year"], key, raw, name, gated, block, act.formula, fx["source"]))
    return sorted(rows, key=lambda r: (r.year, r.family))
