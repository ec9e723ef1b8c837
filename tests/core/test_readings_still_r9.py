"""Issue 17 (W14 item 5): weights that kept their values while they get gradients are said, and the remedy is not
'raise the learning rate'. The summaries here are set by hand: W14's no-opt.step() run (loss 2.38 at 1,200 steps,
chance ln 10) and its lr=0 run at step 300, which read 'starting'."""

from __future__ import annotations

import math

from actlab.readings import WEIGHTS_STILL_STEPS, LayerSummary, RunSummary, Status, diagnose

LAYERS = (LayerSummary("gelu", 64, 3.1, label="module '1' (GELU)", weights="'0.weight'"),)


def run(steps, since, still=(), loss=2.3831605911254883, grads=(3.1, 380.0)):
    layers = (LayerSummary("gelu", 64, grads[0], label="module '1' (GELU)", weights="'0.weight'"),)
    return RunSummary(layers, grads[1], loss=loss, chance_loss=math.log(10), steps=steps,
                      weights_still_since=since, still_weights=still, restart="restart")


def test_no_opt_step_reads_weights_not_changing_and_asks_about_the_optimiser():
    r = diagnose(run(1200, 1))
    assert r.status is Status.NOT_LEARNING
    # R11 (W15 finding 6): still since the first sampled step reads as never changed, with the span's two ends
    assert r.words.startswith("weights not changing: the weights have not changed at any sampled step from the first "
                              "to step 1,200 (1,199 training steps) although they get gradients (the largest weight "
                              "gradient's norm is 380, at the output layer)")  # W28: which, as no row shows it
    assert "opt.step()" in r.words and "learning rate 0" in r.words
    assert "raise the learning rate" not in r.remedy and "opt.step()" in r.remedy


def test_lr_0_at_step_300_is_no_longer_starting():
    assert diagnose(run(300, 1)).words.startswith("weights not changing")
    assert diagnose(run(300, None)).status is Status.STARTING


def test_a_short_still_span_is_gradient_accumulation_not_a_failure():
    assert diagnose(run(1200, 1200 - WEIGHTS_STILL_STEPS + 1)).status is Status.NOT_LEARNING  # the flat loss's
    assert not diagnose(run(1200, 1200 - WEIGHTS_STILL_STEPS + 1)).words.startswith("weights not changing")
    assert diagnose(run(1200, 1200 - WEIGHTS_STILL_STEPS)).words.startswith("weights not changing")


def test_without_gradients_it_is_the_no_gradient_finding_not_this_one():
    r = diagnose(run(1200, 1, grads=(0.0, 0.0)))
    assert r.status is Status.NO_GRADIENT
    assert all(not f.words.startswith("weights not changing") for f in r.findings)


def test_only_some_weights_still_are_named_when_they_get_a_gradient():
    r = diagnose(run(1200, 1, still=("0",)))
    assert any(f.words.startswith("weights not changing: the weight '0.weight' has not changed at any sampled step "
                                  "from the first")
               for f in r.findings)
    r = diagnose(run(1200, 1, still=("0",), grads=(0.0, 380.0)))  # a zero gradient leaves it still: not said
    assert all(not f.words.startswith("weights not changing") for f in r.findings)
