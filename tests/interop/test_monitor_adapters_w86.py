"""Issue 17, W86 walkthrough findings 1 and 2: low-rank adapters on a frozen body. With A at random and B at 0 (LoRA)
every hidden layer trains through its adapter, and the reading said 'only the output layer trains: every hidden layer
is left out'. With A and B both at 0 nothing moves (each factor's gradient passes through the other), and it read the
same 'healthy'; the note said 'no gradient reaches it' of gradients computed and exactly 0. References: the test's own
gradient norms of A and B, and its own record of whether they moved."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class LoRA(nn.Module):
    """A frozen linear layer and its low-rank adapter, as matrices (A, B) or as modules (peft's lora_A, lora_B)."""

    def __init__(self, base: nn.Linear, zero_a: bool, modules: bool, rank: int = 4):
        super().__init__()
        self.base = base.requires_grad_(False)
        a = torch.zeros(rank, base.in_features) if zero_a else torch.randn(rank, base.in_features) / base.in_features
        if modules:
            self.lora_A, self.lora_B = nn.Linear(base.in_features, rank, bias=False), nn.Linear(rank, base.out_features,
                                                                                                bias=False)
            with torch.no_grad():
                self.lora_A.weight.copy_(a)
                self.lora_B.weight.zero_()
        else:
            self.A, self.B = nn.Parameter(a), nn.Parameter(torch.zeros(base.out_features, rank))
        self.modules_ = modules

    def forward(self, x):
        extra = self.lora_B(self.lora_A(x)) if self.modules_ else x @ self.A.t() @ self.B.t()
        return self.base(x) + 2.0 * extra


def _run(zero_a: bool, modules: bool = False):
    torch.manual_seed(0)
    x, w = torch.randn(1024, 16), torch.randn(16, 3)
    y = (torch.tanh(x @ torch.randn(16, 16)) @ w).argmax(1)
    body = nn.Sequential(LoRA(nn.Linear(16, 32), zero_a, modules), nn.GELU(), LoRA(nn.Linear(32, 32), zero_a, modules),
                         nn.ReLU())
    model = nn.Sequential(body, nn.Linear(32, 3))
    start = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 3e-3)
    with Monitor(model, every=5, chance_loss=math.log(3)) as mon:
        for t in range(149):
            i = torch.randint(0, 1024, (64,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, x[i], y[i], opt)
        with mon.step(sample=True) as s:  # the last step, sampled: its gradients are the report's
            loss = nn.functional.cross_entropy(model(x[:64]), y[:64])
            loss.backward()
            s.loss = loss
        grads = {n: p.grad.norm().item() for n, p in model.named_parameters() if p.grad is not None}
        opt.step()
    moved = {n: not torch.equal(start[n], p) for n, p in model.named_parameters() if p.requires_grad}
    return mon.report(), grads, moved


@pytest.mark.parametrize("modules", [False, True], ids=["matrices", "modules"])
def test_layers_that_train_through_adapters_are_not_left_out(modules):
    report, grads, moved = _run(zero_a=False, modules=modules)
    assert all(moved.values()), moved  # the premise: every adapter moved
    r = report.reading
    assert "left out" not in r.words and "only the output layer trains" not in r.words, r.words
    names = ("lora_A", "lora_B") if modules else ("A", "B")
    own = math.sqrt(sum(grads[f"0.0.{n}{'.weight' if modules else ''}"] ** 2 for n in names))
    out = grads["1.weight"]
    said = f"{own / out:.2g} times" if own >= out else f"{own / out:.2g} of"
    assert f"(the adapter of '0.0' ({', '.join(names)}) gets {said} the output layer's)" in r.words, r.words


def test_adapters_all_0_in_every_factor_read_weights_not_changing_with_the_initialisation_to_change():
    report, grads, moved = _run(zero_a=True)
    assert not any(moved[n] for n in moved if not n.startswith("1.")) and moved["1.weight"]  # the premise
    assert all(grads[f"0.{k}.{n}"] == 0 for k in (0, 2) for n in "AB")  # computed, and exactly 0
    r = report.reading
    assert r.status.value == "weights_still", r.words
    assert r.words.startswith("weights not changing: the adapter of '0.0' (A, B) and the adapter of '0.2' (A, B) are "
                              "0 in every factor: each factor's gradient passes through the other factors"), r.words
    assert r.remedy.startswith("Initialise one factor of each adapter at random and the other at 0"), r.remedy
    assert not any(f.status.value in ("vanishing", "no_gradient") for f in r.findings)
    note = next(n for n in report.notes if n.startswith("|dL/dW| of trained matrices"))
    assert "'0.0.A' 0 (its gradient was computed, and is exactly 0)" in note and "no gradient reaches" not in note


def test_a_frozen_body_with_no_adapter_is_still_left_out():
    """The other side: a body frozen with no adapter beside it reads as before, only the head training."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 3))
    model[0].requires_grad_(False)
    x, y = torch.randn(256, 16), torch.randint(0, 3, (256,))
    opt = torch.optim.Adam(model[2].parameters(), 3e-3)
    with Monitor(model, every=5, chance_loss=math.log(3)) as mon:
        for t in range(20):
            monitored_step(mon, model, x[t * 8:t * 8 + 64], y[t * 8:t * 8 + 64], opt)
    assert "only the output layer trains: every hidden layer is left out" in mon.report().reading.words


class Bottleneck(nn.Module):
    """A frozen linear layer and a bottleneck adapter added to its output (down, ReLU, up), both projections at 0."""

    def __init__(self, base: nn.Linear):
        super().__init__()
        self.base = base.requires_grad_(False)
        self.down, self.up = nn.Linear(base.out_features, 4), nn.Linear(4, base.out_features)
        for m in (self.down, self.up):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        h = self.base(x)
        return h + self.up(torch.relu(self.down(h)))


@pytest.mark.parametrize("kind", ["lora-behind-a-norm", "bottleneck"])
def test_factors_all_0_read_weights_not_changing_whatever_row_they_feed(kind):
    """W88 walkthrough finding 3: LoRA written as modules, both at 0, behind a LayerNorm (the row's weight is the
    norm's, not the adapted layer's) read 'no_gradient ... Lower the learning rate'; a bottleneck adapter with both
    projections at 0 read 'dead layer ... use Leaky ReLU or GELU', which cannot help (f(0) = 0 and up is 0).
    Reference: the test's own gradients of the factors, exactly 0, and their values, unmoved."""
    torch.manual_seed(0)
    first = LoRA(nn.Linear(16, 32), zero_a=True, modules=True) if kind.startswith("lora") else Bottleneck(
        nn.Linear(16, 32))
    model = nn.Sequential(first, nn.LayerNorm(32).requires_grad_(False), nn.ReLU(), nn.Linear(32, 3))
    x, y = torch.randn(256, 16), torch.randint(0, 3, (256,))
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 3e-3)
    names = ("lora_A", "lora_B") if kind.startswith("lora") else ("down", "up")
    with Monitor(model, every=5, chance_loss=math.log(3)) as mon:
        for t in range(30):
            monitored_step(mon, model, x[t * 4:t * 4 + 64], y[t * 4:t * 4 + 64], opt)
    assert all(not getattr(model[0], n).weight.any() for n in names)  # the premise: never moved from 0
    r = mon.report().reading
    assert r.status.value == "weights_still", r.words
    assert r.words.startswith(f"weights not changing: the adapter of '0' ({', '.join(names)}) is 0 in every factor")
    assert r.remedy.startswith("Initialise one factor of each adapter at random")


@pytest.mark.parametrize("modules", [False, True], ids=["matrices", "modules"])
def test_a_low_rank_adapter_s_factors_are_not_said_to_lack_an_activation(modules):
    """W88 walkthrough finding 8: every LoRA run read 'no watched activation runs between 0.A -> 0.B ... is not
    watched': an adapter's two factors are linear on purpose. A pair of layers with nothing between them elsewhere is
    still said (the other side)."""
    torch.manual_seed(0)
    body = nn.Sequential(LoRA(nn.Linear(16, 32), False, modules), nn.GELU(), nn.Linear(32, 32), nn.Linear(32, 3))
    x, y = torch.randn(64, 16), torch.randint(0, 3, (64,))
    opt = torch.optim.Adam([p for p in body.parameters() if p.requires_grad], 3e-3)
    with Monitor(body, every=1, chance_loss=math.log(3)) as mon:
        monitored_step(mon, body, x, y, opt)
    note = next((n for n in mon.report().notes if n.startswith("no watched activation runs between")), "")
    assert "lora" not in note.lower() and "0.A" not in note, note
    assert "2 -> 3" in note, note  # the two plain layers with nothing between them


def test_a_block_s_other_trained_modules_are_no_adapter_of_its_frozen_layer():
    """The other side of the adapters: a block whose MLP layer is frozen while a module deeper in the same block
    trains (its attention's projection, here a Linear inside a child module) is no adapter: the frozen layer is left
    out, as before."""

    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(16, 16)

        def forward(self, x):
            return self.proj(x)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn, self.fc1, self.act = Inner(), nn.Linear(16, 32).requires_grad_(False), nn.GELU()

        def forward(self, x):
            return self.act(self.fc1(x + self.attn(x)))

    torch.manual_seed(0)
    model = nn.Sequential(Block(), nn.Linear(32, 3))
    x, y = torch.randn(256, 16), torch.randint(0, 3, (256,))
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 3e-3)
    with Monitor(model, every=5, chance_loss=math.log(3)) as mon:
        for t in range(20):
            monitored_step(mon, model, x[t * 8:t * 8 + 64], y[t * 8:t * 8 + 64], opt)
    words = mon.report().reading.words
    assert "adapter" not in words and "after the frozen '0.fc1.weight'" in words, words


class PeftLike(nn.Module):
    """A frozen linear layer with lora_A and lora_B kept in nn.ModuleDicts under 'default', as peft keeps them."""

    def __init__(self, base: nn.Linear, zero: bool, rank: int = 4):
        super().__init__()
        self.base_layer = base.requires_grad_(False)
        self.lora_A = nn.ModuleDict({"default": nn.Linear(base.in_features, rank, bias=False)})
        self.lora_B = nn.ModuleDict({"default": nn.Linear(rank, base.out_features, bias=False)})
        nn.init.zeros_(self.lora_B["default"].weight)
        if zero:
            nn.init.zeros_(self.lora_A["default"].weight)

    def forward(self, x):
        return self.base_layer(x) + self.lora_B["default"](self.lora_A["default"](x))


@pytest.mark.parametrize("zero", [False, True])
def test_adapters_kept_in_module_dicts_as_peft_keeps_them(zero):
    """peft keeps lora_A['default'] and lora_B['default']: the layer is not left out (lora_B, the last weighted
    module to run before the GELU, carries its row), and both at 0 read weights not changing. Reference: the test's
    own gradient norms, after the last (sampled) step."""
    torch.manual_seed(0)
    model = nn.Sequential(PeftLike(nn.Linear(16, 32), zero), nn.GELU(), nn.Linear(32, 3))
    x, y = torch.randn(256, 16), torch.randint(0, 3, (256,))
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 3e-3)
    with Monitor(model, every=5, chance_loss=math.log(3)) as mon:
        for t in range(29):
            monitored_step(mon, model, x[t * 4:t * 4 + 64], y[t * 4:t * 4 + 64], opt)
        with mon.step(sample=True) as s:
            loss = nn.functional.cross_entropy(model(x[:64]), y[:64])
            loss.backward()
            s.loss = loss
        own = model[0].lora_B["default"].weight.grad.norm().item()
        out = model[2].weight.grad.norm().item()
        opt.step()
    r = mon.report().reading
    if zero:
        assert own == 0 and r.status.value == "weights_still", r.words
        assert r.words.startswith("weights not changing: the adapter of '0' (lora_A.default, lora_B.default) is 0")
    else:
        said = f"{own / out:.2g} times" if own >= out else f"{own / out:.2g} of"
        assert f"('0.lora_B.default.weight' gets {said} the output layer's)" in r.words, r.words
        assert "left out" not in r.words
