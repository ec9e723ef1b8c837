"""The shortcuts that make shazeer2020's runs cheap give the numbers the plain way gives.

Each shortcut is checked against the direct computation it replaces: the Markov task's counts table against
one row per sample, the flat parameter array against named arrays, the one-pass Adam against the textbook
update, and the per-claim fingerprints against the modules each claim imports.
"""

from __future__ import annotations

import numpy as np
import pytest

from actlab.experiments import hendrycks2016, papers, shazeer2020
from actlab.experiments._residual import FFNS, Adam, ResidualNet


@pytest.fixture(scope="module")
def task():
    return shazeer2020.MarkovTask()


def _moved_net(ffn: str, rng: np.random.Generator) -> ResidualNet:
    net = ResidualNet.create(ffn, 2 * shazeer2020.SYMBOLS, 8, 12, shazeer2020.SYMBOLS, 2, rng, dtype="float64")
    for p in net.params.values():
        p += rng.normal(0, 0.2, p.shape)  # LayerNorm gains and shifts off 1 and 0
    return net


@pytest.mark.parametrize("ffn", ["relu", "glu", "swiglu"])
def test_counts_table_gives_the_loss_and_gradient_of_every_sample(task, ffn, rng):
    net = _moved_net(ffn, rng)
    context, y = task.sample_contexts(128, rng)
    inputs, counts = task.counts(context, y)
    assert len(inputs) < 128 and counts.sum() == 128  # repeats were merged, no sample lost
    loss_rows, grads_rows = net.loss_and_grads(task.one_hot[context].astype(np.float64), y)
    loss_counts, grads_counts = net.loss_and_grads(inputs, counts)
    assert loss_counts == pytest.approx(loss_rows, rel=1e-13)
    for key, g in grads_rows.items():
        np.testing.assert_allclose(grads_counts[key], g, rtol=1e-10, atol=1e-14, err_msg=key)


def test_held_out_loss_by_counts_equals_the_mean_over_5000_samples(task):
    net = shazeer2020.make("swiglu", 2 * shazeer2020.SYMBOLS, shazeer2020.SYMBOLS, 0)
    x, y = task.sample(shazeer2020.HELD_OUT, np.random.default_rng([0, 1]))  # the held-out draw itself
    assert len(task.held_out[0]) == 256 and task.held_out[1].sum() == shazeer2020.HELD_OUT
    # float32 logits either way; the per-sample mean is summed in float32, so agree to float32 round-off
    assert task.held_out_loss(net) == pytest.approx(shazeer2020.held_out_loss(net, x, y), rel=1e-6)


def test_samples_as_inputs_and_as_contexts_are_the_same_draw(task):
    x, y = task.sample(50, np.random.default_rng(3))
    context, y2 = task.sample_contexts(50, np.random.default_rng(3))
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(x.argmax(axis=1) * 16 + x[:, 16:].argmax(axis=1), context)
    assert np.all(x.sum(axis=1) == 2)


def test_counts_of_an_empty_context_are_never_listed(task):
    inputs, counts = task.counts(np.array([5, 5, 200]), np.array([1, 1, 15]))
    assert inputs.shape == (2, 32) and counts.tolist()[0][1] == 2 and counts.tolist()[1][15] == 1
    assert counts.sum() == 3


@pytest.mark.parametrize("ffn", sorted(FFNS))
def test_every_named_parameter_and_gradient_is_a_view_of_the_flat_arrays(ffn, rng):
    net = ResidualNet.create(ffn, 6, 8, 10, 3, 2, rng)
    assert sum(p.size for p in net.params.values()) == net.flat.size  # no overlap, nothing left out
    for key, p in net.params.items():
        assert np.shares_memory(p, net.flat), key
        assert np.shares_memory(net.grads[key], net.flat_grad), key
    net.backprop(rng.normal(size=(4, 6)), rng.integers(0, 3, 4))
    assert np.all(np.isfinite(net.flat_grad)) and np.any(net.flat_grad != 0)


def test_gated_unit_keeps_w_and_v_side_by_side_with_their_own_draws(rng):
    net = ResidualNet.create("swiglu", 6, 8, 10, 3, 1, np.random.default_rng(0))
    w, v = net.params["W1_0"], net.params["V0"]
    assert w.shape == v.shape == (8, 10) and not np.array_equal(w, v)
    assert net.n_parameters() == 3 * 8 * 10


def test_adam_on_the_flat_array_is_the_textbook_update(rng):
    params, grads = rng.normal(size=50), [rng.normal(size=50) for _ in range(4)]
    flat, opt = params.copy(), Adam(params.copy(), lr=0.01)
    m, v = np.zeros(50), np.zeros(50)
    for t, g in enumerate(grads, start=1):
        opt.step(flat, g)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        params = params - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(flat, params, rtol=1e-13, atol=1e-15)


def test_each_claim_fingerprints_the_shared_modules_it_imports():
    assert "_residual.py" in papers.claim_sources("shazeer2020")
    assert "_residual.py" not in papers.claim_sources("glorot2010")
    assert "_fit.py" in papers.claim_sources("hendrycks2016")
    for name in papers.names():
        sources = papers.claim_sources(name)
        assert sources[0] == f"{name}.py" and "reproduction.py" in sources


@pytest.mark.parametrize(("below", "epoch"), [
    ([False] * 11 + [True, True], 40),  # below from epoch 40 on
    ([True] * 13, 0),
    ([True] * 6 + [False] + [True] * 6, 15),  # a dip at epoch 10: counts from after it
    ([True] * 12 + [False], 51),  # not below at the end: never overtook
])
def test_overtaking_epoch_is_where_gelu_stays_below_to_the_end(below, epoch):
    assert hendrycks2016.overtaking_epoch(np.array(below)) == epoch
