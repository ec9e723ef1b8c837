"""Walkthrough finding: a ratio between gradients that are round-off (4e-16 over 3e-20) read as "exploding".

Below readings.GRAD_FLOOR (times the loss when the loss is above 1) a gradient norm carries no direction worth a
ratio, so no reading may call it exploding or vanishing; when every norm is that small the reading is "no gradient".
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from actlab.instruments import layer_reading
from actlab.readings import (
    FIT_FRACTION,
    GRAD_FLOOR,
    LayerSummary,
    RunSummary,
    Status,
    diagnose,
    diverging_loss,
    grad_floor,
)

tiny = st.one_of(st.just(0.0), st.floats(min_value=1e-300, max_value=GRAD_FLOOR * 0.999))


@settings(max_examples=200, deadline=None)
@given(norms=st.lists(tiny, min_size=1, max_size=5), out=tiny,
       loss=st.one_of(st.none(), st.floats(min_value=0.0, max_value=1e3)))
def test_no_reading_says_exploding_or_vanishing_when_every_gradient_is_below_the_floor(norms, out, loss):
    layers = tuple(LayerSummary("relu", 4, g, signal_norm=g) for g in norms)
    s = RunSummary(layers, out, loss=loss, chance_loss=None if loss is None else 0.5, epochs=5, steps=100,
                   output_signal_norm=out)
    reading = diagnose(s)
    statuses = {f.status for f in reading.findings}
    assert Status.EXPLODING not in statuses and Status.VANISHING not in statuses, reading.to_dict()
    # a loss at most FIT_FRACTION of chance with no gradient left is a fit, read as learned (W16), not a failure
    fit = loss is not None and loss <= FIT_FRACTION * 0.5
    assert (Status.NO_GRADIENT in statuses) is not fit
    # a loss far above chance after 100 updates has blown up: that, not the gradients, is the reading (issue 17)
    assert reading.status is (Status.DIVERGED if diverging_loss(s) is not None else
                              Status.HEALTHY if fit else Status.NO_GRADIENT)
    words = [layer_reading(i + 1, len(norms) + 1, g / out if out else float("nan"), 0, 0, 4, g, out)
             for i, g in enumerate(norms)]
    assert not any("exploding" in w or "vanishing" in w for w in words), words


def test_the_floor_scales_with_a_loss_above_one_only():
    assert grad_floor(None) == grad_floor(0.3) == GRAD_FLOOR
    assert grad_floor(1e4) == GRAD_FLOOR * 1e4


def test_a_real_vanishing_gradient_above_the_floor_still_reads_vanishing():
    s = RunSummary((LayerSummary("sigmoid", 4, 1e-9),), 0.1, loss=0.6, chance_loss=0.69, epochs=1, steps=10)
    assert diagnose(s).status is Status.VANISHING


def test_the_walkthrough_cli_case_reads_no_gradient_not_exploding():
    from actlab.cli import app

    res = CliRunner().invoke(app, ["train", "--activation", "relu", "--lr", "50", "--epochs", "50", "--json"],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["reading"]["last_grad_norm"] < GRAD_FLOOR  # the case the walkthrough saw: round-off gradients
    text = json.dumps(out["diagnosis"]) + json.dumps([l["reading"] for l in out["reading"]["layers"]])
    assert "exploding" not in text and "vanishing" not in text, text
    assert "no_gradient" in [f["status"] for f in out["diagnosis"]["findings"]]


def test_dying_demo_verdicts_per_activation_match_the_lesson():
    """The lesson says Leaky ReLU keeps units alive: at the demo's learning rate every leaky run learns with no
    dead unit, while ReLU loses some; no run diverges (at lr 1 the slope-0.1 and 0.3 runs did)."""
    from actlab.experiments.dying_relu import trained_dead_units

    rows = {(r.activation, r.params.get("negative_slope")): r for r in trained_dead_units()}
    for key, r in rows.items():
        assert r.status == "healthy", (key, r.reading.words)
        assert r.final_train_loss < 0.5 * r.chance_loss, key
    assert rows[("relu", None)].dead_fraction > 0
    for slope in (0.01, 0.1, 0.3):
        assert rows[("leaky_relu", slope)].dead_fraction == 0


def test_dying_demo_progress_names_the_fixed_cases_not_the_sliders(monkeypatch):
    import importlib

    demo = importlib.import_module("actlab.experiments.dying_relu")  # the package re-exports a function of that name
    said = []
    monkeypatch.setattr(demo, "trained_dead_units", lambda **kw: [])
    demo.dying_relu(trials=100, on_step=lambda done, total, what: said.append(what))
    assert said[0] == "checking the formula on fixed case 1 of 5 (N = 2, L = 10)", said
    assert said[2] == "checking the formula on fixed case 3 of 5 (N = 10, L = 100)", said
    assert said[-1] == "training six networks"
