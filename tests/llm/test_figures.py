"""The shipped "inside a real model" figures: stamped with their inputs, checked without any model."""

from __future__ import annotations

import pytest

from actlab.llm import figures

from .conftest import require_model


@pytest.fixture(scope="module")
def shipped() -> dict:
    return figures.load()


def test_shipped_figures_were_made_from_this_text_and_this_code(shipped):
    # fails after an edit to actlab.llm or to the evaluation text: regenerate with python -m actlab.llm.figures
    assert shipped["inputs"] == figures.inputs()
    assert shipped["inputs_hash"] == figures.inputs_hash()


def test_shipped_figures_hold_every_panel_part(shipped):
    s = shipped["smollm2"]
    assert len(s["layers"]) == len(s["histogram"]["layers"]) == 30
    assert len(s["histogram"]["curve"]) == len(s["histogram"]["centres"]) == len(s["histogram"]["edges"]) - 1
    assert [r["activation"] for r in s["swap"]["rows"]][0] == "silu"
    assert shipped["minilm"]["total"]["max_gap"]["to"] == "gelu_tanh"
    assert len(shipped["lstm"]["layers"]) == 6


def test_histogram_shares_of_a_layer_add_up_to_the_inputs_inside_the_drawn_range(shipped):
    s = shipped["smollm2"]
    for shares in s["histogram"]["layers"].values():
        assert 0.95 < sum(shares) <= 1.0 + 1e-9  # a few inputs lie beyond +-6, outside the chart


def test_the_curve_is_the_registrys_silu(shipped):
    from actlab import activations

    h = shipped["smollm2"]["histogram"]
    assert h["curve"] == pytest.approx(activations.get("silu")(h["centres"]).tolist(), abs=1e-12)


@pytest.mark.real_model
def test_shipped_figures_were_made_from_the_installed_model_files(shipped):
    for name in ("smollm2", "minilm", "lstm"):
        require_model(name)
    assert shipped["model_files_sha256"] == figures.model_file_hashes()


@pytest.mark.real_model
@pytest.mark.slow
def test_regenerating_the_figures_reproduces_them(shipped):
    for name in ("smollm2", "minilm", "lstm"):
        require_model(name)
    fresh = figures.compute()
    assert fresh["inputs_hash"] == shipped["inputs_hash"]
    rel = 1e-3  # another BLAS may sum in another order
    assert fresh["smollm2"]["perplexity"] == pytest.approx(shipped["smollm2"]["perplexity"], rel=rel)
    assert fresh["smollm2"]["total"]["share_negative"] == pytest.approx(shipped["smollm2"]["total"]["share_negative"],
                                                                        rel=rel)
    for a, b in zip(fresh["smollm2"]["swap"]["rows"], shipped["smollm2"]["swap"]["rows"], strict=True):
        assert a["perplexity"] == pytest.approx(b["perplexity"], rel=rel)
    assert fresh["minilm"]["total"]["max_gap"]["value"] == pytest.approx(
        shipped["minilm"]["total"]["max_gap"]["value"], rel=rel)
    assert fresh["lstm"]["bits_per_char"] == pytest.approx(shipped["lstm"]["bits_per_char"], rel=rel)
