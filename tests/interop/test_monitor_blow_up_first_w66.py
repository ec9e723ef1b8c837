"""Issue 17, W66 walkthrough finding 1: a GRU at lr 10 had losses 0.713, 0.892, 1.68, 58.4 (step 4, 84 times chance),
34.2, 1.67, 79.6, 26.4, 92.1, 21.3, 127.7 (step 11), 14.5, ..., and its highest, 165.9, at step 46. The reading said
'the loss blew up to 128 at training step 11 (180 times chance), from 0.892 at training step 2', and its remedy 'the
loss blew up to 128 at training step 11': a practitioner reads step 11 as the blow-up's date, and 128 as the highest
it went. The words now date the blow-up from its first loss past the line and name the peak after it, and a higher
loss later. References: the scripted losses themselves (which step first passed 30 x chance, the peak, the
maximum), by a direct scan."""

from __future__ import annotations

import math
import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.reading_loss import BLOW_UP_LOSS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

CHANCE = math.log(2)
LINE = BLOW_UP_LOSS * CHANCE
W66 = [0.713, 0.892, 1.678, 58.4, 34.2, 1.667, 79.6, 26.4, 92.1, 21.3, 127.7, 14.5]


def _report(losses):
    """Monitor(every=1) over the losses given as s.loss, one a step; the last report."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    mon = Monitor(model, every=1, chance_loss=CHANCE)
    for v in losses:
        with mon.step() as s:
            model(torch.randn(16, 4)).square().mean().backward()
            s.loss = torch.tensor(v, dtype=torch.float64)
        opt.step()
        opt.zero_grad()
    return mon.report()


def _plateau(seed: int, n: int, top_at: int | None = None) -> list[float]:
    """Losses bouncing between 15 and 90 (between 0.3 and 1.9 of the line), never back near chance; where top_at is
    given, 165.9 there."""
    rnd = random.Random(seed)
    out = [rnd.uniform(15.0, 90.0) for _ in range(n)]
    if top_at is not None:
        out[top_at] = 165.9
    return out


def test_the_w66_blow_up_is_dated_from_its_first_loss_past_the_line_with_its_peak_and_highest_named():
    losses = W66 + _plateau(1, 40, top_at=33)  # 165.9 at step 46
    first = next(t for t, v in enumerate(losses, 1) if v > LINE)
    top = max(range(len(losses)), key=losses.__getitem__) + 1
    assert (first, top) == (4, 46)  # the premise: the walkthrough's steps
    r = _report(losses).reading
    assert ("the loss blew up to 58.4 at training step 4 (84 times chance), from 0.892 at training step 2, and went "
            "on to 128 at training step 11 (180 times chance); its highest since was 166, at training step 46") \
        in r.words, r.words
    assert "the loss blew up to 58.4 at training step 4." in r.remedy, r.remedy


def test_a_blow_up_whose_first_loss_past_the_line_is_its_peak_reads_as_before():
    losses = [0.7] * 30 + [120.0] + [0.7] * 30
    r = _report(losses).reading
    assert "the loss blew up to 120 at training step 31 (170 times chance), from 0.7 at training step 30" in r.words, \
        r.words
    assert "went on to" not in r.words and "highest since" not in r.words


_NAMED = re.compile(r"the loss blew up to (\S+) at training step ([\d,]*\d) \([^)]*\)"
                    r"(?:, from (\S+) at training step ([\d,]*\d))?"
                    r"(?:, and went on to (\S+) at training step ([\d,]*\d) \([^)]*\))?"
                    r"(?:; its highest since was (\S+), at training step ([\d,]*\d))?")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.floats(0.5, 1.2), st.floats(25.0, 400.0)), min_size=6, max_size=40), st.integers(0, 99))
def test_whatever_the_words_date_is_the_scripts_own_loss(spikes, seed):
    """Losses near chance, then the drawn ones: whatever step and loss the words name for the blow-up are the list's
    own; where they name a first loss and a peak after it, the first is the first past the line after the level it
    climbed from and a loss under the line came between the two; where they name one, no loss under the line came
    between the first past it and that one; a 'highest since' is the highest loss of the run."""
    losses = [0.7 + 0.01 * random.Random(seed).random() for _ in range(12)] + spikes
    words = _report(losses).reading.words
    m = _NAMED.search(words)
    if m is None:
        assert "blew up" not in words, words
        return
    t1 = int(m[2].replace(",", ""))
    assert f"{losses[t1 - 1]:.3g}" == m[1] and losses[t1 - 1] > LINE
    t0 = int(m[4].replace(",", "")) if m[4] is not None else None
    if t0 is not None:  # the level it climbed from
        assert f"{losses[t0 - 1]:.3g}" == m[3] and t0 < t1, words
        first = next(t for t in range(t0 + 1, t1 + 1) if losses[t - 1] > LINE)
    if m[6] is not None:  # up in more than one go
        t2 = int(m[6].replace(",", ""))
        assert t2 > t1 and f"{losses[t2 - 1]:.3g}" == m[5] and losses[t2 - 1] >= losses[t1 - 1]
        assert any(v <= LINE for v in losses[t1:t2 - 1]), words
        if t0 is not None:
            assert first == t1, words
    elif t0 is not None:  # in one go
        assert all(v > LINE for v in losses[first - 1:t1]), words
    if m[8] is not None:
        t3 = int(m[8].replace(",", ""))
        assert losses[t3 - 1] == max(losses) and f"{max(losses):.3g}" == m[7]
    else:  # no higher loss after the peak named
        peak = int((m[6] or m[2]).replace(",", ""))
        assert max(losses[peak - 1:]) <= losses[peak - 1]
