"""What the sigmoid vanishing remedy says of initialisation holds (issue 17, W71 walkthrough finding 2: it said 'no
initialisation helps sigmoid', where orthogonal weights of gain 4 kept a 15-layer sigmoid net's gradient). Reference:
autograd's gradient at the first and the last sigmoid of a 15-layer net at initialisation, by retain_grad."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import LayerSummary, RunSummary, Status, diagnose  # noqa: E402


def _first_to_last(init: str) -> float:
    torch.manual_seed(0)
    layers, d = [], 2
    for i in range(15):
        lin = nn.Linear(d, 32)
        if init == "orthogonal-4":  # the remedy's: gain 4, and biases that take each input's 0.5 mean off
            nn.init.orthogonal_(lin.weight, gain=4.0)
            with torch.no_grad():
                lin.bias.copy_(-0.5 * lin.weight.sum(1) if i else torch.zeros(32))
        layers += [lin, nn.Sigmoid()]
        d = 32
    model, outs = nn.Sequential(*layers, nn.Linear(32, 2)), []

    def keep(_module, _inputs, out):
        out.retain_grad()
        outs.append(out)

    for m in model:
        if isinstance(m, nn.Sigmoid):
            m.register_forward_hook(keep)
    x = torch.randn(256, 2, generator=torch.Generator().manual_seed(1))
    nn.functional.cross_entropy(model(x), (x.norm(dim=1) > 1).long()).backward()
    return (outs[0].grad.norm() / outs[-1].grad.norm()).item()


def test_the_initialisation_the_remedy_names_keeps_the_gradient_and_the_default_does_not():
    remedy = diagnose(RunSummary(tuple(LayerSummary("sigmoid", 8, 1e-9) for _ in range(6)), 0.5, loss=0.69,
                                 chance_loss=0.69, steps=5000)).remedy
    assert "orthogonal ones with gain 4 and biases that centre what each layer takes in" in remedy
    default, named = _first_to_last("default"), _first_to_last("orthogonal-4")
    assert default < 1e-3  # vanishing, as the reading says (about 1e-12)
    assert 0.1 < named < 10  # kept (about 0.56)
    assert diagnose(RunSummary(tuple(LayerSummary("sigmoid", 8, 1e-9) for _ in range(6)), 0.5, loss=0.69,
                               chance_loss=0.69, steps=5000)).status is Status.VANISHING
