"""Issue 17, debug mode's cost (M5 part 1): on a CPU a sampled step reads its 0-d figures (the weight-gradient norms,
the sums of squares, ||dL/da||^2, the loss) one by one with .item(), which costs no synchronisation there, instead
of stacking them for one transfer as every other device does; the report is the same, figure for figure."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop import _monitor_places as monitor_places  # noqa: E402
from actlab.interop import _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _reports(monkeypatch, on_cpu: bool, compiled: bool) -> tuple[list[dict], list[str]]:
    monkeypatch.setattr(monitor_places, "SUM64_ON_CPU", on_cpu)  # False: the path every other device takes
    monkeypatch.setattr(_torch_stats, "ENABLED", compiled)
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.GELU(), nn.Linear(16, 16), nn.Tanh(),
                          nn.Linear(16, 2))
    with torch.no_grad():
        model[0].bias[:4] = -50.0  # four dead units, so the dead history is exercised too
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = Monitor(model, every=1, window=4, chance_loss=0.7)
    stacks = []
    real_stack = torch.stack

    def counted(*args, **kwargs):
        stacks.append(1)
        return real_stack(*args, **kwargs)

    monkeypatch.setattr(torch, "stack", counted)
    out = []
    for _ in range(5):
        x, y = torch.randn(32, 6), torch.randint(0, 2, (32,))
        monitored_step(mon, model, x, y, opt)
        out.append(mon.report().to_dict())
    monkeypatch.setattr(torch, "stack", real_stack)
    return out, stacks


@pytest.mark.parametrize("compiled", [False, True])
def test_a_cpu_step_reads_its_figures_without_a_stack_and_reports_the_same(monkeypatch, compiled):
    if compiled and _torch_stats.wait(120) is None:
        pytest.skip(f"no compiled passes: {_torch_stats._failure}")
    device_path, device_stacks = _reports(monkeypatch, on_cpu=False, compiled=compiled)
    cpu_path, cpu_stacks = _reports(monkeypatch, on_cpu=True, compiled=compiled)
    # one stack of the 0-d figures per sampled step; and, once per run, the two fused norms of the weights' first
    # values (5c2fd5c), on every device
    assert len(device_stacks) == 5 + 2
    assert len(cpu_stacks) == 2
    assert cpu_path == device_path  # every figure, word and count
    last = cpu_path[-1]
    assert last["layers"][0]["dead"] >= 4 and last["loss"] is not None
