"""Walkthrough findings in the core: CSV values too large to square, and a class's pinned activations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from actlab.classroom import Pins
from actlab.datasets import MAX_CSV_MAGNITUDE, features, load_csv
from actlab.errors import ConfigError
from actlab.session import RunConfig

HUGE = b"x1,x2,label\n0.5,0.2,1\n1e308,1e308,0\n-0.3,0.1,0\n0.2,-0.4,1\n"


def test_a_value_too_large_to_square_is_refused_naming_row_column_and_limit():
    with pytest.raises(ConfigError) as err:
        load_csv(HUGE)
    assert err.value.field == "csv: row 3, column x1"
    assert "1e308" in err.value.message and f"{MAX_CSV_MAGNITUDE:g}" in err.value.message


def test_the_largest_allowed_value_makes_finite_features():
    data = load_csv(f"x1,x2,label\n{MAX_CSV_MAGNITUDE!r},-{MAX_CSV_MAGNITUDE!r},0\n1,2,1\n".encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(features(data.points, ("x1", "x2", "x1^2", "x2^2", "x1x2"))).all()
        assert np.isfinite(np.round(data.points, 4)).all()  # as the playground rounds the points it sends


def test_a_huge_regression_target_is_refused_too():
    with pytest.raises(ConfigError, match=r"row 2, column y.*allowed"):
        load_csv(b"x1,y\n1,1e200\n2,0.5\n3,0.25\n", task="regression")


def test_the_cli_refuses_the_file_in_one_line_without_a_numpy_warning(tmp_path):
    from actlab.cli import app

    path = tmp_path / "huge.csv"
    path.write_bytes(HUGE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = CliRunner().invoke(app, ["train", "--csv", str(path), "--json"], env={"COLUMNS": "200"})
    assert res.exit_code == 2, res.output
    assert "row 3, column x1" in res.output and "RuntimeWarning" not in res.output


def test_pinned_identical_activations_apply_to_every_layer_a_learner_adds():
    pins = Pins({"activations": ["relu", "relu"]})
    out = pins.apply({"layers": [4, 2, 2], "activations": ["relu", "relu", "relu"]})
    cfg = RunConfig.from_dict(out)
    assert [a.name for a in cfg.activations] == ["relu"] and cfg.layers == (4, 2, 2)
    assert RunConfig.from_dict(pins.apply({"layers": [5]})).layers == (5,)


def test_pinned_activations_that_differ_fix_the_layer_count_and_say_so():
    pins = Pins({"activations": ["relu", "tanh"]})
    assert [a.name for a in RunConfig.from_dict(pins.apply({"layers": [4, 2]})).activations] == ["relu", "tanh"]
    with pytest.raises(ConfigError) as err:
        pins.apply({"layers": [4, 2, 2], "activations": ["relu", "tanh", "tanh"]})
    assert err.value.field == "layers"
    assert "one activation per hidden layer for 2 layers" in err.value.message and "got 3" in err.value.message


def test_a_per_layer_activation_error_counts_layers_from_one():
    with pytest.raises(ConfigError) as err:
        RunConfig(layers=(4, 2), activations=("tanh", "leaky_relu(negative_slope=2)"))
    assert err.value.field == "activations (layer 2)"
