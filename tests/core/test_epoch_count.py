"""Epochs are counted in one place, the Trainer's step(): an epoch is a completed pass over the training set's
shuffled order, whichever way the updates were asked for (run_epochs, run_updates in slices as the playground
does, run with a step budget)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.network import NetworkConfig
from actlab.optim import OptimConfig
from actlab.training import StopRule, Trainer


def trainer(n: int, batch: int) -> Trainer:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    return Trainer(NetworkConfig(2, (3,), ("tanh",)), OptimConfig(lr=0.01), x, (x[:, 0] > 0).astype(float),
                   batch_size=batch)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), batch=st.integers(1, 40), slices=st.lists(st.integers(0, 25), max_size=6))
def test_updates_in_any_slices_count_whole_passes(n, batch, slices):
    batch = min(batch, n)
    t = trainer(n, batch)
    per_epoch = -(-n // batch)  # ceil(n / batch), computed here on its own
    for k in slices:
        t.run_updates(k)
    total = sum(slices)
    assert t.step_count == total
    assert (t.epoch_count, t.epoch_step) == (total // per_epoch, total % per_epoch)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 30), batch=st.integers(1, 30), first=st.integers(0, 40), epochs=st.integers(1, 3))
def test_run_epochs_from_mid_pass_finishes_that_pass_first(n, batch, first, epochs):
    batch = min(batch, n)
    t = trainer(n, batch)
    t.run_updates(first)
    before = t.epoch_count
    t.run_epochs(epochs)
    assert t.epoch_step == 0 and t.epoch_count == before + epochs


def test_run_with_a_step_budget_counts_only_finished_passes():
    t = trainer(25, 10)  # 3 updates a pass
    frames = list(t.run(StopRule(max_steps=7)))
    assert [(f.step, f.epoch) for f in frames] == [(3, 1), (6, 2), (7, 2)]
