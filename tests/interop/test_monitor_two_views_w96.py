"""Issue 17, W96 walkthrough finding 4: two views through one encoder driven by its parts (z1, z2 = enc(x1),
enc(x2)) read '400 of 512 hidden units are dead' of a 256-unit layer: each call's units were counted again. The
reading now counts each unit once over its calls, dead where it is off at every call, as the same encoder on the two
views concatenated reads. References: the units killed by construction, and the test's own count of the units that
were on at some call (a forward hook of its own)."""

from __future__ import annotations

import re

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

WIDTH, KILLED, ONE_VIEW = 256, 200, 10  # units 0-199 dead at both calls, 200-209 on at the second view's call only


def _run(together: bool, lr: float = 0.05, act: type[nn.Module] = nn.ReLU, one_view_bias: float = -5.0):
    torch.manual_seed(0)
    enc = nn.Sequential(nn.Linear(32, WIDTH), act(), nn.Linear(WIDTH, 64))
    model = nn.ModuleDict(dict(enc=enc, pred=nn.Linear(64, 64)))
    with torch.no_grad():
        enc[0].bias[:KILLED] = -100.0
        enc[0].weight[KILLED:KILLED + ONE_VIEW] = 0.0
        enc[0].weight[KILLED:KILLED + ONE_VIEW, 0] = 1.0  # on where input 0 is above 5: the second view only
        enc[0].bias[KILLED:KILLED + ONE_VIEW] = one_view_bias
    on = torch.zeros(2, WIDTH, dtype=torch.bool)  # each unit on at some step, at the step's first and second call
    calls = 0
    slopes = {}  # a sigmoid's mean slope a(1 - a) per unit at the latest step's first and second call

    def seen(module, inputs, output):
        nonlocal calls
        a = output.detach()
        on[calls % 2] |= (a > 0).any(dim=0)
        slopes[calls % 2] = (a * (1 - a)).mean(dim=0)
        calls += 1

    enc[1].register_forward_hook(seen)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    with Monitor(model, every=1) as mon:
        for _ in range(40):
            x = torch.randn(128, 32).clamp(-3, 3)
            x1, x2 = x.clone(), x.clone()
            x1[:, 0], x2[:, 0] = 0.0, 10.0
            with mon.step() as s:
                if together:
                    z1, z2 = model["enc"](torch.cat([x1, x2])).chunk(2)
                else:
                    z1, z2 = model["enc"](x1), model["enc"](x2)
                p1, p2 = model["pred"](z1), model["pred"](z2)
                loss = -(F.cosine_similarity(p1, z2.detach()).mean() + F.cosine_similarity(p2, z1.detach()).mean())
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    if act is nn.Sigmoid:
        return mon.report(), slopes
    return mon.report(), (~on[0]).sum().item(), (~on[1]).sum().item(), (~(on[0] | on[1])).sum().item()


def _dead_count(words: str) -> tuple[int, int]:
    m = re.search(r"(\d+) of (\d+) hidden units (?:is|are) dead", words)
    assert m, words
    return int(m[1]), int(m[2])


def test_two_views_through_the_encoders_parts_count_each_unit_once():
    report, first, second, never = _run(together=False)
    assert never == KILLED and first >= KILLED + ONE_VIEW  # the premise: the second view's units were on
    assert _dead_count(report.reading.words) == (never, WIDTH), report.reading.words
    assert "counted at each call" not in report.reading.words
    # each call's own row still counts its own call's units
    rows = {row.name: row.dead for row in report.layers}
    assert rows == {"enc.1": first, "enc.1#2": second}, rows


def test_the_two_views_concatenated_read_the_same_count():
    report, *_, never = _run(together=True)
    assert never == KILLED
    assert _dead_count(report.reading.words) == (never, WIDTH), report.reading.words
    assert [row.name for row in report.layers] == ["enc.1"]


def test_a_sigmoid_unit_flat_on_one_view_only_is_not_counted_saturated():
    """Units 200-209 sit at a sigmoid input of -10 on the first view (slope 4.5e-5) and of 0 on the second (slope
    0.25): saturated at one call, not at the other. Saturated, as the reading counts it: the mean slope under 1% of
    the sigmoid's largest, 0.25, at every call. Reference: the test's own mean slopes at the latest step."""
    report, slopes = _run(together=False, lr=0.0, act=nn.Sigmoid, one_view_bias=-10.0)
    flat = (slopes[0] < 0.01 * 0.25) & (slopes[1] < 0.01 * 0.25)
    assert int(flat.sum()) == KILLED and int((slopes[0] < 0.01 * 0.25).sum()) == KILLED + ONE_VIEW  # the premise
    m = re.search(r"(\d+) of (\d+) hidden units (?:is|are) saturated", report.reading.words)
    assert m and (int(m[1]), int(m[2])) == (KILLED, WIDTH), report.reading.words
    rows = {row.name: row.saturated for row in report.layers}
    assert rows == {"enc.1": KILLED + ONE_VIEW, "enc.1#2": KILLED}, rows
