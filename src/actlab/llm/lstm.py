"""textgenrnn's pretrained character LSTM, read from textgenrnn==2.0.0 (its weights file, with h5py).

The model reads the 40 characters before a position (zero-padded in front) and predicts the next one:
embedding (100) -> LSTM (128) -> LSTM (128); the embedding and both LSTMs' outputs are joined (356 values per
step), averaged over the 40 steps with learned attention weights, and a softmax layer gives the next character.

An LSTM step, with the gates in Keras' order i, f, c, o:
    i, f, o = sigmoid(x W_i + h U_i + b_i), ...;  g = tanh(x W_c + h U_c + b_c)
    c' = f c + i g;  h' = o tanh(c')
The recorder receives each gate's pre-activation per layer ("1 input gate", ...), shape (B, 128) per step.
The activation swap replaces the gates' sigmoid.

Both backends (NumPy, or torch when installed; llama.py's backend_ops) do the products in float32 and call the
registry's NumPy functions for the gates and tanh (torch hands them zero-copy views), so a swap means the same
function on both paths; their log-probabilities agree to float32 rounding (tests/llm pins the tolerance).

The file was saved from Keras' CuDNNLSTM, whose layout differs from the plain LSTM's: two biases (summed
here) and, per gate, an input kernel stored in CuDNN's column-major order. _from_cudnn re-lays them out the way
Keras does when it loads such a file into an LSTM.

Characters the vocabulary lacks: it was trained on one-line texts and has no line break or tab. prepare()
reads each run of white space that holds one (a paragraph break, a wrapped line, an indented code line) as a
single space, the way the text reads; any other unknown character is fed as textgenrnn's own placeholder, id 0
(utils.textgenrnn_encode_sequence), and, as in its training, never scored. Both counts are reported with the score.

Dimension letters: B windows (one per predicted character), S = 40 steps, U = 128 cells, C characters.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .. import activations
from ..errors import ConfigError
from ._packages import model_file, require
from .llama import backend_ops, limited_threads

WINDOW = 40  # textgenrnn's max_length
GATES = ("input", "forget", "cell", "output")
BATCH = 512  # windows per pass: bounds memory at a few MB per layer
WHITE_SPACE = "\n\r\t\v\f\u2028\u2029\x85"  # read as one space where the vocabulary lacks them
MAX_LISTED = 10  # unknown characters named in a report, the most frequent first


@dataclass
class CharLSTM:
    vocab: dict[str, int]
    weights: dict[str, np.ndarray]

    def encode(self, text: str) -> np.ndarray:
        """Character ids as textgenrnn encodes them: 0, its placeholder, for a character it does not know."""
        return np.array([self.vocab.get(ch, 0) for ch in text], dtype=np.int64)

    def prepare(self, text: str) -> tuple[np.ndarray, dict]:
        """The ids the model reads, after unknown white space became spaces, and what was out of its vocabulary:
        {"count": unknown characters in the text, "read_as_space": of them, inside white space read as a space,
        "not_scored": the others (fed as id 0, never a target), "characters": each unknown one and its count}."""
        unknown = Counter(ch for ch in text if ch not in self.vocab)
        missing = "".join(ch for ch in WHITE_SPACE if ch not in self.vocab)
        spaced = re.sub(rf"\s*[{re.escape(missing)}]\s*", " ", text) if missing and " " in self.vocab else text
        left = Counter(ch for ch in spaced if ch not in self.vocab)
        report = {"count": sum(unknown.values()), "read_as_space": sum(unknown.values()) - sum(left.values()),
                  "not_scored": sum(left.values()), "characters": dict(unknown.most_common(MAX_LISTED))}
        return self.encode(spaced), report


def _from_cudnn(kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keras' conversion of CuDNNLSTM weights to its LSTM layout (keras.saving convert_lstm_weights)."""
    gates = np.hsplit(kernel, 4)
    kernel = np.hstack([k.T.reshape(k.shape, order="F") for k in gates])  # (in, 4U)
    recurrent = np.hstack([k.T for k in np.hsplit(recurrent, 4)])  # (U, 4U)
    bias = np.sum(np.split(bias, 2), axis=0)  # (4U,): CuDNN's input and recurrent biases added
    return kernel.astype(np.float32), recurrent.astype(np.float32), bias.astype(np.float32)


def read_lstm() -> CharLSTM:
    h5py = require("h5py")
    path = model_file("lstm")
    vocab = json.loads(model_file("lstm", "textgenrnn_vocab.json").read_text(encoding="utf-8"))
    w: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as f:
        w["embedding"] = f["embedding/embedding/embeddings:0"][()]
        for n in (1, 2):
            g = f[f"rnn_{n}/rnn_{n}"]
            w[f"W{n}"], w[f"U{n}"], w[f"b{n}"] = _from_cudnn(g["kernel:0"][()], g["recurrent_kernel:0"][()],
                                                            g["bias:0"][()])
        w["attention"] = f["attention/attention/attention_W:0"][()][:, 0]  # (356,)
        w["out_W"] = f["output/output/kernel:0"][()]  # (356, C)
        w["out_b"] = f["output/output/bias:0"][()]
    return CharLSTM(vocab, {k: np.asarray(v, dtype=np.float32) for k, v in w.items()})


def _lstm(ops, x, W, U, b, gate, layer: str, recorder):  # noqa: N803  (W, U: the kernels, as in the formulas)
    """One LSTM layer over all steps: x (B, S, in) -> h (B, S, U), in the backend's arrays."""
    B, S, _ = x.shape
    units = U.shape[0]
    h = ops.tensor(np.zeros((B, units), np.float32))
    c = np.zeros((B, units), np.float32)
    xw = x @ W + b  # (B, S, 4U): the input's part of every gate, all steps at once
    out = np.empty((B, S, units), np.float32)
    tanh = activations.get("tanh")
    for t in range(S):
        z = ops.numpy(xw[:, t] + h @ U)  # (B, 4U); a view, not a copy, on torch
        zi, zf, zc, zo = np.split(z, 4, axis=1)
        if recorder is not None:
            for name, zg in (("input", zi), ("forget", zf), ("output", zo)):
                recorder(f"{layer} {name} gate", gate.name, zg)
        c = gate.forward_array(zf) * c + gate.forward_array(zi) * tanh.forward_array(zc)
        out[:, t] = gate.forward_array(zo) * tanh.forward_array(c)
        h = ops.tensor(out[:, t])
    return ops.tensor(out)


def next_char_logprobs(model: CharLSTM, windows: np.ndarray, *, gate: str = "sigmoid", recorder=None,
                       backend: str = "numpy") -> np.ndarray:
    """log p(next character) for each window of WINDOW character ids, shape (B, C)."""
    ops, w = backend_ops(model, backend)
    act = activations.get(gate)
    emb = ops.tensor(model.weights["embedding"][windows])  # (B, S, 100)
    h1 = _lstm(ops, emb, w["W1"], w["U1"], w["b1"], act, "1", recorder)
    h2 = _lstm(ops, h1, w["W2"], w["U2"], w["b2"], act, "2", recorder)
    joined = np.concatenate([ops.numpy(emb), ops.numpy(h1), ops.numpy(h2)], axis=-1)  # (B, S, 356)
    score = joined @ model.weights["attention"]  # (B, S)
    weights = np.exp(score - score.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True) + 1e-7  # Keras' epsilon, as in AttentionWeightedAverage
    pooled = np.einsum("bs,bsd->bd", weights, joined)
    logits = ops.numpy(ops.tensor(pooled.astype(np.float32)) @ w["out_W"] + w["out_b"])
    logits = logits - logits.max(axis=1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def windows_of(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each position p >= 1 whose character is in the vocabulary: the WINDOW ids before it, and the target."""
    padded = np.concatenate([np.zeros(WINDOW, np.int64), ids])
    positions = np.array([p for p in range(1, len(ids)) if ids[p] != 0], dtype=np.int64)
    windows = np.stack([padded[p:p + WINDOW] for p in positions]) if positions.size else np.zeros((0, WINDOW))
    return windows.astype(np.int64), ids[positions]


def run(model: CharLSTM, text: str, *, activation: str, recorder, backend: str, step, label: str) -> dict:
    ids, unknown = model.prepare(text)
    windows, targets = windows_of(ids)
    if targets.size == 0:
        raise ConfigError("text", "needs at least two characters the model knows (after the first, at least one "
                                  "must be in its vocabulary)")
    total = 0.0
    n_batches = math.ceil(len(targets) / BATCH)
    ops, _ = backend_ops(model, backend)
    with limited_threads(ops, 1):
        for k in range(n_batches):
            sl = slice(k * BATCH, (k + 1) * BATCH)
            lp = next_char_logprobs(model, windows[sl], gate=activation, recorder=recorder, backend=backend)
            total -= float(lp[np.arange(lp.shape[0]), targets[sl]].sum())
            step(k + 1, n_batches, label)
    nats = total / len(targets)
    return {"chars": int(len(targets)), "bits_per_char": nats / math.log(2), "out_of_vocabulary": unknown}
