"""W21 finding 9: how a row says 'no value here'. A float field is NaN in Python (weight_grad_norm of a row whose
weight gradient is read on another row, as output_grad_norm and the ratios are), a count not made is None, and
to_dict() and the log write both as null. str(report) ends no line with a space (W21's trailing space came from
print(step, report, "\\ntorch ...")'s own separator)."""

import json
import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class Shared(nn.Module):
    """One Linear applied twice, a ReLU after each: the second row's weight gradient is read on the first's."""

    def __init__(self):
        super().__init__()
        self.lin, self.a1, self.a2, self.out = nn.Linear(6, 6), nn.ReLU(), nn.Tanh(), nn.Linear(6, 2)

    def forward(self, x):
        h = self.a1(self.lin(x))
        return self.out(self.a2(self.lin(h)))


def test_a_value_a_row_does_not_have_is_nan_in_python_and_null_in_json(tmp_path):
    torch.manual_seed(0)
    model = Shared()
    log = tmp_path / "run.jsonl"
    with Monitor(model, every=1, log=str(log)) as mon:
        with mon.step() as s:
            loss = model(torch.randn(16, 6)).pow(2).mean()
            loss.backward()
            s.loss = loss
        report = mon.report()
    first, second = report.layers
    assert first.weight_grad_norm == pytest.approx(model.lin.weight.grad.norm().item(), rel=1e-6)
    assert isinstance(second.weight_grad_norm, float) and math.isnan(second.weight_grad_norm)
    assert math.isnan(second.weight_grad_ratio_to_output)
    assert report.to_dict()["layers"][1]["weight_grad_norm"] is None
    line = [json.loads(t) for t in log.read_text().splitlines() if '"layers": [{' in t][0]
    assert line["layers"][1]["weight_grad_norm"] is None and line["layers"][1]["weight_grad_ratio_to_output"] is None
    assert all(line.rstrip() == line for line in str(report).splitlines())
    assert report.reading.remedy == "" and str(report).splitlines()[-1].strip() != ""


def test_a_count_not_made_is_none():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    mon = Monitor(model, every=1)
    with mon.step() as s:
        loss = model(torch.full((4, 3), float("nan"))).sum()
        loss.backward()
        s.loss = loss
    (row,) = mon.report().layers
    assert row.dead is None and row.saturated is None and row.dormant is None
    assert mon.report().to_dict()["layers"][0]["dead"] is None
