"""Issue 17, W96 walkthrough finding 1: a model driven through its parts (model["enc"](x), as SimSiam and BYOL
containers are), with a target network of its own outside the model run inside the step (an EMA copy under
torch.no_grad()): the function watch, on since the first part's call, read the target's ReLUs as rows of the model,
named after its last weighted module, and gave them that module's weight gradient. Calls from the forward of a module
that is not the model's are not read; the model's own functional activations still are. References: the test's own
modules and their widths."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class _Functional(nn.Module):
    """An encoder whose activation is a function in its own forward (the watch is on for it)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(8, 32), nn.Linear(32, 16)

    def forward(self, x):
        return self.b(F.relu(self.a(x)))


def _run(encoder: nn.Module):
    torch.manual_seed(0)
    model = nn.ModuleDict(dict(enc=encoder))
    target = nn.Sequential(nn.Linear(8, 100), nn.ReLU(), nn.Linear(100, 16)).requires_grad_(False)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with Monitor(model, every=1) as mon:
        for t in range(30):
            x = torch.randn(64, 8, generator=torch.Generator().manual_seed(t))
            with mon.step() as s:
                out = model["enc"](x)
                with torch.no_grad():
                    aim = target(x)
                loss = F.mse_loss(out, aim)
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    return mon.report()


def test_another_networks_activations_are_not_read_as_the_models():
    torch.manual_seed(0)
    report = _run(nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 16)))
    assert [(layer.name, layer.width) for layer in report.layers] == [("enc.1", 32)]


def test_the_models_own_functional_activation_is_still_read():
    torch.manual_seed(0)
    report = _run(_Functional())
    assert [layer.width for layer in report.layers] == [32], [(layer.name, layer.width) for layer in report.layers]
    assert report.layers[0].weights == "enc.a.weight"
