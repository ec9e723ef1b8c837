"""Dead needs points, not only batches (issue 17, W34 walkthrough finding 5): at batch size 1 under every="auto", a
unit on at 144 of the first 1,559 training steps (9%) was off on each of its 36 sampled batches, 36 points in all, and
read "dead" for 2,000 steps. A unit off on every point of the window is now dead only where the window holds
DEAD_POINTS points; before that the layer's words say how few points there were and how often a unit that is on
would miss them all. References: the script's own forward hook on every step, and the binomial odds restated."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402

from actlab.interop.torch import DEAD_EVIDENCE, DEAD_POINTS, Monitor  # noqa: E402


def _run(batch: int, steps: int, biases: list[float], seed: int, window: int = 100):
    """A one-input ReLU layer whose unit i is on for a row exactly when x > -bias_i (x standard normal), trained by
    nothing (the weights stay as set), sampled on every step. Yields (step, the report's first row, the hook's
    per-step record of which units were on for some row of the batch)."""
    torch.manual_seed(seed)
    width = len(biases)
    lin = nn.Linear(1, width)
    with torch.no_grad():
        lin.weight.fill_(1.0)
        lin.bias.copy_(torch.tensor(biases))
    model = nn.Sequential(lin, nn.ReLU(), nn.Linear(width, 1))
    on = []
    model[1].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0).numpy()))
    mon = Monitor(model, every=1, window=window)
    for step in range(1, steps + 1):
        with mon.step():
            model(torch.randn(batch, 1)).pow(2).mean().backward()
        yield step, mon.report().layers[0], on


def test_a_unit_on_at_nine_percent_of_points_is_not_called_dead_at_batch_size_one():
    # unit 0 on when x > 1.34 (9% of points), unit 1 when x > 50 (never), unit 2 always
    seen_words = False
    for step, row, on in _run(1, 120, [-1.34, -50.0, 50.0], seed=3):
        record = np.array(on)
        # the hook's own count: units off on every point of the window's batches, and the points those hold
        window = record[-100:]
        off = ~window.any(0)
        if step < DEAD_EVIDENCE:
            assert row.dead == 0
            continue
        if len(window) < DEAD_POINTS:  # too few points for any one unit: none is dead, and the words say why
            assert row.dead == 0, (step, row.words)
            if off.any():
                k = int(off.sum())
                bound = 1 - 0.05 ** (1 / len(window))
                m = re.search(r"(\d+) of 3 units (?:was|were) off on every one of the ([\d,]+) points of the last "
                              r"([\d,]+) sampled batch(?:es)?: too few points to call (?:it|them) dead, since a unit "
                              r"on at ([\d.]+)% of points misses ([\d,]+) in a row 1 time in 20", row.words)
                assert m, (step, row.words)
                assert int(m[1]) == k and int(m[2]) == len(window) == int(m[3]) == int(m[5])
                assert float(m[4]) == float(f"{bound * 100:.2g}")
                seen_words = True
        else:  # a full window of 100 points: the unit never on is dead, the 9% one on in it is not
            assert row.dead == int(off.sum()), (step, row.words)
            assert off[1] and row.dead >= 1
    assert seen_words
    # the premise: unit 0 was on at some steps, and off on some stretch of the window's early steps
    assert 0 < np.array(on)[:, 0].sum() < 40


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.integers(1, 40), steps=st.integers(1, 40), window=st.integers(1, 12),
       biases=st.lists(st.sampled_from([-50.0, -2.5, -1.5, -0.5, 0.5, 50.0]), min_size=2, max_size=6),
       seed=st.integers(0, 2**16))
def test_a_unit_counted_dead_was_off_on_the_points_dead_needs_unless_its_whole_layer_was(batch, steps, window,
                                                                                          biases, seed):
    """Whatever the batch size, window and units: each unit counted dead was off, by the hook's own record, on every
    point of its latest batches holding DEAD_POINTS points at least, unless every unit of the layer was off on the
    latest min(window, DEAD_EVIDENCE) batches (a whole layer off passes no gradient back on any of them) and did not
    come back on after such a silence within the window; and where
    a unit was off on each of a full window holding those points, it is counted."""
    width = len(biases)
    for step, row, on in _run(batch, steps, biases, seed, window):
        record = np.array(on)
        need = min(window, DEAD_EVIDENCE)
        kept = record[-window:]
        streak_points = []  # per unit: the points of its latest batches it was off on every point of
        for u in range(width):
            k = 0
            while k < len(kept) and not kept[-1 - k, u]:
                k += 1
            streak_points.append(k * batch)
        # a unit on after every unit had been off on `need` batches or more, within the window: the layer came back
        # on, and is not wholly dead at once again (W52 finding 3); each unit is then judged on its own
        came_back = any(record[b].any() and b >= need and not record[b - need:b].any()
                        for b in range(max(len(record) - window, 0), len(record)))
        whole = len(kept) >= need and not kept[-need:].any() and not came_back
        if whole:
            assert row.dead == width, (step, row.words)
            continue
        assert row.dead <= sum(p >= DEAD_POINTS for p in streak_points), (step, row.words, streak_points)
        if len(kept) >= need and len(kept) * batch >= DEAD_POINTS:
            assert row.dead >= int((~kept.any(0)).sum()), (step, row.words)


def test_a_window_that_can_never_hold_the_points_says_which_would():
    """At batch size 1 a window of 50 sampled batches holds 50 points, under the DEAD_POINTS that dead needs: the
    words say that waiting will not do, and which window would (the layer's own dead_from)."""
    for step, row, on in _run(1, 12, [-50.0, 50.0], seed=1, window=50):
        if step < DEAD_EVIDENCE:
            continue
        assert row.dead == 0 and row.dead_from == DEAD_POINTS, (step, row)
        assert not np.array(on)[:, 0].any()  # the premise: unit 0 never on
        assert (f"off on every one of the {step} points of the last {step} sampled batches: too few points to call "
                f"it dead") in row.words, row.words
        assert (f"(dead needs {DEAD_POINTS} points at least; not counted dead with this window: at this batch size "
                f"its 50 sampled batches hold fewer than the {DEAD_POINTS} points dead needs "
                f"(Monitor(window={DEAD_POINTS}) would hold them))") in row.words, row.words


def test_a_dying_layer_with_dead_and_silent_units_keeps_both_counts_where_the_window_is_short():
    """The dying layer's words with both kinds of stopped unit, where the window cannot hold the points a silent unit
    needs: both counts stay, and the window is said inside the bracket (it replaced the counts before)."""
    from actlab.interop._monitor_words import Stopping, _stopping_layers

    d = Stopping("module '3' (ReLU)", 64, dead=20, died=20, silent=30, window=50, silent_for=6, need=100, bulk=50,
                 bulk_from=211, bulk_on=201, first_from=211, last_from=211, most=50)
    f = _stopping_layers([d], lambda when, step=None: f"restart {when}", set())
    said = (": 20 dead (derivative 0 on every point of each of the last 50 sampled batches) and 30 gone silent (off "
            "on every point of each of the last 6 sampled batches, not counted dead with this window: at this batch "
            "size its 50 sampled batches hold fewer than the 100 points dead needs (Monitor(window=100) would hold "
            "them))")
    assert said in f.words, f.words
