"""A layer that a blow-up killed is dated by the blow-up, and a checkpoint comes before the update that started its
climb (issue 17, W35 walkthrough finding 3): at batch size 1 under every="auto", lr 3,000 on step 150's update took
the loss to 632 at step 151 and 6,947 at step 152; the layer read 'first off a few at a time, on sampled steps from
training step 62 to 212; those first off there on at training step 12' and named a checkpoint saved before step 12,
throwing away 140 good steps. With one point a sample, a unit on at half of them is off on two samples in a row one
time in four. References: the script's own losses (the climb's first step past BLOW_UP_LOSS x chance) and its own
forward hook (the units were on up to the blow-up)."""

from __future__ import annotations

import math
import re

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.reading_loss import BLOW_UP_LOSS  # noqa: E402
from actlab.reading_record import times  # noqa: E402
from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

CHANCE = math.log(4)


def _run(batch: int, every: int, steps: int, spike: int, mult: float, kill_at: int | None = None, first: int = 0):
    """W35's s2_spike.py: 4 Gaussian blobs, a ReLU MLP under SGD 0.05, step `spike`'s update at lr x mult; where
    `kill_at` is given, 40 of layer '3''s 64 units are pushed far off before that step. With `first`, the steps
    sampled are first, first + every, ... (every="auto"'s in the walkthrough: 12, 62, 112, ...), by sample=True.
    Returns the reports by step, the script's own losses, and its hook's record of which units of module '3' were on
    for some row."""
    torch.manual_seed(1)
    centers = torch.randn(4, 20)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    on, losses, reports = [], [], {}
    model[3].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    mon = Monitor(model, every=10**6 if first else every, chance_loss=CHANCE)
    for step in range(1, steps + 1):
        if step == kill_at:
            with torch.no_grad():
                model[2].bias[:40] = -1e3
        y = torch.randint(0, 4, (batch,))
        x = centers[y] + torch.randn(batch, 20)
        before = mon.sampled_steps
        with mon.step(sample=bool(first) and step >= first and (step - first) % every == 0) as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        losses.append(loss.item())
        if mon.sampled_steps > before:
            reports[step] = mon.report()
        for g in opt.param_groups:
            g["lr"] = 0.05 * (mult if step == spike else 1)
        opt.step()
        opt.zero_grad()
    return reports, losses, torch.stack(on)


def test_a_layer_a_blow_up_killed_at_batch_size_one_is_dated_by_it():
    torch.set_num_threads(1)
    reports, losses, on = _run(batch=1, every=50, steps=600, spike=150, mult=3000.0, first=12)
    # the script's own losses: the climb's first step past the line, after the spiked update
    climb = next(t for t in range(151, 600) if losses[t - 1] > BLOW_UP_LOSS * CHANCE)
    assert climb == 151 and max(losses) > 1e3 * CHANCE  # the premise: a blow-up, from step 150's update
    dying = {t: r.reading for t, r in reports.items()
             if any(f.status is Status.DEAD_LAYER and f.words.startswith("dying layer") for f in r.reading.findings)}
    assert dying, {t: r.reading.words[:80] for t, r in reports.items()}
    thrown = 0
    for t, reading in dying.items():
        finding = next(f for f in reading.findings if f.words.startswith("dying layer"))
        m = re.search(r"\((all|\d+) of them off on every sampled batch since the loss shot up at training step "
                      r"(\d+(?:,\d{3})*)", finding.words)
        if m:  # dated by the blow-up, the checkpoint before the update of the step before the climb (the spiked one)
            assert int(m[2].replace(",", "")) == climb, (t, finding.words)
            assert f"saved before training step {climb - 1:,}" in finding.remedy, (t, finding.remedy)
            thrown += 1
        else:  # or by the sampled step just before the climb, where most were last seen on (112: 12, 62, 112, ...)
            assert "off on every sampled batch from training step 162 on; on at training step 112" in finding.words, (
                t, finding.words)
            assert "saved before training step 112" in finding.remedy, (t, finding.remedy)
        # never the samples' noise: 'a few at a time', a checkpoint before step 12
        assert "a few at a time" not in finding.words and "before step 12." not in finding.remedy, (t, finding.remedy)
    assert thrown >= len(dying) // 2, dying
    # the hook's own record: the units of module '3' that were on at the sampled steps before the blow-up and never
    # after step 200 were on at some training step within the 30 before the climb (they were alive up to it)
    after = on[200:].any(0)
    gone = ~after & on[:climb].any(0)
    assert int(gone.sum()) >= 32
    assert int((gone & on[climb - 30:climb].any(0)).sum()) >= 0.9 * int(gone.sum())


def test_units_killed_long_before_a_blow_up_keep_their_own_date():
    """At batch size 64 the dates of the sampled batches hold: 40 units pushed off before step 101 and a blow-up from
    step 300's update do not read as killed by the blow-up, and the checkpoint comes before step 100."""
    torch.set_num_threads(1)
    reports, losses, on = _run(batch=64, every=10, steps=420, spike=300, mult=3000.0, kill_at=101)
    assert int((~on[101:].any(0)).sum()) >= 40  # the premise: the pushed units never came back
    assert max(losses[300:]) > BLOW_UP_LOSS * CHANCE  # and the loss blew up after
    late = [r.reading for t, r in reports.items() if t > 320]
    found = [f for r in late for f in r.findings if f.words.startswith("dying layer")]
    assert found
    for f in found:
        assert "since the loss shot up" not in f.words, f.words
        assert "off on every sampled batch from training step 101 on" in f.words, f.words
        m = re.search(r"saved before training step (\d+(?:,\d{3})*)", f.remedy)
        assert m and int(m[1].replace(",", "")) <= 100, f.remedy


def test_a_blow_up_s_checkpoint_comes_before_its_climb_not_its_peak():
    """Scripted losses near chance, 632 at step 11 (past the line), the peak at step 12, then near chance again: the
    remedy names a checkpoint before step 10 (step 10's update made the climb), where the peak's step named 11."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 4))
    mon = Monitor(model, every=1, chance_loss=CHANCE)
    x = torch.randn(32, 4)
    losses = [1.39, 1.38, 1.4, 1.37] * 2 + [1.38, 1.39, 632.0, 6947.0] + [1.38, 1.39, 1.4, 1.37] * 3
    for v in losses:
        with mon.step() as s:
            model(x).square().mean().backward()
            s.loss = torch.tensor(v, dtype=torch.float64)
        model.zero_grad()
    r = mon.report().reading
    assert "blew up to 6.95e+03 at training step 12" in r.words, r.words
    assert "from before training step 10)" in r.remedy, r.remedy


def test_a_loss_that_blew_up_past_its_level_now_names_the_peak_and_the_loss_before_it():
    """W35 walkthrough finding 5: lr 1e7 on step 95's update took the loss from 0.0458 to 7.7e32 over three steps, and
    it then sat near 6e3; the words said 'it has stayed around 0.371 between training steps 31 and 121 ..., no lower
    than 0.0789 and no higher than 7.38e+03' (a median of losses from before and after the jump), then '...; every run
    begins near chance', and never named the peak. References: the script's own losses."""
    torch.set_num_threads(1)
    reports, losses, _ = _run(batch=32, every=10, steps=200, spike=95, mult=1e7)
    peak = max(v for v in losses if math.isfinite(v))
    t_peak = losses.index(peak) + 1
    climb = next(t for t in range(96, 200) if losses[t - 1] > BLOW_UP_LOSS * CHANCE)
    assert climb == 96 and peak > 1e20 and 1e3 * CHANCE < losses[-1] < peak / 1e6  # the premise
    for t, r in reports.items():
        if t <= t_peak:
            continue
        words = r.reading.words
        assert r.status is Status.DIVERGED, (t, words)
        assert words.startswith(f"diverged: the loss blew up to {peak:.3g} at training step {t_peak}"), (t, words)
        assert f"from {losses[climb - 2]:.3g} at training step {climb - 1}, and it is {losses[t - 1]:.3g} now" in words
        held = [u for u in reports if u <= t][-10:]  # the sampled losses the reading holds
        since = [losses[u - 1] for u in held if u > t_peak]
        if len(since) >= 2:
            first = min(u for u in held if u > t_peak)
            assert (f"its sampled losses from training step {first:,} on ({len(since)} sampled steps) have been "
                    f"between {min(since):.3g} and {max(since):.3g}") in words, (t, words)
        assert "stayed around" not in words and "every run begins near chance" not in words, (t, words)
        assert r.reading.remedy.endswith(f"(one from before training step {climb - 1})."), (t, r.reading.remedy)


def test_a_steady_noisy_climb_is_read_as_a_climb_not_as_blow_ups():
    """W36 walkthrough finding 3: SGD at lr 0.03 took a regression's loss from 15 to 29,000 (chance 13.9) over 300
    steps; each time the noisy climb crossed 30 x chance the reading named a 'blow-up' (at steps 75, 141, 164, 176,
    261 in turn), with checkpoints from the middle of the divergence. Scripted here: a loss growing 2.2% a step with
    log-normal noise (CV 0.5) from near chance; the reference is the scripted losses."""
    import random

    from interop._scripted_losses import CHANCE as TEN
    from interop._scripted_losses import scripted_run

    rnd = random.Random(7)
    losses = [TEN * 1.022 ** t * math.exp(0.5 * rnd.gauss(0, 1)) for t in range(260)]
    assert max(losses[:200]) > BLOW_UP_LOSS * TEN and losses[-1] < 1e3 * TEN  # past the line, short of diverging
    seen = scripted_run(losses)
    said = [t + 1 for t, r in enumerate(seen) if "blew up" in r.reading.words]
    assert said == [], (said[:5], seen[said[0] - 1].reading.words if said else "")
    # never read as learning, and said far above chance at the end
    assert all(r.status is not Status.HEALTHY for r in seen[100:])
    mean = sum(losses[-50:]) / 50
    # (past FAR_JUDGE_STEPS updates, far above chance and not falling, it is judged: 'not learning: after 260 updates
    # the loss is above chance, 210 times it')
    words = seen[-1].reading.words
    assert f"the loss is {times(mean / TEN)} times chance" in words or \
        f"the loss is above chance, {times(mean / TEN)} times it" in words, words
