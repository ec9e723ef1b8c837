"""The character LSTM's forward pass on both backends, against torch.nn.LSTM on a small random model.

Keras and torch keep an LSTM's four gates in the same order (input, forget, cell, output), so a Keras kernel
W (in, 4U) is torch's weight_ih transposed. The reference below is torch's own LSTM with a plain loop for the
attention pooling; it shares no code with actlab.llm.lstm.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab.llm import lstm as L
from tests.conftest import require_torch

EMB, UNITS, CHARS = 6, 5, 9


def tiny_model(seed: int = 0) -> L.CharLSTM:
    rng = np.random.default_rng(seed)
    w = {"embedding": rng.normal(0, 1, (CHARS, EMB))}
    for n, d_in in ((1, EMB), (2, UNITS)):
        w[f"W{n}"] = rng.normal(0, 0.6, (d_in, 4 * UNITS))
        w[f"U{n}"] = rng.normal(0, 0.6, (UNITS, 4 * UNITS))
        w[f"b{n}"] = rng.normal(0, 0.3, 4 * UNITS)
    w["attention"] = rng.normal(0, 0.5, EMB + 2 * UNITS)
    w["out_W"] = rng.normal(0, 0.5, (EMB + 2 * UNITS, CHARS))
    w["out_b"] = rng.normal(0, 0.1, CHARS)
    vocab = {ch: i + 1 for i, ch in enumerate("abcdefgh")}
    return L.CharLSTM(vocab, {k: v.astype(np.float32) for k, v in w.items()})


def reference_logprobs(model: L.CharLSTM, windows: np.ndarray) -> np.ndarray:
    torch = require_torch()
    w = {k: torch.from_numpy(v.astype(np.float64)) for k, v in model.weights.items()}
    emb = w["embedding"][torch.from_numpy(windows)]
    outs, x = [emb], emb
    for n, d_in in ((1, EMB), (2, UNITS)):
        layer = torch.nn.LSTM(d_in, UNITS, batch_first=True).double()
        with torch.no_grad():
            layer.weight_ih_l0.copy_(w[f"W{n}"].T)
            layer.weight_hh_l0.copy_(w[f"U{n}"].T)
            layer.bias_ih_l0.copy_(w[f"b{n}"])
            layer.bias_hh_l0.zero_()
            x = layer(x)[0]
        outs.append(x)
    joined = torch.cat(outs, dim=-1).detach().numpy()
    rows = []
    for window in joined:  # (S, 356): attention-weighted average, then the softmax layer
        score = window @ model.weights["attention"].astype(np.float64)
        a = np.exp(score - score.max())
        a /= a.sum() + 1e-7
        logits = (a @ window) @ model.weights["out_W"].astype(np.float64) + model.weights["out_b"]
        rows.append(logits - logits.max() - math.log(np.exp(logits - logits.max()).sum()))
    return np.array(rows)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_log_probabilities_match_torch_lstm(backend):
    require_torch()
    model = tiny_model()
    windows, _ = L.windows_of(model.encode("abcabdefgh hgfe dcba abc"))
    got = L.next_char_logprobs(model, windows, backend=backend)
    want = reference_logprobs(model, windows)
    np.testing.assert_allclose(got, want, atol=2e-5)  # float32 products against a float64 reference


def test_both_backends_record_the_same_gate_inputs_and_score():
    require_torch()
    model = tiny_model(1)
    text = "a bag had a bead; a cab fed a dead hag"
    seen = {}
    results = {}
    for backend in ("numpy", "torch"):
        rec = seen.setdefault(backend, {})
        results[backend] = L.run(model, text, activation="sigmoid", backend=backend, step=lambda *a: None,
                                 label="", recorder=lambda name, act, z, rec=rec: rec.setdefault(name, []).append(
                                     np.array(z)))
    assert set(seen["numpy"]) == {f"{n} {g} gate" for n in "12" for g in ("input", "forget", "output")}
    for name, chunks in seen["numpy"].items():
        np.testing.assert_allclose(np.concatenate(seen["torch"][name]), np.concatenate(chunks), atol=1e-5)
    assert results["torch"]["bits_per_char"] == pytest.approx(results["numpy"]["bits_per_char"], rel=1e-5)


def test_a_swapped_gate_changes_the_score_on_both_backends_alike():
    require_torch()
    model = tiny_model(2)
    text = "had a bad fee, fed a deaf bee"
    bits = {(b, a): L.run(model, text, activation=a, backend=b, recorder=None, step=lambda *x: None,
                          label="")["bits_per_char"] for b in ("numpy", "torch") for a in ("sigmoid", "hardsigmoid")}
    assert bits[("numpy", "hardsigmoid")] != pytest.approx(bits[("numpy", "sigmoid")], rel=1e-3)
    for a in ("sigmoid", "hardsigmoid"):
        assert bits[("torch", a)] == pytest.approx(bits[("numpy", a)], rel=1e-5)

