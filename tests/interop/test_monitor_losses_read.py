"""The losses of the steps between two sampled ones are held as given (a tensor, read later in one transfer, or a
Python number) and read when the next sampled step comes: only those added since the last read are looked at (a scan of
the whole window cost each sampled step 10-15 us under every=1). A script that gives some steps a tensor, some a Python
number, some a tensor of several values and some none must read each step's loss as given, at every interval. The
reference: the script's own list of what it gave; the monitor's judged window (RunSummary.judged_losses)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

KINDS = ("tensor", "float", "several", "none")


@settings(max_examples=25, deadline=None)
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=3, max_size=40), every=st.integers(1, 7))
def test_each_steps_loss_is_read_as_given(kinds, every):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    mon = Monitor(model, every=every)
    expected = []
    for i, kind in enumerate(kinds):
        value, sampled = 1.0 + 0.01 * i, i % every == 0
        with mon.step() as s:
            model(torch.randn(16, 4)).square().mean().backward()
            if kind == "tensor":
                s.loss = torch.tensor(value, dtype=torch.float64)
            elif kind == "float":
                s.loss = value
            elif kind == "several":
                s.loss = torch.full((2,), value)
        model.zero_grad()
        # held: an unsampled step's loss as given (a tensor of several values as None), a sampled step's where it is
        # one number; a step given none is not held
        if kind in ("tensor", "float"):
            expected.append((i + 1, value))
        elif kind == "several" and not sampled:
            expected.append((i + 1, None))
    read = mon._read_step_losses(None)  # the held losses, those since the last sampled step read now
    assert [t for t, _ in read] == [t for t, _ in expected][-len(read):], (read, expected)
    assert len(read) == min(len(expected), mon._step_losses.maxlen)
    for (t, v), (_, reference) in zip(read, expected[-len(read):], strict=True):
        assert v is None if reference is None else type(v) is float and math.isclose(v, reference, rel_tol=1e-12), t
    mon.close()
