"""Issue 17: a gradient that was never computed (backward after the block, torch.no_grad(), a detached branch) is
"not computed", shown as '-', never read as vanishing or zero; misuse gets a specific message or note."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _data(n=64, d=16, c=4):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, d, generator=g), torch.randint(0, c, (n,), generator=g)


def test_backward_after_the_block_is_not_computed_and_says_to_move_backward_inside():
    torch.manual_seed(0)
    X, y = _data()
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    opt = torch.optim.SGD(model.parameters(), 0.1)
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    grads_at_block_end = []
    for _ in range(3):
        with mon.step() as s:
            loss = F.cross_entropy(model(X), y)
            s.loss = loss
            grads_at_block_end.append([p.grad for p in model.parameters()])
        loss.backward()
        opt.step()
        opt.zero_grad()
    assert all(g is None for g in grads_at_block_end[-1])  # the reference: nothing was computed in the block
    r = mon.report()
    assert r.reading.status.value == "no_gradient"
    assert "not computed" in r.reading.words and "exactly 0" not in r.reading.words
    assert "loss.backward() inside `with mon.step()`" in r.reading.remedy
    assert "Lower the learning rate" not in r.reading.remedy
    (layer,) = r.layers
    assert math.isnan(layer.weight_grad_norm) and math.isnan(layer.act_grad_norm)
    assert "not computed" in layer.words and "no gradient reaches" not in layer.words
    row = str(r).splitlines()[3].split()
    assert row[3] == "-" and row[5] == "-"  # |dL/da| and |dL/dW| show no number, not 0


def test_backward_after_the_block_with_gradients_kept_at_zero_is_not_read_as_zero():
    X, y = _data()
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    opt = torch.optim.SGD(model.parameters(), 0.1)
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    for _ in range(3):
        with mon.step() as s:
            loss = F.cross_entropy(model(X), y)
            s.loss = loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=False)  # .grad stays a tensor of zeros at the next block's end
    r = mon.report()
    assert r.reading.status.value == "no_gradient" and "not computed" in r.reading.words
    assert any("no gradient reached a watched activation inside this sampled step" in n for n in r.notes)


class _Probe(nn.Module):
    def __init__(self, mode):
        super().__init__()
        self.mode = mode
        self.backbone = nn.Sequential(nn.Linear(16, 64), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 4))

    def forward(self, x):
        if self.mode == "no_grad":
            with torch.no_grad():
                f = self.backbone(x)
        else:
            f = self.backbone(x).detach()
        return self.head(f)


@pytest.mark.parametrize("mode", ["no_grad", "detach"])
def test_a_backbone_without_gradients_is_not_vanishing(mode):
    torch.manual_seed(0)
    X, y = _data()
    model = _Probe(mode)
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    monitored_step(mon, model, X, y)
    assert model.backbone[0].weight.grad is None  # the reference: autograd computed nothing there
    head_norm = model.head[0].weight.grad.norm().item()
    r = mon.report()
    assert r.reading.status.value != "vanishing" and "vanishing" not in r.reading.words
    assert "sigmoid" not in r.reading.remedy
    by = {l.name: l for l in r.layers}
    assert math.isnan(by["backbone.1"].weight_grad_norm) and math.isnan(by["backbone.1"].act_grad_norm)
    assert "not computed" in by["backbone.1"].words
    assert by["head.1"].weight_grad_norm == pytest.approx(head_norm, rel=1e-5)
    assert any("'backbone.0.weight'" in n and "no gradient was computed" in n for n in r.notes)


def test_per_sample_losses_give_a_note_not_an_error():
    X, y = _data()
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    with mon.step() as s:
        per = F.cross_entropy(model(X), y, reduction="none")
        per.mean().backward()
        s.loss = per
    r = mon.report()
    assert r.loss is None
    assert any("s.loss was a tensor of 64 values" in n and "loss.mean()" in n for n in r.notes)


def test_nested_steps_raise_a_specific_error():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, every=1)
    with mon.step():
        with pytest.raises(RuntimeError, match="already open: steps do not nest"):
            with mon.step():
                pass
    with mon.step():  # the monitor still works after the mistake
        model(torch.randn(3, 4)).sum().backward()
    assert mon.report().sampled_steps == 2


def test_a_step_with_no_forward_does_not_claim_the_weights_are_frozen():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, every=1)
    with mon.step():
        pass
    r = mon.report()
    assert "frozen" not in r.reading.words
    assert "no weighted module" in r.reading.words


def test_a_compiled_model_is_watched_through_the_model_inside_it():
    if not hasattr(torch, "compile"):
        pytest.skip("torch.compile missing")
    torch.manual_seed(0)
    X, y = _data()
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    compiled = torch.compile(model)
    mon = Monitor(compiled, every=1)
    assert [l.name for l in mon._layers] == ["1"]
    assert any("torch.compile(model)" in n for n in mon.notes)
    with mon.step():  # the eager model the compiled one wraps, as Monitor(model) with the compiled model called
        model(X)
        F.cross_entropy(model(X), y).backward()
    r = mon.report()
    assert "frozen" not in r.reading.words
    assert r.layers[0].weight_grad_norm == pytest.approx(model[0].weight.grad.norm().item(), rel=1e-5)


def test_the_non_finite_note_names_the_module():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    with torch.no_grad():
        model[0].bias.fill_(math.inf)
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(3, 4)).sum().backward()
    notes = mon.report().notes
    assert "non-finite activations first appear at module '1' (ReLU)" in notes


def test_gradient_accumulation_reads_one_layer_and_the_weight_gradient_the_optimiser_steps_with():
    """The units from the first micro-batch; the weight gradient summed over all four, as the optimiser steps with it
    (W37 walkthrough: it read the first micro-batch's, 0.0481 where the accumulated one was 0.0915)."""
    torch.manual_seed(0)
    X, y = _data()
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    ref = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    ref.load_state_dict(model.state_dict())
    (F.cross_entropy(ref(X[:16]), y[:16]) / 4).backward()
    first = ref[0].weight.grad.norm().item()  # the first micro-batch alone
    for i in range(1, 4):  # the reference: the four micro-batches' sum
        (F.cross_entropy(ref(X[i * 16:(i + 1) * 16]), y[i * 16:(i + 1) * 16]) / 4).backward()
    a = ref[1](ref[0](X[:16])).detach()
    mon = Monitor(model, every=1)
    with mon.step():
        for i in range(4):
            (F.cross_entropy(model(X[i * 16:(i + 1) * 16]), y[i * 16:(i + 1) * 16]) / 4).backward()
    r = mon.report()
    assert [l.name for l in r.layers] == ["1"]  # was '1', '1#2', '1#3', '1#4'
    (layer,) = r.layers
    summed = ref[0].weight.grad.norm().item()
    assert abs(summed - first) > 0.05 * summed  # the premise: the two differ
    assert layer.weight_grad_norm == pytest.approx(summed, rel=1e-5)
    assert layer.mean == pytest.approx(a.mean().item(), rel=1e-5)
    assert any("the weight gradients as the last backward leaves them in .grad (the sum over the micro-batches where "
               ".grad is not zeroed between them" in n for n in r.notes)
    assert any("forward ran 4 times in one step" in n for n in r.notes)
    with mon.step():  # a later step with one forward reads as before
        F.cross_entropy(model(X), y).backward()
    assert [l.name for l in mon.report().layers] == ["1"]


class _Three(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.a1, self.fc2, self.a2, self.out = (nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                                                          nn.Linear(32, 4))

    def forward(self, x):
        return self.out(self.a2(self.fc2(self.a1(self.fc1(x)))))


def test_a_frozen_output_layer_is_not_named_as_the_ratios_reference():
    torch.manual_seed(0)
    X, y = _data()
    model = _Three()
    model.out.requires_grad_(False)
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    monitored_step(mon, model, X, y)
    r = mon.report()
    ratio = model.fc1.weight.grad.norm().item() / model.fc2.weight.grad.norm().item()  # the reference
    assert r.layers[0].weight_grad_ratio_to_output == pytest.approx(ratio, rel=1e-5)
    assert "the last trained layer's" in r.reading.words and "the output layer's" not in r.reading.words
    assert any("module 'out', is frozen" in n and "'fc2.weight'" in n for n in r.notes)


def test_a_frozen_first_layer_has_no_activation_gradient_to_show():
    X, y = _data()
    model = _Three()
    model.fc1.requires_grad_(False)
    mon = Monitor(model, every=1)
    with mon.step():
        F.cross_entropy(model(X), y).backward()
    first = mon.report().layers[0]
    assert not model.a1(model.fc1(X)).requires_grad  # the reference: autograd computes nothing there
    assert math.isnan(first.act_grad_norm) and math.isnan(first.act_grad_ratio_to_last)
