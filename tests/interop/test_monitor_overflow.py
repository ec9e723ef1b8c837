"""Issue 17 item 5: a float32 step whose values are finite but too large to square in float32 is not read as a
divergence; weight-gradient norms are taken again in float64 (references: float64 computations by the test)."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _huge_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.1), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].weight.mul_(1e24)  # activations about 1e24: finite, squares past float32's 3.4e38
        model[0].bias.zero_()
        model[2].weight.mul_(1e-24)  # the output stays about 1: a finite loss
    return model


def test_finite_values_whose_squares_overflow_float32_are_not_a_divergence():
    model = _huge_model()
    x = torch.randn(32, 4, generator=torch.Generator().manual_seed(1))
    y = torch.zeros(32, 1)
    mon = Monitor(model, every=1, chance_loss=1.0)
    with mon.step() as s:
        out = model(x)
        loss = ((out - y) ** 2).mean()
        loss.backward()
        s.loss = loss
    a = model[1](model[0](x)).detach()
    assert torch.isfinite(a).all() and math.isfinite(loss.item())  # the reference: nothing is non-finite
    assert math.isinf(float(torch.dot(a.reshape(-1), a.reshape(-1))))  # but float32's sum of squares is
    r = mon.report()
    assert r.reading.status.value != "diverged" and not r.non_finite and r.first_non_finite is None
    (layer,) = r.layers
    assert not layer.non_finite and layer.dead is not None
    assert layer.mean == pytest.approx(float(a.double().mean()), rel=1e-5)
    # the output layer's weight gradient (about 1e24 per entry) is normed in float64, not inf
    ref = float(torch.linalg.vector_norm(model[2].weight.grad.double()))
    assert ref > 1.9e19 and r.output_grad_norm == pytest.approx(ref, rel=1e-6)
    assert any("finite but above about 1.8e19" in n for n in r.notes)


def test_a_tensor_holding_an_inf_still_reads_non_finite():
    model = _huge_model()
    with torch.no_grad():
        model[0].bias[0] = math.inf
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(8, 4)).sum().backward()
    r = mon.report()
    assert r.layers[0].non_finite and r.first_non_finite is not None


@pytest.mark.parametrize("bad", [-1.0, 0.0, math.nan, math.inf, "high", torch.tensor(math.nan), torch.ones(2)])
def test_a_chance_loss_that_is_no_loss_is_refused_with_what_to_give(bad):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    with pytest.raises(ValueError, match="chance_loss: the loss of the best constant guess, a finite number above 0"):
        Monitor(model, chance_loss=bad)


@pytest.mark.parametrize("given", [torch.tensor(2.3), torch.tensor([2.3]), torch.tensor(2.3, dtype=torch.float64)])
def test_a_one_value_tensor_is_taken_as_chance_loss_as_held_out_takes_one(given):
    """W83 walkthrough finding 8: chance_loss=torch.tensor(2.3) was refused while held_out() takes one."""
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, chance_loss=given)
    assert type(mon.chance_loss) is float and mon.chance_loss == pytest.approx(2.3, rel=1e-7)


def test_a_loss_far_above_chance_is_not_said_to_be_near_it():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, every=1, chance_loss=1.0)
    # a loss 50 times chance or more
    monitored_step(mon, model, torch.randn(8, 4), None, loss_fn=lambda out, _: out.pow(2).mean() + 50.0)
    r = mon.report()
    assert r.reading.status.value == "starting"
    # (a first loss that far above chance is a start far from the targets: said so, with its remedy)
    assert "near chance" not in r.reading.words and "was already 50 times chance: the outputs began far from the " \
        "targets" in r.reading.words, r.reading.words
