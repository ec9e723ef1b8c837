"""Issue 17 (brief F7, W17 finding 1): a model with activation checkpointing (torch.utils.checkpoint) reads as the
same model without it. Backward runs the checkpointed blocks' forward again, and their modules' hooks fire there:
the monitor raised 'trying to pop from empty mode stack' from the third step on, took the first block's weight for
the output layer and said a ReLU ran twice in one forward. The reference is an identical model without
checkpointing (a deep copy, the same weights and batches, the same optimiser), and autograd's own gradients."""

import copy
import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.checkpoint import checkpoint  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

RTOL = 1e-5  # float32 sums in another order (the checkpointed backward), so not to the last bit


class _Net(nn.Module):
    """A first layer outside any checkpoint (its gradient arrives after the checkpoints' own backward ends), two
    checkpointed blocks (GELU, ReLU), and a tanh block that holds the ReLU block in a nested checkpoint."""

    def __init__(self, reentrant: bool | None, nested: bool = False):
        super().__init__()
        self.reentrant, self.nested = reentrant, nested
        self.inp = nn.Linear(8, 16)
        self.b1 = nn.Sequential(nn.Linear(16, 32), nn.GELU())
        self.b2 = nn.Sequential(nn.Linear(32, 32), nn.ReLU())
        self.b3 = nn.Sequential(nn.Linear(32, 24), nn.Tanh())
        self.out = nn.Linear(24, 4)

    def _run(self, block, x):
        if self.reentrant is None:
            return block(x)
        return checkpoint(block, x, use_reentrant=self.reentrant)

    def _b23(self, h):
        return self.b3(self._run(self.b2, h))

    def forward(self, x):
        h = self._run(self.b1, self.inp(x))
        h = self._run(self._b23, h) if self.nested else self.b3(self._run(self.b2, h))
        return self.out(h)


def _batches(steps: int):
    g = torch.Generator().manual_seed(3)
    for _ in range(steps):
        x = torch.randn(64, 8, generator=g)
        yield x, x[:, :4].argmax(1)


def _same(a, b, where="report"):
    """Every number within RTOL of its twin's, every other value equal (the words and notes too)."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), where
        else:
            assert a == pytest.approx(b, rel=RTOL, abs=1e-12), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, str) and isinstance(b, str) and a != b:
        assert _words_match(a, b), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, where


def _words_match(a: str, b: str) -> bool:
    """Words that quote numbers may round one differently in the last digit: compared with the numbers taken out."""
    import re
    num = re.compile(r"\d[\d.,e+-]*")
    return num.sub("#", a) == num.sub("#", b)


def _run_pair(reentrant: bool, every: int, steps: int = 7, nested: bool = False):
    torch.manual_seed(0)
    ck = _Net(reentrant, nested)
    twin = copy.deepcopy(ck)
    twin.reentrant = None
    runs = []
    for model in (ck, twin):
        mon = Monitor(model, every=every, chance_loss=math.log(4))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        reports = []
        for x, y in _batches(steps):
            monitored_step(mon, model, x, y)
            reports.append(mon.report().to_dict())
            opt.step()
            opt.zero_grad()
        runs.append((model, reports))
    return runs


@pytest.mark.parametrize("every", [1, 3])
@pytest.mark.parametrize("reentrant", [False, True], ids=["use_reentrant=False", "use_reentrant=True"])
def test_a_checkpointed_model_reads_as_the_same_model_without_checkpointing(reentrant, every):
    (_, ck), (_, twin) = _run_pair(reentrant, every)
    for step, (a, b) in enumerate(zip(ck, twin, strict=True), 1):
        _same(a, b, f"step {step}")


@pytest.mark.parametrize("reentrant", [False, True], ids=["use_reentrant=False", "use_reentrant=True"])
def test_nested_checkpoints_read_as_the_model_without_them(reentrant):
    (_, ck), (_, twin) = _run_pair(reentrant, every=1, steps=4, nested=True)
    for step, (a, b) in enumerate(zip(ck, twin, strict=True), 1):
        _same(a, b, f"step {step}")


@pytest.mark.parametrize("reentrant", [False, True], ids=["use_reentrant=False", "use_reentrant=True"])
def test_checkpointed_places_read_autograds_own_gradients(reentrant):
    """Against autograd on the uncheckpointed model: each activation's ||dL/da||, and the output layer's ||dL/dW||
    (the W17 run took the first block's weight for the output layer)."""
    torch.manual_seed(0)
    model = _Net(reentrant)
    ref = copy.deepcopy(model)
    ref.reentrant = None
    x, y = next(_batches(1))
    mon = Monitor(model, every=1)
    with mon.step():
        F.cross_entropy(model(x), y).backward()
    outs = {}
    for name in ("b1.1", "b2.1", "b3.1"):
        ref.get_submodule(name).register_forward_hook(lambda m, i, o, name=name: outs.__setitem__(name, o))
    loss = F.cross_entropy(ref(x), y)
    grads = torch.autograd.grad(loss, [outs[n] for n in ("b1.1", "b2.1", "b3.1")] + [ref.out.weight])
    r = mon.report()
    assert [l.name for l in r.layers] == ["b1.1", "b2.1", "b3.1"]
    for layer, g in zip(r.layers, grads[:3], strict=True):
        assert layer.act_grad_norm == pytest.approx(float(g.norm()), rel=RTOL)
    assert r.output_grad_norm == pytest.approx(float(grads[3].norm()), rel=RTOL)


def test_a_module_called_twice_inside_a_reentrant_checkpoint_says_its_gradient_is_not_read():
    """A module run twice in one forward, inside checkpoint(use_reentrant=True): the recomputed calls cannot be
    matched to the forward's, so ||dL/da|| is left unread and a note says so; the step never raises."""
    torch.manual_seed(0)
    fc, act, head = nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2)

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.act, self.head = fc, act, head

        def _block(self, h):
            return self.act(self.fc(self.act(self.fc(h))))

        def forward(self, x):
            return self.head(checkpoint(self._block, self.fc(x), use_reentrant=True))

    model = Twice()
    mon = Monitor(model, every=1)
    for x, y in _batches(3):
        with mon.step():
            F.cross_entropy(model(x), y[:] % 2).backward()
        model.zero_grad()
    r = mon.report()
    assert [l.name for l in r.layers] == ["act", "act#2"]
    assert all(l.act_grad_norm is None or math.isnan(l.act_grad_norm) for l in r.layers)
    assert any("use_reentrant=True" in n and "'act'" in n for n in r.notes)


class _Functional(nn.Module):
    """F.gelu inside a checkpointed block, before an nn.ReLU."""

    def __init__(self, reentrant: bool | None):
        super().__init__()
        self.reentrant = reentrant
        self.inp, self.fc, self.act, self.out = nn.Linear(8, 16), nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4)

    def _block(self, h):
        return self.act(F.gelu(self.fc(h)))

    def forward(self, x):
        h = self.inp(x)
        return self.out(self._block(h) if self.reentrant is None else
                        checkpoint(self._block, h, use_reentrant=self.reentrant))


def _functional_pair(reentrant: bool):
    torch.manual_seed(0)
    ck = _Functional(reentrant)
    twin = copy.deepcopy(ck)
    twin.reentrant = None
    reports = []
    for model in (ck, twin):
        mon = Monitor(model, every=1)
        for x, y in _batches(3):
            with mon.step():
                F.cross_entropy(model(x), y).backward()
            model.zero_grad()
        reports.append(mon.report().to_dict())
    return reports


def test_an_activation_function_inside_a_checkpoint_reads_as_without_it():
    a, b = _functional_pair(reentrant=False)
    _same(a, b)


def test_an_activation_function_inside_a_reentrant_checkpoint_says_its_gradient_is_not_read():
    """checkpoint(use_reentrant=True) gives a gradient only to the forward it recomputes in backward, where functions
    are not watched: the place's ||dL/da|| is left unread and a note names it; every other figure is the twin's."""
    a, b = _functional_pair(reentrant=True)
    la, lb = a["layers"][0], b["layers"][0]
    assert la["name"] == lb["name"] == "fc:gelu"
    assert la["act_grad_norm"] is None and lb["act_grad_norm"] > 0
    (note,) = [n for n in a["notes"] if n not in b["notes"]]
    assert "'fc:gelu'" in note and "use_reentrant=True" in note
    for k in ("mean", "std", "weight_grad_norm", "dead"):
        _same(la[k], lb[k], k)
    _same(a["layers"][1], b["layers"][1], "act")
    _same(a["output_grad_norm"], b["output_grad_norm"], "output_grad_norm")


@pytest.mark.parametrize("reentrant", [False, True], ids=["use_reentrant=False", "use_reentrant=True"])
def test_the_watched_model_checkpointed_whole_reads_as_without_it(reentrant):
    """checkpoint(model, x): the watched model's own forward runs again in backward (with use_reentrant=True its
    first forward runs with gradients disabled), and is still read as one forward."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 4))
    twin = copy.deepcopy(model)
    reports = []
    for m, ck in ((model, True), (twin, False)):
        mon = Monitor(m, every=1, chance_loss=math.log(4))
        for x, y in _batches(3):
            x.requires_grad_(True)  # (use_reentrant=True gives no gradient to any weight otherwise)
            with mon.step():
                F.cross_entropy(checkpoint(m, x, use_reentrant=reentrant) if ck else m(x), y).backward()
            m.zero_grad()
        reports.append(mon.report().to_dict())
    _same(*reports)


def test_a_reentrant_checkpoint_whose_inputs_need_no_gradient_says_its_places_get_none():
    """checkpoint(use_reentrant=True) on the model's input: torch warns that no input needs a gradient and gives the
    block none (its weights' .grad stays None, as autograd shows). Its places read no ||dL/da||, and a note names
    them; the place after the checkpoint-free part still reads as the twin."""
    torch.manual_seed(0)

    class FirstBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.b1 = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
            self.fc, self.act, self.out = nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 4)

        def forward(self, x):
            return self.out(self.act(self.fc(checkpoint(self.b1, x, use_reentrant=True))))

    model = FirstBlock()
    mon = Monitor(model, every=1)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        for x, y in _batches(2):
            with mon.step():
                F.cross_entropy(model(x), y).backward()
            assert model.b1[0].weight.grad is None
            model.zero_grad()
    r = mon.report()
    assert [l.name for l in r.layers] == ["b1.1", "act"]
    assert math.isnan(r.layers[0].act_grad_norm) and r.layers[1].act_grad_norm > 0  # (the report's NaN: unread)
    assert any(n.startswith("'b1.1': made with gradients disabled") for n in r.notes)
