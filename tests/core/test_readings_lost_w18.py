"""Issue 17 (W18 finding 2): a run that learned and lost it to a gradient that no step undoes is not promised a
recovery from smaller steps.

A ReLU 8,8 net learned (loss 0.000227), then trained at lr 10: its tanh output went to exactly +-1 on the training
points, 1 - tanh^2 = 0, and the reading said 'lower the learning rate ... The loss may come back down ... once the
steps are small again'. At lr 0.003 for 200 more epochs the loss stayed at 0.984, and the page said the same again.
R14 had mended this for dead units only; an output that saturates, or every gradient at exactly 0, now gets its
own remedy, led by why smaller steps cannot help. The references: the output's derivative, computed from the
network's own forward pass, and the loss before and after the smaller steps."""

from __future__ import annotations

import numpy as np

from actlab.readings import Status
from actlab.session import RunConfig, build_trainer


def test_a_saturated_output_after_a_rate_spike_is_not_told_to_wait_for_smaller_steps():
    t = build_trainer(RunConfig(layers=(8, 8), activations=("relu",), lr=0.1))
    list(t.frames(150))
    t.set_lr(10.0)
    spiked = list(t.frames(60))[-1]
    assert t.net.head.name == "tanh_mse"  # the output is tanh's, whose derivative is 1 - out^2
    out, _ = t.net.forward(t.x_train)
    assert np.mean(1 - out ** 2 == 0) >= 0.25  # the premise: the output's derivative is exactly 0 on a quarter or more
    for frame in (spiked, list(t.frames(1))[-1]):
        d = frame.diagnosis
        # the status is the failure no smaller step undoes (W27), the words lead with the loss that was lost
        assert d.status is Status.OUTPUT_SATURATED, d.words
        assert d.words.startswith("not learning any more, with its output saturated: "), d.words
        assert "also output saturated" in d.words
        assert d.remedy.startswith("A saturated output passes back almost no gradient at any learning rate")
        assert "once the steps are small again" not in d.remedy
    before = spiked.train_loss
    t.set_lr(0.003)
    after = list(t.frames(100))[-1]
    assert abs(after.train_loss - before) < 1e-6  # the premise of the words: smaller steps brought nothing back
    assert after.diagnosis.remedy.startswith("A saturated output passes back almost no gradient")
