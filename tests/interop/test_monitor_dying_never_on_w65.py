"""A dying layer's words count the units dead from the start too (issue 17, W65 walkthrough finding 5): its headline
read '34 of 64 units ... have stopped: 28 dead ... and 6 gone silent' while the layer's line read '29 of 64 units ...
are dead', and nothing said what the 29th was. Reference: the layer's own dead count in the same report, and the
script's own unit, killed before the first step."""

from __future__ import annotations

import re

from conftest import require_torch

torch = require_torch()

from interop._dying_run import dying_run  # noqa: E402


def _kill_unit_0(model):
    with torch.no_grad():  # module '2''s unit 0 can never fire: dead from the first step
        model[2].bias[0] = -1e3


def test_units_dead_from_the_start_are_counted_beside_those_that_stopped():
    said = []
    for step, report in dying_run(every=1, steps=300, setup=_kill_unit_0):
        words = report.reading.words
        if "were active earlier in the run" in words and step % 10 == 0:
            said.append((step, report))
    assert said, "the premise: module '3' reads dying in this run"
    for step, report in said:
        words = report.reading.words
        layer = next(l for l in report.layers if l.name == "3")
        stopped = re.search(r"(\d+) of 64 units of module '3' \(ReLU\) were active earlier in the run", words)
        assert stopped, words
        m = re.search(r"; (\d+) more (?:was|were) not seen active on any sampled batch \((\d+) dead in all, as the "
                      r"layer's line counts\)", words)
        assert m, (step, words)
        assert int(m[2]) == layer.dead, (step, words, layer.dead)
        assert int(m[1]) >= 1  # unit 0 at least
