"""R21 item 1: one meaning of "saturated". The registry's own note called GELU's flat left tail "off" (the dead-unit
instrument's business), and `actlab show gelu` read 'saturates at —', while the readings, the README and the CLI's
table count a GELU unit there as saturated. The math settles it: far left, GELU and SiLU have output ~0 and f' ~0,
never exactly 0, so such a unit passes a little gradient and is never dead: saturated. "Off" and "dead" are kept for
f' exactly 0 (ReLU below 0). Each face's words are read here: the registry's text (Activation.saturation_text,
describe()), `actlab show`, the readings and `actlab train`'s table and note, the options the pages read, the README
and the lesson's card; the references are the functions' own values and the instruments' counts of pinned units.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from actlab.activations import REGISTRY
from actlab.cli import app
from actlab.instruments import dead_mask, saturated_mask, unit_derivative
from actlab.options import options
from actlab.reading_record import SATURATED
from actlab.readings import low_gradient_word

runner = CliRunner()
README = Path(__file__).resolve().parents[2] / "README.md"
# the review's two and GELU's tanh form, with inputs far into the left tail where f' has not underflowed in float64
TAILS = {"gelu": (-12.0, -10.0, -8.0), "silu": (-30.0, -25.0, -20.0), "gelu_tanh": (-12.0, -10.0, -8.0)}


def _flat(text: str) -> str:
    return re.sub(r"[│┃\s]+", " ", text)


def _pinned(name: str, z: float, n: int = 32) -> tuple[bool, bool]:
    """(saturated, dead) by the instruments for a unit whose every input is z."""
    act = REGISTRY[name]
    zs = np.full((n, 1), z)
    d = unit_derivative(act, zs)
    dead = bool(dead_mask(d)[0]) and act.has_zero_region  # as instruments.read_layer counts: an underflowed f' is
    return bool(saturated_mask(act, np.abs(d), act(zs))[0]) and not dead, dead  # no dead unit (read_layer)


@pytest.mark.parametrize("name", TAILS)
def test_the_math_of_the_left_tail_is_output_and_slope_near_0_never_exactly_0(name):
    act = REGISTRY[name]
    z = np.array(TAILS[name])
    assert np.all(np.abs(act(z)) < 1e-6) and np.all(np.abs(act.derivative(z)) < 1e-6)
    assert np.all(act.derivative(z) != 0) and not act.has_zero_region  # never exactly 0: no unit there is dead
    assert _pinned(name, z[0]) == (True, False)  # the instruments: saturated, not dead


@pytest.mark.parametrize("name", TAILS)
def test_the_registry_says_saturated_for_that_tail_and_never_off(name):
    text = REGISTRY[name].saturation_text
    assert text.startswith("left (x → −∞): saturated, f → 0 and f′ → 0 without reaching 0") and "off" not in text
    assert "not dead" in text and REGISTRY[name].describe()["saturation"] == text


def test_relu_alone_of_these_is_off_and_its_unit_there_dead():
    text = REGISTRY["relu"].saturation_text
    assert text.startswith("left (x → −∞): off, f = 0 and f′ = 0 exactly") and "dead, not saturated" in text
    assert _pinned("relu", -3.0)[1] and low_gradient_word(REGISTRY["relu"]) == "rarely active"


def test_every_records_words_agree_with_the_instruments_on_a_unit_far_out():
    """Each activation's text names a tail 'saturated' where a unit pinned there is counted saturated, and 'off'
    where it is counted dead and not saturated."""
    for name, act in REGISTRY.items():
        if act.is_gated:
            continue
        for side, z in (("left", -50.0), ("right", 50.0)):
            part = next((p for p in act.saturation_text.split("; ") if p.startswith(side)), "")
            saturated, dead = _pinned(name, z)
            if ": off," in part:
                assert dead and not saturated, (name, side)
            elif "f′ → 0 without reaching 0" in part:
                assert saturated and not dead, (name, side)
            elif ": saturated," in part:  # a clip (hardtanh, ReLU6): f' exactly 0 there, counted once, as dead
                assert saturated or dead, (name, side)


def test_actlab_show_says_where_gelu_saturates():
    res = runner.invoke(app, ["show", "gelu"], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    text = _flat(res.output)
    assert f"saturates {REGISTRY['gelu'].saturation_text}" in text and "saturates at —" not in text


def test_the_readings_and_the_cli_table_count_a_gelu_layer_in_its_tail_as_saturated():
    from cli.test_train_saturated_r18 import _table, _trainer

    t = _trainer(("gelu",))
    t.net.biases[0][:] -= 100.0  # every unit far into the left tail
    layer = t.frame().reading.layers[0]
    assert layer.low_word == "saturated" and len(layer.saturated_units) == 8 and not layer.dead_units
    text, rows = _table(t)
    assert rows[0][-1] == "100%" and rows[0][-2] == "0%", rows
    flat = " ".join(text.split())
    assert SATURATED in flat and "saturated, not dead" in flat


def test_the_pages_and_the_readme_say_the_same():
    assert options()["notation"]["saturated"] == SATURATED
    readme = " ".join(README.read_text().split())
    assert ("GELU's and SiLU's far left tail, where output and f′ are both near 0 but never exactly 0, is such a "
            "place: saturated, not dead.") in readme
    assert "Off and dead are for f′ exactly 0 (ReLU below 0)." in readme and "Off and dead are for f′ exactly 0" in \
        SATURATED


@pytest.mark.browser
def test_the_lessons_gelu_card_says_where_it_saturates(page):
    from _browser import shot

    page.goto(page.base + "/lesson?acts=gelu,silu,relu,tanh")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    for name in ("gelu", "silu", "relu"):
        card = page.locator(f"#explorer-cards .card[data-name={name}]")
        assert card.locator("dd.saturation").text_content() == REGISTRY[name].saturation_text
    shot(page, "r21-saturation-cards", page.locator("#explorer-cards"))
    assert page.console_errors == []
