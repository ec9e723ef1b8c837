"""The engine's reused arrays (_buffers.py): bit-identical results, and nothing a caller holds is overwritten."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from actlab import network
from actlab._buffers import Buffers
from actlab.network import MLP, NetworkConfig

WIDE = (96, 96)  # with batch 256, N x width = 24,576 elements: above network._POOL_FROM, so pooled


def _net(act: str, dtype: str, rng) -> MLP:
    return MLP.create(NetworkConfig(3, WIDE, (act,), "regression", dtype=dtype), rng)


def _step(net: MLP, x, y):
    _, trace = net.forward(x)
    return trace, net.backward(trace, y)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid", "gelu", "silu"])
def test_pooled_steps_are_bit_identical_to_fresh_arrays(act, dtype, rng, monkeypatch):
    x, y = rng.normal(size=(256, 3)), rng.normal(size=(256, 1))
    net = _net(act, dtype, rng)
    pooled = [_step(net, x, y)[1].flat.copy() for _ in range(3)]  # the second and third steps reuse arrays
    monkeypatch.setattr(network, "_POOL_FROM", 10**12)  # nothing pooled
    fresh = _step(net.copy(), x, y)[1].flat
    for got in pooled:
        np.testing.assert_array_equal(got, fresh)


def test_a_trace_and_grads_a_caller_keeps_are_never_overwritten(rng):
    net = _net("tanh", "float64", rng)
    x1, x2, y = rng.normal(size=(256, 3)), rng.normal(size=(256, 3)), rng.normal(size=(256, 1))
    trace, grads = _step(net, x1, y)
    kept = [a.copy() for a in trace.zs + trace.outs[1:]], grads.flat.copy()
    view = trace.zs[0][:, :5]  # a view alone keeps its base array out of reuse too
    del trace
    view_before = view.copy()
    for _ in range(3):
        _step(net, x2, y)
    np.testing.assert_array_equal(view, view_before)
    np.testing.assert_array_equal(grads.flat, kept[1])


def test_released_arrays_are_reused_on_the_next_step(rng):
    net = _net("tanh", "float64", rng)
    x, y = rng.normal(size=(256, 3)), rng.normal(size=(256, 1))
    trace, grads = _step(net, x, y)
    ids = {id(a) for a in trace.zs + trace.outs[1:]} | {id(grads.flat)}
    del trace, grads
    trace, grads = _step(net, x, y)
    assert {id(a) for a in trace.zs + trace.outs[1:]} | {id(grads.flat)} == ids


def test_the_pool_hands_out_only_arrays_no_one_holds():
    pool = Buffers()
    a = pool.get((4, 4), np.float64)
    b = pool.get((4, 4), np.float64)
    assert a is not b  # a is still held
    del a
    c = pool.get((4, 4), np.float64)
    assert c is not b and c.shape == (4, 4) and c.dtype == np.float64
    assert pool.get((4, 4), np.float32).dtype == np.float32  # dtype is part of the key


def test_a_copied_network_starts_with_a_pool_of_its_own(rng):
    net = _net("tanh", "float64", rng)
    x, y = rng.normal(size=(256, 3)), rng.normal(size=(256, 1))
    want = _step(net, x, y)[1].flat.copy()
    other = net.copy()
    assert other._buffers is not net._buffers
    np.testing.assert_array_equal(_step(other, x, y)[1].flat, want)
    assert copy.deepcopy(Buffers()).get((2,), np.float64).shape == (2,)  # a pool copies as an empty pool
