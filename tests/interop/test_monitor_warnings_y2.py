"""Warnings are said where the script raised them (issue 17, W30 walkthrough finding 8): while the monitor follows
activations applied as functions, torch's function mode sits between the script and each torch call, and a warning
torch raises there (F.softmax without dim, tensor.new_tensor(tensor)) read "actlab/interop/_monitor_functions.py:155".
Reference: the same loop without the monitor, in this process, under the same filters; and the line numbers of the
calls in this file, found by their text."""

from __future__ import annotations

import contextlib
import inspect
import traceback
import warnings

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class _Warns(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 8), nn.Linear(8, 3)

    def forward(self, x):
        h = F.gelu(self.a(x))  # a function: the monitor's function mode is on for the forward
        p = F.softmax(h)  # implicit dim: a Python warning from inside F.softmax
        t = h.new_tensor(h)  # a C++ warning (TORCH_WARN)
        return self.b(p + t)


def _line(text: str) -> int:
    lines, first = inspect.getsourcelines(_Warns.forward)
    return first + next(i for i, line in enumerate(lines) if text in line)


def _run(monitored: bool, steps: int = 3) -> None:
    torch.manual_seed(0)
    model = _Warns()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, every=1) if monitored else None
    for _ in range(steps):
        with mon.step() if mon else contextlib.nullcontext():
            loss = model(torch.randn(16, 4)).pow(2).mean()
            loss.backward()
        opt.step()
        opt.zero_grad()
    if mon:
        assert mon.sampled_steps == steps
        mon.close()


def _caught(monitored: bool, rule: str) -> list[tuple]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(rule)
        _run(monitored)
    return [(w.filename, w.lineno, w.category, str(w.message)[:30]) for w in caught
            if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize("rule", ["default", "always"])
def test_warnings_are_said_on_the_scripts_line(rule):
    plain, monitored = _caught(False, rule), _caught(True, rule)
    here = __file__
    assert {(f, n) for f, n, _, _ in plain} == {(here, _line("F.softmax(h)")), (here, _line("h.new_tensor(h)"))}
    assert monitored == plain  # the same warnings, as often, on the same lines
    if rule == "default":  # once per line, over three sampled steps
        assert len(plain) == 2


def test_an_error_filter_raises_on_the_scripts_line():
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with pytest.raises(UserWarning, match="Implicit dimension choice") as raised:
            _run(True, steps=1)
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(raised.tb)]
    assert (__file__, _line("F.softmax(h)")) in frames
