"""actlab train --activation: a spec per layer, any parameter; bad specs are one line with exit code 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from actlab.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "400"})


def test_each_layer_trains_with_its_own_parameters():
    res = run("train", "--layers", "4,3", "--activation", "leaky_relu(negative_slope=0.1),silu(beta=2)",
              "--epochs", "3", "--json")
    assert res.exit_code == 0, res.stdout
    layers = json.loads(res.stdout)["reading"]["layers"]
    assert [layer["activation"] for layer in layers] == ["leaky_relu", "silu"]


@pytest.mark.parametrize(("spec", "needle"), [
    ("tanhh", "--activation (layer 1): unknown activation 'tanhh'"),
    ("relu,silu(gamma=1)", "--activation (layer 2): silu has no parameter gamma; its parameters: beta in (0,"),
    ("leaky_relu(negative_slope=5)", "--activation (layer 1): leaky_relu: parameter negative_slope=5.0 is out of "
                                     "range; allowed: [0, 1]"),
    ("silu(beta=2", "--activation: a '(' is never closed in 'silu(beta=2'"),
    ("silu(beta=two)", "--activation (layer 1): silu: parameter beta must be a plain number"),
    ("tanh,tanh,tanh", "--activation: one activation, or one per hidden layer (2); got 3"),
])
def test_a_bad_spec_is_one_line_naming_the_layer_with_exit_code_2(spec, needle):
    res = run("train", "--activation", spec, "--epochs", "1")
    text = " ".join(res.stderr.split())  # rich wraps the long list of valid names
    assert res.exit_code == 2 and needle in text, res.stderr
    assert "Traceback" not in res.stderr and res.stderr.startswith("error: --activation")


def test_help_shows_the_parameter_form():
    res = run("train", "--help")
    assert "leaky_relu(negative_slope=0.1),silu(beta=2)" in res.stdout
