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
from interop._steps import monitored_step  # noqa: E402


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


def _run(every: int, steps: int = 24):
    """The lr=20 run under a Monitor sampling every ``every`` steps, and the plain-torch replay's first non-finite
    place per step."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    batches = _data()
    firsts = _replay(copy.deepcopy(model), batches, steps)
    mon = Monitor(model, every=every, chance_loss=2.3)
    opt = torch.optim.SGD(model.parameters(), lr=20.0)
    for i in range(steps):
        xb, yb = batches[i % len(batches)]
        monitored_step(mon, model, xb, yb, opt)
    return mon.report(), firsts


def test_the_reading_and_the_notes_name_where_it_began():
    steps = 24
    report, firsts = _run(1, steps)
    start = next(i for i, f in enumerate(firsts) if f is not None)
    began, place, last = start + 1, firsts[start], firsts[-1]
    assert all(f is not None for f in firsts[start:])
    assert place != last, firsts  # the case this test is about: the start and the latest step differ in place
    words = report.reading.findings[0].words
    assert report.reading.status.value == "diverged"
    assert f"diverged at step {began}" in words, words
    assert f"it began at module '{place}' (ReLU);" in words, words  # (W28: its step once, in the headline)
    assert words.count("the first watched activation holding a NaN or an inf") == 1, words  # R18: it was said twice
    # the latest step's place is said to be the latest step's, after the start
    latest = (f"on training step {steps:,} (the latest sampled one), the first watched activation holding a NaN or "
              f"an inf is module '{last}'")
    assert latest in words and words.index(latest) > words.index("it began at module"), words
    # no note names a place as where it 'first appears' without saying which step it read
    for note in report.notes:
        for m in re.finditer(r"first appear(?:s|ed)? (?:at step \d+, first )?at module '(\d)'", note):
            assert m.group(1) == place or f"on training step {steps} (the latest sampled one)" in note, note


def test_a_start_between_sampled_steps_is_not_dated_to_the_step_that_saw_it():
    """W19: under every='auto' the reading said 'it began on step 162' of a run whose loss went non-finite on step
    134, an unsampled one. Here every=5 samples steps 1, 6, 11, 16, 21; the replay dates the start. Every step sets
    s.loss, so the monitor holds each step's loss and dates the start from them (W28): the replay's step, said to be
    an unsampled one's."""
    report, firsts = _run(5)
    start = next(i for i, f in enumerate(firsts) if f is not None) + 1
    sampled = [s for s in range(1, 25) if (s - 1) % 5 == 0]
    seen = next(s for s in sampled if s >= start)
    before = max(s for s in sampled if s < start)
    assert seen != start and seen != sampled[-1], (start, seen)  # the premise: seen later than it began, reported later
    words = report.reading.findings[0].words
    assert "began on step" not in words, words
    assert f"diverged at step {start}: " in words and f"sampled one; the last finite sample was step {before}" \
        not in words, words
    assert "it was first seen in the loss, on a step not sampled (its activations were not read" in words, words
    assert report.first_non_finite["step"] == start and report.last_finite_step == start - 1
