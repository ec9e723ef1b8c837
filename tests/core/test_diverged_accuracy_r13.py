"""Issue 17 (R13; W16 findings 7 and 9): a diverged classifier has no accuracy, and frames(n) trains n more epochs.

Finding 7: a network whose outputs are NaN got an accuracy (0.492 beside a NaN loss): the argmax of NaN is the
first class, so every point was "predicted" class 0. The frame now has no number there and says why
(Frame.accuracy_note), in every face: the frame itself, its JSON and `actlab train`. Finding 9: frames(60), set_lr(10),
frames(20) yielded nothing, because frames(n) meant "up to epoch n". References: the engine's own forward pass on the
run's data (numpy), and its epoch counter.
"""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from actlab.cli import app
from actlab.session import RunConfig, build_trainer

NAN_RUN = dict(dataset="circle", layers="8,8,8", activation="identity", loss="cross-entropy", lr=10.0,
               init="he_normal")
HEALTHY = dict(dataset="circle", layers="8", activation="tanh", lr=0.3)


def trainer(opts: dict):
    return build_trainer(RunConfig.from_cli(features="x1,x2", **opts))


def outputs(t, x):
    with np.errstate(all="ignore"):
        return t.net.forward(x)[0]


def test_outputs_that_are_not_numbers_have_no_accuracy_and_the_frame_says_why():
    t = trainer(NAN_RUN)
    frame = list(t.frames(20))[-1]
    assert frame.status == "diverged"
    train_out, test_out = outputs(t, t.x_train), outputs(t, t.x_test)
    assert not np.isfinite(train_out).all() and not np.isfinite(test_out).all()  # the engine's own outputs
    assert frame.train_accuracy is None and frame.test_accuracy is None
    assert frame.accuracy_note and "not numbers" in frame.accuracy_note
    d = frame.to_dict()
    assert d["train_accuracy"] is None and d["test_accuracy"] is None and d["accuracy_note"] == frame.accuracy_note
    printed = str(frame).splitlines()  # the Python API's printed frame, written as `actlab train` writes it
    assert "training accuracy: none" in printed and "test accuracy: none" in printed
    assert f"no accuracy: {frame.accuracy_note}" in printed
    assert "not numbers (NaN or infinite), so they predict no class" in frame._repr_html_()  # a notebook's


def test_a_classifier_whose_outputs_are_numbers_keeps_its_accuracy_and_no_note():
    t = trainer(HEALTHY)
    frame = list(t.frames(3))[-1]
    head = t.net.head
    for acc, x, y in ((frame.train_accuracy, t.x_train, t.t_train), (frame.test_accuracy, t.x_test, t.t_test)):
        assert acc == np.mean(head.predict(outputs(t, x)) == head.label(y))
    assert frame.accuracy_note is None and frame.to_dict()["accuracy_note"] is None


def cli(opts: dict, *extra: str) -> str:
    args = ["train"] + [a for k, v in opts.items() for a in (f"--{k}", str(v))] + list(extra)
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res.output


def test_actlab_train_prints_no_accuracy_for_a_diverged_classifier_and_says_why():
    t = trainer(NAN_RUN)
    frame = list(t.frames(20))[-1]
    text = cli({**NAN_RUN, "epochs": 20})
    row = next(line for line in text.splitlines() if "accuracy" in line and "│" in line)
    cells = [c.strip() for c in row.split("│") if c.strip()]
    assert cells == ["accuracy", "none", "none"], row  # was 0.4920 and 0.5080
    assert f"No accuracy: {frame.accuracy_note}." in " ".join(text.split())
    last = [json.loads(line) for line in cli({**NAN_RUN, "epochs": 20}, "--json").splitlines() if line.strip()][-1]
    assert last["train_accuracy"] is None and last["test_accuracy"] is None
    assert last["accuracy_note"] == frame.accuracy_note


def test_frames_trains_that_many_more_epochs_from_where_the_trainer_stands():
    t = trainer(HEALTHY)
    assert [f.epoch for f in t.frames(3)] == [1, 2, 3]
    t.set_lr(0.1)
    more = list(t.frames(2))  # the old frames(2) on a trainer at epoch 3 yielded nothing
    assert [f.epoch for f in more] == [4, 5] and t.epoch_count == 5
    assert [f.step for f in more] == [4 * t.updates_per_epoch, 5 * t.updates_per_epoch]


def test_frames_after_a_step_counts_the_rest_of_the_pass_as_the_first_epoch():
    t = trainer(HEALTHY)
    t.step()
    assert [f.epoch for f in t.frames(2)] == [1, 2]
    assert t.step_count == 2 * t.updates_per_epoch
