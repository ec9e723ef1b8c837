"""all-MiniLM-L6-v2 (exact GELU) and textgenrnn's character LSTM (sigmoid gates), read from their packages."""

from __future__ import annotations

import pytest

from actlab.llm import measure

from .conftest import require_model

pytestmark = pytest.mark.real_model

LESSON_GAP = 4.73e-4  # the largest |gelu - gelu_tanh| over all x (the lesson's figure, reached at x = +-2.70)


@pytest.fixture(scope="module")
def minilm():
    require_model("minilm")
    return measure.inspect("minilm", backend="numpy")


@pytest.fixture(scope="module")
def minilm_swaps():
    require_model("minilm")
    return measure.swap("minilm", backend="numpy")


@pytest.fixture(scope="module")
def lstm():
    require_model("lstm")
    return measure.inspect("lstm", backend="numpy")


def test_most_gelu_inputs_in_minilm_are_negative(minilm):
    assert 0.70 < minilm["total"]["share_negative"] < 0.85  # 78% measured


def test_real_inputs_reach_the_lessons_largest_tanh_gelu_error(minilm):
    gap = minilm["total"]["max_gap"]
    assert gap["value"] == pytest.approx(LESSON_GAP, rel=0.01)
    assert abs(gap["at"]) == pytest.approx(2.70, abs=0.05)


def test_tanh_gelu_barely_moves_sentence_embeddings_and_relu_moves_them_most(minilm_swaps):
    change = {r["activation"]: r["embedding_change"]["max"] for r in minilm_swaps["rows"]}
    assert change["gelu"] == 0.0
    assert change["gelu_tanh"] < 1e-5
    assert change["gelu_tanh"] < change["quick_gelu"] < change["silu"] < change["relu"]


def test_lstm_bits_per_character_is_about_two(lstm):
    assert lstm["bits_per_char"] == pytest.approx(2.0, rel=0.10)


def test_lstm_gates_are_often_saturated_and_their_mean_slope_is_far_below_a_quarter(lstm):
    for gate in lstm["layers"]:  # 39-54% of each gate's outputs outside 0.01..0.99, counted per element
        assert 0.35 < gate["share_saturated"] < 0.60
        assert 0.03 < gate["mean_derivative"] < 0.10  # against sigmoid's largest slope, 0.25
    assert len(lstm["layers"]) == 6  # input, forget and output gates of two layers


def test_minilm_embeddings_agree_between_numpy_and_torch():
    require_model("minilm")
    pytest.importorskip("torch")
    import numpy as np

    from actlab.llm.minilm import run

    model = measure.HELD.get("minilm")
    text = "The river rose in the night. By morning the bridge was under water."
    got = {b: run(model, text, activation="gelu", recorder=None, backend=b, step=lambda *a: None, label="")
           for b in ("numpy", "torch")}
    np.testing.assert_allclose(got["torch"]["embeddings"], got["numpy"]["embeddings"], atol=1e-5)  # float32 sums


def test_lstm_bits_per_character_agree_between_numpy_and_torch():
    require_model("lstm")
    pytest.importorskip("torch")
    from actlab.llm.lstm import run

    model = measure.HELD.get("lstm")
    text = "The river rose in the night. By morning the bridge was under water, and the town was quiet."
    got = {b: run(model, text, activation="sigmoid", recorder=None, backend=b, step=lambda *a: None, label="")
           for b in ("numpy", "torch")}
    assert got["torch"]["chars"] == got["numpy"]["chars"]
    assert got["torch"]["bits_per_char"] == pytest.approx(got["numpy"]["bits_per_char"], rel=1e-5)
