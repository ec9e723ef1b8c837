"""Weights loaded or reset midway are named where the loss moved with them (issue 17, W99 walkthrough finding 5): the
initial weights loaded back at step 801 (a restart) took the mean loss from 0.478 to 0.747, and the reading said 'the
mean loss has risen ... lower the learning rate'. Reference: the steps at which the test calls load_state_dict or
reset_parameters(), and which modules' keys the state dicts it loads hold."""

from __future__ import annotations

import copy
import io
import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step, teacher_data  # noqa: E402

LOAD_AT = 401  # the training step whose forward first runs with the loaded weights



def _run(load=None, steps=LOAD_AT + 40, before_first=None, every_step=None):
    """SGD at 0.05 (momentum 0.9) on a teacher's labels, every=5; ``load(model, init)`` before training step LOAD_AT,
    ``init`` the weights the run began with; ``before_first(model, init)`` before the monitor's first step."""
    torch.manual_seed(1)
    x, y = teacher_data()
    model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
    init = copy.deepcopy(model.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    mon = Monitor(model, every=5, chance_loss=math.log(10))
    if before_first is not None:
        before_first(model, init)
    g = torch.Generator().manual_seed(2)
    for step in range(1, steps + 1):
        if step == LOAD_AT and load is not None:
            load(model, init)
        idx = torch.randint(0, len(x), (128,), generator=g)
        monitored_step(mon, model, x[idx], y[idx], opt)
        if every_step is not None:
            every_step(model)
    return mon, model


@pytest.fixture(scope="module")
def restarted():
    return _run(lambda model, init: model.load_state_dict(init))


def test_a_restart_from_the_initial_weights_is_named_not_the_rate(restarted):
    mon, _ = restarted
    report = mon.report()
    first = report.reading.findings[0]
    assert "has risen" in first.words or first.words.startswith("not learning any more"), first.words
    assert first.remedy.startswith(f"The model's weights were written between optimiser steps (by load_state_dict, "
                                   f"reset_parameters() or a copy by hand) before the update of training step "
                                   f"{LOAD_AT}, after the run's low at training step "), first.remedy
    low = int(first.remedy.split("after the run's low at training step ", 1)[1].split(":")[0].replace(",", ""))
    assert low < LOAD_AT
    assert "lower the learning rate" not in first.remedy.lower(), first.remedy
    assert mon._weights_written()[0][:4] == (LOAD_AT, LOAD_AT, 1, ())
    assert mon._weights_written()[0][4] > 2  # the loss's median over the 10 steps after, against the 10 before


def test_the_monitored_model_still_pickles(restarted):
    # nothing of the monitor's stays on the modules between steps: torch.save(model) pickles them (a load_state_dict
    # post-hook made in a closure had made it raise "Can't pickle local object")
    _, model = restarted
    buffer = io.BytesIO()
    torch.save(model, buffer)
    assert buffer.tell() > 0


def test_one_module_loaded_is_named():
    mon, _ = _run(lambda model, init: model[4].load_state_dict({k[2:]: v for k, v in init.items()
                                                                 if k.startswith("4.")}))
    assert [w[:4] for w in mon._weights_written()] == [(LOAD_AT, LOAD_AT, 1, ("4",))]


def test_a_layer_reset_is_named():
    # W99's s4: the output layer's reset_parameters() midway
    mon, _ = _run(lambda model, init: model[4].reset_parameters())
    assert [w[:4] for w in mon._weights_written()] == [(LOAD_AT, LOAD_AT, 1, ("4",))]
    remedy = mon.report().reading.findings[0].remedy
    assert remedy.startswith("The weights of '4' were written between optimiser steps"), remedy


def _clamp(bound):
    def clip(model):
        with torch.no_grad():
            for p in model.parameters():
                p.clamp_(-bound, bound)
    return clip


def test_weights_clipped_from_the_first_step_are_the_loop_s_own():
    # weight clipping after every update from the start (a WGAN's critic): one run of writes, begun before the run's
    # low, under which it learned; not named
    mon, _ = _run(every_step=_clamp(10))
    # (the first update's clamp: before 2's)
    assert [w[:4] for w in mon._weights_written()] == [(2, LOAD_AT + 40, LOAD_AT + 39, ())]
    for finding in mon.report().reading.findings:
        assert "written between optimiser steps" not in finding.remedy, finding.remedy


def test_weights_clipped_from_midway_are_named_not_the_rate():
    # W101 finding 2: a clamp to 0.05 after every update from step 401 took the loss to chance; the reading said
    # 'lower the learning rate', the rate unchanged
    done = []

    def clip_from(model):
        done.append(1)
        if len(done) >= LOAD_AT:
            _clamp(0.05)(model)
    mon, _ = _run(every_step=clip_from, steps=LOAD_AT + 80)
    assert [w[:4] for w in mon._weights_written()] == [(LOAD_AT + 1, LOAD_AT + 80, 80, ())]
    remedy = mon.report().reading.findings[0].remedy
    assert remedy.startswith(f"The model's weights have been written between optimiser steps 80 times, from before "
                             f"the update of training step {LOAD_AT + 1:,} to before that of {LOAD_AT + 80:,}"), remedy
    assert "lower the learning rate" not in remedy.lower(), remedy


def test_weights_swapped_out_and_back_move_no_loss_and_are_not_named():
    # an evaluation that swaps averaged weights in and the trained ones back between two updates (every 50 steps): a
    # write the loss does not move with, never named, whatever else the run does
    kept = {}

    def swap(model):
        kept.setdefault("n", 0)
        kept["n"] += 1
        if kept["n"] % 50 == 0:
            with torch.no_grad():
                saved = [p.clone() for p in model.parameters()]
                for p in model.parameters():
                    p.mul_(0.5)  # (the "averaged" weights, used for an evaluation)
                for p, q in zip(model.parameters(), saved, strict=True):
                    p.copy_(q)
    mon, _ = _run(every_step=swap, steps=LOAD_AT + 80)
    written = mon._weights_written()
    assert len(written) == (LOAD_AT + 80 - 1) // 50 and all(count == 1 for _, _, count, *_ in written), written
    assert all(0.67 < moved < 1.5 for *_, moved in written if moved is not None), written
    assert sum(moved is not None for *_, moved in written) >= len(written) - 1, written  # (weighed, all but the last)
    for finding in mon.report().reading.findings:
        assert "written between optimiser steps" not in finding.remedy, finding.remedy


def test_a_partial_load_counts_only_the_modules_it_held():
    # strict=False, the output layer's keys left out: '0' and '2' loaded, '4' kept its trained weights
    mon, _ = _run(lambda model, init: model.load_state_dict({k: v for k, v in init.items()
                                                             if not k.startswith("4.")}, strict=False))
    assert [w[:4] for w in mon._weights_written()] == [(LOAD_AT, LOAD_AT, 1, ("0", "2"))]
    remedy = mon.report().reading.findings[0].remedy  # (the rise read: the modules named, not the whole model)
    assert remedy.startswith(f"The weights of '0' and '2' were written between optimiser steps (by load_state_dict, "
                             f"reset_parameters() or a copy by hand) before the update of training step {LOAD_AT}"), \
        remedy


def test_no_load_no_words_and_a_load_before_the_run_is_where_it_starts():
    mon, _ = _run(before_first=lambda model, init: model.load_state_dict(init))
    assert mon._weights_written() == ()
    for finding in mon.report().reading.findings:
        assert "load_state_dict" not in finding.remedy, finding.remedy
