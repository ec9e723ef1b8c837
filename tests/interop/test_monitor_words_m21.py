"""M21: the Monitor's words where they were wrong or clumsy (W19's scripts and review). Each test checks the words
and the numbers they carry against plain torch or a direct count.

1. a ReLU applied as a function to a batch norm's output read '2 of 8 units in relu applied as a function to a batch
   norm (batch_norm) computed after module 'c2', not its output are dead';
2. one nn.ReLU reused at three depths was said to be used 'as in a siamese network';
3. counts and nouns: '1 of 1 output units', '1 sampled steps timed';
4. gradient accumulation over blocks: 160 blocks read as 160 updates, with no word that they are not optimiser steps;
5. 'sampled step 7' read like the 7th sample;
6. units killed mid-run read 'rarely active' until counted dead; the 'healthy' loss words vanished when the dying
   finding took their place; its remedy spliced its restart words;
7. a loop on torch.autograd.grad that never sets .grad was told to call loss.backward()."""

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.interop import _monitor_base, _monitor_words  # noqa: E402
from actlab.interop._monitor_base import START_WEIGHTS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

# the helpers are looked up when a test runs, so that each test fails by itself on code without them
_stopping_layers = _monitor_words._stopping_layers
Stopping = _monitor_words.Stopping


def _counted(*a):
    return _monitor_words._counted(*a)


def _latest(*a):
    return _monitor_words._latest(*a)


def _share(*a):
    return _monitor_words._share(*a)


def torch_restart(*a):
    return _monitor_base.torch_restart(*a)

# 1. a ReLU applied as a function to a batch norm


class _ConvBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.bn1 = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c2, self.bn2 = nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        h = F.relu(self.bn1(self.c1(x)))
        h = F.relu(self.bn2(self.c2(h)))  # on the batch norm's output: not c2's
        return self.fc(h.mean((2, 3)))


def test_a_relu_on_a_batch_norm_reads_as_one_sentence():
    torch.manual_seed(0)
    model = _ConvBN()
    with torch.no_grad():
        model.bn2.bias[:2] = -20.0  # 2 of 8 channels off everywhere (batch norm's output is about N(0, 1) plus bias)
    x, y = torch.randn(16, 3, 8, 8), torch.randint(0, 10, (16,))
    with torch.no_grad():  # the reference: channels of the second relu never above 0 on the batch
        h = F.relu(model.bn2(model.c2(F.relu(model.bn1(model.c1(x))))))
    off = int(((h > 0).sum((0, 2, 3)) == 0).sum())
    assert off == 2
    mon = Monitor(model, every=1)
    for _ in range(6):  # no optimiser step: the same batch and weights every step
        with mon.step():
            F.cross_entropy(model(x), y).backward()
        model.zero_grad()
    row = mon.report().layers[1]
    assert "batch_norm" in row.name and row.dead == off and row.width == 8
    assert row.words == ("acts on a batch norm (batch_norm) computed after module 'c2' (not its output); "
                         f"{off} of 8 units in this relu are dead over the last 6 sampled batches (by index: 0, 1)")
    assert "not its output are" not in str(mon.report())


# 2. one activation module reused at three depths


class _SharedAct(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3, self.out = nn.Linear(8, 32), nn.Linear(32, 32), nn.Linear(32, 32), nn.Linear(32, 2)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.out(self.act(self.l3(self.act(self.l2(self.act(self.l1(x)))))))


def test_a_relu_reused_at_three_depths_is_not_called_siamese():
    torch.manual_seed(0)
    model = _SharedAct()
    with torch.no_grad():
        model.l2.bias[:10] = -50.0
    x, y = torch.randn(64, 8), torch.randint(0, 2, (64,))
    outs = []
    model.act.register_forward_hook(lambda m, i, o: outs.append(o.detach()))
    mon = Monitor(model, every=1)
    for _ in range(5):
        outs.clear()
        with mon.step():
            F.cross_entropy(model(x), y).backward()
        model.zero_grad()
    r = mon.report()
    dead = [int(((o > 0).sum(0) == 0).sum()) for o in outs]  # same batch and weights on every step
    assert [l.dead for l in r.layers] == dead and dead[1] >= 10
    note = next(n for n in r.notes if "ran 3 times in one forward" in n)
    assert "siamese" not in note
    assert "reused after several layers" in note and "'act#2', 'act#3' the later ones" in note


# 3. counts and nouns at 0, 1 and many


@given(st.integers(0, 10**6), st.sampled_from([("unit", ""), ("sampled batch", "sampled batches")]))
def test_a_count_takes_its_noun_in_the_right_number(n, noun):
    one, many = noun[0], noun[1] or noun[0] + "s"
    words = _counted(n, one, noun[1])
    assert words == ("no " + one if n == 0 else f"{n:,} {one}" if n == 1 else f"{n:,} {many}")
    latest = _latest(max(n, 1), one, noun[1])
    assert latest == (f"the last {one}" if n <= 1 else f"the last {n:,} {many}")


@given(st.integers(1, 10**5), st.data())
def test_k_of_n_reads_right_at_every_count(n, data):
    k = data.draw(st.integers(0, n))
    words = _share(k, n, "output unit")
    # whole numbers only: '1 of 100 output units' holds the characters '1 of 1' and is right
    assert not re.search(rf"\b1 of 1\b|\b{n:,} of {n:,}\b|\b1 output units\b", words), words
    if n == 1:
        assert words == ("the only output unit" if k else "no output unit")
    elif k == n:
        assert words == f"all {n:,} output units"
    elif k == 0:
        assert words == f"none of the {n:,} output units"
    else:
        assert words == f"{k:,} of {n:,} output units"


def test_a_wide_confident_output_reads_all_of_its_units():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4), nn.Sigmoid())
    with torch.no_grad():
        model[2].bias.fill_(12.0)
    x = torch.randn(64, 8)
    mon = Monitor(model, every=1)
    with mon.step():
        F.binary_cross_entropy(model(x), torch.ones(64, 4)).backward()
    with torch.no_grad():
        assert bool((model(x) > 0.99).all())  # the reference: every output unit at the level 1
    assert "all 4 output units saturated (after the output layer" in mon.report().layers[-1].words


@pytest.mark.parametrize("timed, words", [
    (0, "no sampled step timed since, and the figures are taken again after 4."),
    (1, "1 sampled step timed since, and the figures are taken again after 4."),
    (3, "3 sampled steps timed since"),
    (5, "Provisional: 5 sampled steps timed so far; the figures settle after about 16."),  # no step sampled here
])
def test_the_cost_note_counts_its_timed_steps_in_words(timed, words):
    mon = Monitor(nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1)), every="auto")
    mon.every, mon.sampled_extra, mon.fixed_cost, mon.calibrated_cost = 10, 0.1, 0.001, 0.011
    mon._step_seconds, mon.fixed_seconds = 1e-3, 1e-6
    mon._times["extra"].clear()
    mon._times["extra"].extend([0.1] * timed)
    note = mon._cost_note()
    assert words in note
    assert not re.search(r"\b1 sampled steps\b|\b0 sampled step", note)


def test_a_dying_layer_of_one_unit_reads_in_the_singular():
    f = _stopping_layers([Stopping("module 'h'", 2, 1, 1, 0, 1, 0, 5, 1, 9, 8, 9, 9)], torch_restart, set())
    assert ("1 of 2 units of module 'h' was active earlier in the run and has had derivative 0 on every point of the "
            "last sampled batch (off on every sampled batch from training step 9 on)") in f.words
    # before the sampled step they were last on: the update after it may be the one that killed them (W27)
    assert f.remedy.endswith(f"restart from {START_WEIGHTS} or from a checkpoint saved before training "
                             "step 8.")


# 6. the dying finding's restart words are an argument, not a splice


def test_the_dying_remedy_takes_its_restart_words_from_the_function_it_is_given():
    asked = []

    def restart(checkpoint: str = "saved at the start", step: int | None = None) -> str:
        asked.append(checkpoint)
        return f"load the weights {checkpoint}"

    died = [Stopping("module 'h'", 64, 40, 40, 0, 5, 0, 5, 40, 101, 100, 101, 101)]
    assert _stopping_layers(died, restart, set()).remedy.endswith("; then load the weights saved before training "
                                                                  "step 100.")
    assert asked == ["saved before training step 100"]
    unknown = [Stopping("module 'h'", 64, 40, 40, 0, 5, 0, 5, 40, None, None, None, None)]
    assert _stopping_layers(unknown, restart, set()).remedy.endswith("load the weights saved at the start.")
    assert torch_restart() == _monitor_base.TORCH_RESTART
    # a checkpoint from before the first training step is the fresh weights (W67 walkthrough finding 8)
    assert torch_restart("saved before training step 1", 1) == (f"restart from {START_WEIGHTS} (the trouble "
                                                                "began at the first training step)")
    assert torch_restart("saved before training step 2", 2).endswith("or from a checkpoint saved before training "
                                                                      "step 2")


def _die_mid(steps: int, kill: int, every: int = 1):
    """W19's die_mid.py, shorter: 40 of 64 units of module '3' killed for good before step kill + 1 (1-based).
    Yields (training step, report, units of module '3' off on every point of the step's batch)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x = torch.randn(1024, 20)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    off = []
    model[3].register_forward_hook(lambda m, i, o: off.append((o > 0).sum(0) == 0))
    mon = Monitor(model, every=every, chance_loss=math.log(3))
    for step in range(steps):
        if step == kill:
            with torch.no_grad():
                model[2].bias[:40] = -100.0
        i = torch.randint(0, 1024, (64,))
        monitored_step(mon, model, x[i], y[i], opt)
        yield step + 1, mon.report(), off[-1]


def test_units_killed_mid_run_read_as_gone_silent_and_the_dying_reading_keeps_the_loss():
    kill = 100
    before = first = None
    for step, r, off in _die_mid(kill + 8, kill):
        line = r.layers[1].words
        if step == kill:
            before = r
        if kill < step <= kill + 4:  # off on every batch since the kill, not yet counted dead (5 sampled batches)
            assert r.layers[1].dead == 0 and bool(off[:40].all()) and not bool(off[40:].any())
            said = re.search(r"(\d+) of 64 units \(by index, the first 32: [\d, ]+\) were on in \d+% or more of their "
                             r"sampled batches before and have "
                             r"been off on every point of (each of the last (\d) sampled batches|the last sampled "
                             r"batch): counted dead if they stay off, after 5 sampled batches at the earliest", line)
            assert said is not None, line
            assert 36 <= int(said.group(1)) <= 40  # the killed units (a few of them were on less often before)
            assert set(r.layers[1].silent_units) <= set(range(40)) and len(r.layers[1].silent_units) == 32
            assert (int(said.group(3)) if said.group(3) else 1) == step - kill  # off since the kill
            if step >= kill + 2:  # off on two batches: every killed unit, and no other, and none 'rarely active'
                assert int(said.group(1)) == 40 and "rarely active" not in line
        if step > kill + 4:
            assert r.layers[1].dead == 40 and r.status.value == "dead_layer"
            words = r.reading.words
            assert words.startswith("dying layer: 40 of 64 units of module '3' (ReLU) were active earlier")
            assert f"(off on every sampled batch from training step {kill + 1} on)" in words
            assert "sampled step 101" not in words and "the step sampled at" not in words
            # the sampled step before the kill, step 100 (every=1), was the last they were on
            assert r.reading.remedy.endswith(f"a checkpoint saved before training step {kill}.")
            first = first or r
    # the run had learned before the kill and still reads 'healthy' under the dying finding: the headline keeps
    # saying how far below chance the loss is, as the reading without it does
    assert before.status.value == "healthy" and first.step == kill + 5
    said = re.search(r"; the loss is (\d+)% below chance \(mean loss of the last 50 training steps' batches ([\d.]+); "
                     r"chance, the best constant guess, is 1\.1\)$", first.reading.words)
    assert said is not None, first.reading.words
    assert int(said.group(1)) == round(100 * (1 - float(said.group(2)) / math.log(3)))


# 4. gradient accumulation over blocks


def test_blocks_are_said_to_be_what_is_counted_when_gradients_accumulate_over_them():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = torch.randn(512, 10), torch.randint(0, 3, (512,))
    k, optimiser_steps = 4, 0
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    for _ in range(10):
        for j in range(k):
            i = torch.randint(0, 512, (16,))
            with mon.step() as s:
                loss = F.cross_entropy(model(x[i]), y[i]) / k
                loss.backward()
                s.loss = loss * k
            if j == k - 1:
                opt.step()
                opt.zero_grad()
                optimiser_steps += 1
    r = mon.report()
    assert r.step == 40 and optimiser_steps == 10  # the premise: 4 blocks to an optimiser step
    note = next(n for n in r.notes if n.startswith("the steps counted here"))
    # the optimiser's own count beside it, the script's (W77 walkthrough finding 5: 'the monitor does not see
    # opt.step()', where its hook reads the learning rate at each)
    assert note.startswith("the steps counted here, 40 so far, are `with mon.step()` blocks, and so are the updates "
                           "the reading counts: the optimiser stepped the watched weights "
                           f"{optimiser_steps} times over them"), note
    # and, .grad found zeroed after each optimiser step, that the sums across blocks are this accumulation (W108
    # walkthrough finding 4: beside the note 'zero_grad() is missing from the loop, or gradients are accumulated')
    assert "; .grad was found zeroed after the optimiser's steps, so the gradients carried from one block to the " \
           "next are this accumulation, about 4 blocks to an optimiser step, not a missing zero_grad()" in note, note
    # not where the loop never zeroes them
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    for t in range(40):
        with mon.step() as s:
            loss = F.cross_entropy(model(x[:16]), y[:16]) / k
            loss.backward()
            s.loss = loss * k
        if t % k == k - 1:
            opt.step()
    note = next(n for n in mon.report().notes if n.startswith("the steps counted here"))
    assert "zero_grad()" not in note and "never zeroed" in mon.report().reading.words, note
    opt.zero_grad()
    # a loop that steps the optimiser after every block says nothing of it
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    for _ in range(4):
        with mon.step() as s:
            loss = F.cross_entropy(model(x[:16]), y[:16])
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
    assert not any(n.startswith("the steps counted here") for n in mon.report().notes)


# 5. a sampled step named by its training step


def test_a_sampled_step_is_named_by_its_training_step():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, every=3, chance_loss=math.log(2))
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    for _ in range(7):  # sampled: training steps 1, 4 and 7; no s.loss set
        with mon.step():
            F.cross_entropy(model(x), y).backward()
        model.zero_grad()
    r = mon.report()
    assert (r.step, r.sampled_steps) == (7, 3)
    note = next(n for n in r.notes if "set no s.loss" in n)
    assert "but training step 7 (a sampled one) set no s.loss" in note and "sampled step 7" not in note


# 7. gradients computed with torch.autograd.grad and never stored in .grad


def _autograd_run(store: bool):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    x, y = torch.randn(64, 8), torch.randint(0, 2, (64,))
    held = []
    model[1].register_forward_hook(lambda m, i, o: (o.retain_grad(), held.append(o)) and None)
    mon = Monitor(model, every=1)
    for _ in range(3):
        held.clear()
        with mon.step():
            loss = F.cross_entropy(model(x), y)
            grads = torch.autograd.grad(loss, [held[0], *model.parameters()])
            if store:
                for p, g in zip(model.parameters(), grads[1:], strict=True):
                    p.grad = g
        model.zero_grad()
    return mon.report(), float(grads[0].norm())


def test_gradients_never_stored_in_grad_are_said_to_be_so():
    r, act_grad = _autograd_run(store=False)
    assert r.layers[0].act_grad_norm == pytest.approx(act_grad, rel=1e-6)  # backward reached the activation
    assert r.status.value == "unwatched"
    assert r.reading.words.startswith("unwatched: the weights' gradients were computed but never stored in .grad on "
                                      "training step 3 (a sampled one)")
    assert "loss.backward() inside" not in r.reading.remedy and "p.grad = g" in r.reading.remedy
    assert "no gradient was computed" not in r.layers[0].words
    assert ("no gradient was stored in the .grad of '0.weight' on this step (computed, never stored)"
            in r.layers[0].words)
    # stored in .grad, the same loop reads as any other
    r, _ = _autograd_run(store=True)
    assert r.status.value == "flowing" and not math.isnan(r.layers[0].weight_grad_norm)


def test_the_note_on_unknown_activations_agrees_with_how_many_it_names():
    from actlab.interop.torch_recipes import record_for

    def note(model):
        mon = Monitor(model, every=1)
        return next(n for n in mon.report().notes if n.startswith("unknown activations"))

    two = nn.Sequential(nn.Linear(4, 4), nn.PReLU(), nn.Linear(4, 4), nn.RReLU(), nn.Linear(4, 1))
    assert record_for(two[1]) is None and record_for(two[3]) is None  # the premise: neither has a record
    assert note(two).startswith("unknown activations: modules '1' (PReLU), '3' (RReLU) have no actlab record, so they "
                                "run unwatched")
    assert note(two).endswith("the weights before them are still read")
    one = nn.Sequential(nn.Linear(4, 4), nn.PReLU(), nn.Linear(4, 1))
    assert note(one).startswith("unknown activations: module '1' (PReLU) has no actlab record, so it runs unwatched")
