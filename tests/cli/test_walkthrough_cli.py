"""Walkthrough findings of 18:10 UTC on the command line: `actlab eval` of a gated unit (finding 1) and where an
error goes under --json (finding 3)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from actlab import activations
from actlab.cli import app

runner = CliRunner()
GATED = [n for n in activations.names() if activations.get(n).is_gated]


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def _table_rows(text: str) -> list[list[float]]:
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) > 1:
            try:
                rows.append([float(c) for c in cells])
            except ValueError:
                continue
    return rows


def _finite_differences(act, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d f_i / d x_j for the output i that x_j feeds (a_i or b_i), by central differences."""
    d = x.size // 2
    out = np.empty_like(x)
    for j in range(x.size):
        step = np.zeros_like(x)
        step[j] = h
        out[j] = (act(x + step)[j % d] - act(x - step)[j % d]) / (2 * h)
    return out


@pytest.mark.parametrize("name", GATED)
@pytest.mark.parametrize("xs", [("1", "2"), ("1", "2", "3", "4"), ("-1.5", "0.5", "2", "-3")])
def test_eval_of_a_gated_unit_shows_a_b_f_and_both_partials(name, xs):
    act = activations.get(name)
    x = np.array([float(v) for v in xs])
    d = x.size // 2
    want_f, want_d = act(x), act.derivative(x)
    fd = _finite_differences(act, x)
    np.testing.assert_allclose(want_d, fd, rtol=1e-6, atol=1e-8)  # the registry's derivative is right here

    res = run("eval", name, *xs)
    assert res.exit_code == 0, res.output
    rows = _table_rows(res.stdout)
    assert len(rows) == d  # one row per output, not per input, and no x = nan
    table = np.array(rows)
    assert table.shape == (d, 5) and not np.isnan(table).any()
    np.testing.assert_array_equal(table[:, 0], x[:d])  # a
    np.testing.assert_array_equal(table[:, 1], x[d:])  # b
    np.testing.assert_allclose(table[:, 2], want_f, rtol=1e-15)
    np.testing.assert_allclose(table[:, 3], want_d[:d], rtol=1e-15)  # df/da
    np.testing.assert_allclose(table[:, 4], want_d[d:], rtol=1e-15)  # df/db
    for col in ("a", "b", "f(a, b)", "∂f/∂a", "∂f/∂b"):
        assert col in res.stdout

    data = json.loads(run("eval", name, *xs, "--json").stdout)
    assert data["a"] == list(x[:d]) and data["b"] == list(x[d:])
    assert data["value"] == list(table[:, 2])
    assert data["d_da"] == list(table[:, 3]) and data["d_db"] == list(table[:, 4])
    assert data["derivative"] == data["d_da"] + data["d_db"]


def test_swiglu_1_2_reads_as_the_walkthrough_expected():
    res = run("eval", "swiglu", "1", "2")
    (row,) = _table_rows(res.stdout)
    silu = 2 / (1 + np.exp(-2))
    sig = 1 / (1 + np.exp(-2))
    assert row[:2] == [1.0, 2.0]
    np.testing.assert_allclose(row[2:], [silu, silu, sig * (1 + 2 * (1 - sig))], rtol=1e-15)


def test_eval_of_a_plain_unit_keeps_its_x_column():
    rows = _table_rows(run("eval", "relu", "-1", "2").stdout)
    assert rows == [[-1.0, 0.0, 0.0], [2.0, 2.0, 1.0]]


@pytest.mark.parametrize("args", [
    ("train", "--lr", "1e6", "--json"),
    ("eval", "swiglu", "1", "--json"),
    ("eval", "nosuch", "1", "--json"),
    ("show", "relu", "-p", "alpha", "--json"),
])
def test_an_error_goes_to_stderr_with_exit_code_2_and_stdout_stays_empty(args):
    res = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert res.exit_code == 2
    assert res.stdout == ""  # a JSON reader sees no plain text where it expects JSON
    assert res.stderr.startswith("error: ") and len(res.stderr.splitlines()) >= 1


def test_the_lr_error_names_the_option_on_stderr():
    res = runner.invoke(app, ["train", "--lr", "1e6", "--json"], env={"COLUMNS": "200"})
    assert res.exit_code == 2 and res.stderr.startswith("error: --lr")
