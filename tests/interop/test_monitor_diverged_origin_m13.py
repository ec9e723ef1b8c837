"""A diverged run's report names where the NaN or inf began (W14, issue 17). With lr=20 a 2-ReLU MLP goes non-finite at
its second ReLU first and at its first ReLU one step later; the report read the latest step's first non-finite place
as the start ('the first watched activation holding a NaN or an inf is module '1'') while a note said it began at
module '3'. The reference is a plain-torch replay of the same run, from the same weights and batches."""

from __future__ import annotations

import copy
import re

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 20, generator=g)
    y = (x @ torch.randn(20, 10, generator=g)).argmax(1)
    return [(x[j:j + 64], y[j:j + 64]) for j in range(0, 512, 64)]


def _replay(model, batches, steps):
    """Per step, the first ReLU (forward order) holding a NaN or an inf, in plain torch."""
    opt = torch.optim.SGD(model.parameters(), lr=20.0)
    firsts = []
    for i in range(steps):
        xb, yb = batches[i % len(batches)]
        a1 = model[1](model[0](xb))
        a3 = model[3](model[2](a1))
        F.cross_entropy(model[4](a3), yb).backward()
        firsts.append("1" if not torch.isfinite(a1).all() else "3" if not torch.isfinite(a3).all() else None)
        opt.step()
        opt.zero_grad()
    return firsts


def test_the_reading_and_the_notes_name_where_it_began():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    batches, steps = _data(), 24
    firsts = _replay(copy.deepcopy(model), batches, steps)
    start = next(i for i, f in enumerate(firsts) if f is not None)
    began, place, last = start + 1, firsts[start], firsts[-1]
    assert all(f is not None for f in firsts[start:])
    assert place != last, firsts  # the case this test is about: the start and the latest step differ in place
    mon = Monitor(model, every=1, chance_loss=2.3)
    opt = torch.optim.SGD(model.parameters(), lr=20.0)
    for i in range(steps):
        xb, yb = batches[i % len(batches)]
        with mon.step() as s:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
    report = mon.report()
    words = report.reading.findings[0].words
    assert report.reading.status.value == "diverged"
    assert f"diverged at step {began}" in words, words
    assert f"it began on step {began} at module '{place}'" in words, words
    # the latest step's place is said to be the latest step's, after the start
    latest = f"on the latest sampled step ({steps}), the first watched activation holding a NaN or an inf is " \
             f"module '{last}'"
    assert latest in words and words.index(latest) > words.index(f"it began on step {began}"), words
    # no note names a place as where it 'first appears' without saying which step it read
    for note in report.notes:
        for m in re.finditer(r"first appear(?:s|ed)? (?:at step \d+, first )?at module '(\d)'", note):
            assert m.group(1) == place or f"latest sampled step ({steps})" in note, note
