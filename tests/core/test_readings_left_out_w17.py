"""Issue 17 (W17 findings 3 and 8): hidden layers the reading leaves out are said, not taken for absent.

A frozen backbone under a trained Linear head read 'healthy: a linear model: no hidden layers' with two hidden rows
(frozen) in the table above it; frozen rows beside trained ones read 'gradients reach every layer'. RunSummary.left_out
names them (the Monitor fills it from the places it leaves out), and the words are checked here against it."""

from __future__ import annotations

import math

from actlab.readings import LayerSummary, RunSummary, Status, diagnose

FROZEN = ("module '1' (ReLU), after the frozen '0.weight'", "module '3' (GELU), after the frozen '2.weight'")


def _summary(layers=(), left_out=()):
    return RunSummary(layers, 0.4, loss=0.3, chance_loss=math.log(4), steps=400, left_out=left_out,
                      restart="restart")


def test_a_frozen_backbone_is_not_a_linear_model():
    r = diagnose(_summary(left_out=FROZEN))
    assert r.status is Status.HEALTHY
    assert "linear model" not in r.words
    assert ("only the output layer trains: every hidden layer is left out (module '1' (ReLU), after the frozen "
            "'0.weight'; module '3' (GELU), after the frozen '2.weight')") in r.words


def test_a_model_with_no_hidden_layer_is_still_a_linear_model():
    assert "a linear model: no hidden layers" in diagnose(_summary()).words


def test_trained_rows_beside_frozen_ones_read_every_trained_layer_and_name_the_others():
    trained = (LayerSummary("relu", 32, 0.2, label="module '5' (ReLU)", weights="'4.weight'"),)
    r = diagnose(_summary(trained, FROZEN))
    assert "gradients reach every trained layer ('4.weight' gets" in r.words
    assert "left out: module '1' (ReLU), after the frozen '0.weight'; module '3'" in r.words
    assert "every layer (" not in r.words
    many = diagnose(_summary(trained, tuple(f"module '{i}' (ReLU), after the frozen '{i - 1}.weight'"
                                            for i in range(1, 12, 2))))
    assert "left out: module '1' (ReLU), after the frozen '0.weight'; module '3' (ReLU), after the frozen " \
           "'2.weight'; module '5' (ReLU), after the frozen '4.weight'; module '7' (ReLU), after the frozen " \
           "'6.weight' ..." in many.words
    # with dead units among the trained layers, the count says what it covers, and the names are said once
    dying = (LayerSummary("relu", 32, 0.2, dead=5, label="module '5' (ReLU)", weights="'4.weight'"),)
    words = diagnose(_summary(dying, FROZEN)).words
    assert ("5 of 32 hidden units are dead (counted over the layers whose weights are trained; not counted: "
            "module '1' (ReLU), after the frozen '0.weight'; module '3' (GELU), after the frozen '2.weight')") in words
    assert words.count("module '1' (ReLU)") == 1


def test_the_loss_is_not_read_as_one_more_layer_left_out():
    """W27 walkthrough: 'left out: module '3' (ReLU), after the frozen '2.weight', and the loss is 63% below chance'
    read the loss as part of the list; it is a clause of its own."""
    layers = (LayerSummary("relu", 8, 0.5),)
    r = diagnose(RunSummary(layers, 1.0, loss=0.3, chance_loss=math.log(4), steps=2000,
                            left_out=("module '3' (ReLU), after the frozen '2.weight'",)))
    assert r.status is Status.HEALTHY, r.words
    assert "after the frozen '2.weight'; the loss is 78% below chance" in r.words, r.words
    assert "'2.weight', and the loss" not in r.words


def test_a_run_that_does_not_learn_names_the_layers_left_out_and_begins_its_remedy_with_them():
    """W37 walkthrough: the cause was said while the reading waited ('starting'), and dropped once it judged the run
    not learning, whose remedy was to raise the learning rate."""
    stuck = RunSummary((), 0.4, loss=1.38, chance_loss=math.log(4), steps=1_500, left_out=FROZEN, restart="restart")
    r = diagnose(stuck)
    assert r.status is Status.NOT_LEARNING
    assert "only the output layer trains: every hidden layer is left out (module '1' (ReLU), after the" in r.words
    assert r.remedy.startswith("Every hidden layer sits after a weight that is frozen or gets no gradient")
    assert "raise the learning rate" in r.remedy  # the usual remedy follows, for a freeze that is meant
    trained = (LayerSummary("relu", 32, 0.2, label="module '5' (ReLU)", weights="'4.weight'"),)
    partly = diagnose(RunSummary(trained, 0.4, loss=1.38, chance_loss=math.log(4), steps=1_500, left_out=FROZEN,
                                 restart="restart"))
    assert partly.status is Status.NOT_LEARNING
    assert "left out of training: module '1' (ReLU), after the frozen '0.weight'; module '3'" in partly.words
    assert partly.remedy.startswith("Some hidden layers sit after a weight that is frozen or gets no gradient")
    # an activation before any weighted module is left out for another reason: no advice to unfreeze it
    first = diagnose(RunSummary(trained, 0.4, loss=1.38, chance_loss=math.log(4), steps=1_500,
                                left_out=("module '0' (ReLU), after no weighted module",), restart="restart"))
    assert "left out of training: module '0' (ReLU), after no weighted module" in first.words
    assert first.remedy.startswith("If the loss is flat")


def test_a_layer_half_dead_or_more_is_named_beside_the_pooled_count_and_gets_a_remedy():
    """W37 walkthrough: '41 of 128 hidden units are dead' hid 40 of 64 in one layer; a healthy reading had no
    remedy. A layer all dead is a finding of its own, and a layer under half dead is not named."""
    def reading(dead1, dead2, act="relu"):
        layers = (LayerSummary(act, 64, 0.2, dead=dead1, label="module '1' (ReLU)"),
                  LayerSummary(act, 64, 0.2, dead=dead2, label="module '3' (ReLU)"))
        return diagnose(RunSummary(layers, 0.4, loss=0.3, chance_loss=math.log(4), steps=400, restart="restart"))
    half = reading(40, 1)
    assert half.status is Status.HEALTHY
    assert "41 of 128 hidden units are dead, 40 of 64 in module '1' (ReLU), and the loss" in half.words, half.words
    assert half.remedy.startswith("Half or more of the units of module '1' (ReLU) are dead")
    assert "bias far below 0" in half.remedy
    both = reading(32, 50)
    assert "82 of 128 hidden units are dead, 32 of 64 in module '1' (ReLU), 50 of 64 in module '3' (ReLU)" in \
        both.words
    assert both.remedy.startswith("Half or more of the units of module '1' (ReLU) and module '3' (ReLU) are dead")
    under = reading(31, 1)
    assert "32 of 128 hidden units are dead, and the loss" in under.words and under.remedy == ""
    squashing = reading(40, 0, act="tanh")
    assert "bias far below 0" not in squashing.remedy and squashing.remedy.startswith("Half or more")
