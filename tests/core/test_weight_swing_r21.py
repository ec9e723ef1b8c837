"""R21 item 6: L1 at rate 10 with learning rate 1 read 'healthy' at loss 0.184 (the default tanh 4,2 net on the
circle, 50 epochs) while every update's L1 term moved each weight by lr x rate = 10: every weight flipped sign on
every update (a tanh net is odd, so its function survives a flip of every layer). Such a run reads 'oscillating' now,
with the share of the weights' size the last update carried across 0 and the L1 step that does it; a run that L1
regularises gently still reads healthy. The reference is a direct computation on the weights: the network's
weights copied before one update and compared with them after it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from actlab.cli import app
from actlab.readings import FLIP_SHARE, Status
from actlab.session import RunConfig, build_trainer

runner = CliRunner()
SWINGING = RunConfig(reg="l1", reg_rate=10, lr=1)  # the review's run
GENTLE = RunConfig(reg="l1", reg_rate=0.001)  # lr 0.03: each update's L1 step is 3e-5


def _by_hand(t):
    """One more update, with the weights copied before it: (the share of sum |w| after it held by weights whose sign
    it changed, each weight's |change|)."""
    before = np.concatenate([w.ravel().copy() for w in t.net.weights])
    t.step()
    after = np.concatenate([w.ravel() for w in t.net.weights])
    flipped = np.sign(before) * np.sign(after) < 0
    return float(np.abs(after[flipped]).sum() / np.abs(after).sum()), np.abs(after - before)


def test_the_reviews_run_reads_oscillating_not_healthy_and_says_why():
    t = build_trainer(SWINGING)
    last = list(t.frames(50))[-1]
    d = last.diagnosis
    # a low loss, as the review saw: 0.184 there, 0.068 with numpy 2.4.6 and MKL 2026.2 (every update flips every
    # weight, and the rounding of one BLAS build against another decides where the swing lands)
    assert last.train_loss < 0.5 * last.chance_loss
    assert d.status is Status.OSCILLATING and d.is_failure and "healthy" not in d.words, d.words
    assert "the L1 term alone moves every weight by the learning rate times the L1 rate, 1 × 10 = 10" in d.words
    assert d.remedy.startswith("Lower the L1 rate") and "lower the learning rate" not in d.remedy
    share, moved = _by_hand(t)
    assert share == 1.0 and np.median(moved) == pytest.approx(10, abs=0.05)  # each weight moved by lr x rate
    # the reading's number is the direct one, for this update; the other side of the swing is above chance (its
    # headline: 'not learning any more'), which the frames, one every 25 updates, had each missed
    frame = t.frame()
    found = next(f for f in frame.diagnosis.findings if f.status is Status.OSCILLATING)
    assert found.evidence["flip_share"] == pytest.approx(share, rel=1e-12)
    assert frame.train_loss > frame.chance_loss > last.train_loss


def test_the_reading_matches_the_weights_update_by_update():
    t = build_trainer(SWINGING)
    list(t.frames(3))
    for _ in range(4):
        share, _ = _by_hand(t)
        swing = t.last_swing()
        assert swing.flip_share == pytest.approx(share, rel=1e-12)
        after = np.concatenate([w.ravel() for w in t.net.weights])
        assert swing.mean_size == pytest.approx(np.abs(after).mean(), rel=1e-12)


def test_a_gently_regularised_run_still_reads_healthy():
    t = build_trainer(GENTLE)
    last = list(t.frames(300))[-1]
    assert last.diagnosis.status is Status.HEALTHY, last.diagnosis.words
    share, moved = _by_hand(t)
    assert share < 0.01 < FLIP_SHARE and t.last_swing().flip_share == pytest.approx(share, rel=1e-12)


def test_no_update_yet_reads_no_swing():
    t = build_trainer(SWINGING)
    assert t.last_swing() is None and t.frame().diagnosis.status is not Status.OSCILLATING


def test_the_cli_and_its_json_read_it():
    args = ["train", "--reg", "l1", "--reg-rate", "10", "--lr", "1", "--epochs", "50"]
    out = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert out["diagnosis"]["status"] == "oscillating" and out["diagnosis"]["evidence"]["flip_share"] == 1.0
    text = " ".join(runner.invoke(app, args, env={"COLUMNS": "200"}).output.split())
    assert "Oscillating: the last update carried weights holding 100% of the weights' size across 0" in text
    assert "then run actlab train again" in text


@pytest.mark.browser
def test_the_playground_reads_it_as_a_failure(page):
    from _browser import open_playground, play_to_epoch, shot

    open_playground(page, "reg=l1&reg_rate=10&lr=1")
    play_to_epoch(page, 50)
    page.wait_for_function("document.getElementById('gradient-reading').dataset.status === 'oscillating'")
    reading = page.locator("#gradient-reading")
    text = reading.text_content()
    assert text.startswith("Oscillating: the last update carried weights holding 100% of the weights' size across 0")
    assert "press Reset" in text and "failure" in reading.get_attribute("class") and "healthy" not in text.lower()
    shot(page, "r21-playground-oscillating")
