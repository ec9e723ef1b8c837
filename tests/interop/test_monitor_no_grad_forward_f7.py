"""Issue 17 (brief F7, W17 finding 5): a forward run with gradients disabled (an evaluation batch under
torch.no_grad(), model.eval()) inside `with mon.step()`. Run before the training forward, it was read as the step's
forward: the rows showed the evaluation batch's statistics (a ReLU mean of 1.79 where the training batch's was 0.402),
|dL/da| read '-' with no note, and the only note blamed gradient accumulation. Backward never runs through such a
forward: the training forward is read instead, and a note says so. References: the test's own capture of the
training forward's activations and gradients, and an identical model whose steps have no evaluation forward."""

import copy
import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 32), nn.GELU(),
                         nn.Linear(32, 4)).double()


def _batches(steps: int):
    g = torch.Generator().manual_seed(5)
    for _ in range(steps):
        x = torch.randn(64, 8, generator=g, dtype=torch.float64)
        yield x, x[:, :4].argmax(1)


XV = torch.randn(128, 8, generator=torch.Generator().manual_seed(9), dtype=torch.float64) * 5 + 3  # far off


def _evaluate(model, times: int = 1):
    model.eval()
    with torch.no_grad():
        for _ in range(times):
            model(XV)
    model.train()


class _Capture:
    """The output and output gradient of the module's forward that ran with gradients enabled."""

    def __init__(self, module):
        self.a = self.g = None
        module.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output):
        if torch.is_grad_enabled():
            self.a = output.detach().clone()
            output.register_hook(lambda g: setattr(self, "g", g.detach().clone()))


def _run(model, steps: int, before: int = 0, after: int = 0):
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    reports = []
    for x, y in _batches(steps):
        with mon.step() as s:
            if before:
                _evaluate(model, before)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
            if after:
                _evaluate(model, after)
        reports.append(mon.report().to_dict())
        opt.step()
        opt.zero_grad()
    return mon, reports


def _close(a, b, where: str) -> None:
    """Equal, numbers to 1e-12 relative (float64 sums that may round differently in the last bit)."""
    if isinstance(a, float) and isinstance(b, float) and not (math.isnan(a) and math.isnan(b)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-300), where
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    else:
        assert a == b or (a != a and b != b), where


def _left_out(notes):
    return [n for n in notes if "with gradients disabled" in n]


@pytest.mark.parametrize("before", [1, 2])
def test_an_evaluation_forward_before_the_training_forward_is_left_out(before):
    model = _model()
    twin = copy.deepcopy(model)
    relu, gelu = _Capture(model[2]), _Capture(model[4])
    mon, reports = _run(model, 3, before=before)
    _, plain = _run(twin, 3)
    r = mon.report()
    for layer, cap in zip(r.layers, (relu, gelu), strict=True):  # the last step's training forward
        assert layer.mean == pytest.approx(float(cap.a.mean()), rel=1e-12)
        assert layer.std == pytest.approx(float(cap.a.std()), rel=1e-9)
        assert layer.act_grad_norm == pytest.approx(float(cap.g.norm()), rel=1e-9)
    for step, (a, b) in enumerate(zip(reports, plain, strict=True), 1):
        notes = a.pop("notes")
        assert [n for n in notes if n not in _left_out(notes)] == b.pop("notes"), f"step {step}"
        _close(a, b, f"step {step}")  # every number and word as the model read with no evaluation forward
        (note,) = _left_out(notes)
        assert "step 1" in note and ("a forward" if before == 1 else f"{before} forwards") in note


def test_an_evaluation_forward_after_backward_is_not_counted_as_accumulation():
    """After the training forward it was never read, but it was counted: the note blamed gradient accumulation."""
    model = _model()
    twin = copy.deepcopy(model)
    _, reports = _run(model, 2, after=1)
    _, plain = _run(twin, 2)
    _close(reports, plain, "reports")


def test_a_step_whose_only_forward_runs_without_gradients_reads_that_forward():
    model = _model()
    seen = {}
    model[2].register_forward_hook(lambda m, i, o: seen.__setitem__("a", o.detach().clone()))
    mon = Monitor(model, every=1)
    with mon.step():
        _evaluate(model)
    r = mon.report()
    assert r.layers[0].mean == pytest.approx(float(seen["a"].mean()), rel=1e-12)
    assert r.layers[0].act_grad_norm is None or math.isnan(r.layers[0].act_grad_norm)
    assert not _left_out(r.notes)
    assert r.reading.status == "no_gradient"  # its remedy names torch.no_grad()
