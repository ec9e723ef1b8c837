"""Issue 17, W38 walkthrough finding 1: a ReLU MLP fitting MSE targets of variance 1.55e6 read 'exploding activations:
the activations' std grows about 8.5 times per layer ...' with a remedy to initialise or normalise; the same model on
the same targets at scale 1 read healthy, its std about 0.3 in every layer. The growth is the network reaching its
targets: the words say so, and the remedy leads with standardising them. References: the targets' own variance and
the activations' std, measured by the test's own forward hooks."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(scale: float):
    torch.manual_seed(0)
    X = torch.randn(4096, 20)
    y = (torch.sin(X[:, :3]).sum(1, keepdim=True) + 0.5 * X[:, 3:4] * X[:, 4:5]) * scale
    chance = float(y.var())
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 1))
    stds = {}
    for i in (1, 3, 5):
        model[i].register_forward_hook(lambda m, inp, out, i=i: stds.__setitem__(i, float(out.detach().std())))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    with Monitor(model, every=10, chance_loss=chance) as mon:
        for t in range(300):
            idx = torch.randint(0, 4096, (64,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, X[idx], y[idx], opt, nn.functional.mse_loss)
    return mon.report(), chance, stds


def test_activations_grown_to_reach_large_targets_say_so_and_lead_with_standardising_them():
    report, chance, stds = _run(1000.0)
    assert chance > 1e5 and stds[5] > 10 * stds[1]  # the premise: large targets, activations grown layer by layer
    found = next(f for f in report.reading.findings if f.words.startswith("exploding activations"))
    assert (f"the targets are large (chance_loss, their variance, is {chance:.3g}: a std of {chance ** 0.5:.3g}), "
            "and a network whose output must reach them grows its activations to do so") in found.words
    assert found.remedy.startswith("Standardise the targets (subtract their mean, divide by their std")
    assert "If the growth stays after that: initialise for the activation" in found.remedy


def test_the_same_model_on_targets_at_scale_one_reads_no_exploding_activations():
    report, chance, stds = _run(1.0)
    assert chance < 10 and stds[5] < 3 * stds[1]  # the premise
    assert not any(f.words.startswith("exploding activations") for f in report.reading.findings)
