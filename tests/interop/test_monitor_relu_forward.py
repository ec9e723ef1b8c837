"""A plain nn.ReLU's post-hook run from inside its forward on a sampled step (interop/_monitor_hooks._relu_forward):
the readings are the hook path's, figure for figure; the module's forward is its own again when the step ends, also
when the step raises; and wherever something else hooks or replaces the module's call (the script's own hooks, its
own forward, a global module hook, a subclass, a compile), the monitor's hook runs as a hook, in its order."""

from __future__ import annotations

import copy
import dataclasses

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop import _monitor_hooks, _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


@pytest.fixture(autouse=True)
def _kernels_loaded(monkeypatch):
    """Both monitors sum with the same passes from their first step (the compiled ones load in the background); and
    no torch.compile has run in this process (another test's compile would keep the hooks for the process's life:
    the last test here sets one)."""
    Monitor(nn.Sequential(nn.Linear(2, 2), nn.ReLU()))
    assert _torch_stats.wait(120) is not None
    monkeypatch.setattr(_monitor_hooks, "_dynamo_compiled", lambda: False)


def _model(inplace=False):
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(inplace=inplace), nn.Linear(16, 16), nn.ReLU(inplace=inplace),
                          nn.Linear(16, 1))
    with torch.no_grad():
        model[0].bias[:4] = -30.0  # four dead units
    return model


def _steps(model, mon, n=6, seen=None):
    """n monitored steps; seen (a list) gets, per step, whether each ReLU's forward was replaced inside the block."""
    torch.manual_seed(9)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    reports = []
    for _ in range(n):
        x, y = torch.randn(32, 6), torch.randn(32, 1)
        with mon.step() as s:
            out = model(x)
            if seen is not None:
                seen.append(["forward" in m.__dict__ for m in model if isinstance(m, nn.ReLU)])
            loss = ((out - y) ** 2).mean()
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
        reports.append(mon.report())
    return reports


def _same(a, b):
    for ra, rb in zip(a, b, strict=True):
        assert repr([dataclasses.asdict(l) for l in ra.layers]) == repr([dataclasses.asdict(l) for l in rb.layers])
        assert ra.reading.words == rb.reading.words


@pytest.mark.parametrize("inplace", [False, True])
def test_the_replaced_forward_reads_what_the_hook_reads_and_is_gone_after_each_step(inplace):
    model = _model(inplace)
    twin = copy.deepcopy(model)
    seen = []
    mon = Monitor(model, every=1, window=4)  # 4 batches of 32: the DEAD_POINTS a dead count needs
    got = _steps(model, mon, seen=seen)
    hooked = Monitor(twin, every=1, window=4)  # 4 batches of 32: the DEAD_POINTS a dead count needs
    hooked._relu_forwards = {}  # every step through the hooks
    want = _steps(twin, hooked)
    _same(got, want)
    assert got[-1].layers[0].dead == 4
    # the first steps watch for activation functions (hooks); once none was found, the forward is replaced
    assert seen[0] == [False, False] and seen[-1] == [True, True]
    assert all("forward" not in m.__dict__ for m in model)
    x = torch.randn(5, 6)
    assert torch.equal(model(x), twin(x))  # the module computes what it did


def test_a_step_that_raises_leaves_the_modules_forward_their_own():
    model = _model()
    mon = Monitor(model, every=1)
    _steps(model, mon, n=4)
    with pytest.raises(RuntimeError, match="on purpose"):
        with mon.step():
            model(torch.randn(8, 6))
            assert "forward" in model[1].__dict__
            raise RuntimeError("on purpose")
    assert all("forward" not in m.__dict__ for m in model)
    assert type(model[1]).forward is nn.ReLU.forward


def test_the_scripts_own_hook_forward_and_subclass_keep_their_order_and_the_hook_path_runs():
    """A forward hook of the script's that replaces the ReLU's output: the monitor reads the replaced output, as
    before (its hook runs after the script's); an instance forward of the script's is never replaced; a subclass of
    nn.ReLU keeps its own forward."""
    model = _model()
    calls = []
    model[1].register_forward_hook(lambda m, i, o: calls.append(1) or o + 1.0)

    def own(input):
        calls.append(3)
        return torch.relu(input) * 2.0
    model[3].forward = own
    seen = []
    mon = Monitor(model, every=1)
    reports = _steps(model, mon, seen=seen)
    assert seen[-1] == [False, True]  # the second's 'forward' is the script's own, never replaced
    assert model[3].forward is own and calls.count(1) == calls.count(3) == 6

    class Sub(nn.ReLU):
        pass
    sub = nn.Sequential(nn.Linear(6, 8), Sub(), nn.Linear(8, 1))
    seen_sub = []
    _steps(sub, Monitor(sub, every=1), seen=None)
    with Monitor(sub, every=1).step():
        sub(torch.randn(4, 6))
        seen_sub.append("forward" in sub[1].__dict__)
    assert seen_sub == [False]
    assert reports[-1].layers[0].mean >= 1.0  # every output of the replaced ReLU is at least 1


def test_a_global_module_hook_or_a_compile_keeps_the_hooks(monkeypatch):
    model = _model()
    seen = []
    mon = Monitor(model, every=1)
    handle = torch.nn.modules.module.register_module_forward_hook(lambda m, i, o: None)
    try:
        _steps(model, mon, seen=seen)
    finally:
        handle.remove()
    assert not any(any(s) for s in seen)
    seen.clear()
    _steps(model, mon, n=2, seen=seen)
    assert seen[-1] == [True, True]  # the global hook gone: replaced again
    monkeypatch.setattr(_monitor_hooks, "_dynamo_compiled", lambda: True)  # a frame compiled in this process
    seen.clear()
    _steps(model, mon, n=2, seen=seen)
    assert seen == [[False, False], [False, False]]
    monkeypatch.setattr(_monitor_hooks, "_dynamo_compiled", lambda: False)
    _steps(model, mon, n=1)
    mon._compiling()  # Dynamo began compiling a frame since the monitor was made: hooks from now on
    seen.clear()
    _steps(model, mon, n=2, seen=seen)
    assert seen == [[False, False], [False, False]]
