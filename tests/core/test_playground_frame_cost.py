"""The playground frame's cost controls: the surface shrinks as the net grows, the header's weights and any
array reach JSON in one pass with the same text as before."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from actlab._json import dumps, jsonable
from actlab.playground import MIN_SURFACE, SURFACE_BUDGET, PlaygroundSession, surface_size
from actlab.session import RunConfig


def _header(blob: bytes) -> dict:
    (n,) = struct.unpack("<I", blob[:4])
    return json.loads(blob[4:4 + n])


@pytest.mark.parametrize(("layers", "grid"), [((4, 2), 100), ((32,) * 8, 100), ((256,) * 32, 22)])
def test_surface_keeps_full_detail_up_to_the_default_cap_and_coarsens_beyond(layers, grid):
    session = PlaygroundSession(RunConfig(layers=layers))
    assert session.grid == grid
    n_weights = sum(w.size for w in session.trainer.net.weights)
    assert grid == 100 or grid**2 * n_weights <= SURFACE_BUDGET < (grid + 1) ** 2 * n_weights
    data = session.frame_data()
    assert data.output.shape == (grid, grid)
    assert _header(data.encode())["grid"] == grid


def test_surface_never_goes_below_the_floor_nor_above_the_request():
    assert surface_size(100, 10**9) == MIN_SURFACE
    assert surface_size(15, 10**9) == 15  # a smaller request is kept
    assert surface_size(100, 1) == 100


def test_encoded_weights_are_the_rounded_weights():
    session = PlaygroundSession(RunConfig(layers=(5, 3)), grid=10)
    session.advance(1)
    header = _header(session.frame_data().encode())
    for got, w in zip(header["weights"], session.trainer.net.weights, strict=True):
        assert got == np.round(w, 4).tolist()


@pytest.mark.parametrize("array", [np.array([0.1, -2.5, 3e300]), np.arange(4).reshape(2, 2), np.array([True, False]),
                                   np.float32([0.1, 7.0]), np.array(2.5), np.zeros((2, 0))])
def test_finite_arrays_take_the_fast_path_with_the_same_result(array):
    assert jsonable(array) == array.tolist()
    assert dumps(array) == json.dumps(array.tolist())


def test_arrays_with_non_finite_values_still_follow_the_wire_convention():
    assert jsonable(np.array([[1.0, np.nan], [np.inf, -np.inf]])) == [[1.0, None], ["inf", "-inf"]]
