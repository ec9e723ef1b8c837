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
    assert message in " ".join(res.stdout.split())
