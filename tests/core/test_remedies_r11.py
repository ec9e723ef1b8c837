"""Issue 17, W15 findings 3, 4 and 6 (R11): a remedy names only what the learner can change where they are, never a
setting already in use, and a learning rate of 0 is named as the cause. References: the RunConfig's own fields (what
the lab and `actlab train` can set), the trainer's own settings, and the weights compared before and after."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab import training
from actlab.network import INITS
from actlab.playground.session import PlaygroundSession
from actlab.readings import (
    ENGINE_LEVERS,
    TORCH_LEVERS,
    LayerSummary,
    Lever,
    RunSummary,
    Status,
    diagnose,
)
from actlab.session import RunConfig, build_trainer

# each of the engine's levers is a field of the RunConfig that the lab's controls and `actlab train` set
ENGINE_FIELDS = {Lever.ACTIVATION: "activations", Lever.INIT: "init", Lever.LEARNING_RATE: "lr",
                 Lever.LAYERS: "layers", Lever.LOSS: "loss", Lever.REGULARISATION: "reg_rate"}
ARCHITECTURE_WORDS = ("residual", "LayerNorm", "BatchNorm", "normalisation layer", "normalise the layer")
LOWER_LR = re.compile(r"(lower|smaller) (the )?learning rate", re.IGNORECASE)


def _summaries_of(cfg: RunConfig, epochs: int, monkeypatch) -> tuple[training.Trainer, list[RunSummary], list]:
    """Train ``cfg`` for ``epochs`` and keep each frame's summary as diagnose() got it."""
    seen = []
    real = training.diagnose
    monkeypatch.setattr(training, "diagnose", lambda s: seen.append(s) or real(s))
    t = build_trainer(cfg)
    frames = list(t.frames(epochs))
    return t, seen, frames


def test_the_engine_levers_are_the_settings_a_run_config_has():
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    assert ENGINE_LEVERS == set(ENGINE_FIELDS) and set(ENGINE_FIELDS.values()) <= fields
    # the engine's network is a plain MLP: nothing in its config adds a residual connection or a normalisation layer
    assert not [f for f in fields if "resid" in f or "norm" in f or "skip" in f]


def test_a_deep_sigmoid_run_in_the_engine_is_not_told_residual_connections(monkeypatch):
    # W15 finding 3: `actlab train --layers 8 x 10 --activation sigmoid` was told 'residual connections or
    # normalisation (LayerNorm or BatchNorm) between layers', which neither the lab nor the CLI can add
    cfg = RunConfig(layers=(8,) * 10, activations=("sigmoid",), lr=0.03)
    _, summaries, frames = _summaries_of(cfg, 3, monkeypatch)
    r = frames[-1].diagnosis
    assert r.status is Status.VANISHING, r.words
    assert summaries[-1].levers == ENGINE_LEVERS
    assert not any(w in f.remedy for f in r.findings for w in ARCHITECTURE_WORDS), r.remedy
    assert "instead of sigmoid" in r.remedy and "fewer layers" in r.remedy
    # the same network's summary read for a PyTorch user keeps the advice: that face can add them
    torch_r = diagnose(dataclasses.replace(summaries[-1], levers=TORCH_LEVERS))
    assert "residual connections" in torch_r.remedy


def test_the_summary_carries_the_initialiser_and_the_learning_rate_in_use(monkeypatch):
    cfg = RunConfig(layers=(8, 8), activations=("relu",), init="he_normal", lr=0.2)
    t, summaries, _ = _summaries_of(cfg, 1, monkeypatch)
    assert summaries[-1].init == t.net_config.init == "he_normal"
    assert summaries[-1].learning_rate == cfg.lr
    t.set_lr(0.05)
    t.frame()
    assert summaries[-1].learning_rate == 0.05  # the rate in use now, after a change


def test_a_run_with_he_initialisation_is_not_offered_he_initialisation(monkeypatch):
    # W15 finding 4 (cli8.txt): `actlab train --layers 8,8 --activation relu --init he_normal --optimizer adam
    # --loss cross-entropy --lr 1` read a dead layer 2 with 'Use Leaky ReLU or GELU instead of relu ... or He
    # initialisation'
    cfg = RunConfig(layers=(8, 8), activations=("relu",), init="he_normal", optimizer="adam", loss="cross-entropy",
                    lr=1.0)
    _, summaries, frames = _summaries_of(cfg, 100, monkeypatch)
    r = frames[-1].diagnosis
    dead = [f for f in r.findings if f.status in (Status.DEAD_LAYER, Status.NO_GRADIENT)]
    assert dead, r.words  # the premise: the run has a layer whose every unit is off
    assert all("He initialisation" not in f.remedy and "He suits" not in f.remedy for f in r.findings)
    assert any("Leaky ReLU or GELU instead of relu" in f.remedy for f in dead)
    # the same summary with another initialiser is offered He, as before
    other = diagnose(dataclasses.replace(summaries[-1], init="playground"))
    assert any("He initialisation" in f.remedy for f in other.findings)


def test_a_learning_rate_of_0_is_named_as_the_cause(monkeypatch):
    # W15 finding 6: `actlab train --lr 0 --epochs 100` read 'not learning ... If the loss is flat, raise the
    # learning rate'; before 1,000 updates it read 'starting'
    cfg = RunConfig(lr=0.0)
    t = build_trainer(cfg)
    first = t.net.flat_parameters().copy()
    frames = list(t.frames(100))
    assert np.array_equal(first, t.net.flat_parameters())  # the reference: no weight moved
    for frame in (frames[0], frames[-1]):  # at step 25, and at step 2,500
        r = frame.diagnosis
        assert r.status is Status.NOT_LEARNING and r.is_failure, r.words
        assert "learning rate is 0" in r.words and "no update changes a weight" in r.words
        assert "above 0" in r.remedy and not LOWER_LR.search(r.remedy)
    assert frames[0].step < 1000 <= frames[-1].step


def test_a_learning_rate_set_to_0_mid_run_heads_the_reading():
    t = build_trainer(RunConfig(lr=0.03))
    t.run_epochs(2)
    t.set_lr(0.0)
    r = t.frame().diagnosis
    assert r.findings[0].evidence.get("learning_rate") == 0 and "learning rate is 0" in r.words


# summaries as any face fills them: the families the remedies tell apart, every initialiser, any levers
ACTS = ["relu", "leaky_relu", "gelu", "silu", "elu", "sigmoid", "tanh", "identity"]
NORMS = [0.0, 1e-14, 1e-9, 1e-5, 0.01, 0.1, 1.0, 1e4]


@st.composite
def summaries(draw):
    n = draw(st.integers(1, 6))
    layers = []
    for _ in range(n):
        width = draw(st.integers(1, 8))
        dead = draw(st.sampled_from([0, 0, width]))
        sat = draw(st.sampled_from([dead, width]))
        layers.append(LayerSummary(draw(st.sampled_from(ACTS)), width, draw(st.sampled_from(NORMS)), dead, sat,
                                   draw(st.sampled_from([None, *NORMS]))))
    chance = draw(st.sampled_from([0.5, 0.693]))
    return RunSummary(
        tuple(layers), draw(st.sampled_from(NORMS)),
        loss=draw(st.sampled_from([None, 0.01, chance, 2 * chance, 1e4 * chance, math.nan])),
        chance_loss=chance, steps=draw(st.sampled_from([1, 50, 2500])),
        diverged_at_step=draw(st.sampled_from([None, None, 40])),
        output_stuck_fraction=draw(st.sampled_from([None, 0.0, 0.5])),
        output_signal_norm=draw(st.sampled_from([None, 1.0])),
        levers=frozenset(draw(st.sets(st.sampled_from(list(Lever))))),
        init=draw(st.sampled_from(["", *INITS])), learning_rate=draw(st.sampled_from([None, 0.0, 0.03, 3.0])))


@settings(max_examples=300, deadline=None)
@given(s=summaries())
def test_no_remedy_names_what_the_face_lacks_or_what_is_in_use(s):
    r = diagnose(s)
    for f in r.findings:
        text = f.remedy
        if Lever.ARCHITECTURE not in s.levers:
            assert not any(w in text for w in ARCHITECTURE_WORDS), text
        if Lever.LAYERS not in s.levers:
            assert "fewer layers" not in text, text
        if Lever.INPUTS not in s.levers:
            assert "scale the inputs" not in text and "inputs are scaled" not in text, text
        if s.init.startswith("he_") or Lever.INIT not in s.levers:
            assert "He initialisation" not in text and "He suits" not in text and "Xavier or He" not in text, text
        if s.init.startswith("xavier_") or Lever.INIT not in s.levers:
            assert "Xavier initialisation" not in text and "Xavier or He" not in text, text
        if Lever.LOSS not in s.levers:
            assert "train with cross-entropy" not in text and "cross-entropy, unlike MSE" not in text, text
        acts = {layer.activation for layer in s.layers}
        for replaced in re.findall(r"instead of ([a-z_0-9, ]+?)(?:[,;(]| and |$)", text):  # only what is in use
            assert replaced.strip() in acts, (replaced, acts, text)
        assert not re.search(r"Try ,|, or \.|; ;|^;|\.\.$", text), text  # a list that lost its items reads whole
    if s.learning_rate == 0 and s.diverged_at_step is None:
        assert "learning rate is 0" in r.words and not LOWER_LR.search(r.remedy), (r.words, r.remedy)


def test_the_playground_offers_scaling_the_inputs_only_for_the_learners_own_csv():
    rows = "".join(f"{100 * math.cos(i)},{100 * math.sin(i)},{i % 2}\n" for i in range(40))
    own = PlaygroundSession(RunConfig(dataset="csv"), csv_bytes=("x1,x2,label\n" + rows).encode())
    built_in = PlaygroundSession(RunConfig())
    assert Lever.INPUTS in own.trainer.levers and Lever.INPUTS not in built_in.trainer.levers
    assert built_in.trainer.levers == ENGINE_LEVERS
