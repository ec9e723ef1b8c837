"""Issue 17 (W15, a fresh-eyes walkthrough of the readings): a run that had learned and is back at chance says so,
and a linear network is not told to add units or layers.

Finding 2: a tanh 4,2 playground run trained to a loss of 0.0005 and set to lr 10 sat at 1.3 times chance and read
'output saturated ... and the network is not learning: after 25,500 updates the loss is above chance', with no word
of what it had learned ('not learning any more' needed the loss over twice chance). Finding 5: a linear 8,8 network
that cannot separate the circle read 'a harder data set may need more units, more layers', which cannot help a
composition of linear maps. References: the engine's own frames (their losses and chance), and the runs' settings."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from actlab.readings import ENGINE_LEVERS, TORCH_LEVERS, LayerSummary, RunSummary, Status, diagnose
from actlab.session import RunConfig, build_trainer

CHANCE = math.log(2)


def test_the_engine_raised_to_lr_10_after_learning_never_forgets_it_had_learned():
    t = build_trainer(RunConfig(layers=(4, 2), activations=("tanh",), loss="cross-entropy", lr=0.03))
    frames = list(t.frames(300))
    low = min(f.train_loss for f in frames)
    assert low < 0.5 * CHANCE  # the premise: it learned
    t.set_lr(10.0)
    back = 0
    for f in t.frames(200):  # (frames(n) trains n more epochs)
        d = f.diagnosis
        if f.train_loss >= 0.9 * CHANCE and d.status is Status.NOT_LEARNING:
            back += 1
            assert d.words.startswith("not learning any more: the training loss had come down to "), d.words
            assert "lower the learning rate" in d.remedy
        assert not d.words.startswith("not learning: after"), d.words  # the words that forgot it
    assert back, "the run never came back to chance: the test's premise"


@given(st.floats(0.95, 1.9), st.floats(0.001, 0.5))
def test_a_window_back_at_chance_after_a_judged_low_reads_not_learning_any_more(level, lowest):
    losses = (level * CHANCE,) * 10
    s = RunSummary((LayerSummary("tanh", 8, 0.5),), 1.0, loss=level * CHANCE, chance_loss=CHANCE, steps=5000,
                   recent_losses=losses, loss_batches=10, lowest_judged_loss=lowest * CHANCE, lowest_judged_step=900)
    r = diagnose(s)
    assert r.status is Status.NOT_LEARNING and r.words.startswith("not learning any more"), r.words


def test_a_run_that_never_learned_is_not_said_to_have():
    s = RunSummary((LayerSummary("tanh", 8, 0.5),), 1.0, loss=CHANCE, chance_loss=CHANCE, steps=5000,
                   recent_losses=(CHANCE,) * 10, loss_batches=10, lowest_judged_loss=0.95 * CHANCE)
    r = diagnose(s)
    assert r.status is Status.NOT_LEARNING and r.words.startswith("not learning: after"), r.words


def test_a_linear_network_is_told_to_add_a_non_linearity_not_units():
    t = build_trainer(RunConfig(layers=(8, 8), activations=("linear",), loss="cross-entropy", lr=0.03))
    f = list(t.frames(60))[-1]
    assert f.train_loss > 0.9 * CHANCE  # the premise: a straight line cannot split the circle
    d = f.diagnosis
    assert d.status is Status.NOT_LEARNING
    assert "non-linear activation" in d.remedy and "may need more units" not in d.remedy, d.remedy
    # a non-linear network that does not learn keeps the old advice
    s = RunSummary((LayerSummary("tanh", 8, 0.5),), 1.0, loss=CHANCE, chance_loss=CHANCE, steps=5000)
    assert "may need more units, more layers" in diagnose(s).remedy


def test_a_finding_the_headline_already_says_is_not_listed_again():
    # W15 finding 9: a vanishing network stuck at chance reads 'vanishing: ...; and the network is not learning:
    # ...', and every face then printed 'Also not learning: ...' word for word
    layers = (LayerSummary("sigmoid", 8, 1e-6), LayerSummary("sigmoid", 8, 0.5))
    r = diagnose(RunSummary(layers, 1.0, loss=CHANCE, chance_loss=CHANCE, steps=5000))
    assert r.status is Status.VANISHING and "and the network is not learning" in r.words, r.words
    stuck = [f for f in r.findings if f.status is Status.NOT_LEARNING]
    assert stuck and stuck[0].words in r.words  # the premise: the headline carries it
    assert Status.NOT_LEARNING not in {f.status for f in r.others}
    assert [f["words"] for f in r.to_dict()["others"]] == [f.words for f in r.others]
    assert len(r.to_dict()["findings"]) == len(r.findings)  # every finding is still there for who reads them all


def test_a_shallow_network_is_not_told_fewer_layers():
    # W15 finding 1: `actlab train --dataset spiral --layers 8,8 --activation relu --lr 3` read vanishing with 'or
    # fewer layers' and no word of the learning rate; a deep one keeps the advice on depth
    def remedy(n, levers=ENGINE_LEVERS):
        layers = (LayerSummary("relu", 8, 1e-6),) + tuple(LayerSummary("relu", 8, 0.5) for _ in range(n - 1))
        r = diagnose(RunSummary(layers, 1.0, loss=1.5, chance_loss=1.61, steps=50, levers=levers))
        assert r.status is Status.VANISHING, r.words
        return r.remedy

    assert "fewer layers" not in remedy(2) and "lower learning rate" in remedy(2)
    # residual connections only where the face can add them (R11: a PyTorch model, not the lab's MLP)
    assert "fewer layers" in remedy(6) and "residual connections" in remedy(6, TORCH_LEVERS)
    assert "residual connections" not in remedy(6)
