"""textgenrnn's real LSTM: its weight layout pinned by the data, and its gate saturation recounted independently.

Saturation here means what actlab reports: the share of gate outputs sigma(z) below 0.01 or above 0.99, counted
per element (every unit, at each of the 40 steps of every window), for the input, forget and output gates.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from actlab.llm import lstm as L
from actlab.llm import measure
from actlab.llm.stats import Recorder

from .conftest import require_model

pytestmark = pytest.mark.real_model

SHORT = ("The river that runs past our town is neither wide nor deep, but it has shaped almost everything about "
         "the place. The first houses were built on the higher bank, where the spring floods could not reach them.")


@pytest.fixture(scope="module")
def model() -> L.CharLSTM:
    require_model("lstm")
    return measure.HELD.get("lstm")


def bits(model: L.CharLSTM, text: str, weights: dict | None = None) -> float:
    m = L.CharLSTM(model.vocab, {**model.weights, **(weights or {})})
    return L.run(m, text, activation="sigmoid", recorder=None, backend="numpy", step=lambda *a: None,
                 label="")["bits_per_char"]


def test_only_keras_gate_order_gives_a_trained_models_score(model):
    """A wrong gate order would change the saturation figures; the data rules every other order out."""
    own = bits(model, SHORT)
    assert own < 2.6
    for order in itertools.permutations(range(4)):
        if order == (0, 1, 2, 3):
            continue
        moved = {}
        for n in (1, 2):
            for key in (f"W{n}", f"U{n}", f"b{n}"):
                parts = np.split(model.weights[key], 4, axis=-1)
                moved[key] = np.concatenate([parts[i] for i in order], axis=-1)
        assert bits(model, SHORT, moved) > own + 2, order


def test_both_cudnn_biases_are_needed(model):
    """CuDNN keeps an input and a recurrent bias per gate; either one alone costs more than a bit per character."""
    import h5py

    from actlab.llm._packages import model_file

    own = bits(model, SHORT)
    with h5py.File(model_file("lstm"), "r") as f:
        halves = {n: np.split(f[f"rnn_{n}/rnn_{n}/bias:0"][()].astype(np.float32), 2) for n in (1, 2)}
    for k in (0, 1):
        assert bits(model, SHORT, {f"b{n}": halves[n][k] for n in (1, 2)}) > own + 1


def plain_gates(model: L.CharLSTM, text: str) -> dict[str, np.ndarray]:
    """Every window's gate outputs in float64, by a per-step loop that uses only the weights (no actlab code)."""
    w = {k: v.astype(np.float64) for k, v in model.weights.items()}
    ids = [model.vocab.get(ch, 0) for ch in text]  # the text has no line break
    windows = [([0] * L.WINDOW + ids)[p:p + L.WINDOW] for p in range(1, len(ids)) if ids[p] != 0]
    x = w["embedding"][np.array(windows)]  # (B, 40, 100)
    out = {}
    for n in (1, 2):
        units = w[f"U{n}"].shape[0]
        h, c = np.zeros((len(windows), units)), np.zeros((len(windows), units))
        seen = {g: [] for g in ("input", "forget", "output")}
        hs = []
        for t in range(L.WINDOW):
            z = x[:, t] @ w[f"W{n}"] + h @ w[f"U{n}"] + w[f"b{n}"]
            i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
            si, sf, so = (1 / (1 + np.exp(-v)) for v in (i, f, o))
            for name, s in (("input", si), ("forget", sf), ("output", so)):
                seen[name].append(s)
            c = sf * c + si * np.tanh(g)
            h = so * np.tanh(c)
            hs.append(h)
        out |= {f"{n} {name} gate": np.stack(v) for name, v in seen.items()}
        x = np.stack(hs, axis=1)
    return out


def test_saturation_and_mean_slope_match_an_independent_count(model):
    text = SHORT + " " + SHORT.upper()  # capitals too, so that some gates swing further
    rec = Recorder()
    L.run(model, text, activation="sigmoid", recorder=rec, backend="numpy", step=lambda *a: None, label="")
    want = plain_gates(model, text)
    assert set(rec.layers) == set(want)
    for name, s in want.items():
        got = rec.layers[name].to_dict()
        assert got["count"] == s.size
        saturated = np.count_nonzero((s < 0.01) | (s > 0.99)) / s.size
        assert got["share_saturated"] == pytest.approx(saturated, abs=2e-4), name  # float32 against float64
        assert got["mean_derivative"] == pytest.approx(float(np.mean(s * (1 - s))), rel=1e-4), name


def test_the_shipped_text_scores_about_two_bits_with_its_paragraph_breaks_as_spaces(model):
    r = L.run(model, measure.eval_text(), activation="sigmoid", recorder=None, backend="numpy",
              step=lambda *a: None, label="")
    assert r["bits_per_char"] == pytest.approx(2.0, rel=0.05)
    unknown = r["out_of_vocabulary"]
    assert unknown["count"] == unknown["read_as_space"] == measure.eval_text().count("\n") > 0
    assert math.isfinite(r["bits_per_char"]) and unknown["not_scored"] == 0
