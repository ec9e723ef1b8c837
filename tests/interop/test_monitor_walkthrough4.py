"""Walkthrough findings on the Monitor's report (session 3, second pass): a divergence dated from the first sampled
step that went non-finite (the same step the note names), ReLU units under the saturation threshold called rarely
active (ReLU cannot saturate) in the Monitor and in the engine's readings, and every="auto"'s note giving the
amortised overhead beside the budget, with the arithmetic checked against a fake clock."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab import activations  # noqa: E402
from actlab.instruments import read  # noqa: E402
from actlab.interop import _monitor_step  # noqa: E402
from actlab.interop import torch as monitor_module  # noqa: E402
from actlab.monitor_log import read_log  # noqa: E402
from actlab.network import MLP, NetworkConfig  # noqa: E402
from actlab.readings import Status, low_gradient_word  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop import _steps  # noqa: E402


def _model(act=nn.ReLU, seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), act(), nn.Linear(16, 16), act(), nn.Linear(16, 1)).double()


def _batch(seed, n=32):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g, dtype=torch.float64)
    return x, x[:, :1] * x[:, 1:2]


def _train(mon, model, steps, bad_steps):
    """Steps 1..steps (1-based), a NaN in the batch on bad_steps; returns the sampled steps whose report is
    non-finite, in order (the test's own record of which sampled step went non-finite)."""
    bad_sampled = []
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for i in range(1, steps + 1):
        x, y = _batch(i)
        if i in bad_steps:
            x[3, 1] = math.nan
        with mon.step() as s:
            s.loss = ((model(x) - y) ** 2).mean()
            s.loss.backward()
        opt.zero_grad()  # no optimiser step: the weights stay finite, so only the batch decides
        rep = mon.report()
        if rep.step == i and rep.non_finite:
            bad_sampled.append(i)
    return bad_sampled


def test_divergence_is_dated_from_the_first_sampled_step_that_went_non_finite():
    """The walkthrough: NaN entered at step 600, the reading said 'diverged at step 1160' (the last sampled step)
    while a note said a NaN first appeared at step 610. Both must name the same step."""
    model = _model()
    mon = Monitor(model, every=3)
    bad_sampled = _train(mon, model, 40, set(range(11, 41)))
    first = bad_sampled[0]
    assert first == 13  # every=3 samples steps 1, 4, 7, 10, 13, ...: the first sampled one after the NaN came in
    rep = mon.report()
    assert rep.step == 40 and rep.reading.status == Status.DIVERGED  # the last sampled step, not the first bad one
    # the NaN came in at step 11, between two samples; each step's loss, held for the next sampled step, dates it
    # there (W28), and says it was not a sampled step's; the notes do not say it again
    assert rep.reading.findings[0].evidence["diverged_at_step"] == 11
    assert rep.reading.words.startswith("diverged at step 11: the loss became NaN or infinite")
    assert "it was first seen in the loss, on a step not sampled (its activations were not read" in rep.reading.words
    assert rep.first_non_finite["step"] == 11 and rep.last_finite_step == 10
    assert not any("first seen" in n or "first appeared" in n for n in rep.notes), rep.notes


def test_a_second_run_of_nan_steps_is_dated_from_its_own_start():
    """A bad batch that passed, then NaN for good: the divergence dates from the second run's first sampled step,
    and the notes name both."""
    model = _model()
    mon = Monitor(model, every=2)
    bad_sampled = _train(mon, model, 30, {5} | set(range(20, 31)))
    assert bad_sampled[0] == 5 and bad_sampled[1] == 21  # every=2 samples the odd steps
    rep = mon.report()
    # the second run began at step 20, an unsampled step, whose held loss dates it (W28); the first, at step 5 (a
    # sampled one, the held loss of step 4 finite), is a note
    assert rep.reading.findings[0].evidence["diverged_at_step"] == 20
    assert rep.reading.words.startswith("diverged at step 20: the loss became NaN or infinite")
    assert any("a NaN or an inf first appeared at step 5, first at " in n for n in rep.notes), rep.notes
    assert any("again from step 20 on" in n for n in rep.notes)


def test_loss_alone_non_finite_dates_the_divergence_too():
    model = _model()
    mon = Monitor(model, every=1)
    for i in range(1, 9):
        x, y = _batch(i)
        with mon.step() as s:
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            s.loss = math.inf if i >= 5 else loss
        model.zero_grad()
    rep = mon.report()
    assert rep.reading.status == Status.DIVERGED
    assert rep.reading.findings[0].evidence["diverged_at_step"] == 5
    assert rep.first_non_finite == {"step": 5, "place": "the loss"}


def _rarely_active_relu_model(x):
    """The first ReLU's unit 0 fires on exactly one of the batch's points: mean f' = 1/N, under 1% of 1 for
    N = 256, yet not dead."""
    model = _model()
    with torch.no_grad():
        lin = model[0]
        lin.weight[0] = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64)
        top = torch.sort(x[:, 0], descending=True).values
        lin.bias[0] = -(top[0] + top[1]) / 2  # only the largest x0 passes
    return model


def test_relu_units_under_the_threshold_are_rarely_active_not_saturated():
    x, y = _batch(7, n=256)
    model = _rarely_active_relu_model(x)
    fired = (model[:2](x)[:, 0] > 0).sum().item()  # the test's own count
    assert fired == 1
    mon = Monitor(model, every=1)
    with mon.step() as s:
        s.loss = ((model(x) - y) ** 2).mean()
        s.loss.backward()
    rep = mon.report()
    row = rep.layers[0]
    assert row.dead == 0 and row.saturated >= 1
    assert f"{row.saturated} of 16 units rarely active" in row.words
    text = str(rep) + " ".join(l.words for l in rep.layers)
    assert "units saturated" not in text and "more saturated" not in text


def test_tanh_units_pinned_at_one_are_still_saturated():
    x, y = _batch(7, n=64)
    model = _model(nn.Tanh)
    with torch.no_grad():
        model[0].bias[:2] = 40.0  # two units at tanh = 1 on every point
    mon = Monitor(model, every=1)
    with mon.step() as s:
        s.loss = ((model(x) - y) ** 2).mean()
        s.loss.backward()
    row = mon.report().layers[0]
    assert row.saturated >= 2 and f"{row.saturated} of 16 units saturated" in row.words


@pytest.mark.parametrize(("name", "word"), [("relu", "rarely active"), ("sigmoid", "saturated"),
                                            ("tanh", "saturated"), ("gelu", "saturated"), ("silu", "saturated"),
                                            ("elu", "saturated"), ("relu6", "saturated")])
def test_the_word_follows_the_function(name, word):
    assert low_gradient_word(activations.get(name)) == word


def test_the_engine_says_rarely_active_for_relu_too():
    net = MLP.create(NetworkConfig(input_dim=2, hidden=(4,), activations=("relu",)), np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(256, 2))
    y = np.where(x[:, :1] > 0, 1.0, -1.0)
    net.weights[0][:, 0] = [1.0, 0.0]
    top = np.sort(x[:, 0])[::-1]
    net.biases[0][0] = -(top[0] + top[1]) / 2  # unit 0 fires on one point of 256
    _, trace = net.forward(x)
    assert int((trace.zs[0][:, 0] > 0).sum()) == 1
    layer = read(net, trace, net.backward(trace, y), y).layers[0]
    assert layer.dead_fraction == 0 and 0 in layer.saturated_units
    assert "rarely active" in layer.reading and "saturated" not in layer.reading
    # the playground's drawing counts the marked units under the reading's word ("1 rarely active")
    assert layer.to_dict()["low_word"] == "rarely active"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _auto(monkeypatch, sampled_extra, budget=0.03, steps=120, log=None):
    """A tiny model under a fake clock: an unsampled step lasts 10 ms, a sampled one (1 + sampled_extra) times that."""
    clock = FakeClock()
    monkeypatch.setattr(_monitor_step.time, "perf_counter", clock)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    mon = Monitor(model, every="auto", budget=budget, log=log)
    x = torch.randn(4, 2)
    for _ in range(steps):
        with mon.step():
            hooked = _steps.hooked(model[1]) > 0
            model(x).sum().backward()
            clock.now += 0.010 * (1 + sampled_extra if hooked else 1.0)
        model.zero_grad()
    return mon


def _cost_note(mon):
    return next(n for n in mon.report().notes if "every='auto' adds about" in n)


def test_auto_note_within_budget_gives_the_amortised_overhead_and_the_budget(monkeypatch, tmp_path):
    """A sampled step 7% longer: auto aims at half the 3% budget, so every ceil(7 / 1.5) = 5 steps, 7% / 5 = 1.4% on
    the average step, within 3%, and the note says what it aims at. The log (what /watch shows) carries the same
    note."""
    mon = _auto(monkeypatch, 0.07, log=tmp_path / "run.jsonl")
    assert mon.every == 5
    assert mon.calibrated_cost == pytest.approx(0.07 / 5)
    note = _cost_note(mon)
    assert "takes about 7.0% longer than on an unsampled one; spread over 5 steps, that is 1.4%." in note
    verdict = _steps.cost_verdict(note)
    assert verdict.startswith("every='auto' adds about 1.4% to the average step's time inside `with mon.step()` by the "
                           "monitor's own clock, "
                           "within the 3% budget. ")
    assert "The interval auto chooses aims at 1.5% by the monitor's own clock, 50% of the budget, and keeps the rest " \
           "as margin" in note
    _, reports = read_log(tmp_path / "run.jsonl")
    assert note in reports[-1]["notes"]


def test_auto_note_over_budget_says_so_and_which_interval_would_keep_it(monkeypatch):
    """The walkthrough's small model: a sampled step some 50 times an unsampled one, sampled every 50 steps. The
    amortised figure is the extra over the interval (54 / 50 = 108%), the note says it is over the budget and
    which every= keeps within it with auto's margin (ceil(54 / 0.015) = 3600)."""
    mon = _auto(monkeypatch, 54.0, steps=200)
    assert mon.every == monitor_module.MAX_AUTO_EVERY == 50
    assert mon.calibrated_cost == pytest.approx(54.0 / 50)
    note = _cost_note(mon)
    assert "takes about 55 times as long as on an unsampled one; spread over 50 steps, that is 108.0%." in note
    # every=3600 would keep within it with auto's margin (ceil(54 / 0.015)), 1,800 with none (ceil(54 / 0.03)), but
    # readings that far apart are of no use: past ADVICE_CAP
    # (500) the note gives the budget that auto's longest interval keeps within (54 / 50 = 1.08) and says why, here
    # the sampled step's cost (at 8d06a3b it said the fixed cost, 0.0%, was 'close to the budget')
    verdict = _steps.cost_verdict(note)
    assert verdict.startswith("every='auto' adds about 108.0% to the average step's time inside `with mon.step()` by "
                           "the monitor's own clock, "
                           "over the 3% budget by 105.0 percentage points. Only readings 1,800 or more steps apart "
                           "would keep within it, too far apart to be of use: a sampled step takes about 55 times as "
                           "long as an unsampled one. It samples every 50 steps"), note
    assert "Monitor(model, budget=1.08) would take that cost as within its budget" in note
    assert "close to the budget" not in note
