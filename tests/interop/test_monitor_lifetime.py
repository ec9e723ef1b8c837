"""A monitor's lifetime (issue 17): one a script drops without close() is collected with what it held, whatever step
it was dropped after, and a loss set on the monitor itself (mon.loss = loss, where s.loss was meant) is refused with
the line to write, where it was kept as a new attribute and the loss never judged. Reference: weakref and the
collector (whether the monitor is gone), the script's own parameter's hook table."""

from __future__ import annotations

import gc
import json
import warnings
import weakref

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _dropped(every, steps, log=None, head="relu"):
    """A short run whose monitor the script lets go of unclosed: (the model, a weak reference to the monitor, one to
    each step's output). ``head``: a ReLU MLP under a plain mean of squares; "sigmoid", a bounded output under a
    squared error (its outputs' goals read from their gradient); "logits", a cross-entropy (read back from them)."""
    torch.manual_seed(0)
    layers = [nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)] + ([nn.Sigmoid()] if head == "sigmoid" else [])
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, every=every, log=log)
    outs = []
    for _ in range(steps):
        with mon.step() as s:
            out = model(torch.randn(16, 4))
            outs.append(weakref.ref(out))
            loss = (F.cross_entropy(out, torch.randint(0, 3, (16,))) if head == "logits" else
                    F.mse_loss(out, torch.rand(16, 3)) if head == "sigmoid" else out.pow(2).mean())
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
    return model, weakref.ref(mon), outs


@pytest.mark.parametrize("head", ["relu", "sigmoid", "logits"])
@pytest.mark.parametrize("every,steps", [(1, 3), (2, 3), (1, 1), ("auto", 30), (1, 0)])
def test_a_monitor_dropped_unclosed_is_collected(every, steps, head):
    """Its last step's loss (on the step's handle, held by the monitor) held the graph, whose nodes held the monitor's
    gradient hooks, which held the monitor: a cycle through autograd's C++ nodes that the collector cannot follow, so
    a monitor sampled on its last step lived as long as the process (every=1 and every=2 both kept it). So did a
    hook on the output that held the output's own node (a bounded head's goals, the loss read back): the graph then
    held itself, and the monitor with it."""
    _, ref, outs = _dropped(every, steps, head=head)
    gc.collect()
    assert ref() is None
    assert [k + 1 for k, out in enumerate(outs) if out() is not None] == []  # every step's graph freed


def test_a_dropped_monitor_ends_its_log(tmp_path):
    """Collected, its finaliser writes the log's end line (the watch page then says the run ended)."""
    log = tmp_path / "run.jsonl"
    _, ref, _ = _dropped(1, 3, log=log)
    gc.collect()
    assert ref() is None
    end = json.loads(log.read_text().splitlines()[-1])
    assert end["event"] == "end" and end["steps_run"] == 3


@pytest.mark.parametrize("name", ["loss", "parts"])
def test_a_loss_set_on_the_monitor_is_refused_with_the_line_to_write(name):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, every=1)
    with mon.step() as s:
        loss = model(torch.randn(16, 4)).pow(2).mean()
        loss.backward()
        with pytest.raises(AttributeError, match=rf"mon\.{name}: .*`s\.{name} = \.\.\.` inside the block"):
            setattr(mon, name, loss if name == "loss" else {"a": loss})
        with pytest.raises(AttributeError, match=rf"mon\.{name}: "):
            getattr(mon, name)
        s.loss = loss
    assert mon.report().loss == pytest.approx(loss.item())
    mon.close()


def _step(mon, model):
    with mon.step() as s:
        loss = model(torch.randn(16, 4)).pow(2).mean()
        loss.backward()
        s.loss = loss
    model.zero_grad()


def test_a_second_monitor_stepping_one_model_beside_the_first_is_warned_of():
    """W64 walkthrough: two monitors on one model read the same figures twice over, and nothing said so. Said once
    both step; a monitor made while an earlier one lingers unstepped (dropped, its last loss's graph still held: a
    notebook's cell run again) says nothing."""
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    first = Monitor(model, every=1)
    _step(first, model)
    second = Monitor(model, every=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _step(second, model)  # the first has not stepped since: nothing yet
    _step(first, model)
    with pytest.warns(RuntimeWarning, match="another Monitor made before this one steps this model too") as seen:
        _step(second, model)
    assert seen[0].filename == __file__  # pointed at the script's own `with mon.step()`
    assert sum("steps this model too" in n for n in second.notes) == 1
    assert sum(n.startswith("a Monitor made after this one steps this model too") for n in first.notes) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once
        _step(first, model)
        _step(second, model)
    second.close()
    first.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the earlier one closed: nothing to say
        third = Monitor(model, every=1)
        fourth = Monitor(model, every=1)
        third.close()
        _step(fourth, model)
        fourth.close()
