"""Issue 17 (W14 item 7): a blown-up run's reading says what its recent sampled losses show as a whole.

W14 raised the learning rate to 1e5 at step 150 of a ReLU-Tanh MLP: the loss peaked at 2.3e6 and then sat noisily
around 1e6, and the reading said 'it rose from 9.34e+05 over the last 10 sampled losses', comparing two noisy values.
The words now say rising, falling back, or staying around the median between the lowest and the highest, each true of
the window it is said of (checked here against the window itself, by statistics.median, min and max). The same run's
tanh units were all saturated and no hidden weight got a gradient: the headline says that too.
"""

from __future__ import annotations

import re
import statistics

from hypothesis import given
from hypothesis import strategies as st

from actlab.reading_loss import trend
from actlab.readings import LayerSummary, RunSummary, Status, diagnose

# the summary of W14's run at sampled step 260 (/tmp/r9/s6b.py: s6_live.py 260 steps, lr 1e5 from step 150)
W14_LOSSES = (783934.4375, 549713.1875, 722023.1875, 897207.125, 579165.625, 1122235.0, 780132.1875, 642871.8125,
              1281281.5, 1401633.875)
W14_LAYERS = (LayerSummary("relu", 64, 0.0, signal_norm=0.0, label="module '1' (ReLU)", weights="'0.weight'"),
              LayerSummary("tanh", 64, 0.0, saturated=64, signal_norm=68066.0, label="module '3' (Tanh)",
                           weights="'2.weight'"))


def run(losses, steps=None, layers=W14_LAYERS, out=5.42, chance=2.302585092994046):
    return RunSummary(layers, out, loss=sum(losses) / len(losses), chance_loss=chance, steps=260,
                      keeps_last_finite=False, recent_losses=tuple(losses),
                      recent_loss_steps=tuple(steps) if steps is not None else None,
                      lowest_judged_loss=1.03, lowest_judged_step=151)


def test_a_noisy_plateau_far_above_chance_reads_as_staying_not_rising():
    r = diagnose(run(W14_LOSSES, range(251, 261)))
    assert r.status is Status.DIVERGED
    assert "rose" not in r.words
    # R10: nor is the window a climb (its halves' medians are 7.22e5 and 1.12e6): it stayed above 1,000 x chance
    assert ("it has stayed above 1,000 times chance between training steps 251 and 260 (the losses of 10 sampled "
            "steps), around 7.82e+05, no lower than 5.5e+05 and no higher than 1.4e+06") in r.words


def test_the_headline_of_a_blow_up_names_the_saturated_layer_that_stops_every_hidden_gradient():
    r = diagnose(run(W14_LOSSES, range(251, 261)))
    assert r.words.startswith("diverging:")
    assert "also, no gradient reaches '0.weight'" in r.words
    assert "every unit of module '3' (Tanh) is saturated" in r.words
    assert r.evidence["off_layers"] == [2]
    assert any(f.status is Status.VANISHING for f in r.findings[1:])


def test_a_blow_up_whose_ratios_are_only_large_keeps_vanishing_out():
    # no layer is off: a tiny ratio of enormous gradients is no second cause (the rule before this change)
    layers = (LayerSummary("relu", 64, 1e-4, label="module '1' (ReLU)", weights="'0.weight'"),)
    r = diagnose(run(W14_LOSSES, range(251, 261), layers=layers, out=1e3))
    assert r.status is Status.DIVERGED and "also," not in r.words
    assert all(f.status is not Status.VANISHING for f in r.findings)


def test_a_climb_still_reads_as_a_rise():
    r = diagnose(run((86.8, 1.14e20, 4.19e33), (1, 8, 15), chance=88.1))
    assert "and it rose from 86.8 between training steps 1 and 15 (the losses of 3 sampled steps)" in r.words


def test_a_peak_that_fell_back_says_so():
    losses = (3e3, 2.3e6, 2e6, 1.9e6, 5e5, 3e5, 2e5, 1e5)
    r = diagnose(run(losses, range(153, 161)))
    assert r.status is Status.DIVERGED
    assert "it peaked at 2.3e+06 at training step 154 (a sampled one) and fell back to 1e+05" in r.words


def test_a_loss_that_stayed_far_above_chance_says_where_once():
    r = diagnose(run((6e5, 5e5, 4.5e5, 4e5), range(47, 51), chance=0.69))
    assert ("it has stayed above 1,000 times chance between training steps 47 and 50 (the losses of 4 sampled "
            "steps), around 4.75e+05, no lower than 4e+05 and no higher than 6e+05; every run begins near "
            "chance") in r.words
    r = diagnose(run((2e6, 1e6, 5e5, 2e5), None, chance=0.69))
    assert ("over the last 4 sampled losses (it peaked at 2e+06, the highest of the last 4 sampled losses, and fell "
            "back to 2e+05)") in r.words


def _num(text: str) -> float:
    return float(text)


@given(st.lists(st.floats(1e-3, 1e12), min_size=2, max_size=10), st.booleans())
def test_the_trend_words_are_true_of_any_window(losses, dated):
    steps = list(range(5, 5 + 3 * len(losses), 3)) if dated else None
    words = trend(run(losses, steps))
    lo, hi, last = min(losses), max(losses), losses[-1]
    if words.startswith("it rose from"):
        named = _num(re.match(r"it rose from (\S+?)(?:,| at| between| over)", words).group(1))
        assert named == float(f"{lo:.3g}") and last == hi and hi > lo
        half = len(losses) // 2
        assert statistics.median(losses[half:]) > 2 * statistics.median(losses[:half])
    elif words.startswith("it peaked at"):
        m = re.match(r"it peaked at ([^\s,]+)[ ,].*fell back to (\S+)$", words)
        assert _num(m.group(1)) == float(f"{hi:.3g}") and _num(m.group(2)) == float(f"{last:.3g}")
        assert last < hi / 2
    elif words.startswith("it has swung between"):  # W26 finding 4: no level to stay around
        m = re.match(r"it has swung between (\S+) and ([^\s,]+)[ ,].*its median (\S+)$", words)
        assert _num(m.group(1)) == float(f"{lo:.3g}") and _num(m.group(2)) == float(f"{hi:.3g}")
        median = statistics.median(losses)
        assert _num(m.group(3)) == float(f"{median:.3g}") and hi > 10 * median and lo < median / 10
    else:
        m = re.match(r"it has stayed around (\S+) (?:between|over) .*no lower than (\S+) and no higher than (\S+)$",
                     words)
        assert m, words
        assert _num(m.group(1)) == float(f"{statistics.median(losses):.3g}")
        assert _num(m.group(2)) == float(f"{lo:.3g}") and _num(m.group(3)) == float(f"{hi:.3g}")
        median = statistics.median(losses)
        assert hi <= 10 * median or lo >= median / 10  # a level it stayed around
    if dated:
        named = {int(t) for m in re.finditer(r"steps? (\d+)(?: and (\d+))?", words) for t in m.groups() if t}
        assert named <= set(steps)


def test_losses_spread_over_orders_of_magnitude_are_said_to_swing():
    """Walkthrough W26, finding 4: a blown-up run's recent losses read 'it has stayed around 181, no lower than
    1.23e-07 and no higher than 1.24e+05'. Losses reaching ten times their median and below a tenth of it swing."""
    losses = [1.23e-7, 3.1e-4, 0.52, 181.0, 181.0, 960.0, 1.24e5, 2.2e3, 40.0]
    words = trend(run(losses))
    assert words.startswith("it has swung between 1.23e-07 and 1.24e+05") and "stayed" not in words, words
    assert words.endswith(f"its median {statistics.median(losses):.3g}"), words
