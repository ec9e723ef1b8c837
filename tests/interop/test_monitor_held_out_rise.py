"""Issue 17 (W39, W40 walkthroughs): a model overfitting its training set, its held-out loss going from 0.343 up to
0.976, read 'healthy' for as long as the held-out loss stayed below chance; a held-out loss given once, at step 3,
read 'not generalising' at step 1,000 of a run that generalised. References: the tests' own held-out losses, computed
on data the model never trains on, and their own medians and lowest."""

from __future__ import annotations

import math

import numpy as np

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

CHANCE = math.log(3)


def _task(n_train: int, noise: float):
    g = torch.Generator().manual_seed(0)
    w = torch.randn(10, 3, generator=g)

    def draw(n, flip):
        x = torch.randn(n, 10, generator=g)
        y = (x @ w).argmax(1)
        flipped = torch.rand(n, generator=g) < flip
        y[flipped] = torch.randint(0, 3, (int(flipped.sum()),), generator=g)
        return x, y

    return (*draw(n_train, noise), *draw(2000, 0.0))


def _train(n_train, noise, steps, give, width=128):
    """Trains on n_train points; ``give(step, model, xv, yv)`` returns the held-out loss to give after a step, or
    None. Returns the monitor, the held-out losses given as (step, loss), and every sampled step's report."""
    torch.manual_seed(0)
    x, y, xv, yv = _task(n_train, noise)
    model = nn.Sequential(nn.Linear(10, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 3))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    given, reports = [], []
    with Monitor(model, every=10, chance_loss=CHANCE) as mon:
        for t in range(1, steps + 1):
            i = torch.randint(0, n_train, (20,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, x[i], y[i], opt)
            if t % 10 == 1:
                reports.append(mon.report())
            with torch.no_grad():
                held = give(t, model, xv, yv)
            if held == "stop":  # held_out(None): a pause
                mon.held_out(None)
            elif held is not None:
                mon.held_out(held)
                given.append((t, held))
    return mon, given, reports


def test_an_overfitting_model_reads_not_generalising_and_names_its_lowest_held_out_step():
    def every_20(t, model, xv, yv):
        return F.cross_entropy(model(xv), yv).item() if t % 20 == 0 else None

    mon, given, reports = _train(300, 0.2, 600, every_20)
    steps, losses = zip(*given, strict=True)
    low = int(np.argmin(losses))
    assert losses[-1] > 1.5 * losses[low] and losses[low] < 0.6 * CHANCE  # the premise: down, then well up
    r = mon.report().reading
    assert r.status.value == "not_generalising", r.words
    before = given[-7:]  # those report() takes in: the one given after step 600, past the last sampled step, too
    assert (f"and of the latest 7 (after steps {before[0][0]:,} to {before[-1][0]:,}) is "
            f"{np.median([v for _, v in before]):.3g}") in r.words, r.words
    # the step named to keep: where the test's own held-out loss was at its lowest, or within 5% of it
    named = int(r.remedy.split("use the one from after training step ")[1].split(";")[0].replace(",", ""))
    assert dict(given)[named] <= 1.05 * losses[low], (named, dict(given)[named], steps[low], losses[low])
    assert "random" not in r.remedy
    # and it was never called healthy once the rise was plain: the latest 7 all 30% above the lowest 7 in a row
    for rep in reports:
        seen = [v for t, v in given if t < rep.step]
        if len(seen) >= 14:
            lowest7 = min(np.median(seen[k:k + 7]) for k in range(len(seen) - 13))
            if min(seen[-7:]) > 1.3 * lowest7:
                assert rep.status == "not_generalising", (rep.step, rep.reading.words)


def test_a_learning_model_judged_on_noisy_held_out_batches_never_reads_not_generalising():
    # one held-out batch of 32 points every 10 steps: swings of 30% and more, the network getting better throughout
    g = torch.Generator().manual_seed(7)

    def one_batch(t, model, xv, yv):
        if t % 10:
            return None
        j = torch.randint(0, 2000, (32,), generator=g)
        return F.cross_entropy(model(xv[j]), yv[j]).item()

    mon, given, reports = _train(20000, 0.0, 800, one_batch, width=64)
    values = np.array([v for _, v in given])
    swings = np.abs(np.diff(np.log(values)))
    assert np.median(swings) > 0.2 and values[-20:].mean() < values[5:25].mean()  # the premise: noisy, and falling
    assert [r.step for r in reports if r.status == "not_generalising"] == [], \
        [(r.step, r.reading.words) for r in reports if r.status == "not_generalising"][:1]


def test_a_held_out_loss_given_once_early_judges_nothing_later():
    def once(t, model, xv, yv):
        return F.cross_entropy(model(xv), yv).item() if t == 3 else None

    mon, given, reports = _train(20000, 0.0, 400, once, width=64)
    r = mon.report().reading
    assert r.status.value == "healthy", r.words
    assert (f"the held-out loss given after training step 3 (the latest given, {mon.report().step - 3:,} training "
            f"steps before this reading) is {given[0][1]:.3g}") in r.words, r.words
    assert "too old to judge the weights of this step, and none given since" in r.words


def test_a_pause_keeps_the_lowest_held_out_loss_for_the_remedy():
    """W42 walkthrough finding 4: held_out(None) at step 100 and held-out losses again from step 300 named 'the one
    from after training step 300' to keep, the run's lowest (after step 40) forgotten."""
    def paused(t, model, xv, yv):
        if t == 101:
            return "stop"
        if t % 20 or 100 < t < 300:
            return None
        return F.cross_entropy(model(xv), yv).item()

    mon, given, reports = _train(300, 0.2, 700, paused)
    r = mon.report().reading
    assert r.status.value == "not_generalising", r.words
    low = min(given, key=lambda g: g[1])
    assert low[0] <= 100  # the premise: the lowest came before the pause
    named = int(r.remedy.split("use the one from after training step ")[1].split(";")[0].replace(",", ""))
    assert named <= 100 and dict(given)[named] <= 1.05 * low[1], (named, low)


def test_a_held_out_loss_given_after_the_last_sampled_step_is_read_by_report_and_the_end_line(tmp_path):
    """W42 finding 7: a validation after the run's last step (the usual end of an epoch loop) was in no reading: the
    final report was of the last sampled step, whose reading took in only those given before it, and the log had it
    nowhere. Reference: the held-out losses the test gives, and their own medians."""
    import json

    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), 0.1)
    # down to 0.41 (41% below chance), then three near chance; the fourth, given after the last step, moves the
    # median of the latest 7 from 0.44 to 0.69: no longer 10% below chance
    given = [0.45, 0.42, 0.44, 0.41, 0.43, 0.42, 0.44, 0.7, 0.69, 0.71, 0.7]
    chance = math.log(2)
    log = tmp_path / "late.jsonl"
    with Monitor(model, every=10, chance_loss=chance, log=log) as mon:
        for epoch, v in enumerate(given):
            for _ in range(10):
                monitored_step(mon, model, x, y, opt)
            if epoch == len(given) - 1:
                before = mon.report()
            mon.held_out(v)
        after = mon.report()
    assert np.median(given[-8:-1]) < 0.9 * chance <= np.median(given[-7:])  # the premise
    assert before.step == after.step == 101  # the last sampled step: every=10 samples steps 1, 11, ..., 101
    assert before.held_out == (100, 0.71) and before.reading.status.value == "healthy", before.reading.words
    assert after.held_out == (110, 0.7) and (110, 0.7) in after.held_out_given
    assert after.reading.status.value == "not_generalising", after.reading.words
    assert "down to 0.41 after training step 40" in after.reading.words
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines[-2]["step"] == 101 and lines[-2]["held_out"] == [100, 0.71]  # its line, as it was written
    end = lines[-1]
    assert end["event"] == "end" and end["held_out_given"] == [[110, 0.7]] and end["held_out"] == [110, 0.7]
    assert end["reading"]["status"] == "not_generalising" and end["reading"]["words"] == after.reading.words
    from actlab.monitor_log import check_record

    assert check_record(end) == ("end", None)


def test_an_end_line_with_no_late_held_out_loss_carries_nothing_more(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    log = tmp_path / "plain.jsonl"
    with Monitor(model, every=1, log=log) as mon:
        for _ in range(3):
            mon.held_out(0.5)  # before each step: the step's line carries it
            monitored_step(mon, model, torch.randn(8, 4), torch.randint(0, 2, (8,)))
    import json

    assert json.loads(log.read_text().splitlines()[-1]) == {"event": "end", "steps_run": 3, "run": mon._run_id}
