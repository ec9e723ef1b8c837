"""One wire format: every face turns records and non-finite numbers into JSON through actlab._json.

The convention: NaN -> null, +inf / -inf -> "inf" / "-inf", and the result is strict JSON."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from actlab._json import dumps, jsonable

SRC = Path(__file__).resolve().parents[2] / "src" / "actlab"


class Colour(enum.Enum):
    RED = "red"
    INF = math.inf  # an enum whose value is not finite still becomes strict JSON


@dataclasses.dataclass(frozen=True)
class Pair:
    a: float
    b: tuple


@dataclasses.dataclass(frozen=True)
class WithOwnForm:
    x: float

    def to_dict(self) -> dict:
        return {"x_twice": self.x * 2}


floats = st.floats(allow_nan=True, allow_infinity=True)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30), floats, st.text(max_size=5),
    st.floats(width=32).map(np.float32), floats.map(np.float64), st.integers(-100, 100).map(np.int64),
    st.booleans().map(np.bool_), st.sampled_from(list(Colour)),
)
values = st.recursive(
    st.one_of(scalars, hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4), elements=floats)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(-5, 5)), inner, max_size=4),
        st.builds(Pair, floats, st.lists(inner, max_size=2).map(tuple)),
        st.builds(WithOwnForm, floats),
    ),
    max_leaves=20,
)


def _expected_number(v: float):
    return None if math.isnan(v) else "inf" if v == math.inf else "-inf" if v == -math.inf else v


@settings(max_examples=300, deadline=None)
@given(values)
def test_jsonable_always_round_trips_as_strict_json(value):
    text = json.dumps(jsonable(value), allow_nan=False)  # raises on a bare NaN or Infinity
    assert json.loads(text) == jsonable(value)
    assert dumps(value) == text


@settings(max_examples=200, deadline=None)
@given(floats)
def test_each_float_takes_the_one_convention(v):
    assert jsonable(v) == _expected_number(v) or (math.isnan(v) and jsonable(v) is None)
    with np.errstate(over="ignore"):  # a float64 too large for float32 becomes its infinity
        v32 = np.float32(v)
    assert jsonable(v32) == _expected_number(float(v32)) or math.isnan(v32)
    assert jsonable(np.array([v, -v]))[0] == jsonable(v)


def test_records_use_their_own_form_and_keys_become_text():
    assert jsonable({1: WithOwnForm(math.inf), "p": Pair(math.nan, (np.int64(3), Colour.INF))}) == \
        {"1": {"x_twice": "inf"}, "p": {"a": None, "b": [3, "inf"]}}


def test_a_value_with_no_json_form_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="no JSON form for a set"):
        jsonable({"a": {1, 2}})
    with pytest.raises(TypeError, match="PosixPath|WindowsPath"):
        jsonable([Path("x")])


def test_no_second_helper_in_the_package():
    """The issue counted six helpers and three conventions; only _json.py may spell the conversion out."""
    pattern = re.compile(r'def _json_num|def _jsonable|def _finite\(v|return "inf" if v > 0 else "-inf"$|'
                         r'else "-inf" if v == -(?:math\.)?INF else v$|None if math\.isnan|'
                         r'v if math\.isfinite\(v\) else None')
    found = [f"{p.relative_to(SRC)}:{i}" for p in SRC.rglob("*.py") if p.name != "_json.py"
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert found == []


def test_registry_describe_writes_infinite_ranges_as_strings():
    from actlab import activations

    relu = activations.get("relu").describe()
    assert relu["output_range"] == [0.0, "inf"]
    json.dumps([activations.get(n).describe() for n in activations.names()], allow_nan=False)


DIVERGING = dict(dataset="circle", layers="8,8", activation="leaky_relu", loss="cross-entropy", lr=100.0,
                 n_points=200, seed=1)


def _cli_frame(**cfg) -> dict:
    args = [sys.executable, "-m", "actlab.cli", "train", "--json", "--epochs", "3"]
    for k, v in cfg.items():
        args += [f"--{k.replace('_', '-')}", str(v)]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_diverged_frame_is_the_same_json_in_the_cli_and_the_playground(tmp_path):
    """`actlab train --json` and the playground's WebSocket frame write the same values for the same run: the
    diverged loss is null in both, and every field the header shares with Frame.to_dict() is equal."""
    from fastapi.testclient import TestClient

    from actlab.playground import FRAME_FIELDS, frame_header
    from actlab.web.app import create_app
    from tests.web.test_playground_ws import play_until_stopped

    cli = _cli_frame(**DIVERGING)
    assert cli["status"] == "diverged" and cli["train_loss"] is None and cli["test_loss"] is None

    ws_config = {**{k: v for k, v in DIVERGING.items() if k != "activation"}, "layers": [8, 8],
                 "activations": ["leaky_relu"]}
    app = create_app(db_path=tmp_path / "p.sqlite3", max_sessions=2, allow_hosts=("testserver",))
    with TestClient(app) as client, client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": ws_config}))
        ready = json.loads(ws.receive_text())
        assert ready["type"] == "ready", ready
        frame_header(ws.receive_bytes())
        ws.send_text(json.dumps({"type": "play"}))
        header, stopped = play_until_stopped(ws)
    assert stopped["reason"] == "diverged"
    assert header["train_loss"] is None and header["status"] == "diverged"
    # R10: the remedies differ in how they say "start again": the lab's Reset button, a new `actlab train` command
    from actlab.cli.train import RESTART as CLI_RESTART
    from actlab.reading_record import PLAYGROUND_RESTART as LAB_RESTART

    assert CLI_RESTART in cli["diagnosis"]["remedy"] and LAB_RESTART not in CLI_RESTART
    cli = json.loads(json.dumps(cli).replace(CLI_RESTART, LAB_RESTART))
    assert {k: header[k] for k in FRAME_FIELDS} == {k: cli[k] for k in FRAME_FIELDS}
    assert header["layers"][0]["grad_norm"] == cli["reading"]["layers"][0]["grad_norm"]
