"""A layer whose units come back on now and then after all had stopped is not read wholly dead again five sampled
batches after each (issue 17, W52 walkthrough finding 3): lr raised from 0.05 to 0.6 at step 600 left a layer with 61
to 63 of its 64 units off on the whole data; the rest fired on about one batch in 30, and the reading went between 'no
gradient' (every unit dead, or 10 batches of exactly 0 in a row) and 'dying layer' 34 times in 400 steps at every=1.

The model here is killed by the test: the second ReLU layer's biases are set to -80 from step 41, and on chosen steps
one unit's bias is set to +80 for that step's forward alone. Reference: the script's own record of which units of that
layer were on at each step (a forward hook) and of every weight's .grad."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402

from actlab.interop.torch import DEAD_EVIDENCE  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

KILLED = 41  # the first step whose forward runs with every unit of the layer off
WINDOW = 30
STEPS = 180


def _run(fires: dict[int, int]) -> tuple[list[tuple[int, int, str]], list[frozenset[int]], list[bool]]:
    """Each step's (dead count of the killed layer, its width, status), each step's units on by the test's own hook,
    and whether every weight's gradient was exactly 0 on it. ``fires``: step -> the unit switched on for it."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    on: list[frozenset[int]] = []
    model[3].register_forward_hook(lambda m, i, o: on.append(frozenset(torch.nonzero((o > 0).any(0)).flatten()
                                                                       .tolist())))
    mon = Monitor(model, every=1, window=WINDOW, chance_loss=math.log(3))
    seen, zero = [], []
    for step in range(1, STEPS + 1):
        if step >= KILLED:
            with torch.no_grad():
                model[2].bias.fill_(-80.0)
                if step in fires:
                    model[2].bias[fires[step]] = 80.0
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        zero.append(all(float(m.weight.grad.norm()) == 0 for m in model if isinstance(m, nn.Linear)))
        r = mon.report()
        seen.append((r.layers[1].dead, r.layers[1].width, r.reading.status.value))
        opt.step()
        opt.zero_grad()
    return seen, on, zero


def _check(fires: dict[int, int]) -> None:
    seen, on, zero = _run(fires)
    # the premise, by the test's own record: the layer's units were on on every batch before the kill, and after it
    # only where the test switched one on, and then every weight's gradient was 0 exactly where none was
    assert all(on[t - 1] for t in range(1, KILLED))
    assert all(on[t - 1] == ({fires[t]} if t in fires else frozenset()) for t in range(KILLED, STEPS + 1))
    assert all(zero[t - 1] == (t not in fires) for t in range(KILLED + 1, STEPS + 1))
    first, last = min(fires), max(fires)
    assert seen[first - 2][:2] == (8, 8)  # the whole layer read dead before the first unit came back on
    for t in range(first, STEPS + 1):
        dead, width, status = seen[t - 1]
        latest = max(f for f in fires if f <= t)
        if t - latest < 2 * DEAD_EVIDENCE:  # a unit of the layer was on within the latest 10 batches: not wholly dead
            # (before, it read so DEAD_EVIDENCE batches after each), and the reading is the dying layer's
            assert dead < width and status == "dead_layer", (t, seen[t - 1])
        elif t >= last + WINDOW:  # the window holds no batch any unit was on: every unit dead, and no gradient
            assert dead == width and status == "no_gradient", (t, seen[t - 1])
        if t > first and status != seen[t - 2][2]:  # a change: to the dying layer only where a unit came back on,
            # to no gradient only once the layer was off for longer than the evidence that called it dead at first
            assert t in fires if status == "dead_layer" else t - latest >= 2 * DEAD_EVIDENCE, (t, seen[t - 2:t])


def test_units_firing_now_and_then_after_the_layer_died_keep_one_reading():
    # the walkthrough's pattern: one unit on about one batch in 20, a different one each time
    _check({60: 0, 78: 3, 95: 0, 111: 5, 130: 2})


def test_a_layer_that_stays_off_reads_wholly_dead_after_dead_evidence_batches():
    """The guard beside it: no unit back on, and the whole layer reads dead DEAD_EVIDENCE batches after the kill."""
    seen, on, _ = _run({})
    assert not any(on[KILLED - 1:])
    assert all(d < w for d, w, _ in seen[KILLED - 1:KILLED + DEAD_EVIDENCE - 2])
    assert all(d == w and s == "no_gradient" for d, w, s in seen[KILLED + DEAD_EVIDENCE - 2:])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(KILLED + DEAD_EVIDENCE + 2, 140), st.integers(0, 7)), min_size=1, max_size=6,
                unique_by=lambda f: f[0]))
def test_no_firing_schedule_turns_the_reading_back_and_forth(fires):
    _check(dict(fires))
