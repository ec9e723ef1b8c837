"""Reading a Llama-architecture GGUF file: its configuration, its weights dequantised to float32, its tokenizer.

The first read parses the file with the ``gguf`` package and dequantises every tensor (a few seconds for
SmolLM2-135M); the result is kept in the cache (see _cache.py), so the next read is a few .npy loads.

Layout: GGUF stores a weight as (out, in) rows, like torch.nn.Linear. The model keeps each projection
transposed to (in, out), contiguous, so a forward pass multiplies ``x @ W`` with x of shape (T, in). The
conversion from Hugging Face checkpoints permutes the rows of W_q and W_k so that rotary position embedding
turns adjacent pairs (0, 1), (2, 3), ... of each head; llama.py applies it that way.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from . import _cache
from ._packages import require

# the pre-tokenizer each GGUF ``tokenizer.ggml.pre`` value names; SmolLM2's splits digits one by one first
PRE_TOKENIZERS = {"smollm": ("digits", "bytelevel"), "gpt2": ("bytelevel",), "default": ("bytelevel",)}
CONTROL = 3  # gguf TokenType.CONTROL: special tokens such as <|im_start|>, never split


@dataclass(frozen=True)
class LlamaConfig:
    n_layer: int
    d_model: int
    n_head: int
    n_head_kv: int
    d_ff: int
    vocab_size: int
    rope_base: float
    norm_eps: float
    bos_id: int | None = None
    eos_id: int | None = None
    name: str = ""

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_head


@dataclass
class LlamaModel:
    """Weights as float32 arrays by name (see LAYER_WEIGHTS) and the tokenizer built from the file."""

    config: LlamaConfig
    weights: dict[str, np.ndarray]
    tokenizer: object  # tokenizers.Tokenizer
    source: str = ""
    loaded_from_cache: bool = False

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=False)

    @property
    def nbytes(self) -> int:
        return sum(w.nbytes for w in self.weights.values())


LAYER_WEIGHTS = ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up",
                 "ffn_down")
NORMS = ("attn_norm", "ffn_norm")


def _field(reader, key: str, default=None):
    f = reader.fields.get(key)
    if f is None:
        if default is not None:
            return default
        raise ConfigError("model", f"the GGUF file has no {key}; it is not a Llama-architecture model")
    return f.contents()


def _config(reader) -> LlamaConfig:
    arch = _field(reader, "general.architecture")
    if arch != "llama":
        raise ConfigError("model", f"the GGUF file holds a {arch!r} model; this reader handles 'llama' only")
    n_vocab = len(reader.fields["tokenizer.ggml.tokens"].data)
    return LlamaConfig(
        n_layer=int(_field(reader, "llama.block_count")), d_model=int(_field(reader, "llama.embedding_length")),
        n_head=int(_field(reader, "llama.attention.head_count")),
        n_head_kv=int(_field(reader, "llama.attention.head_count_kv", _field(reader, "llama.attention.head_count"))),
        d_ff=int(_field(reader, "llama.feed_forward_length")), vocab_size=n_vocab,
        rope_base=float(_field(reader, "llama.rope.freq_base", 10000.0)),
        norm_eps=float(_field(reader, "llama.attention.layer_norm_rms_epsilon")),
        bos_id=_optional_int(reader, "tokenizer.ggml.bos_token_id"),
        eos_id=_optional_int(reader, "tokenizer.ggml.eos_token_id"),
        name=str(_field(reader, "general.name", "")),
    )


def _optional_int(reader, key: str) -> int | None:
    f = reader.fields.get(key)
    return None if f is None else int(f.contents())


def build_tokenizer(tokens: list[str], merges: list[str], token_types: list[int] | None, pre: str):
    """A byte-level BPE tokenizer (the ``tokenizers`` package) from the vocabulary and merges in a GGUF file."""
    tk = require("tokenizers")
    if pre not in PRE_TOKENIZERS:
        raise ConfigError("model", f"unknown tokenizer pre-tokenizer {pre!r}; known: {', '.join(PRE_TOKENIZERS)}")
    vocab = {tok: i for i, tok in enumerate(tokens)}
    pairs = [tuple(m.split(" ", 1)) for m in merges]
    tokenizer = tk.Tokenizer(tk.models.BPE(vocab=vocab, merges=pairs))
    steps = {"digits": tk.pre_tokenizers.Digits(individual_digits=True),
             "bytelevel": tk.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)}
    tokenizer.pre_tokenizer = tk.pre_tokenizers.Sequence([steps[s] for s in PRE_TOKENIZERS[pre]])
    tokenizer.decoder = tk.decoders.ByteLevel()
    if token_types is not None:
        special = [tokens[i] for i, t in enumerate(token_types) if t == CONTROL]
        tokenizer.add_special_tokens([tk.AddedToken(s, special=True, normalized=False) for s in special])
    return tokenizer


def _dequantised(tensor) -> np.ndarray:
    """One tensor as float32 in numpy order (rows = output features), whatever its GGUF type."""
    gguf = require("gguf")
    data = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
    shape = tuple(int(n) for n in reversed(tensor.shape))  # GGUF lists dimensions innermost first
    return np.array(data, dtype=np.float32).reshape(shape)  # a copy: F32 data is a read-only view of the file


def _parse(path: Path) -> tuple[LlamaConfig, dict[str, np.ndarray], str]:
    gguf = require("gguf")
    reader = gguf.GGUFReader(str(path))
    config = _config(reader)
    tensors = {t.name: t for t in reader.tensors}
    weights: dict[str, np.ndarray] = {}
    embed = _dequantised(tensors["token_embd.weight"])  # (V, D)
    weights["token_embd"] = embed
    weights["output_norm"] = _dequantised(tensors["output_norm.weight"])
    if "output.weight" in tensors:  # else the head is tied to the embedding
        weights["output"] = np.ascontiguousarray(_dequantised(tensors["output.weight"]).T)  # (D, V)
    for i in range(config.n_layer):
        for name in LAYER_WEIGHTS:
            key = f"blk.{i}.{name}.weight"
            if key not in tensors:
                raise ConfigError("model", f"the GGUF file has no tensor {key}")
            w = _dequantised(tensors[key])
            weights[f"blk.{i}.{name}"] = w if name in NORMS else np.ascontiguousarray(w.T)  # (in, out)
    tokens = [str(t) for t in _field(reader, "tokenizer.ggml.tokens")]
    merges = [str(m) for m in _field(reader, "tokenizer.ggml.merges", [])]
    types_field = reader.fields.get("tokenizer.ggml.token_type")
    types = [int(t) for t in types_field.contents()] if types_field is not None else None
    pre = str(_field(reader, "tokenizer.ggml.pre", "default"))
    tokenizer = build_tokenizer(tokens, merges, types, pre)
    return config, weights, tokenizer.to_str()


def read_llama(path: str | Path, *, use_cache: bool = True) -> LlamaModel:
    """The model in a Llama-architecture GGUF file, from the cache when an earlier read left it there."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("model", f"no GGUF file at {path}")
    tk = require("tokenizers")
    where = _cache.folder(path, "gguf")
    cached = _cache.load(where) if use_cache else None
    if cached is not None:
        meta, weights = cached
        config = LlamaConfig(**meta["config"])
        return LlamaModel(config, weights, tk.Tokenizer.from_str(meta["tokenizer"]), str(path), True)
    config, weights, tokenizer_json = _parse(path)
    if use_cache:
        _cache.save(where, {"config": asdict(config), "tokenizer": tokenizer_json}, weights)
    return LlamaModel(config, weights, tk.Tokenizer.from_str(tokenizer_json), str(path), False)


def config_json(model: LlamaModel) -> str:
    return json.dumps(asdict(model.config), sort_keys=True)
