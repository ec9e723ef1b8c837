"""A model compiled after the Monitor was made: `mon = Monitor(model); cm = torch.compile(model)`, the loop calling
cm inside `with mon.step()`. Dynamo compiles the forward on its first call and does not guard on module hooks, so
code compiled on an unsampled step (every='auto''s first steps) never calls the hooks attached later: before M11 the
monitor read 0 layers and said 'nothing ran ... no gradient was computed', though the model trained. Now a compile
that starts inside an unsampled step makes it sampled (the hooks are attached before Dynamo traces the frame), and
code compiled where no step was open is said, with the remedy checked here (torch.compiler.reset())."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_dynamo():
    torch.compiler.reset()
    yield
    torch.compiler.reset()


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 3))


def _data(n: int):
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(64, 8, generator=g), torch.randint(0, 3, (64,), generator=g)) for _ in range(n)]


def _train(mon: Monitor, model: nn.Module, call, data) -> list:
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    reports = []
    for x, y in data:
        monitored_step(mon, call, x, y, opt)
        reports.append(mon.report())
    return reports


def _numbers(report):
    return [(r.name, r.act_grad_norm, r.weight_grad_norm, r.mean, r.std) for r in report.layers]


def _same(a, b):
    assert [r[0] for r in a] == [r[0] for r in b]
    for ra, rb in zip(a, b, strict=True):
        assert ra[1:] == pytest.approx(rb[1:], rel=1e-4), (ra, rb)


@pytest.mark.parametrize("backend", ["eager", "aot_eager"])
def test_a_model_compiled_after_the_monitor_is_read_under_auto(backend):
    data = _data(24)
    plain_model = _model()
    plain = _train(Monitor(plain_model, every=1), plain_model, plain_model, data)
    model = _model()
    mon = Monitor(model, every="auto")
    cm = torch.compile(model, backend=backend)
    reports = _train(mon, model, cm, data)
    # the compile began in step 1, not to be sampled under auto: the monitor sampled it, and read what the
    # uncompiled model reads on its step 1
    assert reports[0].sampled_steps == 1 and reports[0].step == 1
    _same(_numbers(reports[0]), _numbers(plain[0]))
    assert any("torch.compile compiled code on step 1, which was not to be sampled: the monitor sampled it" in n
               for n in reports[0].notes), reports[0].notes
    # and the later sampled steps (the code compiled then) call the hooks: each reads the two layers, as the
    # uncompiled model does on the same step
    later = [r for r in reports[1:] if r.step > 1]
    assert later and reports[-1].sampled_steps >= 4
    for r in later:
        _same(_numbers(r), _numbers(plain[r.step - 1]))


def test_the_inductor_backend_too():
    data = _data(12)
    plain_model = _model()
    plain = _train(Monitor(plain_model, every=1), plain_model, plain_model, data)
    model = _model()
    mon = Monitor(model, every="auto")
    cm = torch.compile(model, backend="inductor")
    try:
        reports = _train(mon, model, cm, data)
    except torch._dynamo.exc.BackendCompilerFailed as e:  # no C++ compiler here: inductor cannot build its kernels
        pytest.skip(f"inductor cannot compile here: {e}")
    later = [r for r in reports if r.sampled_steps >= 2]
    assert reports[0].step == 1 and later
    for r in [reports[0], later[-1]]:
        assert [row.name for row in r.layers] == ["1", "3"]
        _same(_numbers(r), _numbers(plain[r.step - 1]))


def test_code_compiled_before_the_monitor_is_said_with_the_remedy():
    data = _data(12)
    model = _model()
    cm = torch.compile(model, backend="eager")
    cm(data[0][0]).sum().backward()  # a warm-up call, before the monitor exists
    model.zero_grad()
    mon = Monitor(model, every=5)
    report = _train(mon, model, cm, data)[-1]
    assert report.step == 11 and report.sampled_steps == 3 and not report.layers
    words = report.reading.words
    assert report.reading.status.value == "unwatched"  # the weights got gradients: not 'no_gradient' (W14)
    assert words.startswith("unwatched: nothing seen: the model's weights got gradients on training step 11 (a "
                            "sampled one), yet the monitor's hooks saw no forward of it, so nothing was read; "
                            "torch.compile has compiled code in this process"), words
    assert "calls no hook attached later" in words
    remedy = report.reading.findings[0].remedy
    assert remedy.startswith("Call torch.compiler.reset() (or torch._dynamo.reset()) once after making the Monitor")


@pytest.mark.parametrize("every", ["auto", 5])
def test_the_remedy_said_works(every):
    """What the words advise: torch.compiler.reset() after making the Monitor; the layers are then read."""
    data = _data(12)
    model = _model()
    cm = torch.compile(model, backend="eager")
    cm(data[0][0]).sum().backward()
    model.zero_grad()
    mon = Monitor(model, every=every)
    torch.compiler.reset()
    reports = _train(mon, model, cm, data)
    assert reports[0].step == 1 and [r.name for r in reports[0].layers] == ["1", "3"]
    assert [r.name for r in reports[-1].layers] == ["1", "3"] and reports[-1].sampled_steps >= 3


def test_a_compiled_part_that_ran_before_the_monitor_is_named():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.act1 = nn.Linear(8, 32), nn.ReLU()
            self.tail = nn.Sequential(nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 3))

        def forward(self, x):
            return self.tail(self.act1(self.fc1(x)))

    torch.manual_seed(0)
    model = Net()
    tail = torch.compile(model.tail, backend="eager")
    tail(torch.randn(64, 32, requires_grad=True)).sum().backward()
    model.zero_grad()
    model.tail = tail
    mon = Monitor(model, every=5)
    report = _train(mon, model, model, _data(12))[-1]
    assert [r.name for r in report.layers] == ["act1"]
    note = next(n for n in report.notes if "yet the monitor's hooks never saw" in n)
    assert note.startswith("'tail._orig_mod.0.weight', 'tail._orig_mod.2.weight' got a gradient on training step 11 "
                           "(a sampled one)"), note
    assert "torch.compiler.reset()" in note


def test_a_compile_of_something_else_after_the_forward_drops_the_step_it_made_sampled():
    """A compiled loss, first called after the forward of an unsampled step: the compile makes the step sampled,
    but its forward had run before the hooks: the monitor drops it rather than read half a step."""
    data = _data(8)
    model = _model()
    mon = Monitor(model, every=4)
    loss_fn = torch.compile(lambda out, y: F.cross_entropy(out, y), backend="eager")
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for i, (x, y) in enumerate(data):
        with mon.step():
            out = model(x)
            loss = loss_fn(out, y) if i == 2 else F.cross_entropy(out, y)
            loss.backward()
        opt.step()
        opt.zero_grad()
    report = mon.report()
    # sampled: steps 1 and 5; step 3's compile (after its forward) made it sampled, and it was dropped
    assert report.sampled_steps == 2 and report.step == 5, (report.sampled_steps, report.step)
    assert [r.name for r in report.layers] == ["1", "3"]
    assert all(r.window == 2 for r in report.layers)
