"""Walkthrough findings on the Monitor's report and log (session 3): each number against autograd on the same batch,
the words about a weight's gradient naming that weight, frozen weights, gradients zeroed inside the step, remedies a
script can follow, NaN steps counted as nothing, and the log's end line."""

from __future__ import annotations

import copy
import json
import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop._monitor_base import START_WEIGHTS  # noqa: E402
from actlab.monitor_log import LogTail, read_log  # noqa: E402
from actlab.readings import LayerSummary, RunSummary, Status, diagnose  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)).double()


def _batch(seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(32, 4, generator=g, dtype=torch.float64)
    return x, x[:, :1] * x[:, 1:2]


def _loss(model, x, y):
    return ((model(x) - y) ** 2).mean()


def _reference(model, x, y):
    """Autograd on a copy: ||dL/da|| of each ReLU's output and ||dL/dW|| of every Linear's weight."""
    ref = copy.deepcopy(model)
    outs = {}
    for name in ("1", "3"):
        ref.get_submodule(name).register_forward_hook(lambda m, i, o, name=name: outs.__setitem__(name, o))
    loss = _loss(ref, x, y)
    weights = [p for n, p in ref.named_parameters() if n.endswith("weight") and p.requires_grad]
    grads = torch.autograd.grad(loss, [outs["1"], outs["3"], *weights])
    act = {"1": float(grads[0].norm()), "3": float(grads[1].norm())}
    names = [n for n, p in ref.named_parameters() if n.endswith("weight") and p.requires_grad]
    return act, {n: float(g.norm()) for n, g in zip(names, grads[2:], strict=True)}


def test_both_ratio_columns_match_autograd_and_the_log_carries_them(tmp_path):
    model = _model()
    x, y = _batch(1)
    act, weight = _reference(model, x, y)
    log = tmp_path / "run.jsonl"
    mon = Monitor(model, every=1, log=log)
    with mon.step() as s:
        s.loss = _loss(model, x, y)
        s.loss.backward()
    rep = mon.report()
    first, second = rep.layers
    assert first.act_grad_norm == pytest.approx(act["1"], rel=1e-12)
    assert first.act_grad_ratio_to_last == pytest.approx(act["1"] / act["3"], rel=1e-12)
    assert first.weight_grad_norm == pytest.approx(weight["0.weight"], rel=1e-12)
    assert first.weight_grad_ratio_to_output == pytest.approx(weight["0.weight"] / weight["4.weight"], rel=1e-12)
    assert second.weight_grad_ratio_to_output == pytest.approx(weight["2.weight"] / weight["4.weight"], rel=1e-12)
    assert (first.weights, second.weights) == ("0.weight", "2.weight")
    _, reports = read_log(log)
    logged = reports[-1]["layers"][0]
    assert logged["act_grad_ratio_to_last"] == pytest.approx(first.act_grad_ratio_to_last, rel=1e-15)
    assert logged["weight_grad_ratio_to_output"] == pytest.approx(first.weight_grad_ratio_to_output, rel=1e-15)


def test_gradients_zeroed_inside_the_step_are_measured_before_they_go():
    """A script that steps and zeroes inside the block: the weights' gradients are read when backward ends."""
    model = _model()
    x, y = _batch(2)
    _, weight = _reference(model, x, y)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, every=1, chance_loss=1.0)
    with mon.step() as s:
        s.loss = _loss(model, x, y)
        s.loss.backward()
        opt.step()
        opt.zero_grad()
    rep = mon.report()
    assert [l.weight_grad_norm for l in rep.layers] == pytest.approx([weight["0.weight"], weight["2.weight"]],
                                                                     rel=1e-12)
    assert rep.output_grad_norm == pytest.approx(weight["4.weight"], rel=1e-12)
    assert rep.reading.status != Status.NO_GRADIENT and "no gradient" not in str(rep)


def test_a_frozen_weight_is_called_frozen_and_judged_on_the_trained_ones():
    model = _model()
    model[0].weight.requires_grad_(False)
    x, y = _batch(3)
    act, weight = _reference(model, x, y)
    mon = Monitor(model, every=1)
    with mon.step() as s:
        s.loss = _loss(model, x, y)
        s.loss.backward()
    rep = mon.report()
    first = rep.layers[0]
    assert first.weights_frozen and math.isnan(first.weight_grad_ratio_to_output)
    assert first.act_grad_norm == pytest.approx(act["1"], rel=1e-12) and first.act_grad_norm > 0
    assert "'0.weight' is frozen" in first.words and "no gradient reaches" not in first.words
    assert rep.reading.status not in (Status.VANISHING, Status.NO_GRADIENT)
    assert "'2.weight' gets" in rep.reading.words  # the first trained weight is the one the ratio is of
    assert f"{weight['2.weight'] / weight['4.weight']:.2g}" in rep.reading.words


def test_a_dead_layer_says_its_weight_gets_no_gradient_while_its_output_does():
    model = _model()
    with torch.no_grad():
        model[2].bias.fill_(-1e3)  # every unit of the second layer is off on every input
    x, y = _batch(4)
    act, weight = _reference(model, x, y)
    mon = Monitor(model, every=1, window=1)
    with mon.step() as s:
        s.loss = _loss(model, x, y)
        s.loss.backward()
    second = mon.report().layers[1]
    assert weight["2.weight"] == 0 and act["3"] > 0 and second.act_grad_norm == pytest.approx(act["3"], rel=1e-12)
    assert second.words.startswith("no gradient reaches '2.weight'; all 16 units in module '3' (ReLU) are dead")
    assert "no gradient reaches module '3'" not in str(mon.report())


def test_remedies_tell_a_script_what_to_do_and_the_lab_keeps_its_reset():
    model = _model()
    with torch.no_grad():
        model[2].bias.fill_(-1e3)
    mon = Monitor(model, every=1, chance_loss=1.0)
    x, y = _batch(5)
    with mon.step() as s:
        s.loss = _loss(model, x, y)
        s.loss.backward()
    rep = mon.report()
    remedies = [f.remedy for f in rep.reading.findings if f.remedy]
    assert remedies and all("reset" not in r and f"restart from {START_WEIGHTS}" in r for r in remedies)
    engine = diagnose(RunSummary((LayerSummary("relu", 4, 0.0, dead=4, saturated=4),), 0.0, loss=1.0,
                                 chance_loss=1.0))
    assert engine.remedy.endswith("press Reset.")  # R21: the button as it is labelled


def test_a_report_says_its_status_and_why_a_run_never_reads_healthy_without_chance():
    model = _model()
    judged, unjudged = Monitor(model, every=1, chance_loss=10.0), Monitor(model, every=1)
    for mon in (judged, unjudged):
        for i in range(8):  # one batch says nothing yet of learning (L22): a few, each far below chance
            x, y = _batch(6 + i)
            with mon.step() as s:
                s.loss = _loss(model, x, y)
                s.loss.backward()
            model.zero_grad()
        mon.close()  # (each in turn: two monitors stepping one model at once are warned of)
    assert "status: healthy" in str(judged.report()).splitlines()
    text = str(unjudged.report())
    assert "status: flowing" in text.splitlines() and "no chance_loss was given" in text


def test_nan_steps_count_no_units_keep_the_dead_history_and_say_where_and_when(tmp_path):
    model = _model()
    with torch.no_grad():
        model[2].bias[:3] = -1e3  # three units of the second layer never switch on
    log = tmp_path / "run.jsonl"
    mon = Monitor(model, every=1, window=100, log=log)
    finite, on = 0, torch.zeros(16, dtype=torch.bool)
    for i in range(8):
        x, y = _batch(10 + i)
        if i in (1, 2):
            x[5, 2] = math.nan  # a bad batch
        else:
            finite += 1
            with torch.no_grad():  # the test's own count: which units of the second ReLU were ever on
                on |= (model[:4](x) > 0).any(0)
        with mon.step() as s:
            s.loss = _loss(model, x, y)
            s.loss.backward()
        model.zero_grad()
        rep = mon.report()
        if i == 1:
            nan_rep = rep
    row = nan_rep.layers[0]
    assert row.non_finite and row.dead is None and row.saturated is None and row.dormant is None
    assert "no unit is counted" in row.words and nan_rep.reading.status == Status.DIVERGED
    # (a NaN in the inputs: the first watched activation is where it shows, not where it began, W60)
    said = "every layer after it carries it on (the first watched activation: module '1' (ReLU))"
    assert said in nan_rep.reading.words
    assert "the model's inputs hold a NaN or an inf" in nan_rep.reading.words
    assert nan_rep.first_non_finite == {"step": 2, "place": "module '1' (ReLU)"}
    last = mon.report()
    # the window counts the finite batches only, and the dead units are exactly the ones switched off
    assert [l.window for l in last.layers] == [finite, finite]
    assert last.layers[1].dead == int((~on).sum()) >= 3
    assert not last.non_finite and last.first_non_finite == {"step": 2, "place": "module '1' (ReLU)"}
    assert any("first appeared at step 2" in n for n in last.notes)
    _, reports = read_log(log)
    assert [r["non_finite"] for r in reports] == [False, True, True] + [False] * 5
    assert reports[1]["layers"][0]["dead"] is None and reports[1]["loss"] is None


def test_close_writes_the_end_line_and_a_report_after_it_keeps_the_run_ended(tmp_path):
    log = tmp_path / "run.jsonl"
    model = _model()
    with Monitor(model, every=1, log=log) as mon:
        x, y = _batch(7)
        with mon.step():
            _loss(model, x, y).backward()
    tail = LogTail(log)
    tail.poll()
    assert tail.total == 1 and tail.ended == {"event": "end", "steps_run": 1, "run": mon._run_id}
    mon.close()  # once only
    assert sum(1 for line in log.read_text().splitlines() if json.loads(line).get("event") == "end") == 1
    with log.open("a") as fh:  # a later step after the end (an older version wrote such): M19, the run stays ended
        fh.write(json.dumps({**json.loads(log.read_text().splitlines()[1]), "step": 2}) + "\n")
    tail.poll()
    assert tail.ended is not None and tail.total == 2


def test_a_monitor_dropped_without_close_ends_its_log(tmp_path):
    log = tmp_path / "run.jsonl"
    model = _model()
    mon = Monitor(model, every=1, log=log)
    for _ in range(2):
        with mon.step():
            _loss(model, *_batch(8)).backward()
    run = mon._run_id
    del mon
    import gc

    gc.collect()
    assert json.loads(log.read_text().splitlines()[-1]) == {"event": "end", "steps_run": 2, "run": run}


def _weighted_hook_counts(model, mon, steps, batch):
    """Forward pre-hooks on the model's Linear modules during each of ``steps`` sampled steps."""
    counts = []
    for i in range(steps):
        with mon.step():
            counts.append(sum(len(m._forward_pre_hooks) for m in model.modules() if isinstance(m, nn.Linear)))
            _loss(model, *batch(i)).backward()
        model.zero_grad()
    return counts


def test_a_learned_structure_is_reused_without_hooks_on_weights_and_its_numbers_match_autograd():
    from actlab.interop.torch import RELEARN_EVERY

    model = _model()
    mon = Monitor(model, every=1)
    counts = _weighted_hook_counts(model, mon, RELEARN_EVERY + 2, lambda i: _batch(20 + i))
    # learned on the first sampled step and again after RELEARN_EVERY reuses; in between, the first weighted module's
    # alone, which reads whether the inputs tell the samples apart (_monitor_inputs)
    assert counts[0] == 3 and counts[1:RELEARN_EVERY + 1] == [1] * RELEARN_EVERY and counts[RELEARN_EVERY + 1] == 3
    x, y = _batch(99)
    act, weight = _reference(model, x, y)
    with mon.step():
        _loss(model, x, y).backward()
    rep = mon.report()
    assert [(l.name, l.weights) for l in rep.layers] == [("1", "0.weight"), ("3", "2.weight")]
    assert [l.act_grad_norm for l in rep.layers] == pytest.approx([act["1"], act["3"]], rel=1e-12)
    assert [l.weight_grad_norm for l in rep.layers] == pytest.approx([weight["0.weight"], weight["2.weight"]],
                                                                     rel=1e-12)


def test_a_changed_sequence_of_places_is_learned_again_on_the_next_sampled_step():
    class Switch(nn.Module):
        """From step 3 on, a third Linear and its ReLU run between the first two layers."""

        def __init__(self):
            super().__init__()
            self.fc1, self.mid, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 8), nn.Linear(8, 1)
            self.act1, self.act_mid = nn.ReLU(), nn.ReLU()
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            h = self.act1(self.fc1(x))
            if self.calls >= 3:
                h = self.act_mid(self.mid(h))
            return self.fc2(h)

    torch.manual_seed(0)
    model = Switch().double()
    mon = Monitor(model, every=1)
    for i in range(5):
        with mon.step():
            _loss(model, *_batch(40 + i)).backward()
        model.zero_grad()
    rep = mon.report()
    assert [(l.name, l.weights) for l in rep.layers] == [("act1", "fc1.weight"), ("act_mid", "mid.weight")]
    assert rep.output_grad_norm == pytest.approx(float(torch.autograd.grad(
        _loss(model, *_batch(44)), model.fc2.weight)[0].norm()), rel=1e-12)


def test_relu_sums_made_after_backward_match_a_direct_count_and_a_written_output_is_read_before_the_write():
    class Written(nn.Module):
        """A ReLU on the input (no gradient asked for there), whose output the forward then scales in place."""

        def __init__(self):
            super().__init__()
            self.act, self.fc = nn.ReLU(), nn.Linear(4, 1)

        def forward(self, x):
            h = self.act(x)
            h.mul_(0.5)
            return self.fc(h)

    for model, written in ((_model(), False), (Written().double(), True)):
        mon = Monitor(model, every=1)
        for i in range(4):
            x, y = _batch(60 + i)
            with mon.step():
                _loss(model, x, y).backward()
            model.zero_grad()
            with torch.no_grad():
                a = torch.relu(x) if written else model[:2](x)  # the first place's output, as the hook saw it
            first = mon.report().layers[0]
            assert first.mean == pytest.approx(float(a.mean()), rel=1e-12)
            assert first.std == pytest.approx(float(a.std()), rel=1e-9)
            assert first.zero_derivative_fraction == pytest.approx(float((a <= 0).double().mean()), rel=1e-12)
        place = mon._layers[0]
        assert place.defer_ok is not written  # the written output is never left for after backward
