"""Issue 17 (W51 walkthrough, finding 1): one head's learning rate raised to 1 threw its part of the loss to 9 to
2,900 times its chance level, and the reading said 'The learning rate is no cause here, since part 'cls' learns ...
A task whose targets cannot be predicted from the inputs stays at its chance level'. A part thrown far above its
chance level, or a run that blew up, keeps the learning-rate remedy, and the words say how far above its chance level
the part is; a head cut off from the gradient still reads as one (test_monitor_parts_w46). References: the test's own
per-step parts, their means and the targets' variance."""

from __future__ import annotations

import math
import re

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._tanh_heads import TanhHeads  # noqa: E402


def _run(steps=700, raise_at=400, lr=1.0, every=1, readings=True):
    """The two heads trained by Adam, the regression head's learning rate set to ``lr`` at ``raise_at``: the reading of
    every step after it (where ``readings``), each step's part losses, the parts' chance levels and the last report."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4096, 10, generator=g)
    yc = (x @ torch.randn(10, 4, generator=g)).argmax(1)
    yr = torch.sin(2 * x[:, 0]) + 0.3 * torch.randn(4096, generator=g)
    torch.manual_seed(0)
    model = TanhHeads()
    opt = torch.optim.Adam([{"params": [*model.trunk.parameters(), *model.cls.parameters()], "lr": 3e-3},
                            {"params": model.reg.parameters(), "lr": 3e-3}])
    chances = {"cls": math.log(4), "reg": float(yr.var())}
    own, seen = [], {}
    with Monitor(model, every=every, chance_loss=sum(chances.values()), part_chance=chances) as mon:
        for step in range(1, steps + 1):
            if step == raise_at:
                opt.param_groups[1]["lr"] = lr
            i = torch.randint(0, 4096, (64,), generator=g)
            with mon.step() as s:
                c, r = model(x[i])
                l1, l2 = nn.functional.cross_entropy(c, yc[i]), nn.functional.mse_loss(r, yr[i])
                (l1 + l2).backward()
                s.loss, s.parts = l1 + l2, {"cls": l1, "reg": l2}
            opt.step()
            opt.zero_grad()
            own.append((l1.item(), l2.item()))
            if readings and step > raise_at:
                seen[step] = mon.report().reading
        return seen, own, chances, mon.report()


def test_a_head_thrown_far_above_its_chance_level_keeps_the_learning_rate_remedy():
    seen, own, chances, _ = _run()
    assert max(b for _, b in own[400:]) > 100 * chances["reg"]  # the premise: the head's part blew up
    held = {t: r for t, r in seen.items() if r.status in (Status.NOT_LEARNING, Status.STARTING)
            and "of the loss (s.parts) is below its chance level" in r.words}
    assert held, {t: r.status.value for t, r in seen.items()}
    for t, r in held.items():
        assert not r.remedy.startswith("The learning rate is no cause"), (t, r.remedy)
        assert "stays at its chance level" not in r.remedy, (t, r.remedy)
        assert "lower the learning rate" in r.remedy.lower(), (t, r.remedy)
        m = re.search(r"part 'reg', (\S+) times its chance level \(the mean over the latest (\d+) steps\), holds the "
                      r"whole loss up", r.words)
        if m:  # (a part not twice its chance level reads 'not below its own')
            n = int(m.group(2))
            mean = sum(b for _, b in own[t - n:t]) / n
            assert float(m.group(1).replace(",", "")) == float(f"{mean / chances['reg']:.2g}"), (t, m.group(1), mean)
        else:
            assert "and part 'reg', not below its own, holds the whole loss up" in r.words, (t, r.words)
    assert any("times its chance level (the mean over the latest" in r.words for r in held.values())


class Cut(TanhHeads):
    cut = False

    def forward(self, x):
        h = self.trunk(x)
        return self.cls(h), self.reg(h.detach() if self.cut else h).squeeze(-1)


def test_a_head_frozen_and_cut_off_far_above_its_chance_level_is_said_so_and_sends_no_gradient():
    """W51 walkthrough, findings 1 and 8: a regression head re-initialised, frozen and fed a .detach()ed trunk at step
    300 read 'A task whose targets cannot be predicted from the inputs stays at its chance level' (its part was 47 to
    50 times it), and a note said its loss 'still sends its gradient back into the layers before it'."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4096, 10, generator=g)
    yc = (x @ torch.randn(10, 4, generator=g)).argmax(1)
    yr = torch.sin(2 * x[:, 0])
    torch.manual_seed(0)
    model = Cut()
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    chances = {"cls": math.log(4), "reg": float(yr.var())}
    own = []
    with Monitor(model, every=10, chance_loss=sum(chances.values()), part_chance=chances) as mon:
        for step in range(1, 501):
            if step == 300:
                model.cut = True
                with torch.no_grad():
                    for p in model.reg.parameters():
                        p.normal_(0, 1.0)
                model.reg.requires_grad_(False)
            i = torch.randint(0, 4096, (64,), generator=g)
            with mon.step() as s:
                c, r = model(x[i])
                l1, l2 = nn.functional.cross_entropy(c, yc[i]), nn.functional.mse_loss(r, yr[i])
                (l1 + l2).backward()
                s.loss, s.parts = l1 + l2, {"cls": l1, "reg": l2}
            opt.step()
            opt.zero_grad()
            own.append(l2.item())
        rep = mon.report()
    times = sum(own[-50:]) / 50 / chances["reg"]
    assert times > 2  # the premise: far above its chance level
    r = rep.reading
    assert f"part 'reg', {times:.2g} times its chance level (the mean over the latest 50 steps)" in r.words, r.words
    assert r.remedy.startswith("The learning rate is no cause here, since part 'cls' learns"), r.remedy
    assert "'reg.0.weight' and 'reg.2.weight' are frozen (requires_grad=False)" in r.remedy, r.remedy
    assert "stays at its chance level" not in r.remedy and "far above its chance level" in r.remedy, r.remedy
    note = next(n for n in rep.notes if n.startswith("the output layer, module 'reg.2'"))
    assert "still sends its gradient back" not in note, note
    assert "what 'reg.2' is computed from needs no gradient on this step" in note, note


def test_the_report_names_a_part_s_lowest_mean_after_it_rose():
    """W51 walkthrough, finding 2: after a head's blow-up the note said "'reg' 0.543, 46% below its chance level 1
    (part_chance; its mean over its first 50 steps: 0.637)", which reads as a head that came down; its lowest mean had
    been 0.181. Reference: the test's own part losses, their means over the windows the monitor reads."""
    _, own, chances, rep = _run(every=10, readings=False)
    own = [b for _, b in own]
    note = next(n for n in rep.notes if n.startswith("the loss's parts (s.parts)"))
    m = re.search(r"'reg' \S+, .*?its lowest mean, over the (\d+) steps to training step ([\d,]+), was (\S+)\)", note)
    assert m, note
    n, at = int(m.group(1)), int(m.group(2).replace(",", ""))
    assert at % 10 == 1 and at < 400  # a sampled step's window, before the raise
    assert float(m.group(3)) == float(f"{sum(own[at - n:at]) / n:.3g}")
    lowest = min(sum(own[t - n:t]) / n for t in range(101, 700, 10))  # every sampled step's window the monitor read
    assert abs(float(m.group(3)) - lowest) <= 0.005 * lowest + 1e-3
    assert sum(own[-50:]) / 50 - lowest > 0.1 * chances["reg"]  # the premise: it rose by more than that
