"""The character LSTM's weights and text handling: the CuDNN re-layout against cuDNN's own parameter layout, and
characters the vocabulary lacks (line breaks read as spaces, others fed as the placeholder and never scored).

No real model is needed here; tests/llm/test_lstm_real.py checks the same on textgenrnn's file.
"""

from __future__ import annotations

import numpy as np
import pytest

from actlab.errors import ConfigError
from actlab.llm import lstm as L
from actlab.llm import measure

from .test_lstm_forward import tiny_model

IN, UNITS = 3, 4  # different sizes, so a kernel read with its axes swapped cannot pass


def cudnn_gates(kernel, recurrent, bias, x, h):
    """Pre-activations of the four gates as cuDNN computes them from Keras' CuDNNLSTM weights, one number at a time.

    Keras' CuDNNLSTM hands cuDNN each gate's block of its kernel flattened row by row (tf.reshape(k, (-1,))), and
    cuDNN reads that buffer as its (units, inputs) matrix, row by row; the biases are eight blocks of `units`: the
    input biases of the gates i, f, c, o, then their recurrent biases. Nothing here reshapes a whole array.
    """
    n_in, units = kernel.shape[0], recurrent.shape[0]
    out = np.zeros(4 * units)
    for g in range(4):
        k_flat = [kernel[r, g * units + c] for r in range(n_in) for c in range(units)]
        r_flat = [recurrent[r, g * units + c] for r in range(units) for c in range(units)]
        for u in range(units):
            total = bias[g * units + u] + bias[4 * units + g * units + u]
            total += sum(k_flat[u * n_in + j] * x[j] for j in range(n_in))
            total += sum(r_flat[u * units + j] * h[j] for j in range(units))
            out[g * units + u] = total
    return out


def test_cudnn_weights_re_laid_out_give_cudnns_gate_inputs():
    rng = np.random.default_rng(3)
    kernel = rng.normal(size=(IN, 4 * UNITS))
    recurrent = rng.normal(size=(UNITS, 4 * UNITS))
    bias = rng.normal(size=8 * UNITS)
    W, U, b = L._from_cudnn(kernel, recurrent, bias)  # noqa: N806
    assert W.shape == (IN, 4 * UNITS) and U.shape == (UNITS, 4 * UNITS) and b.shape == (4 * UNITS,)
    for _ in range(5):
        x, h = rng.normal(size=IN), rng.normal(size=UNITS)
        np.testing.assert_allclose(x @ W + h @ U + b, cudnn_gates(kernel, recurrent, bias, x, h), rtol=1e-5,
                                   atol=1e-5)  # the re-layout returns float32


def test_a_plain_reading_of_the_cudnn_kernel_is_not_what_cudnn_computes():
    """The test above can fail: the stored kernel used as it is (no re-layout) gives other gate inputs."""
    rng = np.random.default_rng(4)
    kernel, recurrent, bias = rng.normal(size=(IN, 4 * UNITS)), rng.normal(size=(UNITS, 4 * UNITS)), rng.normal(
        size=8 * UNITS)
    x, h = rng.normal(size=IN), rng.normal(size=UNITS)
    plain = x @ kernel + h @ recurrent + bias[:4 * UNITS] + bias[4 * UNITS:]
    assert not np.allclose(plain, cudnn_gates(kernel, recurrent, bias, x, h), atol=1e-3)


def test_line_breaks_and_tabs_are_read_as_one_space_and_counted():
    model = tiny_model()  # vocabulary: a..h only, no space yet
    model.vocab[" "] = 9
    ids, unknown = model.prepare("ab\n\ncd \t e\r\nf")
    assert ids.tolist() == model.encode("ab cd e f").tolist()
    assert unknown == {"count": 5, "read_as_space": 5, "not_scored": 0,
                       "characters": {"\n": 3, "\t": 1, "\r": 1}}


def test_other_unknown_characters_are_the_placeholder_and_never_a_target():
    model = tiny_model()
    model.vocab[" "] = 9
    ids, unknown = model.prepare("ab§c§§d")
    assert ids.tolist() == [1, 2, 0, 3, 0, 0, 4]
    assert unknown == {"count": 3, "read_as_space": 0, "not_scored": 3, "characters": {"§": 3}}
    _, targets = L.windows_of(ids)
    assert targets.tolist() == [2, 3, 4]


def test_a_text_with_line_breaks_scores_as_the_same_text_with_spaces():
    model = tiny_model(1)
    model.vocab[" "] = 9
    model.weights["embedding"] = np.vstack([model.weights["embedding"], np.ones((1, model.weights["embedding"]
                                                                                  .shape[1]), np.float32)])
    model.weights["out_W"] = np.hstack([model.weights["out_W"], np.zeros((model.weights["out_W"].shape[0], 1),
                                                                         np.float32)])
    model.weights["out_b"] = np.append(model.weights["out_b"], np.float32(0))

    def run(text):
        return L.run(model, text, activation="sigmoid", recorder=None, backend="numpy", step=lambda *a: None,
                     label="")

    broken, spaced = run("abc\ndef\n\n  gh ab"), run("abc def gh ab")
    assert broken["bits_per_char"] == spaced["bits_per_char"]
    assert broken["chars"] == spaced["chars"] == 12
    assert broken["out_of_vocabulary"]["read_as_space"] == 3
    assert spaced["out_of_vocabulary"]["count"] == 0


def test_a_text_the_model_cannot_score_names_the_field():
    model = tiny_model()
    with pytest.raises(ConfigError, match="text: needs at least two characters the model knows"):
        L.run(model, "§§§§", activation="sigmoid", recorder=None, backend="numpy", step=lambda *a: None, label="")


def test_the_reading_tells_the_learner_what_was_not_in_the_vocabulary():
    words = measure.unknown_reading({"count": 4, "read_as_space": 3, "not_scored": 1,
                                     "characters": {"\n": 3, "§": 1}})
    assert words == ("4 characters of the text are not in the model's vocabulary: 3 line breaks or tabs read as "
                     "spaces (a run of white space holding them as one space); 1 other character ('§' x1) fed as "
                     "the model's placeholder and not scored.")
    assert measure.unknown_reading({"count": 0, "read_as_space": 0, "not_scored": 0, "characters": {}}) == ""
