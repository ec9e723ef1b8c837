"""Issue 17, W17 findings 9, 13 and 15: what the Monitor's report says is true of the user's model and run.

9: a Linear -> Linear model, with no activation at all, was told 'the model's non-linearity is applied by other
means'. 13: every="auto"'s cost note quoted a benchmark model's figures ('slowed by 0.9-1.6 times its figure on a
175-245 us model'), said 'the figures are at the upper end of their measured range', and put a latest median beside
an upper estimate ('1.5e+02 us (0.1% of an unsampled step)' on a 0.5 s step, where 150 us is 0.03%). 15: a layer of
200000 units overflowed the table's 'units' column."""

from __future__ import annotations

import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import cost_verdict  # noqa: E402
from interop.test_monitor_cost_note_m13 import _run  # noqa: E402  (every="auto" under a fake clock)


def _train(model: nn.Module, steps: int = 3, loss=None, **kw) -> Monitor:
    torch.manual_seed(1)
    mon = Monitor(model, every=1, **kw)
    for _ in range(steps):
        with mon.step() as s:
            out = model(torch.randn(5, 3)).square().mean()
            out.backward()
            s.loss = out if loss is None else loss
        model.zero_grad()
    return mon


# -- 9: a model with no activation ----------------------------------------------------------------------------------


def test_a_stack_of_linear_layers_is_read_as_one_affine_map_which_it_is():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.0), nn.Linear(4, 2))
    report = _train(model).report()
    # the claim checked on the model itself: the two layers compose into W2 W1 x + (W2 b1 + b2)
    first, last = model[0], model[2]
    x = torch.randn(7, 3)
    composed = x @ (last.weight @ first.weight).T + (last.weight @ first.bias + last.bias)
    torch.testing.assert_close(model(x), composed, rtol=1e-5, atol=1e-6)
    assert report.status == "flowing"
    words = report.reading.words
    assert words.startswith("a linear model: no activation runs between its weighted layers ('0' -> '2')")
    assert "one affine map" in words and "other means" not in str(report)
    assert "put an activation" in report.reading.remedy
    assert not any(n.startswith("no watched activation runs between") for n in report.notes)


def test_a_linear_model_that_diverged_reads_diverged_first_and_linear_after():
    report = _train(nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1)), loss=float("nan")).report()
    assert report.status == "diverged"
    assert report.reading.others[-1].words.startswith("a linear model: no activation runs between")


def test_a_lone_linear_layer_reads_as_before():
    assert _train(nn.Linear(3, 1)).report().reading.words == "a linear model: no hidden layers"


class _Cube(nn.Module):
    """A non-linearity the monitor cannot see: a module of the user's own, calling no activation actlab knows."""

    def forward(self, x):
        return x * x * x


def test_a_model_with_a_custom_non_linearity_is_unwatched_and_not_called_linear():
    report = _train(nn.Sequential(nn.Linear(3, 4), _Cube(), nn.Linear(4, 1))).report()
    assert report.status == "unwatched"
    words = report.reading.words
    assert words.startswith("unwatched: the monitor saw no activation in this model:")
    assert "applies its non-linearity by other means" in words and "or it has none" in words
    assert any(n.startswith("no watched activation runs between 0 -> 2") for n in report.notes)


# -- 13: the cost note ---------------------------------------------------------------------------------------------


def _auto(monkeypatch, base: float, extra: float, own: float, steps: int = 300) -> tuple[Monitor, str]:
    """every="auto" under test_monitor_cost_note_m13's fake clock: the monitor and its cost note."""
    mon, _, note = _run(monkeypatch, extra, own, steps, base=base)
    return mon, note


_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def _durations(note: str) -> list[float]:
    return [float(v) * _UNITS[u] for v, u in re.findall(r"([\d.]+) (s|ms|us)\b", note)]


@pytest.mark.parametrize("base, extra, own", [(0.5, 0.04, 150e-6), (1.7e-3, 1.9, 12e-6), (126e-6, 0.07, 0.0),
                                              (1e-3, 0.0, 6e-6)],
                         ids=["huge-layer", "mlp", "no-own-cost", "no-sampling-cost"])
def test_every_figure_of_the_cost_note_is_the_runs_own(monkeypatch, base, extra, own):
    mon, note = _auto(monkeypatch, base, extra, own)
    every = mon.every
    assert "e+" not in note and "e-" not in note  # no exponents: '1.5e+02 us' read badly
    # the times it names are this run's: the unsampled step and the monitor's own work, nothing of another model's
    load = _torch_stats.preload_cpu()  # and the one-off load of the compiled passes in this process, where there was
    durations = _durations(note)
    assert durations and all(d == pytest.approx(base, rel=0.03) or d == pytest.approx(own, rel=0.03)
                             # (said to two figures: 1.04 s reads '1 s', 4% off, under load)
             or (load is not None and d == pytest.approx(load, rel=0.06)) for d in durations), note
    inside = "the code inside `with mon.step()` takes about "
    assert re.search(re.escape(inside) + r"[\d.]+ (s|ms|us) on an unsampled step", note)
    assert _durations(note.split(inside)[1])[0] == pytest.approx(base, rel=0.03)
    # the sampled steps' share is one sampled step's extra over the interval, as the clock played it
    sampled = float(re.search(r"spread over \d+ steps, that is (?:under )?([\d.]+)%", note).group(1)) / 100
    assert sampled == pytest.approx(extra / every, rel=0.06, abs=5e-4)
    if own:  # the monitor's own work: its share and its time agree with each other and with the clock
        share, seconds = re.search(r"adds ([\d.]+)%, about ([\d.]+ [mu]?s) a step", note).groups()
        assert float(share) / 100 == pytest.approx(own / base, rel=0.06)
        assert _durations(seconds)[0] == pytest.approx(own, rel=0.03)
    else:
        assert "own work on every step" not in note
    total = float(re.match(r"every='auto' adds about ([\d.]+)%", cost_verdict(note)).group(1)) / 100
    assert total == pytest.approx(own / base + extra / every, rel=0.06, abs=5e-4)
    assert "upper estimates" in note and "upper end of their measured range" not in note
    assert "by the monitor's own clock" in cost_verdict(note).split(". ")[0]  # the verdict says whose timing it is


def test_a_tiny_share_is_not_written_as_zero(monkeypatch):
    _, note = _auto(monkeypatch, base=0.5, extra=0.04, own=150e-6)
    assert "adds 0.03%, about 150 us a step" in note  # 150 us of a 0.5 s step
    assert "0.0%" not in note


# -- 15: the table -------------------------------------------------------------------------------------------------


def test_a_wide_layer_keeps_the_table_in_its_columns():
    model = nn.Sequential(nn.Linear(3, 200_000), nn.ReLU(), nn.Linear(200_000, 4), nn.Tanh(), nn.Linear(4, 1))
    with torch.no_grad():
        model[2].weight.mul_(1e4)  # activations far from 1: wide numbers in the mean and std columns too
    lines = str(_train(model, steps=1).report()).splitlines()
    head, rows = lines[1], lines[3:5]
    assert [r.split()[2] for r in rows] == ["200000", "4"]

    def ends(line: str) -> list[int]:
        return [m.end() for m in re.finditer(r"\S+", line)]

    def starts(line: str) -> list[int]:
        return [m.start() for m in re.finditer(r"\S+", line)]

    for row in rows:
        # each number's cell ends where its column's title does; the last, the weights' name, starts where its does
        assert ends(row)[2:-1] == ends(head)[2:-1], (head, row)
        assert starts(row)[-1] == starts(head)[-1], (head, row)

