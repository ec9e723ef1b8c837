"""Fresh-eyes walkthrough (20:57 UTC), findings 2 and 3: the reading named the output layer by a number the
layer table never shows ("layer 11" under a table of layers 1-10), and the "vs output" ratio was printed for
round-off norms (4e-16 over 3e-20 read 1.51e+04) while the reading beside it said there was no gradient."""

from __future__ import annotations

import json
import math
import re

from typer.testing import CliRunner

from actlab.cli import app
from actlab.readings import GRAD_FLOOR, LayerSummary, RunSummary, diagnose, grad_ratio

runner = CliRunner()


def _train(*args: str):
    res = runner.invoke(app, ["train", *args, "--json"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_a_deep_sigmoid_net_reads_against_the_output_layer_not_a_layer_number_outside_the_table():
    out = _train("--layers", "8,8,8,8,8,8,8,8,8,8", "--activation", "sigmoid", "--epochs", "2")
    words = [l["reading"] for l in out["reading"]["layers"]] + [out["diagnosis"]["words"]]
    assert out["diagnosis"]["status"] == "vanishing"
    assert all("layer 11" not in w for w in words), words
    assert "of the output layer's gradient" in out["diagnosis"]["words"]
    assert "of the output layer's gradient" in out["reading"]["layers"][0]["reading"]


def test_the_core_names_the_output_layer_in_words():
    s = RunSummary(tuple(LayerSummary("sigmoid", 4, 1e-9) for _ in range(3)), 0.1, loss=0.6, chance_loss=0.69,
                   epochs=1, steps=10)
    assert diagnose(s).words == "vanishing: layer 1 gets 1.0e-8 of the output layer's gradient"


def test_no_ratio_is_given_for_an_output_gradient_below_the_floor():
    assert math.isnan(grad_ratio(4.15e-16, 2.7e-20))
    assert math.isnan(grad_ratio(1e-3, GRAD_FLOOR / 2))
    assert grad_ratio(1e-3, 1e-2) == 1e-3 / 1e-2  # above the floor: the plain quotient
    assert grad_ratio(0.0, 1e-2) == 0.0  # nothing reaches layer 1 while the output has a gradient: a real 0


def test_the_walkthrough_run_shows_no_ratio_of_round_off():
    args = ("--lr", "50", "--epochs", "30", "--activation", "relu")
    out = _train(*args)
    reading = out["reading"]
    assert reading["last_grad_norm"] < GRAD_FLOOR and out["diagnosis"]["status"] == "no_gradient"
    assert [l["grad_ratio_to_last"] for l in reading["layers"]] == [None, None]
    assert reading["first_to_last_ratio"] is None
    table = runner.invoke(app, ["train", *args], env={"COLUMNS": "200"}).stdout
    rows = [line for line in table.splitlines() if re.match(r"│\s*[12]\s*│\s*relu", line)]
    assert len(rows) == 2 and all(line.split("│")[4].strip() == "—" for line in rows), rows
