"""The dying layer's remedy says how the units went (issue 17, W31 walkthrough finding 4): units that went off a few
at a time over many steps (biases pushed down a little every step) read 'one large update can push a ReLU unit below
0', a cause the dates in the same words contradict. Reference: the layers' dates, built by the test."""

from __future__ import annotations

from conftest import require_torch

require_torch()
from actlab.interop._monitor_words import Stopping, _stopping_layers  # noqa: E402


def _layer(bulk: int, first: int, last: int, died: int = 20) -> Stopping:
    return Stopping("module '3' (ReLU)", 32, dead=died, died=died, silent=0, window=6, silent_for=6, need=5,
                    bulk=bulk, bulk_from=46, bulk_on=41, first_from=first, last_from=last, first_on=first - 5)


def _finding(layer: Stopping):
    return _stopping_layers([layer], lambda when="": f"restart ({when})", set())


def _remedy(layer: Stopping) -> str:
    return _finding(layer).remedy


def test_most_units_off_on_one_step_is_one_large_update():
    remedy = _remedy(_layer(bulk=15, first=41, last=61))
    assert remedy.startswith("Lower the learning rate (one large update can push a ReLU unit below 0"), remedy
    assert "restart (saved before step 41)." in remedy, remedy  # the sampled step before most went off
    assert "(15 of them first off on training step 46, a sampled one" in _finding(_layer(15, 41, 61)).words


def test_units_off_a_few_at_a_time_are_not_blamed_on_one_update():
    remedy = _remedy(_layer(bulk=4, first=41, last=86))
    assert "one large update can push" not in remedy, remedy
    assert "here they went off a few at a time, over training steps 41 to 86" in remedy, remedy
    assert remedy.startswith("Lower the learning rate (updates too large for where the weights are"), remedy
    # the words date them as they went, and the checkpoint comes before the first went: not 'before step 41', the
    # sampled step before the 4 that went together
    words = _finding(_layer(bulk=4, first=31, last=86)).words
    assert ("(first off a few at a time, on sampled steps from training step 31 to 86; the first of them on at "
            "training step 26, the sampled step before)") in words, words
    assert "restart (saved before step 26)." in _remedy(_layer(bulk=4, first=31, last=86))
