"""M20 (W19 item 2): units that die mid-run are counted dead within DEAD_EVIDENCE sampled batches, not a whole window
later, and the reading says the layer is dying; units that are merely rarely active are not counted, and the layer
still reads as before. Checked against a direct count of the units that were off on every batch."""

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop._monitor_base import DEAD_EVIDENCE  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

RARE = 4  # units 0-3: on where x0 > 2.576, 0.5% of samples (15% of 32-sample batches): rarely active, never dead
LIVE = 12  # units 4-15: on for about half of the samples


def _model() -> nn.Sequential:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, RARE + LIVE), nn.ReLU(), nn.Linear(RARE + LIVE, 3))
    with torch.no_grad():
        model[0].weight[:RARE] = 0.0
        model[0].weight[:RARE, 0] = 1.0
        model[0].bias[:RARE] = -2.576
        model[0].bias[RARE:] = 0.0
    return model


def _run(every: int, steps: int, kill_at: int | None, killed: slice = slice(RARE, RARE + 8)):
    """Trains nothing (the rates stay as built); kills the `killed` units for good before step kill_at (1-based).
    Returns the monitor's report after each sampled step and, for each, the direct count: units off on every batch
    of the sampled steps the report's dead count covers."""
    model = _model()
    on = []  # per sampled step: which units were on anywhere in its batch
    model[1].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    mon = Monitor(model, every=every, chance_loss=math.log(3))
    gen = torch.Generator().manual_seed(1)
    out = []
    for step in range(1, steps + 1):
        if step == kill_at:
            with torch.no_grad():
                model[0].bias[killed] = -100.0
        x = torch.randn(32, 4, generator=gen)
        y = torch.randint(0, 3, (32,), generator=gen)
        sampled = (step - 1) % every == 0
        if not sampled:
            on_before = len(on)
        monitored_step(mon, model, x, y)
        if not sampled:
            del on[on_before:]  # the direct count is over sampled batches only
        model.zero_grad()
        if sampled:
            out.append((step, mon.report(), torch.stack(on)))
    return out


def _direct(on: torch.Tensor, batches: int) -> int:
    """Units off on every one of the last `batches` sampled batches."""
    return int((~on[-batches:].any(0)).sum())


@pytest.mark.parametrize("every", [1, 3])
def test_units_killed_mid_run_are_dead_within_the_evidence_and_the_layer_is_dying(every):
    kill = 61  # after 20 sampled steps
    for step, report, on in _run(every, 61 + every * 12, kill):
        row = report.layers[0]
        since = sum(1 for s in range(kill, step + 1) if (s - 1) % every == 0)  # sampled batches since the kill
        if since >= DEAD_EVIDENCE:
            # every killed unit is dead, over the batches since the kill, and a direct count over those agrees
            assert row.dead == _direct(on, row.window) >= 8, (step, row)
            assert row.window <= since
            assert row.saturated <= RARE  # the rarely active ones at most: no killed unit is called so
            assert report.status == "dead_layer", (step, report.reading.words)
            assert "dying layer: 8 of 16 units of module '1' (ReLU) were active earlier in the run" in \
                report.reading.words
            assert f"off on every sampled batch from training step {kill} on" in report.reading.words
        elif since:  # too soon: no unit is dead yet; the reading is 'dying' where half the layer has gone silent
            # (W29: 40 of 64 units killed read 'healthy' for the 5 sampled batches, 250 steps under every="auto"), and
            # a unit gone silent is off on the latest batch at least (the hook's own count)
            assert row.dead == 0 and row.silent <= _direct(on, 1), (step, row)
            assert (report.status == "dead_layer") == (row.silent >= 8), (step, report.reading.words)
            if row.silent >= 8:
                words = report.reading.words
                assert (f"dying layer: {row.silent} of 16 units of module '1' (ReLU) were active earlier in the run "
                        "and have been off on every point of") in words
                assert f"off on every sampled batch from training step {kill} on" in words and "gone silent" in words


def test_rarely_active_units_are_not_counted_dead_early():
    """Rarely active units, on in about 15% of the batches, go unseen for runs of 5 and more sampled batches: they are
    counted dead only where the window's rule counts them (off on every batch of it), never early."""
    runs = _run(1, 140, None)
    longest = 0
    for _, report, on in runs:
        row = report.layers[0]
        n = min(len(on), 100)
        want = _direct(on, n) if n >= DEAD_EVIDENCE else 0
        assert row.dead == want, (len(on), row.dead, want)
        assert report.status != "dead_layer"
        silent = 0
        for batch in on[:, 0].tolist()[::-1]:
            if batch:
                break
            silent += 1
        longest = max(longest, silent)
    assert longest >= 2 * DEAD_EVIDENCE  # the case is real: unit 0 was off on many batches in a row, and not dead
    assert report.status == "healthy" or report.status in ("starting", "not_learning")  # its loss, nothing else


def test_a_few_units_dying_are_counted_without_a_dying_layer():
    killed = slice(RARE, RARE + 3)  # 3 of 16: counted dead at once, said on the layer's line, no dying-layer status
    for step, report, on in _run(1, 40, 21, killed):
        if step >= 21 + DEAD_EVIDENCE - 1:
            row = report.layers[0]
            assert row.dead == _direct(on, row.window) == 3
            assert report.status != "dead_layer" and "dying layer" not in report.reading.words
