"""Walkthrough findings on the torch Monitor's report: its table and its words must read the same ratio, an auto
interval says it is re-timed, and a diverged torch run is not said to keep its last finite weights."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import LayerSummary, RunSummary, diagnose, grad_ratio  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step, squared_error  # noqa: E402


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1)).double()


def _train(mon, model, steps):
    x, y = torch.randn(32, 2, dtype=torch.float64), torch.randn(32, 1, dtype=torch.float64)
    for _ in range(steps):
        monitored_step(mon, model, x, y, loss_fn=squared_error)
        model.zero_grad()


def test_report_column_is_the_ratio_its_words_read():
    model = _model()
    mon = Monitor(model, every=1)
    _train(mon, model, 3)
    rep = mon.report()
    text = str(rep)
    header = text.splitlines()[1].split()
    # both ratios, each named for what it divides: the watch page's "ratio to last" is a/last, the words read W/out
    assert header.index("a/last") == header.index("|dL/da|") + 1
    assert header.index("W/out") == header.index("|dL/dW|") + 1
    for l in rep.layers:
        ratio = grad_ratio(l.weight_grad_norm, rep.output_grad_norm)
        assert l.weight_grad_ratio_to_output == ratio
        row = next(line for line in text.splitlines() if line.startswith(l.name[:20] + " ")).split()
        assert row[header.index("W/out")] == f"{ratio:.3g}", (row, ratio)
        assert row[header.index("a/last")] == f"{l.act_grad_ratio_to_last:.3g}", row


def test_report_header_says_an_auto_interval_is_retimed():
    model = _model()
    mon = Monitor(model, every="auto")
    _train(mon, model, 60)
    rep = mon.report()
    first = str(rep).splitlines()[0]
    if rep.every:
        assert f"(every ~{rep.every}, auto)" in first, first
    fixed = Monitor(model, every=5)
    _train(fixed, model, 10)
    assert "(every 5)" in str(fixed.report()).splitlines()[0]


def test_a_diverged_torch_summary_does_not_claim_last_finite_weights():
    s = RunSummary((LayerSummary("tanh", 4, float("nan")),), float("nan"), loss=float("nan"), keeps_last_finite=False)
    words = diagnose(s).words
    assert words.startswith("diverged") and "keeps its last finite weights" not in words
    assert "keeps its last finite weights" in diagnose(RunSummary((LayerSummary("tanh", 4, float("nan")),),
                                                                  float("nan"), loss=float("nan"))).words


def test_a_module_label_gets_no_doubled_possessive():
    from actlab.instruments import layer_reading

    words = layer_reading("module '1'", "the output layer", float("nan"), 0, 0, 4, float("inf"), 1.0)
    assert words == "the gradient of module '1' is not finite" and "''s" not in words
