"""M20 (W19 items 1 and 3): a step's figures are of one gradient. Two backward() calls through one forward (two
losses, retain_graph=True) read ||dL/da|| of their sum, as .grad holds the weights'; gradient accumulation's
micro-batches keep reading the first forward; a loop on torch.autograd.grad that sets p.grad inside the block reads
its weight gradients. Each figure is checked against autograd."""

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class _TwoHeads(nn.Module):
    def __init__(self, act: nn.Module):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), act)
        self.cls, self.reg = nn.Linear(32, 3), nn.Linear(32, 1)

    def forward(self, x):
        h = self.trunk(x)
        return self.cls(h), self.reg(h)


def _losses(model, x, y, r):
    c, o = model(x)
    return F.cross_entropy(c, y), F.mse_loss(o, r)


def _reference(model, x, y, r) -> list[float]:
    """||d(l1 + l2)/da|| of the trunk's two activations, by autograd."""
    outs = []
    hooks = [model.trunk[i].register_forward_hook(lambda m, i, o: outs.append(o)) for i in (1, 3)]
    l1, l2 = _losses(model, x, y, r)
    for h in hooks:
        h.remove()
    return [g.norm().item() for g in torch.autograd.grad(l1 + l2, outs)]


@pytest.mark.parametrize("act", [nn.Tanh, nn.GELU, nn.ReLU])
def test_two_backward_calls_read_the_gradient_of_the_summed_loss(act):
    torch.manual_seed(0)
    model = _TwoHeads(act())
    x, y, r = torch.randn(32, 10), torch.randint(0, 3, (32,)), torch.randn(32, 1)
    mon = Monitor(model, every=1)
    for _ in range(4):  # later sampled steps reuse the learned structure (ReLU's deferred path among them)
        want = _reference(model, x, y, r)
        with mon.step():
            l1, l2 = _losses(model, x, y, r)
            l1.backward(retain_graph=True)
            l2.backward()
        weights = {n: p.grad.norm().item() for n, p in model.named_parameters() if n.endswith("weight")}
        report = mon.report()
        got = [l.act_grad_norm for l in report.layers]
        assert got == pytest.approx(want, rel=1e-5)
        # |dL/dW| is .grad, summed over both backward calls, as before
        assert report.layers[0].weight_grad_norm == pytest.approx(weights["trunk.0.weight"], rel=1e-5)
        model.zero_grad()
    assert any("backward ran 2 times through the same forward" in n for n in report.notes)


def test_a_second_loss_that_reaches_part_of_the_model_adds_only_there():
    torch.manual_seed(1)
    model = _TwoHeads(nn.Tanh())
    x, y = torch.randn(16, 10), torch.randint(0, 3, (16,))
    mon = Monitor(model, every=1)
    with mon.step():
        c, o = model(x)
        l1 = F.cross_entropy(c, y)
        l1.backward(retain_graph=True)
        # the second loss reaches only the tanh's output (the trunk's first ReLU gets its part through it)
        l2 = (o ** 2).mean()
        l2.backward()
    want = _reference_with(model, x, lambda c, o: F.cross_entropy(c, y) + (o ** 2).mean())
    assert [l.act_grad_norm for l in mon.report().layers] == pytest.approx(want, rel=1e-5)


def _reference_with(model, x, loss_of) -> list[float]:
    outs = []
    hooks = [model.trunk[i].register_forward_hook(lambda m, i, o: outs.append(o)) for i in (1, 3)]
    loss = loss_of(*model(x))
    for h in hooks:
        h.remove()
    return [g.norm().item() for g in torch.autograd.grad(loss, outs)]


def test_micro_batches_still_read_the_first_forward_and_say_so():
    torch.manual_seed(2)
    model = _TwoHeads(nn.Tanh())
    xs = [torch.randn(8, 10) for _ in range(3)]
    y, r = torch.randint(0, 3, (8,)), torch.randn(8, 1)
    want = _reference(model, xs[0], y, r)
    mon = Monitor(model, every=1)
    with mon.step():
        for x in xs:
            l1, l2 = _losses(model, x, y, r)
            (l1 + l2).backward()
    report = mon.report()
    assert [l.act_grad_norm for l in report.layers] == pytest.approx(want, rel=1e-5)
    assert any("forward ran 3 times in one step" in n for n in report.notes)
    assert not any("backward ran" in n for n in report.notes)  # one backward through each forward: nothing summed


def test_one_backward_keeps_no_gradient_past_it():
    """A backward that frees its graph cannot be followed by another through the same forward: nothing is held."""
    torch.manual_seed(3)
    model = _TwoHeads(nn.Tanh())
    x, y, r = torch.randn(8, 10), torch.randint(0, 3, (8,)), torch.randn(8, 1)
    mon = Monitor(model, every=1)
    held = []
    with mon.step():
        l1, l2 = _losses(model, x, y, r)
        (l1 + l2).backward()
        held = [layer.grad_sum for layer in mon._layers]
    assert held == [None, None]
    assert [l.act_grad_norm for l in mon.report().layers] == pytest.approx(_reference(model, x, y, r), rel=1e-5)


def test_an_autograd_grad_loop_that_sets_grad_reads_its_weight_gradients():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
    x, y = torch.randn(64, 8), torch.randint(0, 2, (64,))
    mon = Monitor(model, every=1)
    for _ in range(3):
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            grads = torch.autograd.grad(loss, list(model.parameters()))
            for p, g in zip(model.parameters(), grads, strict=True):
                p.grad = g
            s.loss = loss
        want = {n: p.grad.norm().item() for n, p in model.named_parameters() if n.endswith("weight")}
        model.zero_grad()
    report = mon.report()
    assert report.status != "no_gradient"
    assert "not computed" not in report.reading.words
    assert [l.weight_grad_norm for l in report.layers] == pytest.approx([want["0.weight"], want["2.weight"]],
                                                                        rel=1e-6)


def test_an_autograd_grad_loop_that_sets_no_grad_reads_never_stored():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    mon = Monitor(model, every=1)
    with mon.step():
        torch.autograd.grad(F.cross_entropy(model(torch.randn(4, 8)), torch.randint(0, 2, (4,))),
                            list(model.parameters()))
    report = mon.report()
    # M21 item 7: the gradients were computed and never stored in .grad (it read 'no_gradient', 'not computed', and
    # was told to call loss.backward())
    assert report.status == "unwatched" and "computed but never stored in .grad" in report.reading.words
