"""A live playground frame of a big network: bounded work, the full computation's numbers, the drawn links only.

References: Trainer.frame() (the full evaluation), Trainer.run_epochs (whole epochs), NumPy over the whole matrices
(the per-layer summaries and the strongest links)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actlab.errors import ConfigError
from actlab.playground import PlaygroundSession, frame_header
from actlab.playground import session as live
from actlab.playground.evaluation import Evaluation
from actlab.playground.links import LINK_BUDGET, STAY_FACTOR, LinkSelection, quotas
from actlab.session import RunConfig, build_trainer
from actlab.training import Trainer

CASES = [
    RunConfig(layers=(6, 5, 4), activations=("tanh",)),
    RunConfig(dataset="spiral", layers=(7, 3), activations=("relu", "gelu"), lr=0.3),
    RunConfig(dataset="plane", layers=(5,), activations=("silu",)),  # regression: no classes, no confusion
    RunConfig(layers=(4, 4), activations=("swiglu",)),  # gated: value and gate halves
    None,  # no test set
]


def _no_test_set() -> Trainer:
    t = build_trainer(RunConfig(layers=(6,)))
    return Trainer(t.net_config, t.optim_config, t.x_train, t.y_train, batch_size=10)


@pytest.mark.parametrize("cfg", CASES, ids=lambda c: f"{c.dataset}-{'-'.join(map(str, c.layers))}" if c else "no-test")
@pytest.mark.parametrize("budget", [1.0, 3e3])
def test_an_evaluation_spread_over_calls_is_trainer_frame_to_the_bit(cfg, budget):
    trainer = build_trainer(cfg) if cfg else _no_test_set()
    trainer.run_epochs(2)
    ev = Evaluation(trainer)
    calls = 0
    while ev.run(budget) is None:
        calls += 1
    want = trainer.frame()
    assert calls > 3  # it was spread (budget 1: one layer step a call)
    assert json.dumps(ev.frame.to_dict()) == json.dumps(want.to_dict())  # every loss, reading and finding


def test_the_evaluation_reads_the_network_as_it_was_while_training_goes_on():
    cfg = RunConfig(layers=(8, 8), lr=0.1)
    trainer = build_trainer(cfg)
    trainer.run_epochs(1)
    want = trainer.frame()
    ev = Evaluation(trainer)
    while ev.run(1e3) is None:
        trainer.step()  # the live network moves on between calls
    assert ev.frame.step == want.step and ev.frame.to_dict() == want.to_dict()


def test_a_live_frame_trains_a_bounded_number_of_updates_and_the_run_is_the_engines(monkeypatch):
    monkeypatch.setattr(live, "TRAIN_BUDGET", 1.0)  # one update a frame: every epoch spans frames
    cfg = RunConfig(layers=(5, 3), seed=2)
    session = PlaygroundSession(cfg, grid=10)
    assert session.updates_per_frame == 1 and session.updates_per_epoch == 25
    epochs = []
    for _ in range(60):
        session.train(1)
        epochs.append(session.finish_frame().epoch)
    assert epochs[23:26] == [0, 1, 1] and epochs[-1] == 2 and session.epoch_step == 10
    assert session.trainer.step_count == 60
    engine = build_trainer(cfg)
    engine.run_epochs(2)
    for _ in range(10):
        engine.step()
    for a, b in zip(session.trainer.net.parameters(), engine.net.parameters(), strict=True):
        assert np.array_equal(a, b)


def test_a_frame_never_passes_the_epochs_it_was_asked_for(monkeypatch):
    monkeypatch.setattr(live, "TRAIN_BUDGET", 3 * 11 * 60 * 7.0)  # 7 updates of the (2, 4, 2, 1)-ish net below
    session = PlaygroundSession(RunConfig(layers=(4, 2), n_points=100), grid=10)  # 5 updates an epoch
    assert session.updates_per_frame >= 5
    session.train(1)
    assert session.trainer.step_count == 5 and session.trainer.epoch_count == 1 and session.epoch_step == 0
    with pytest.raises(ConfigError, match="epochs_per_frame"):
        session.train(0)


def test_a_big_networks_live_frames_show_an_earlier_steps_full_evaluation_and_say_which(monkeypatch):
    monkeypatch.setattr(live, "EVAL_BUDGET", 2e3)  # a small net made to evaluate over several frames
    cfg = RunConfig(layers=(6, 6), lr=0.1, seed=5)
    session = PlaygroundSession(cfg, grid=10)
    session.last_frame = session.trainer.frame()  # the first frame, as the lab's training process makes it
    reference = build_trainer(cfg)
    seen = []
    for _ in range(40):
        session.train(1)
        session.finish_frame()
        header = frame_header(session.frame_data().encode())
        assert (header["step"], header["epoch"]) == (session.trainer.step_count, session.trainer.epoch_count)
        if header["evaluated_step"] not in seen:
            seen.append(header["evaluated_step"])
            while reference.step_count < header["evaluated_step"]:  # the engine at the evaluated step
                reference.run_epochs(1)
            want = reference.frame()
            assert header["evaluated_epoch"] == want.epoch
            assert header["train_loss"] == want.train_loss and header["test_loss"] == want.test_loss
            assert header["layers"] == [layer.to_dict() for layer in want.reading.layers]
    assert len(seen) >= 3 and seen[0] == 0  # evaluations finished along the run, the first from the first frame
    assert max(seen) < session.trainer.step_count  # the newest lags the run: it was taken frames ago


def test_a_diverged_live_run_is_evaluated_at_once():
    session = PlaygroundSession(RunConfig(dataset="plane", layers=(8, 8), activations=("relu",), lr=10.0), grid=10)
    for _ in range(20):
        session.train(1)
        frame = session.finish_frame()
        if frame.status == "diverged":
            break
    header = frame_header(session.frame_data().encode())
    assert header["status"] == "diverged" and header["evaluated_step"] == header["step"] == frame.diverged_at_step


@pytest.mark.parametrize(("sizes", "budget", "want"), [
    ([2 * 32, 32 * 32, 32 * 32, 32], 1200, [64, 552, 552, 32]),
    ([10, 20], 1200, [10, 20]),  # everything fits
    ([100, 100, 100], 10, [4, 3, 3]),  # the remainder to the first
    ([5, 1000, 1000], 105, [5, 50, 50]),
])
def test_link_quotas_share_the_budget_and_pass_on_what_a_small_layer_leaves(sizes, budget, want):
    got = quotas(sizes, budget)
    assert got == want
    assert sum(got) == min(budget, sum(sizes)) and all(q <= s for q, s in zip(got, sizes, strict=True))


def test_links_are_each_layers_strongest_and_stay_put_between_near_equals():
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(30, 40)), rng.normal(size=(40, 1))]
    sel = LinkSelection(weights, budget=100)
    q = sel.quota[0]
    strongest = np.sort(np.argsort(np.abs(weights[0]).ravel())[-q:])
    assert q == 60 and np.array_equal(sel.chosen[0], strongest)
    # the weakest shown link and the strongest hidden one trade places by a little: nothing moves
    flat = weights[0].ravel()
    shown_min = sel.chosen[0][np.argmin(np.abs(flat[sel.chosen[0]]))]
    hidden = np.setdiff1d(np.arange(flat.size), sel.chosen[0])
    hidden_max = hidden[np.argmax(np.abs(flat[hidden]))]
    flat[hidden_max] = 1.1 * abs(flat[shown_min])
    sel.update(weights)  # re-ranks layer 0
    assert np.array_equal(sel.chosen[0], strongest)
    flat[hidden_max] = 1.01 * STAY_FACTOR * abs(flat[shown_min])  # clearly stronger now: it comes in
    sel.update(weights)  # layer 1
    sel.update(weights)  # layer 0 again
    assert hidden_max in sel.chosen[0] and shown_min not in sel.chosen[0]


def test_each_layers_summary_covers_all_its_weights_and_gated_layers_send_no_links():
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=(3, 8)), rng.normal(size=(4, 1))]  # a gated first layer: 8 columns for 4 units
    sel = LinkSelection(weights, budget=5)
    out = sel.to_json(weights, [4, 1])
    assert out[0]["from"].size == 0 and out[1]["from"].size == min(4, sel.quota[1])
    for layer, w in zip(out, weights, strict=True):
        assert layer["count"] == w.size
        assert layer["rms"] == pytest.approx(np.sqrt(np.mean(w**2)), rel=1e-12)
        assert layer["max_abs"] == np.abs(w).max()


def test_a_hard_cap_frame_sends_the_drawn_links_not_the_matrices():
    session = PlaygroundSession(RunConfig(layers=(256,) * 32), grid=100)
    session.last_frame = session.trainer.frame()
    blob = session.frame_data().encode()
    header = frame_header(blob)
    assert sum(len(layer["w"]) for layer in header["links"]) == LINK_BUDGET
    assert sum(layer["count"] for layer in header["links"]) == sum(w.size for w in session.trainer.net.weights)
    assert len(blob) < 400_000  # the matrices alone were about 15 MB of JSON
    assert session.updates_per_frame == 1  # 2e6 weights, batch 10


def test_the_confusion_matrix_belongs_to_the_same_step_as_the_accuracy_it_sits_beside(monkeypatch):
    monkeypatch.setattr(live, "EVAL_BUDGET", 2e3)  # the first frames show the caller's first frame's numbers
    session = PlaygroundSession(RunConfig(layers=(6, 6), lr=0.3, seed=1), grid=10)
    session.last_frame = session.trainer.frame()  # as the training process starts a run: frame, then drawn
    first = frame_header(session.frame_data().encode())
    for _ in range(3):
        session.train(5)
        session.finish_frame()
        header = frame_header(session.frame_data().encode())
        assert header["evaluated_step"] == 0 < header["step"]
        m = np.array(header["confusion"])
        assert header["confusion"] == first["confusion"]  # the step-0 network's, not the one training moved on
        assert np.trace(m) / m.sum() == pytest.approx(header["test_accuracy"])
