"""actlab list / show / eval, as a user types them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from actlab import activations
from actlab.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def test_list_json_has_every_entry_with_aliases_and_properties():
    res = run("list", "--json")
    assert res.exit_code == 0
    rows = json.loads(res.stdout)
    assert [r["name"] for r in rows] == activations.names()
    silu = next(r for r in rows if r["name"] == "silu")
    assert "swish" in silu["aliases"] and silu["monotonic"] is False and silu["smooth"] is True
    assert silu["deriv_max"] == pytest.approx(1.0998393201289)


def test_list_table_shows_sigmoid_max_derivative():
    res = run("list")
    assert res.exit_code == 0 and "0.25 at x = 0" in res.stdout


def test_show_resolves_an_alias_and_prints_the_formula():
    res = run("show", "gelu_new")
    assert res.exit_code == 0 and "gelu_tanh" in res.stdout and "0.044715" in res.stdout


def test_show_json_samples_come_from_the_registry():
    res = run("show", "sigmoid", "--json")
    data = json.loads(res.stdout)
    assert data["samples"]["derivative"][2] == 0.25


def test_eval_json_gives_values_and_derivatives_at_negative_points():
    res = run("eval", "relu", "5", "-3", "0", "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout) == {"name": "relu", "params": {}, "dtype": "float64", "x": [5.0, -3.0, 0.0],
                                      "value": [5.0, 0.0, 0.0], "derivative": [1.0, 0.0, 0.0]}


def test_eval_with_a_parameter_and_float32():
    res = run("eval", "leaky_relu", "-2", "--param", "negative_slope=0.1", "--dtype", "float32", "--json")
    data = json.loads(res.stdout)
    assert data["params"] == {"negative_slope": 0.1}
    assert data["value"][0] == pytest.approx(-0.2, rel=1e-7) and data["dtype"] == "float32"


def test_eval_reports_nan_and_inf_as_json_tokens():
    data = json.loads(run("eval", "tanh", "nan", "inf", "--json").stdout)
    assert data["value"] == [None, 1.0]


@pytest.mark.parametrize(("args", "message"), [
    (("eval", "foo", "1"), "unknown activation 'foo'"),
    (("eval", "relu", "abc"), "'abc' is not a number"),
    (("eval", "leaky_relu", "1", "-p", "alpha=2"), "no parameter alpha"),
    (("eval", "leaky_relu", "1", "-p", "negative_slope=5"), "out of range"),
    (("eval", "relu", "1", "--dtype", "int8"), "--dtype must be"),
    (("eval", "swiglu", "1"), "even, non-zero size"),
])
def test_bad_input_gets_a_specific_error_and_exit_code_2(args, message):
    res = run(*args)
    assert res.exit_code == 2
    assert message in " ".join(res.stderr.split())


@pytest.mark.parametrize("name", activations.names())
def test_show_reads_as_sentences_for_every_entry(name):
    """No Python None, no "at everywhere", the paper's year once (the paper text carries it), and text in
    square brackets (a gated unit's "[a, b] = x") printed, not eaten as rich markup."""
    res = runner.invoke(app, ["show", name], env={"COLUMNS": "400"})
    out = " ".join(res.stdout.split())
    act = activations.get(name)
    assert "None" not in out and "at everywhere" not in out
    paper_row = next(line for line in res.stdout.splitlines() if "│ paper" in line)
    assert paper_row.count(str(act.year)) == act.paper.count(str(act.year))
    if act.is_gated:
        assert "[a, b] = x" in out


@pytest.mark.parametrize(("name", "output", "deriv"), [("relu", "[0, ∞)", "[0, 1]"), ("sigmoid", "(0, 1)", "(0, 0.25]"),
                                                      ("hardswish", "[-0.375, ∞)", "(-0.5, 1.5)")])
def test_show_and_list_write_each_end_open_or_closed(name, output, deriv):
    shown = run("show", name).stdout
    assert output in shown and deriv in shown
    row = next(line for line in run("list").stdout.splitlines() if f" {name} " in line)
    assert output in row and deriv in row
    data = json.loads(run("show", name, "--json").stdout)
    assert data["output_interval"] == output and data["deriv_interval"] == deriv


def test_show_says_relu_prime_at_zero_is_a_choice_and_selu_has_no_subgradient():
    relu = " ".join(run("show", "relu").stdout.split())
    assert "any value in [0, 1] is a subgradient" in relu
    selu = " ".join(run("show", "selu").stdout.split())
    assert "no subgradient" in selu


@pytest.mark.parametrize(("args", "words"), [
    (("show", "relu_squared"), "no torch.nn module; exported as torch.relu(x) ** 2"),
    (("show", "silu", "--param", "beta=2"), "torch.nn.SiLU cannot take these parameters; exported as x"),
    (("show", "gelu_new"), "torch.nn.GELU(approximate='tanh')"),
])
def test_show_says_how_pytorch_computes_it_from_the_recipe(args, words):
    res = run(*args)
    assert res.exit_code == 0 and words in " ".join(res.stdout.split())


def test_show_names_the_group_and_the_saturation_levels():
    out = " ".join(run("show", "sigmoid").stdout.split())
    assert "The lesson's six" in out and "saturates │ left (x → −∞): saturated, f → 0" in out  # R21: in words
    assert "right (x → +∞): saturated, f → 1" in out
