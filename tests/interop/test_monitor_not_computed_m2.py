"""Issue 17 (brief M2, item 2): a weight gradient that autograd never wrote on the step is "not computed" even when
its .grad holds a tensor (zeros left by zero_grad(set_to_none=False), or the last step's gradient), while a gradient
autograd did compute is read as it is, exactly 0 included. References: autograd's own .grad, compared by the test
before and after the step."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class _Detached(nn.Module):
    """A backbone whose output is detached before the head: backward never reaches the backbone's weights."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))

    def forward(self, x):
        return self.head(self.backbone(x).detach())


def _x(n=16, seed=0):
    return torch.randn(n, 4, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("leftover", ["zeros", "last_step"])
def test_a_detached_backbone_whose_grad_holds_an_old_tensor_is_not_computed_not_vanishing(leftover):
    torch.manual_seed(0)
    model = _Detached()
    opt = torch.optim.SGD(model.parameters(), 0.1)
    model.backbone(_x()).sum().backward()  # an earlier step that trained the backbone left a .grad there
    if leftover == "zeros":
        opt.zero_grad(set_to_none=False)  # .grad stays a tensor of zeros
    before = model.backbone[0].weight.grad.clone()
    mon = Monitor(model, every=1)
    with mon.step():
        model(_x(seed=1)).sum().backward()
    assert torch.equal(model.backbone[0].weight.grad, before)  # the reference: backward left it as it was
    r = mon.report()
    by = {l.name: l for l in r.layers}
    assert math.isnan(by["backbone.1"].weight_grad_norm)  # was 0 (zeros) or the last step's norm
    assert "not computed" in by["backbone.1"].words and "no gradient reaches" not in by["backbone.1"].words
    assert r.reading.status.value != "vanishing" and "vanishing" not in r.reading.words
    assert any("'backbone.0.weight'" in n and "left as it was before the step" in n for n in r.notes)
    # the head's gradient is this step's, read as autograd computed it
    assert by["head.1"].weight_grad_norm == pytest.approx(model.head[0].weight.grad.norm().item(), rel=1e-6)


def test_a_gradient_that_is_exactly_zero_because_it_was_computed_so_reads_zero():
    """A layer behind units that are all off gets a gradient of exactly 0 from autograd: that is a reading (nothing
    reaches it), not a gradient that was never computed."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        model[2].bias.fill_(-100.0)  # the second ReLU is off everywhere: nothing flows back past it
    opt = torch.optim.SGD(model.parameters(), 0.1)
    model(_x()).sum().backward()
    opt.zero_grad(set_to_none=False)
    mon = Monitor(model, every=1)
    with mon.step():
        model(_x(seed=1)).sum().backward()
    assert model[0].weight.grad is not None and float(model[0].weight.grad.abs().max()) == 0.0  # the reference
    first = mon.report().layers[0]
    assert first.weight_grad_norm == 0.0 and "not computed" not in first.words


def test_backward_on_the_head_alone_reads_its_zero_gradient_and_no_backward_outside_the_block():
    """backward(inputs=[the head's weights]) reaches no watched activation, yet it ran inside the block: the head's
    gradient, exactly 0 behind an all-off ReLU layer, is read as 0, the body as not computed, and nothing says that
    backward ran after the block (the previous code read every weight as not computed and said so)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every ReLU unit off: the head's input, and so its weight gradient, is 0
    opt = torch.optim.SGD(model.parameters(), 0.1)
    model(_x()).sum().backward()
    opt.zero_grad(set_to_none=False)
    mon = Monitor(model, every=1)
    with mon.step():
        model(_x(seed=1)).sum().backward(inputs=[model[2].weight])
    assert float(model[2].weight.grad.abs().max()) == 0.0  # the reference: computed, and 0
    r = mon.report()
    assert not any("no gradient reached a watched activation inside this sampled step" in n for n in r.notes)
    # the head's 0 is a reading of its own (nothing flows through the off units), not "not computed"
    assert "not computed" not in r.reading.words and "exactly 0" in r.reading.words
    assert r.output_grad_norm == 0.0
    (layer,) = r.layers
    assert math.isnan(layer.weight_grad_norm) and "not computed" in layer.words


def test_a_frozen_weight_with_a_leftover_grad_reads_frozen_not_its_old_gradient():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    model(_x()).sum().backward()  # trained once, then frozen: its .grad stays
    model[0].requires_grad_(False)
    mon = Monitor(model, every=1)
    with mon.step():
        model(_x(seed=1)).sum().backward()
    first = mon.report().layers[0]
    assert model[0].weight.grad is not None  # the reference: the old gradient is still there
    assert first.weights_frozen and math.isnan(first.weight_grad_norm) and "frozen" in first.words


def test_zero_grad_inside_the_block_before_the_forward_still_counts_the_backward():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), 0.1)
    model(_x()).sum().backward()
    mon = Monitor(model, every=1)
    with mon.step():
        opt.zero_grad(set_to_none=False)
        model(_x(seed=1)).sum().backward()
    (layer,) = mon.report().layers
    assert layer.weight_grad_norm == pytest.approx(model[0].weight.grad.norm().item(), rel=1e-6)
    assert layer.weight_grad_norm > 0
