"""The lab's stored table of full runs (src/actlab/data/reproduce.json) is current and consistent.

It is written by bench/reproduce.py --write-table. Each record keeps a fingerprint of the code that made it; a
claim whose code changed since its full run makes this test fail until it is run again.
"""

from __future__ import annotations

import math
import re

import pytest

from actlab.experiments import papers
from actlab.experiments.reproduction import NOT_REPRODUCED, REPRODUCED, SHOWN, Reproduction, verdict_of

TABLE = papers.stored_table()
BY_NAME = {c["name"]: c for c in TABLE["claims"]}


@pytest.mark.parametrize("name", papers.names())
def test_every_claim_has_a_stored_full_run(name):
    assert name in BY_NAME, f"no stored run of {name}: run bench/reproduce.py {name} --write-table"
    assert BY_NAME[name]["quick"] is False


@pytest.mark.parametrize("name", papers.names())
def test_stored_run_matches_todays_code(name):
    stored = BY_NAME.get(name, {}).get("fingerprint")
    assert stored == papers.source_fingerprint(name), (
        f"{name}'s code changed since its stored full run: run bench/reproduce.py {name} --write-table")


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_stored_verdict_follows_its_findings(name):
    record = papers.stored(name)
    assert isinstance(record, Reproduction) and record.stored
    assert BY_NAME[name]["verdict"] == verdict_of(record.findings)
    for f in record.findings:
        assert math.isfinite(f.measured), (name, f.key)
        assert f.verdict == SHOWN or f.criterion, (name, f.key)  # every asserted figure says what it must meet


# The explanations are fixed text; these hold them to the stored full run they describe.


def test_stored_shazeer_bilinear_gains_like_swiglu_and_glu_loses():
    """shazeer2020's explanation: the product alone (bilinear) carries the gain, and GLU ended above ReLU."""
    record = papers.stored("shazeer2020")
    bilinear, swiglu = record.finding("markov_bilinear"), record.finding("markov_swiglu")
    assert bilinear.measured > 0 and bilinear.note.startswith(f"{bilinear.n} of {bilinear.n} seeds")
    assert abs(bilinear.measured - swiglu.measured) < 2 * max(bilinear.spread, swiglu.spread)
    assert record.finding("markov_glu").measured < 0


def test_stored_gelu_overtakes_relu_late_at_lr_1e_4():
    """hendrycks2016's explanation: at lr 1e-4 GELU passes ReLU only in the last epochs."""
    record = papers.stored("hendrycks2016")
    assert record.finding("overtakes_b").measured >= 30
    assert record.finding("overtakes_a").measured < record.finding("overtakes_b").measured


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_no_stored_finding_reads_reproduced_from_one_seed(name):
    """A margin judged against an interval needs a spread: one seed's figure cannot be 'reproduced' on its own."""
    for f in papers.stored(name).findings:
        if f.bounds is not None and f.verdict == REPRODUCED:
            assert f.n >= 2, (name, f.key)


def test_stored_glorot_normalized_init_is_not_reproduced_as_the_issue_found():
    """Issue 19: 'normalized beats standard' on test error did not reproduce; over three paired seeds it changes
    sign (one seed's -1.4% had read 'reproduced')."""
    f = papers.stored("glorot2010").finding("normalized_better")
    assert f.verdict == NOT_REPRODUCED and f.n >= 3
    assert not f.note.startswith(f"{f.n} of {f.n} seeds")


def test_stored_shazeer_glu_with_a_larger_gate_gains_but_the_least():
    """shazeer2020's explanation: with its gate's weights 4x larger GLU gains on GLU as configured, and stays behind
    the other gated units. Under nn.Linear's draw the gain is not in every seed (2 of 5 above ReLU), so the note
    counts the seeds rather than claiming them all."""
    record = papers.stored("shazeer2020")
    gate, glu = record.finding("markov_glu_gate"), record.finding("markov_glu")
    assert re.match(rf"\d of {gate.n} seeds above 0, ", gate.note)
    assert f"against GLU as configured {glu.measured:+.4f};" in gate.note
    assert gate.n >= 5 and gate.measured > glu.measured
    assert gate.measured < min(record.finding(f"markov_{u}").measured for u in ("reglu", "geglu", "swiglu"))
    assert record.finding("markov_glu").verdict == NOT_REPRODUCED
