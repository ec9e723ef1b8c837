"""W99 walkthrough finding 2: a learning rate raised for a while and put back is no rate to lower now. References: the
rates' own changes, as a monitor reads them ((label, first step, last step, changes))."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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


def _reference(changes):
    """rate_restored's rule for one group, written out over every raise and every later change."""
    found = None
    latest = changes[-1][1]
    for k in range(1, len(changes)):
        was, (j, to) = changes[k - 1][1], changes[k]
        if not (was > 0 and to >= 1.5 * was and latest <= was) or k >= 2 and changes[k - 2][1] < was:
            continue
        back = next((t for t, lr in changes if t > j and lr <= was), None)
        if back is not None and all(lr <= was for t, lr in changes if t >= back) and (found is None or j > found[2]):
            found = (was, to, j, back)
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0.001, 0.01, 0.05, 0.1, 0.5, 5.0]), min_size=1, max_size=30))
def test_the_latest_raise_put_back_is_the_rules_own(rates):
    changes = [(1, rates[0])]
    for k, lr in enumerate(rates[1:], 2):
        if lr != changes[-1][1]:
            changes.append((k, lr))
    assert rate_restored(_summary(changes)) == _reference(changes)
