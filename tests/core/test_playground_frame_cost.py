"""The playground frame's cost controls: the surface shrinks as the net grows, the header's links and any array
reach JSON in one pass with the same text as before."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from actlab._json import dumps, jsonable
from actlab.playground import MIN_SURFACE, SURFACE_BUDGET, PlaygroundSession, surface_size
from actlab.playground.session import ACTIVATION_COST
from actlab.session import RunConfig


def _header(blob: bytes) -> dict:
    (n,) = struct.unpack("<I", blob[:4])
    return json.loads(blob[4:4 + n])


# (4, 2): 2*4 + 4*2 + 2 = 18 weights and 6 units; 8 x 32: 2*32 + 7*32*32 + 32 = 7,264 weights and 256 units, a
# point costing 7,264 + 50 * 256 = 20,064 multiply-adds, so 35 x 35 points fit 2.5e7 (36 x 36 would not)
@pytest.mark.parametrize(("layers", "grid"), [((4, 2), 100), ((8,) * 6, 95), ((32,) * 8, 35), ((128,) * 8, 12),
                                              ((256,) * 32, 10)])
def test_surface_keeps_full_detail_for_small_networks_and_coarsens_with_the_cost_of_a_point(layers, grid):
    session = PlaygroundSession(RunConfig(layers=layers))
    assert session.grid == grid
    per_point = sum(w.size for w in session.trainer.net.weights) + ACTIVATION_COST * sum(layers)
    assert grid in (100, MIN_SURFACE) or grid**2 * per_point <= SURFACE_BUDGET < (grid + 1) ** 2 * per_point
    assert grid != MIN_SURFACE or MIN_SURFACE**2 * per_point > SURFACE_BUDGET  # the floor only where the budget fails
    data = session.frame_data()
    assert data.output.shape == (grid, grid)
    assert _header(data.encode())["grid"] == grid


def test_surface_never_goes_below_the_floor_nor_above_the_request():
    assert surface_size(100, 10**9) == MIN_SURFACE
    assert surface_size(MIN_SURFACE, 10**9) == MIN_SURFACE  # a request at the floor is kept
    assert surface_size(100, 1) == 100
    assert surface_size(100, 7264, 256) == 35 < surface_size(100, 7264)  # the activations count too


def test_encoded_links_are_the_rounded_weights_of_the_chosen_links():
    session = PlaygroundSession(RunConfig(layers=(5, 3)), grid=10)
    session.advance(1)
    header = _header(session.frame_data().encode())
    assert "weights" not in header  # the matrices leave only on an export
    for got, w in zip(header["links"], session.trainer.net.weights, strict=True):
        assert got["count"] == w.size and len(got["w"]) == w.size  # 2 x 5, 5 x 3, 3 x 1: all within the budget
        assert got["w"] == [float(np.round(w[i, j], 4)) for i, j in zip(got["from"], got["to"], strict=True)]


@pytest.mark.parametrize("array", [np.array([0.1, -2.5, 3e300]), np.arange(4).reshape(2, 2), np.array([True, False]),
                                   np.float32([0.1, 7.0]), np.array(2.5), np.zeros((2, 0))])
def test_finite_arrays_take_the_fast_path_with_the_same_result(array):
    assert jsonable(array) == array.tolist()
    assert dumps(array) == json.dumps(array.tolist())


def test_arrays_with_non_finite_values_still_follow_the_wire_convention():
    assert jsonable(np.array([[1.0, np.nan], [np.inf, -np.inf]])) == [[1.0, None], ["inf", "-inf"]]
