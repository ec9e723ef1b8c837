"""The GGUF reader and the Llama forward pass, on a tiny random model written by the test (conftest.py)."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import activations
from actlab.errors import ConfigError
from actlab.llm import _cache, llama
from actlab.llm.gguf_file import read_llama
from actlab.llm.stats import Recorder

from .reference import reference_logits

IDS = [5, 40, 77, 260, 3, 120, 199, 9, 1]
RTOL, ATOL = 1e-4, 1e-4  # float32 products against a float64 reference on logits of size ~10


def test_reader_reads_the_configuration(tiny_gguf):
    model = read_llama(tiny_gguf.path)
    cfg = model.config
    assert (cfg.n_layer, cfg.d_model, cfg.n_head, cfg.n_head_kv, cfg.d_ff) == (2, 32, 4, 2, 64)
    assert cfg.vocab_size == len(tiny_gguf.tokens)
    assert cfg.rope_base == pytest.approx(1e4)


def test_numpy_forward_matches_the_reference_loop(tiny_gguf):
    model = read_llama(tiny_gguf.path)
    got = llama.forward(model, IDS, backend="numpy")
    np.testing.assert_allclose(got, reference_logits(tiny_gguf, IDS), rtol=RTOL, atol=ATOL)


def test_torch_forward_matches_the_reference_loop(tiny_gguf):
    pytest.importorskip("torch")
    model = read_llama(tiny_gguf.path)
    got = llama.forward(model, IDS, backend="torch")
    np.testing.assert_allclose(got, reference_logits(tiny_gguf, IDS), rtol=RTOL, atol=ATOL)


def test_last_only_is_the_last_row(tiny_gguf):
    model = read_llama(tiny_gguf.path)
    full = llama.forward(model, IDS, backend="numpy")
    np.testing.assert_allclose(llama.forward(model, IDS, backend="numpy", last_only=True), full[-1:],
                               rtol=1e-5, atol=1e-5)


def test_swapped_activation_matches_the_reference_with_that_activation(tiny_gguf):
    model = read_llama(tiny_gguf.path)
    relu = activations.get("relu")
    got = llama.forward(model, IDS, backend="numpy", activation="relu")
    np.testing.assert_allclose(got, reference_logits(tiny_gguf, IDS, act=relu), rtol=RTOL, atol=ATOL)


def test_recorder_sees_every_gate_input(tiny_gguf):
    model = read_llama(tiny_gguf.path)
    rec = Recorder()
    llama.forward(model, IDS, backend="numpy", recorder=rec)
    seen: dict[int, list] = {}
    reference_logits(tiny_gguf, IDS, record=lambda layer, z: seen.setdefault(layer, []).append(z))
    for layer in range(tiny_gguf.n_layer):
        z = np.stack(seen[layer])  # (T, F)
        stats = rec.layers[str(layer)]
        assert stats.count == z.size
        assert stats.negative == np.count_nonzero(z < 0)
        assert stats.high == pytest.approx(z.max(), abs=1e-4)
        assert stats.never_active == np.count_nonzero(z.max(axis=0) <= 0)


def test_second_read_comes_from_the_cache_with_the_same_weights(tiny_gguf):
    first = read_llama(tiny_gguf.path)
    second = read_llama(tiny_gguf.path)
    assert not first.loaded_from_cache and second.loaded_from_cache
    assert first.weights.keys() == second.weights.keys()
    for key in first.weights:
        np.testing.assert_array_equal(first.weights[key], second.weights[key])
    assert second.encode("the cat") == first.encode("the cat")


def test_tokenizer_uses_the_files_merges_and_special_tokens(tiny_gguf):
    model = read_llama(tiny_gguf.path)
    vocab = {t: i for i, t in enumerate(tiny_gguf.tokens)}
    assert model.encode("in the") == [vocab["in"], vocab["Ġthe"]]
    assert model.encode("<|im_start|>a") == [vocab["<|im_start|>"], vocab["a"]]
    assert model.decode(model.encode("in the 42 cats")) == "in the 42 cats"


def test_gated_activation_cannot_replace_silu(tiny_gguf):
    model = read_llama(tiny_gguf.path)
    with pytest.raises(ConfigError, match="gated"):
        llama.forward(model, IDS, activation="swiglu")


def test_unknown_activation_lists_valid_names(tiny_gguf):
    model = read_llama(tiny_gguf.path)
    with pytest.raises(ConfigError, match="Valid names"):
        llama.forward(model, IDS, activation="swoosh")


def test_out_of_vocabulary_ids_are_refused(tiny_gguf):
    model = read_llama(tiny_gguf.path)
    with pytest.raises(ConfigError, match="token ids"):
        llama.forward(model, [0, 10_000])


def test_greedy_is_identical_on_both_backends(tiny_gguf):
    pytest.importorskip("torch")
    model = read_llama(tiny_gguf.path)
    assert llama.greedy(model, IDS[:4], 6, backend="numpy") == llama.greedy(model, IDS[:4], 6, backend="torch")


def test_an_unwritable_cache_still_loads_the_model(tiny_gguf, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    _cache.use_folder(blocker)  # private_cache (through tiny_gguf) restores the folder afterwards
    model = read_llama(tiny_gguf.path)
    assert not model.loaded_from_cache
    np.testing.assert_allclose(llama.forward(model, IDS, backend="numpy"), reference_logits(tiny_gguf, IDS),
                               rtol=RTOL, atol=ATOL)
