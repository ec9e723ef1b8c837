"""Issue 17 item 3: dead needs evidence (min(window, DEAD_EVIDENCE) sampled batches), and a layer that dies
mid-run reads dead DEAD_EVIDENCE samples later, not a full window later. References: the units' outputs, counted
directly by a forward hook of the test's own."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop.torch import DEAD_EVIDENCE  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _setup():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))
    X, y = torch.randn(100, 20), torch.randint(0, 5, (100,))
    on = []  # per step: which units were on for some sample (the direct count)
    model[1].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    return model, X, y, on


def _step(mon, model, x, y):
    monitored_step(mon, model, x, y)
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.01 * p.grad
    model.zero_grad()


def test_a_layer_that_dies_mid_run_reads_dead_after_dead_evidence_samples_not_a_window():
    model, X, y, on = _setup()
    mon = Monitor(model, every=1, window=100, chance_loss=math.log(5))
    for _ in range(20):
        _step(mon, model, X, y)
    assert mon.report().layers[0].dead == 0
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every unit off from now on
    statuses = []
    for _ in range(DEAD_EVIDENCE):
        _step(mon, model, X, y)
        statuses.append((mon.report().layers[0].dead, mon.report().reading.status.value))
    assert not any(bool(o.any()) for o in on[20:])  # the reference: no unit was on since
    # off on 1..4 batches: not yet dead; on the 5th: every unit dead, the layer dead
    assert [d for d, _ in statuses[:-1]] == [0] * (DEAD_EVIDENCE - 1)
    r = mon.report()
    assert r.layers[0].dead == 64 and r.layers[0].window == DEAD_EVIDENCE
    # the output layer's input is all 0 now, so no weight gets a gradient: no_gradient ranks first, dead layer next
    assert "dead_layer" in [f.status.value for f in r.reading.findings]
    assert f"all 64 units in module '1' (ReLU) are dead over the last {DEAD_EVIDENCE} sampled batches" \
        in r.layers[0].words


def test_a_unit_off_on_the_first_batches_only_is_not_dead():
    model, X, y, on = _setup()
    with torch.no_grad():
        model[0].bias[:3] = -100.0  # units 0-2 off on the first two steps
    mon = Monitor(model, every=1, window=100)
    deads = []
    for k in range(8):
        if k == 2:
            with torch.no_grad():
                model[0].bias[:3] = 0.0
        _step(mon, model, X, y)
        deads.append(mon.report().layers[0].dead)
    assert not any(bool(o[:3].any()) for o in on[:2]) and all(bool(o[:3].all()) for o in on[2:])
    assert deads[0] == 0 and deads[1] == 0  # the old monitor said 3 at once (a window of one batch)
    never_on = [int((~torch.stack(on[:k + 1]).any(0)).sum()) for k in range(8)]  # direct: units never on yet
    # counted once DEAD_EVIDENCE batches are in the window, and then exactly the units off on all of them
    assert deads == [0] * (DEAD_EVIDENCE - 1) + never_on[DEAD_EVIDENCE - 1:]


def test_a_unit_always_off_is_dead_once_the_evidence_is_there():
    model, X, y, on = _setup()
    with torch.no_grad():
        model[0].bias[5] = -100.0
    mon = Monitor(model, every=1, window=100)
    deads = []
    for _ in range(DEAD_EVIDENCE + 2):
        _step(mon, model, X, y)
        deads.append(mon.report().layers[0].dead)
    assert all(not bool(o[5]) for o in on)
    assert deads[:DEAD_EVIDENCE - 1] == [0] * (DEAD_EVIDENCE - 1)
    assert all(d >= 1 for d in deads[DEAD_EVIDENCE - 1:])
    assert mon.report().layers[0].window == DEAD_EVIDENCE + 2


def test_a_window_shorter_than_the_evidence_is_honoured():
    model, X, y, on = _setup()
    with torch.no_grad():
        model[0].bias[5] = -100.0
    mon = Monitor(model, every=1, window=2)
    _step(mon, model, X, y)
    assert mon.report().layers[0].dead == 0  # one batch: below min(window, DEAD_EVIDENCE) = 2
    _step(mon, model, X, y)
    assert mon.report().layers[0].dead >= 1


def test_before_the_evidence_a_switched_off_relu_layer_is_said_to_be_off_with_a_relu_remedy():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 5))
    X, y = torch.randn(100, 20), torch.randint(0, 5, (100,))
    mon = Monitor(model, every=1, window=100, chance_loss=math.log(5))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # the first layer off; the second still on through its bias
        model[2].bias.fill_(1.0)
    _step(mon, model, X, y)
    assert not bool((model[1](model[0](X)) > 0).any())  # the reference: every unit of '1' off on this batch
    r = mon.report()
    assert r.layers[0].dead == 0  # one batch is not the evidence for dead
    assert r.reading.status.value == "vanishing"
    # (the batch it was seen on, named: not 'the training set', W37)
    assert r.reading.words.endswith("every unit of module '1' (ReLU) is off on the batch of training step 1 (a "
                                    "sampled one), so nothing passes back through it"), r.reading.words
    assert "sigmoid" not in r.reading.remedy and "Leaky ReLU" in r.reading.remedy


def test_the_dead_layer_words_say_what_the_monitor_measured_dead_over():
    from actlab.readings import LayerSummary, RunSummary, diagnose

    lab = RunSummary((LayerSummary("relu", 4, 0.0, dead=4, saturated=4),), 1.0)
    assert "has derivative 0 on every training point" in diagnose(lab).words  # the lab's words stay
    model, X, y, on = _setup()
    mon = Monitor(model, every=1, window=100)
    _step(mon, model, X, y)
    with torch.no_grad():
        model[0].bias.fill_(-100.0)
    for _ in range(DEAD_EVIDENCE):
        _step(mon, model, X, y)
    words = [f.words for f in mon.report().reading.findings if f.status.value == "dead_layer"]
    assert words and f"on every point of its last {DEAD_EVIDENCE} sampled batches" in words[0]
