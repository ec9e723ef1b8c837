"""The CLI's tables read at 80 columns: no line wider than the terminal, nothing cut off with an ellipsis, and
every key cell (a name, a number, a header) whole on one line rather than broken or spread down a column."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

from actlab import activations
from actlab import experiments as ex
from actlab.cli import app
from actlab.cli.train import _render_demo, _render_frame
from actlab.network import NetworkConfig
from actlab.optim import OptimConfig
from actlab.training import Trainer

WIDTH = 80
runner = CliRunner()


def _render(fn, *args) -> str:
    out = io.StringIO()
    fn(Console(file=out, width=WIDTH, color_system=None), *args)
    return out.getvalue()


def assert_readable(text: str, whole: list[str]) -> None:
    lines = text.splitlines()
    too_wide = [line for line in lines if len(line) > WIDTH]
    assert not too_wide, f"lines over {WIDTH} columns: {too_wide[:3]}"
    assert "…" not in text, "a cell was cut off with an ellipsis"
    cropped = [line for line in lines if line.lstrip()[:1] in "│┃" and line.rstrip()[-1:] not in "│┃"]
    assert not cropped, f"a table wider than the terminal lost its right edge: {cropped[:2]}"
    broken = [w for w in whole if not any(w in line for line in lines)]
    assert not broken, f"not whole on any one line: {broken}"


def test_list_at_80_columns_keeps_each_activation_on_one_or_two_lines():
    res = runner.invoke(app, ["list"], env={"COLUMNS": str(WIDTH)})
    assert res.exit_code == 0
    records = [activations.get(n) for n in activations.names()]
    assert_readable(res.stdout, [r.name for r in records] + ["range", "f′ range", "smooth", "used first in"])
    body = [line for line in res.stdout.splitlines() if line.strip()]
    assert len(body) <= 2 * len(records) + 8, "rows spread down the screen"
    # each name's row carries its output range (numbers as printed, to 3 significant digits at this width)
    for r in records:
        row = next(line for line in body if re.match(rf"\s*{re.escape(r.name)}\s", line))
        low = r.output_interval.split(",")[0].strip("[(")
        want = low if low in ("-∞", "0") or not re.fullmatch(r"-?\d+\.\d+", low) else f"{float(low):.3g}"
        assert want in row, (r.name, want, row)


def test_list_at_160_columns_still_shows_the_maximal_derivative_in_words():
    res = runner.invoke(app, ["list"], env={"COLUMNS": "160"})
    assert "0.25 at x = 0" in res.stdout and "1.1289 at x = √2" in res.stdout
    assert "…" not in res.stdout


def test_vanishing_demo_at_80_columns():
    result = ex.vanishing()
    text = _render(lambda c, r: _render_demo(c, "vanishing", r), result)
    assert_readable(text, [f.activation for f in result.flows] + [m.name for m in result.maxima])
    flat = " ".join(text.split())
    assert all(f.reading.words in flat for f in result.flows), "a reading was dropped or cut"


def test_census_demo_at_80_columns_shows_every_config_whole():
    rows = ex.census()
    text = _render(lambda c, r: _render_demo(c, "census", r), rows)
    assert_readable(text, [r.config_key for r in rows] + [r.config_value for r in rows] + [r.activation for r in rows]
                    + [str(r.year) for r in rows])


def test_dying_relu_demo_at_80_columns():
    result = ex.dying_relu(trials=300, seed=0)
    text = _render(lambda c, r: _render_demo(c, "dying-relu", r), result)
    assert_readable(text, ["negative_slope", "leaky_relu", "0.01", "0.3", "reading"])


@pytest.mark.parametrize("acts", [["sigmoid"] * 6, ["leaky_relu", "silu", "hardsigmoid"]])
def test_train_tables_at_80_columns(acts):
    import numpy as np

    from actlab.datasets import features, make_dataset

    data = make_dataset("circle", 200, 0.0, rng=np.random.default_rng(0))
    cfg = NetworkConfig(2, (8,) * len(acts), tuple((a, {}) for a in acts), "logistic")
    t = Trainer(cfg, OptimConfig("sgd", 0.1), features(data.points), data.labels, batch_size=10, seed=0)
    frame = list(t.frames(2))[-1]
    text = _render(lambda c, f: _render_frame(c, "circle", f), frame)
    assert_readable(text, [*acts, "activation", "saturated", "layer"])
    flat = " ".join(text.split())
    assert all(layer.reading in flat for layer in frame.reading.layers), "a layer's note was dropped or cut"
