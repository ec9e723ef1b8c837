"""Issue 17, W95 walkthrough finding 11 (its diverged case is test_monitor_dense_maps_w95's): sums made again in
float64 are said 'finite but above about 1.8e19' only where the place's activations and gradient are finite. Both
sides on an MLP: at lr 1e3 they stay finite and pass float32's squares, and the note is given; at lr 1e4 they hold
NaN, and it is not. Reference: the script's own hook on the activations."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

NOTE = "are finite but above about 1.8e19"


def _run(lr: float, steps: int):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))
    x, y = torch.randn(256, 10), torch.randint(0, 3, (256,))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    seen = {}
    model[3].register_forward_hook(lambda m, i, o: seen.__setitem__("finite", bool(torch.isfinite(o).all())))
    with Monitor(model, every=1) as mon:
        for _ in range(steps):
            monitored_step(mon, model, x, y, opt)
    return mon.report(), seen


def test_a_diverged_step_is_not_said_finite():
    report, seen = _run(1e4, 30)
    assert not seen["finite"]  # the premise: the last step's activations hold a NaN or an inf
    assert report.reading.status == "diverged", report.reading.words
    assert any("holds a NaN or an inf" in layer.words for layer in report.layers)
    assert not any(NOTE in n for n in report.notes), report.notes


def test_finite_activations_past_float32s_squares_are_still_said():
    """The other side: at lr 1e3 the same net's activations stay finite and grow past 1.8e19, and the note says so."""
    report, seen = _run(1e3, 30)
    assert seen["finite"]  # the premise
    assert any(NOTE in n for n in report.notes), report.notes
