"""Issue 17 (R12's open item): which of layer 1's ratios a finding quotes is said once, by the finding
(Finding.quotes, from QUOTED_RATIOS, in its JSON as "quotes"), and the faces mark that cell from it; before, the CLI
and the page each kept their own table of evidence key names. The reference: the evidence a finding carries, and
the layer record's own ratio it quotes."""

from __future__ import annotations

import json

from actlab.reading_record import QUOTED_RATIOS, Finding, Status
from core._built_states import dead_stop_run


def test_a_finding_quotes_the_ratios_its_evidence_holds_and_says_so_in_its_json():
    f = Finding(Status.VANISHING, "vanishing: ...", "", {"first_to_last_signal_ratio": 1.5e-7, "loss": 0.7})
    assert f.quotes == ("dz",)
    assert json.loads(json.dumps(f.to_dict()))["quotes"] == ["dz"]
    both = Finding(Status.HEALTHY, "", "", {"first_to_last_ratio": 0.3, "first_to_last_signal_ratio": 0.1})
    assert set(both.quotes) == {"dW", "dz"} == set(QUOTED_RATIOS.values())
    assert Finding(Status.DIVERGED, "", "", {"loss": 1e9}).quotes == ()


def test_a_dead_stop_headline_quotes_the_ratios_the_layer_record_holds():
    # W15 finding 1's kind of run (it was the spiral 8,8 at lr 3, whose chaotic end differs between machines; the
    # state is built now): the headline's number is layer 1's signal ratio, and the finding says which it quotes
    _, frame = dead_stop_run()
    head = frame.diagnosis.findings[0]
    assert head.status is Status.DEAD_LAYER, head.words  # the premise
    # R14: dead units stop this run's signal, and the headline now quotes layer 1's dW ratio too, to say that it is
    # over an output ||dW|| near 0 (the output layer's inputs are almost all 0); each number is the record's own
    assert set(head.quotes) == {"dz", "dW"}, head.words
    assert head.evidence["first_to_last_signal_ratio"] == frame.reading.layers[0].signal_ratio_to_last
    assert head.evidence["first_to_last_ratio"] == frame.reading.layers[0].grad_ratio_to_last
