"""W99 walkthrough finding 2: a learning rate raised for a while and put back is no rate to lower now. References: the
rates' own changes, as a monitor reads them ((label, first step, last step, changes))."""

from __future__ import annotations

from actlab.reading_record import RunSummary
from actlab.reading_remedies import offers_lower_lr, rate_restored
from actlab.readings import TORCH_LEVERS


def _summary(*changes) -> RunSummary:
    rates = tuple(("", 1, 1800, tuple(c)) for c in changes)
    return RunSummary((), 1.0, loss=2.3, chance_loss=2.3, steps=1800, levers=TORCH_LEVERS, learning_rates=rates)


def test_a_rate_raised_and_put_back_is_found_with_its_steps():
    s = _summary([(1, 0.05), (601, 5.0), (651, 0.05)])
    assert rate_restored(s) == (0.05, 5.0, 601, 651)
    assert not offers_lower_lr(s)
    lowered = _summary([(1, 0.05), (601, 5.0), (651, 0.01)])  # put back under where it was: found too
    assert rate_restored(lowered) == (0.05, 5.0, 601, 651)


def test_no_rate_put_back_is_found_where_there_is_none():
    for changes in (
        [(1, 0.05), (601, 5.0)],  # raised and kept there
        [(1, 0.05), (601, 5.0), (651, 0.06)],  # brought down, not as far as it was
        [(1, 0.05), (601, 5.0), (651, 0.05), (700, 1.0)],  # put back, then raised again
        [(1, 0.05), (300, 0.005)],  # only lowered (a step decay)
        # a cosine schedule with a restart: from near 0 back up to 0.05, and down to 1e-4, not to where it was raised
        [(1, 0.05), (200, 0.02), (400, 1e-5), (401, 0.05), (600, 1e-4)],
    ):
        s = _summary(changes)
        assert rate_restored(s) is None, changes
        assert offers_lower_lr(s), changes
    assert rate_restored(RunSummary((), 1.0)) is None  # no rates read: nothing known


def test_several_groups_the_latest_raise_put_back_is_named():
    s = _summary([(1, 0.05), (300, 0.5), (350, 0.05)], [(1, 1e-3), (601, 1e-2), (700, 1e-3)])
    assert rate_restored(s) == (1e-3, 1e-2, 601, 700)
