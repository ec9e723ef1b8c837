"""Weights pulled to 0 are read as such (issue 17, W53 walkthrough finding 2, W52 finding 2): AdamW with
weight_decay=50 took the weights' size from 11.4 to 0.0003 and read 'starting', then 'dead layer', then 'exploding
activations' from stds near 1e-18 with the remedy 'add weight decay'; SGD with weight_decay=5 read 'no gradient' with
'Lower the learning rate'. Reference: the script's own size of the weight matrices (the root of their squares' sum),
taken before each step's forward."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_weights import VALUE_STEPS  # noqa: E402
from actlab.interop._monitor_words import EXPLODE_FLOOR, _exploding_activations  # noqa: E402
from actlab.reading_record import RunSummary, Status  # noqa: E402
from actlab.readings import WEIGHTS_SHRUNK, shrunk  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _run(weight_decay: float, steps: int = 220):
    torch.manual_seed(0)
    X = torch.randn(512, 10)
    y = (X[:, :4] @ torch.randn(4, 4)).argmax(1)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                          nn.Linear(32, 4))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=weight_decay)
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    sizes, readings = {}, {}
    for step in range(1, steps + 1):
        sizes[step] = math.sqrt(sum(float(m.weight.detach().double().pow(2).sum()) for m in model
                                    if isinstance(m, nn.Linear)))
        idx = torch.randint(0, 512, (64,))
        with mon.step() as s:
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
        readings[step] = mon.report().reading
    return sizes, readings


def test_weights_pulled_to_zero_by_weight_decay_are_named_with_their_sizes():
    sizes, readings = _run(50.0)
    reads = range(1, len(sizes) + 1, VALUE_STEPS)  # every sampled step VALUE_STEPS after the last read reads them
    said = 0
    for step, r in readings.items():
        assert r.status is not Status.EXPLODING, (step, r.words)
        done = [t for t in reads if t <= step]
        high = max(done, key=sizes.get)
        now = done[-1]
        if sizes[high] >= WEIGHTS_SHRUNK * sizes[now] and now > high:
            said += 1
            words = r.words
            assert (f"fell from {sizes[high]:.3g} at training step {high:,} to {sizes[now]:.3g} at training step "
                    f"{now:,}, {sizes[high] / sizes[now]:.0f} times smaller") in words, (step, words)
            assert "weight decay set too large" in words and r.remedy.startswith("Lower the weight decay"), r.remedy
            assert r.status is not Status.STARTING, (step, r.status)
        else:
            assert "the weights have shrunk" not in r.words, (step, r.words)
    assert said > 100  # the premise: the size fell past the line early (at the read at step 51, by the script's own)
    assert sizes[51] * WEIGHTS_SHRUNK < sizes[1]


def test_weight_decay_at_a_usual_rate_says_nothing_of_shrinking():
    sizes, readings = _run(0.01)
    assert max(sizes.values()) < 2 * min(sizes.values())  # the premise: the size stays within 2 times
    assert not any("shrunk" in r.words or "weight decay" in r.remedy for r in readings.values())


def _summary(high, now, **kw) -> RunSummary:
    return RunSummary(layers=(), output_grad_norm=0.1, weights_size_high=high, weights_size_now=now, **kw)


@pytest.mark.parametrize(("high", "now", "said"), [
    ((4, 10.0), (504, 1.0), "fell from 10 at training step 4 to 1 at training step 504, 10 times smaller"),
    ((4, 10.0), (504, 1.01), None),
    ((4, 10.0), (504, 0.0), "fell from 10 at training step 4 to 0 at training step 504,"),
    ((4, 1e6), (504, 1e-3), "to 0.001 at training step 504, 1.0e9 times smaller"),
    ((504, 10.0), (504, 10.0), None),  # one read: nothing to compare
    ((4, 10.0), (504, math.nan), None),
])
def test_the_shrink_is_said_from_ten_times_on(high, now, said):
    got = shrunk(_summary(high, now))
    if said is None:
        assert got is None
    else:
        assert said in got, got


def test_activations_that_grow_from_collapsed_sizes_are_no_explosion():
    """Stds growing 1.8e4 times per layer from 1e-18 stay far under EXPLODE_FLOOR: no explosion; the same growth
    reaching past it is one."""
    tiny = [("module '1' (ReLU)", 9.3e-18), ("module '3' (ReLU)", 1.7e-13), ("module '5' (ReLU)", 3.0e-9)]
    assert _exploding_activations(tiny) is None
    grown = [(name, v * 1e9 / 3.0 * EXPLODE_FLOOR) for name, v in tiny]
    assert grown[-1][1] >= EXPLODE_FLOOR
    found = _exploding_activations(grown)
    assert found is not None and found.status is Status.EXPLODING
