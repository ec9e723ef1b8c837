"""Issue 17 (M8): the dead history advances every place at once, as views of one buffer laid out like the host's
f' sums. Its dead counts are checked against a direct count over the kept batches (the units' outputs, seen by a
forward hook of the test's own), over a window that turns over many times, while the set of places that run
changes (a branch taken on some steps only) and a place's width changes (its history starts again)."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop.torch import DEAD_EVIDENCE, DEAD_POINTS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

WINDOW = 4  # under DEAD_EVIDENCE: a unit is dead once off on every one of the last WINDOW sampled batches
ROWS = DEAD_POINTS  # each batch holds the points dead needs, so that the count is the batches' alone


class _Gates(nn.Module):
    """Three ReLUs fed straight from the input's columns (their units on or off as the test draws them): 'a' on
    columns 0-5, 'b' on 6-10 or, on a narrow step, 6-8, and 'c' on 11-14 on branch steps only. Column 0 of each
    is always on, so that no layer is ever wholly off (the whole-layer rule stays out of the count)."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.ReLU(), nn.ReLU(), nn.ReLU()
        self.branch = False
        self.narrow = False

    def forward(self, x):
        out = self.a(x[:, :6]).sum() + self.b(x[:, 6:9] if self.narrow else x[:, 6:11]).sum()
        if self.branch:
            out = out + self.c(x[:, 11:15]).sum()
        return out


def _direct(batches: list, window: int) -> int:
    """Units off on every one of the latest `window` kept batches (each a bool (H,) of units on somewhere in it),
    counted once at least min(window, DEAD_EVIDENCE) were kept."""
    kept = batches[-window:]
    if len(kept) < min(window, DEAD_EVIDENCE):
        return 0
    return int((~torch.stack(kept).any(0)).sum())


def test_dead_counts_equal_a_direct_count_as_the_window_wraps_and_the_places_change():
    model = _Gates()
    seen = {"a": [], "b": [], "c": []}
    for name in seen:
        getattr(model, name).register_forward_hook(lambda m, i, o, name=name: seen[name].append((o > 0).any(0)))
    mon = Monitor(model, every=1, window=WINDOW)
    g = torch.Generator().manual_seed(3)
    checked = 0
    for step in range(40):
        model.branch = step % 3 != 1  # 'c' runs on two steps in three: the set of places changes
        model.narrow = 20 <= step < 26  # 'b' is 3 wide for six steps, then 5 again: its history starts again
        # each unit is on (somewhere in the batch) with probability 1/3 on each step, column 0 of each layer always
        on = torch.rand(15, generator=g) < 1 / 3
        on[[0, 6, 11]] = True
        x = torch.where(on, 1.0, -1.0).expand(ROWS, 15).clone().requires_grad_()
        with mon.step():
            model(x).backward()
        report = {layer.name: layer for layer in mon.report().layers}
        for name in ("a", "b", "c"):
            batches = seen[name]
            if name == "b" and step >= 20:  # the width changed at step 20 and again at 26: count from the change
                batches = batches[20:] if step < 26 else batches[26:]
            if name == "c" and not model.branch:
                continue  # not run on this step: the report's row is of its last run
            assert report[name].dead == _direct(batches, WINDOW), (step, name)
            checked += 1
    assert checked > 90
    # the counts were not all 0: the draws kill units now and then over a window of 4
    assert any(_direct(seen["a"][:k], WINDOW) for k in range(5, 40))


def test_a_non_finite_step_leaves_the_history_and_the_next_finite_step_advances_it():
    model = _Gates()
    model.branch = True
    mon = Monitor(model, every=1, window=WINDOW)
    x = torch.full((ROWS, 15), -1.0)
    x[:, [0, 6, 11]] = 1.0
    for _ in range(WINDOW):
        with mon.step():
            model(x.clone().requires_grad_()).backward()
    assert [layer.dead for layer in mon.report().layers] == [5, 4, 3]
    bad = x.clone()
    bad[0, 1] = float("nan")  # a NaN in 'a': its counts are not made, and its history does not move
    with mon.step():
        model(bad.requires_grad_()).backward()
    assert mon.report().layers[0].dead is None
    woke = x.clone()
    woke[:, 1] = 1.0  # unit 1 of 'a' turns on: from now on it is not dead
    with mon.step():
        model(woke.requires_grad_()).backward()
    assert [layer.dead for layer in mon.report().layers] == [4, 4, 3]


@pytest.mark.parametrize("window", [1, 2, 7])
def test_a_unit_on_once_is_dead_again_a_window_later(window):
    model = _Gates()
    mon = Monitor(model, every=1, window=window)
    x = torch.full((ROWS, 15), -1.0)
    x[:, [0, 6, 11]] = 1.0
    once = x.clone()
    once[:, 2] = 1.0
    dead = []
    for step in range(window + DEAD_EVIDENCE + 3):
        with mon.step():
            model((once if step == DEAD_EVIDENCE else x).clone().requires_grad_()).backward()
        dead.append(mon.report().layers[0].dead)
    need = min(window, DEAD_EVIDENCE)
    expected = [0 if s + 1 < need else 5 if s < DEAD_EVIDENCE or s >= DEAD_EVIDENCE + window else 4
                for s in range(len(dead))]
    assert dead == expected
