"""The dying layer's remedy says how the units went (issue 17, W31 walkthrough finding 4): units that went off a few
at a time over many steps (biases pushed down a little every step) read 'one large update can push a ReLU unit below
0', a cause the dates in the same words contradict. Reference: the layers' dates, built by the test."""

from __future__ import annotations

from conftest import require_torch

require_torch()
from actlab.interop._monitor_words import Stopping, _stopping_layers  # noqa: E402


def _layer(bulk: int, first: int, last: int, died: int = 20) -> Stopping:
    return Stopping("module '3' (ReLU)", 32, dead=died, died=died, silent=0, window=6, silent_for=6, need=5,
                    bulk=bulk, bulk_from=46, bulk_on=41, first_from=first, last_from=last, spread_from=first,
                    spread_on=first - 5)


def _finding(layer: Stopping):
    return _stopping_layers([layer], lambda when="", step=None: f"restart ({when})", set())


def _remedy(layer: Stopping) -> str:
    return _finding(layer).remedy


def test_most_units_off_on_one_step_is_one_large_update():
    remedy = _remedy(_layer(bulk=15, first=41, last=61))
    assert remedy.startswith("Lower the learning rate (one large update can push a ReLU unit below 0"), remedy
    assert "restart (saved before training step 41)." in remedy, remedy  # the sampled step before most went off
    assert "(15 of them off on every sampled batch from training step 46 on" in _finding(_layer(15, 41, 61)).words


def test_units_off_a_few_at_a_time_are_not_blamed_on_one_update():
    remedy = _remedy(_layer(bulk=4, first=41, last=86))
    assert "one large update can push" not in remedy, remedy
    assert "here they went off a few at a time, over training steps 41 to 86" in remedy, remedy
    assert remedy.startswith("Lower the learning rate (updates too large for where the weights are"), remedy
    # the words date them as they went, and the checkpoint comes before the first went: not 'before step 41', the
    # sampled step before the 4 that went together
    words = _finding(_layer(bulk=4, first=31, last=86)).words
    # W100 f8: the date of the unit first off read 'those first off there on at training step 31'
    assert ("(first off a few at a time, on sampled steps from training step 31 to 86; the first of them still on at "
            "training step 26, the sampled step before)") in words, words
    assert "off there on" not in words, words
    assert "restart (saved before training step 26)." in _remedy(_layer(bulk=4, first=31, last=86))


def test_one_unit_off_long_before_does_not_date_a_spread_dying():
    # W32: 40 units pushed off four at a time from step 203 (sampled every 10 steps), and one unit that happened to
    # be off on every sampled batch from step 141 on: the layer read 'from training step 141' and its checkpoint
    # moved to before step 131
    from collections import deque

    import numpy as np

    from actlab.interop._monitor_counts import _Counting

    samples = deque(range(1, 402, 10))
    last_active = np.full(64, 391)
    last_active[:40] = [201 + 10 * (k // 4) for k in range(40)]  # four go after each sampled step from 201
    last_active[40] = 131  # the stray one
    died = np.zeros(64, bool)
    died[:41] = True
    off = _Counting._stopped(last_active, samples, died, None)
    assert off["first_from"] == 141  # the stray unit is still the earliest
    assert (off["spread_from"], off["spread_on"]) == (211, 201)  # 41 // 10 = 4: the step by which 4 had gone
    layer = Stopping("module '3' (ReLU)", 64, dead=41, died=41, silent=0, window=10, silent_for=10, need=5,
                     bulk=off["bulk"], bulk_from=off["bulk_from"], bulk_on=off["bulk_on"],
                     first_from=off["first_from"], last_from=off["last_from"], spread_from=off["spread_from"],
                     spread_on=off["spread_on"])
    finding = _finding(layer)
    assert "on sampled steps from training step 211 to 301; the first of them still on at training step 201" in \
        finding.words, finding.words
    assert finding.remedy.endswith("restart (saved before training step 201)."), finding.remedy


def test_a_blow_up_before_the_units_went_dates_the_checkpoint():
    # W32: the words blamed a blow-up at step 201 and named a checkpoint from before step 212
    layer = _layer(bulk=15, first=211, last=221)
    layer = Stopping(**{**layer.__dict__, "bulk_from": 262, "bulk_on": 212})
    remedy = _stopping_layers([layer], lambda when="", step=None: f"restart ({when})", set(), blown_up=201).remedy
    assert remedy.endswith("restart (saved before training step 200)."), remedy


def test_a_run_that_learned_and_lost_it_names_the_earlier_of_its_best_point_and_the_units_last_on():
    """W49 walkthrough, finding 3: a range test's report named 'before step 212' for its dying layer (weights that
    scored 0.834 on the whole data set) and 'before training step 173, where the loss was at its lowest' (0.584) in
    its other finding. The dying layer's remedy now names the best point where that comes first."""
    layer = _layer(bulk=15, first=41, last=61)  # most units last on at step 41
    best = (30, "where the loss was at its lowest (the median of the 9 steps around it, 0.4)")
    found = _stopping_layers([layer], lambda when="", step=None: f"restart ({when})", set(), None, best)
    assert found.remedy.endswith("restart (saved before training step 30, where the loss was at its lowest (the median "
                                 "of the 9 steps around it, 0.4))."), found.remedy
    later = (50, best[1])  # units died before the loss was at its lowest: the checkpoint that holds them alive
    found = _stopping_layers([layer], lambda when="", step=None: f"restart ({when})", set(), None, later)
    assert found.remedy.endswith("restart (saved before training step 41)."), found.remedy
