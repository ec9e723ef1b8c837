"""A unit counted gone silent stays counted while it stays off (issue 17, W33 walkthrough finding 2): with samples
every 50 steps, units silent at step 212 that were off on the next sampled batch too dropped out of both counts at
step 262, off for 5 sampled batches (not yet dead by their odds, no longer 'silent' by its window): the layer's
stopped units went 47, 49, 31, 36 while the units off on every training step only grew (48, 55, 55), and the watch
page drew a recovery that never happened. Reference: the script's own forward hook on every sampled batch."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()

from interop._dying_run import dying_run  # noqa: E402


def test_the_stopped_count_falls_only_by_units_that_came_back_on():
    on = []  # per step: the units of module '3' on for some row of the batch
    stopped = {}

    def hook(model):
        model[3].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))

    for step, r in dying_run(50, setup=hook):
        if r.step == step:
            row = next(l for l in r.layers if l.name == "3")
            if row.dead is not None:
                stopped[step] = (row.dead + row.silent, int(on[step - 1].sum()))
    steps = sorted(stopped)
    assert max(n for n, _ in stopped.values()) >= 40, stopped  # the walkthrough's dying layer
    for a, b in zip(steps, steps[1:], strict=False):
        # a counted unit leaves the count only by being on again: at most as many as were on in the new batch
        assert stopped[b][0] >= stopped[a][0] - stopped[b][1], (a, b, stopped)
