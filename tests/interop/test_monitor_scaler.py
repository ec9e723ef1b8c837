"""Issue 17 (W43 walkthrough, finding 1): float16 training under a torch.amp.GradScaler read `diverged` on each of
the 29 steps the scaler skipped, with a remedy about sqrt at 0, and showed |dL/dW| 262,144 times the loss's own.
Monitor(model, scaler=scaler) divides the gradients by the scale and leaves a skipped step out of the readings.
References: the test's own record of the steps the scaler skipped (its scale went down at update()) and of the
unscaled gradients (after scaler.unscale_)."""

from __future__ import annotations

import json
import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

C = 4


def _run(steps, scaler_to_monitor=True, init_scale=2.0 ** 40, log=None, loss_factor=1.0, every=1):
    """An MLP in float16 autocast on CPU under a GradScaler: (monitor, reports after each step, the steps the scaler
    skipped, the unscaled |dL/dW| of '0.weight' per step)."""
    torch.manual_seed(0)
    x_all = torch.randn(2048, 20)
    y_all = (x_all @ torch.randn(20, C)).argmax(1)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.GELU(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, C))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=init_scale, growth_interval=20)
    reports, skipped, unscaled = [], [], []
    g = torch.Generator().manual_seed(2)
    with Monitor(model, every=every, chance_loss=math.log(C), log=log,
                 scaler=scaler if scaler_to_monitor else None) as mon:
        for step in range(1, steps + 1):
            i = torch.randint(0, 2048, (64,), generator=g)
            with mon.step() as s:
                with torch.autocast("cpu", dtype=torch.float16):
                    loss = loss_factor * nn.functional.cross_entropy(model(x_all[i]).float(), y_all[i])
                scaler.scale(loss).backward()
                s.loss = loss
            before = scaler.get_scale()
            scaler.unscale_(opt)
            unscaled.append(model[0].weight.grad.norm().item())
            scaler.step(opt)
            scaler.update()
            opt.zero_grad()
            if scaler.get_scale() < before:
                skipped.append(step)
            reports.append(mon.report())
    return mon, reports, skipped, unscaled


def test_skipped_steps_are_left_out_and_the_gradients_unscaled(tmp_path):
    log = tmp_path / "amp.jsonl"
    mon, reports, skipped, unscaled = _run(80, log=log)
    assert len(skipped) >= 20 and skipped[:20] == list(range(1, 21))  # the premise: the scale comes down from 2^40
    # no reading says the run diverged, at any step
    assert [r.reading.status.value for r in reports if r.reading.status.value == "diverged"] == []
    # each report is of the latest step the scaler did not skip
    for t, r in enumerate(reports, start=1):
        kept = [s for s in range(1, t + 1) if s not in skipped]
        assert r.step == (kept[-1] if kept else t), t
    final = reports[-1]
    assert final.step == 80 and 80 not in skipped
    w = next(l for l in final.layers if l.weights == "0.weight")
    assert w.weight_grad_norm == pytest.approx(unscaled[-1], rel=1e-5)  # the loss's own gradient
    note = next(n for n in final.notes if n.startswith("the GradScaler skipped"))
    assert note.startswith(f"the GradScaler skipped {len(skipped)} of the 80 sampled steps (the first, step 1; the "
                           f"latest, {', '.join(str(s) for s in skipped[-5:])})")
    # the log holds a line for each step read, none for a skipped one
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    logged = [line["step"] for line in lines if "step" in line]
    assert logged == [t for t in range(1, 81) if t not in skipped]
    # before any step was read, the report says why
    assert reports[0].reading.words.startswith("no sampled step read yet: the GradScaler skipped sampled step 1:")


def test_without_the_scaler_a_skip_reads_diverged_and_the_remedy_says_what_a_scaler_does():
    _, reports, skipped, unscaled = _run(3, scaler_to_monitor=False)
    assert skipped == [1, 2, 3]
    r = reports[0].reading
    assert r.status.value == "diverged"
    assert "give Monitor(model, scaler=scaler)" in r.remedy


def test_an_overflow_at_a_scale_of_1_is_a_divergence_all_the_same():
    # the loss itself 1e36 times a cross-entropy: float16's gradients overflow at any scale
    _, reports, skipped, _ = _run(3, init_scale=1.0, loss_factor=1e36)
    assert skipped == [1, 2, 3]  # the scaler skips them and halves its scale, to 1/8
    for rep in reports:  # at a scale of 1 or less the overflow is not the scaling's: a divergence, read as one
        assert rep.reading.status.value == "diverged", rep.reading.words
        assert "scaler=scaler" not in rep.reading.remedy
        assert not any(n.startswith("the GradScaler skipped") for n in rep.notes)


@pytest.mark.parametrize("bad", [3, "scaler", object()])
def test_a_scaler_that_is_none_is_refused_with_what_was_given(bad):
    with pytest.raises(TypeError, match=r"scaler: the loss scaler .* got .*get_scale\(\)"):
        Monitor(nn.Linear(2, 2), scaler=bad)


def test_a_disabled_scaler_changes_nothing():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    mon = Monitor(model, every=1, scaler=scaler)
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    with mon.step() as s:
        loss = nn.functional.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        s.loss = loss
    assert mon.report().layers[0].weight_grad_norm == pytest.approx(model[0].weight.grad.norm().item(), rel=1e-6)
    assert not any("GradScaler" in n for n in mon.report().notes)


def test_float16_without_the_scaler_says_the_gradients_may_be_scaled():
    # W44 walkthrough, finding 7: after the scaler settled, |dL/dW| read 5.48e+04, the scale times the loss's own,
    # with nothing said
    _, reports, _, _ = _run(30, scaler_to_monitor=False)
    note = "the activations are float16 (autocast or .half()): where the loss is scaled before backward"
    assert any(n.startswith(note) for n in reports[-1].notes)
    _, given, _, _ = _run(30)
    assert not any(n.startswith(note) for n in given[-1].notes)


def test_bfloat16_needs_no_scaler_and_gets_no_such_note():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    mon = Monitor(model, every=1)
    with mon.step() as s:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = model(torch.randn(16, 4))
        loss = nn.functional.cross_entropy(out.float(), torch.randint(0, 2, (16,)))
        loss.backward()
        s.loss = loss
    assert not any("float16" in n for n in mon.report().notes)


def test_float16_skips_without_the_scaler_lead_with_it_and_say_no_overflow_beside_a_nan():
    # W44 walkthrough, finding 7: each layer's words said its gradient 'holds a NaN or an inf' while a note on the
    # same step said the same layers' values were 'finite but above about 1.8e19'; the scaler came last in the remedy
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.GELU(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, C))
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 40)
    seen = {}  # the reference: the gradient reaching each activation, as autograd gives it

    def keep(name):
        def hook(_module, _inputs, out):
            out.register_hook(lambda g: seen.__setitem__(name, bool(torch.isfinite(g).all())))
        return hook

    for name in ("1", "3"):
        model[int(name)].register_forward_hook(keep(name))
    mon = Monitor(model, every=1, chance_loss=math.log(C))
    x, y = torch.randn(64, 20, generator=torch.Generator().manual_seed(2)), torch.randint(0, C, (64,))
    with mon.step() as s:
        with torch.autocast("cpu", dtype=torch.float16):
            loss = nn.functional.cross_entropy(model(x).float(), y)
        scaler.scale(loss).backward()
        s.loss = loss
    rep = mon.report()
    assert math.isfinite(loss.item()) and not all(seen.values())  # the premise: a finite loss, a non-finite gradient
    assert rep.reading.status.value == "diverged"
    assert rep.reading.remedy.startswith("The activations are float16, and if the loss is scaled before backward")
    assert "Otherwise: A finite loss with a NaN or infinite gradient" in rep.reading.remedy
    overflow = [n for n in rep.notes if "finite but above about 1.8e19" in n]
    for name, finite in seen.items():
        row = next(l for l in rep.layers if l.name == name)
        assert row.non_finite == (not finite)
        if not finite:  # a place whose gradient holds a NaN or an inf is not said to be finite
            assert not any(f"module '{name}'" in n for n in overflow), overflow
    assert not any(n.startswith("the activations are float16") for n in rep.notes)  # said once, in the remedy
