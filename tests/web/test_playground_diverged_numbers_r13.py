"""Issue 17 (R13; W16 findings 7 and 8): a diverged run on the playground shows no accuracy, and its numbers agree.

Finding 7: outputs that are NaN showed "Accuracy: test 52.0%" and a confusion matrix with every point in class 0
(the argmax of NaN). Finding 8: the header said "Epoch 0" where the note said "Epoch 1 is 7 of 25 updates in (Step
trains one minibatch ...)" after Play, and steps were "5201" in the status and the reading but "5,201" elsewhere.
References: the engine replaying the run from the exported settings (its frame, its epoch and step counters), and
the reading's own words for the step it diverged at.
"""

from __future__ import annotations

import re

import pytest

from _browser import exported_weights as exported
from _browser import open_playground, shot
from actlab.session import RunConfig, make_data, trainer_for

pytestmark = pytest.mark.browser

NAN_RUN = "dataset=circle&activations=linear&loss=cross-entropy&lr=10&layers=8,8"
LATE_RUN = "dataset=circle&activations=linear&loss=cross-entropy&lr=0.03&layers=8,8"


TEXTS = ("status", "gradient-reading", "loss-note", "frame-note", "metrics")


def texts(page) -> dict[str, str]:
    return {k: page.locator(f"#{k}").inner_text() for k in TEXTS} | {
        "epoch": page.locator("#epoch").inner_text(), "step": page.locator("#step-count").inner_text(),
        "mark": page.evaluate("document.getElementById('loss-chart').mark?.label ?? ''")}


def test_a_diverged_classifier_shows_no_accuracy_and_its_epoch_note_agrees_with_the_header(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    open_playground(page, NAN_RUN)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.getElementById('status').textContent.includes('Diverged')", timeout=90_000)
    page.wait_for_timeout(800)
    cfg = RunConfig.from_dict(exported(page)["config"])
    engine = trainer_for(cfg, *make_data(cfg))
    engine.run_updates(10_000)
    frame = engine.frame()
    step, upe = engine.diverged_at_step, engine.updates_per_epoch
    assert frame.accuracy_note and frame.train_accuracy is None  # the engine's own frame has none
    seen = texts(page)
    assert f"No accuracy: {frame.accuracy_note}." in seen["metrics"], seen["metrics"]
    assert "%" not in seen["metrics"] and page.locator("#metrics table.confusion").count() == 0
    assert seen["epoch"] == str(engine.epoch_count) and seen["step"] == str(step)
    assert (f"Epoch {engine.epoch_count} and {engine.epoch_step} of the {upe} updates of the next epoch "
            f"(the run diverged at step {step}, mid-epoch).") in seen["frame-note"], seen["frame-note"]
    assert "Step trains" not in seen["frame-note"]  # it was Play, not Step
    shot(page, "r13-playground-nan-accuracy", page.locator(".pg-out"))
    assert not page.console_errors, page.console_errors


def test_a_late_divergence_writes_its_step_one_way_and_its_epochs_add_up(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    open_playground(page, LATE_RUN)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('step-count').textContent.replace(/,/g, '')) > 1100",
                           timeout=90_000)
    page.select_option("#lr", "10")
    page.dispatch_event("#lr", "change")
    page.wait_for_function("document.getElementById('status').textContent.includes('Diverged')", timeout=90_000)
    page.wait_for_timeout(800)
    seen = texts(page)
    step = int(re.search(r"Diverged at step (\d+(?:,\d{3})*)", seen["status"]).group(1).replace(",", ""))
    assert step > 1000
    written = f"{step:,}"  # a comma per thousand, as the engine's words write steps ("between steps 1,324 and")
    assert seen["status"].startswith(f"Diverged at step {written}:"), seen["status"]  # was "1334" beside "1,334"
    assert seen["step"] == written and seen["mark"] == f"diverged at step {written}", seen
    assert f"Diverged at step {written}:" in seen["loss-note"]
    cfg = RunConfig.from_dict(exported(page)["config"])
    upe = trainer_for(cfg, *make_data(cfg)).updates_per_epoch
    # every step number the page writes itself (the reading's own words are the engine's) has its commas
    said = [n for k in ("status", "loss-note", "frame-note") for n in re.findall(r"\bsteps? (\d+(?:,\d{3})*)", seen[k])]
    assert said and all(n == f"{int(n.replace(',', '')):,}" for n in said), said
    note = re.search(r"Epoch (\d+) and (\d+) of the (\d+) updates of the next epoch", seen["frame-note"])
    if note:  # mid-epoch: the header's epoch and the note's updates add up to the step
        assert note.group(1) == seen["epoch"] and int(note.group(3)) == upe
        assert int(note.group(1)) * upe + int(note.group(2)) == step
    else:
        assert int(seen["epoch"]) * upe == step
    shot(page, "r13-playground-late-divergence")
    assert not page.console_errors, page.console_errors
