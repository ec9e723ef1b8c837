"""Issue 17, W38 walkthrough finding 1: a ReLU MLP fitting MSE targets of variance 1.55e6 read 'exploding activations:
the activations' std grows about 8.5 times per layer ...' with a remedy to initialise or normalise; the same model on
the same targets at scale 1 read healthy, its std about 0.3 in every layer. The growth is the network reaching its
targets: the words say so, and the remedy leads with standardising them. References: the targets' own variance and
the activations' std, measured by the test's own forward hooks."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(scale: float, loss=None, lr: float = 1e-3, gain: float = 1.0):
    torch.manual_seed(0)
    X = torch.randn(4096, 20)
    y = (torch.sin(X[:, :3]).sum(1, keepdim=True) + 0.5 * X[:, 3:4] * X[:, 4:5]) * scale
    # the constant guess's loss: the variance under a squared error, the guess at the mean's loss under another
    chance = float(y.var()) if loss is None else float(loss(torch.full_like(y, float(y.mean())), y))
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 1))
    with torch.no_grad():
        for layer in model[::2]:
            layer.weight.mul_(gain)
    stds = {}
    for i in (1, 3, 5):
        model[i].register_forward_hook(lambda m, inp, out, i=i: stds.__setitem__(i, float(out.detach().std())))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    with Monitor(model, every=10, chance_loss=chance) as mon:
        for t in range(300):
            idx = torch.randint(0, 4096, (64,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, X[idx], y[idx], opt, loss or nn.functional.mse_loss)
    with torch.no_grad():
        whole = float((loss or nn.functional.mse_loss)(model(X), y))  # the whole data set's loss at the end
    stds.clear()
    model(X[:64])  # (the hooks' stds of one batch at the end, as the last sampled step read them)
    return mon.report(), chance, stds, whole


def _grown(report):
    """The finding that says the activations grew: its own (exploding), or the healthy headline of a run that learns
    (W85 walkthrough finding 4: 'exploding', a failure, at 87% below chance)."""
    return next(f for f in report.reading.findings if "the activations' std grows about" in f.words)


def test_activations_grown_to_reach_large_targets_say_so_and_lead_with_standardising_them():
    report, chance, stds, whole = _run(1000.0)
    assert chance > 1e5 and stds[5] > 10 * stds[1]  # the premise: large targets, activations grown layer by layer
    found = _grown(report)
    # a run that learned (its whole data set's loss under 90% of chance) reads healthy, the growth in its headline
    assert whole < 0.9 * chance and found is report.reading.findings[0] and report.status == "healthy", found.words
    assert found.remedy.startswith("It learns as it is; to keep its activations from growing: ")
    assert (f"the targets are large (chance_loss, their variance, is {chance:.3g}: a std of {chance ** 0.5:.3g}), "
            "and a network whose output must reach them grows its activations to do so") in found.words
    assert "Standardise the targets (subtract their mean, divide by their std" in found.remedy
    assert "If the growth stays after that: initialise for the activation" in found.remedy


def test_a_run_that_does_not_learn_its_large_targets_keeps_the_exploding_finding():
    # weights 10 times PyTorch's default grow the activations from the start; at a rate a thousand times smaller the
    # loss stays near its start: no learning to set the growth beside
    report, chance, stds, whole = _run(1000.0, lr=1e-6, gain=10.0)
    assert whole > 0.9 * chance and stds[5] > 10 * stds[1]  # the premise
    assert report.status != "healthy" and any(f.words.startswith("exploding activations") for f in
                                              report.reading.findings), report.reading.words


def test_the_same_model_on_targets_at_scale_one_reads_no_exploding_activations():
    report, chance, stds, _ = _run(1.0)
    assert chance < 10 and stds[5] < 3 * stds[1]  # the premise
    assert not any(f.words.startswith("exploding activations") for f in report.reading.findings)


@pytest.mark.parametrize("loss", [nn.functional.huber_loss, nn.functional.l1_loss, nn.SmoothL1Loss(beta=2.0)],
                         ids=["huber", "l1", "smooth-l1"])
def test_under_a_loss_that_grows_as_the_error_s_size_the_chance_loss_is_no_variance(loss):
    """W85 walkthrough finding 1: a Huber loss's chance_loss of 721 was read as the targets' variance, 'a std of 26.8',
    of targets whose std was 864. Under L1, Huber or smooth L1 it is their mean distance from their middle, said so.
    Reference: the targets' own mean absolute deviation from their mean (within the Huber delta's half of it)."""
    report, chance, stds, _ = _run(1000.0, loss)
    torch.manual_seed(0)
    X = torch.randn(4096, 20)
    y = (torch.sin(X[:, :3]).sum(1, keepdim=True) + 0.5 * X[:, 3:4] * X[:, 4:5]) * 1000.0
    spread = float((y - y.mean()).abs().mean())
    assert abs(chance - spread) <= 1.0 and float(y.std()) > 1.2 * spread  # the premise: the std is another figure
    found = _grown(report)
    assert (f"the targets are large (chance_loss is {chance:.3g} under a loss that grows as the error's size, as L1 "
            f"and Huber do: the targets lie some {chance:.3g} from their middle on average), and a network whose "
            "output must reach them grows its activations to do so") in found.words, found.words
    assert "variance" not in found.words and "a std of" not in found.words
    assert "Standardise the targets (subtract their mean, divide by their std" in found.remedy
