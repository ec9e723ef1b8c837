"""actlab llm inspect / swap, as a user runs them (on the tiny model standing in for SmolLM2)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from actlab.cli import app
from actlab.llm.gguf_file import read_llama

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["llm", *args], env={"COLUMNS": "160"})


def test_inspect_json_reports_every_layer(tiny_as_smollm2):
    res = run("inspect", "--backend", "numpy", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [s["layer"] for s in out["layers"]] == ["0", "1"]
    assert set(out["total"]) >= {"share_negative", "share_in_dip", "percentiles", "never_active"}
    assert out["perplexity"] > 1 and out["reading"]


def test_inspect_prints_a_table_and_the_reading(tiny_as_smollm2):
    res = run("inspect", "--backend", "numpy")
    assert res.exit_code == 0, res.output
    assert "negative" in res.stdout and "all layers" in res.stdout and "inputs are negative" in res.stdout


def test_swap_json_has_a_row_per_activation_with_the_models_own_first(tiny_as_smollm2):
    res = run("swap", "--to", "gelu,relu", "--backend", "numpy", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [r["activation"] for r in out["rows"]] == ["silu", "gelu", "relu"]
    assert all(r["perplexity"] > 1 for r in out["rows"])


def test_swap_with_a_text_file(tiny_as_smollm2, tmp_path):
    text = tmp_path / "mine.txt"
    text.write_text("the cat in the hat")
    res = run("swap", "--to", "relu", "--text", str(text), "--backend", "numpy", "--json")
    assert res.exit_code == 0, res.output
    tokens = read_llama(tiny_as_smollm2.path).encode("the cat in the hat")
    assert json.loads(res.stdout)["rows"][0]["tokens"] == len(tokens)


def test_gated_replacement_is_refused_with_the_allowed_names(tiny_as_smollm2):
    res = run("swap", "--to", "swiglu", "--backend", "numpy")
    assert res.exit_code == 2
    assert "gated" in res.output and "gelu_tanh" in res.output


def test_unknown_model_is_refused(tiny_as_smollm2):
    res = run("inspect", "--model", "gpt5")
    assert res.exit_code == 2
    assert "--model" in res.output and "smollm2" in res.output


def test_a_folder_as_text_is_refused(tiny_as_smollm2, tmp_path):
    res = run("inspect", "--text", str(tmp_path))
    assert res.exit_code == 2 and "folder" in res.output
