"""Issue 17 (W16 finding 2): a network that fits its training data, every gradient 0, reads learned, not a failure.

W16: xor with the x1x2 feature, a linear network under cross-entropy, learned at lr 0.03 and then played at lr 10:
the loss went to 0 and the accuracy to 100%, and the page read 'No gradient: ... it fits the training data, and
nothing more can be learned' in orange, with 'Lower the learning rate and reset' (throwing a perfect model away).
References: the engine's own loss and accuracy, computed again here from the trainer's network on its training set."""

from __future__ import annotations

import math

import numpy as np

from actlab.reading_record import FAILURES, Status
from actlab.readings import FIT_FRACTION, LayerSummary, RunSummary, diagnose
from actlab.session import RunConfig, build_trainer


def test_w16_xor_fitted_at_a_raised_learning_rate_reads_learned():
    cfg = RunConfig.from_cli(dataset="xor", layers="4,2", activation="linear", lr=0.03, loss="cross-entropy",
                             features="x1,x2,x1x2")
    t = build_trainer(cfg)
    list(t.frames(100))
    t.set_lr(10.0)
    f = list(t.frames(400))[-1]
    # the premise, from the network itself: every training point right, the loss 0 to float64
    out, _ = t.net.forward(t.x_train)
    assert np.array_equal(np.argmax(out, axis=1) if out.shape[1] > 1 else (out[:, 0] > 0), t.y_train)
    assert f.train_loss <= FIT_FRACTION * f.chance_loss
    r = f.diagnosis
    assert r.status is Status.HEALTHY and not r.is_failure, r.words
    assert r.words.startswith("learned: the network fits the training data") and r.remedy == ""


CHANCE = math.log(2)


def summary(loss, chance=CHANCE, norms=(0.0, 0.0), out=0.0, stuck=None):
    return RunSummary(tuple(LayerSummary("tanh", 8, g) for g in norms), out, loss=loss, chance_loss=chance,
                      steps=5000, output_stuck_fraction=stuck)


def test_no_gradient_at_a_loss_that_is_no_fit_stays_a_failure():
    for loss in (0.5, 0.3, 0.05):  # below chance (0.693), but far from a fit
        assert loss > FIT_FRACTION * math.log(2)
        r = diagnose(summary(loss))
        assert r.status is Status.NO_GRADIENT and r.status in FAILURES, r.words
        assert "fits" not in r.words
    assert diagnose(summary(0.0, stuck=0.3)).status in FAILURES  # an output pinned wrong is no fit
    assert diagnose(summary(0.0)).status is Status.HEALTHY
