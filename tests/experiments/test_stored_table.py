"""The lab's stored table of full runs (src/actlab/data/reproduce.json) is current and consistent.

It is written by bench/reproduce.py --write-table. Each record keeps a fingerprint of the code that made it; a
claim whose code changed since its full run makes this test fail until it is run again.
"""

from __future__ import annotations

import math

import pytest

from actlab.experiments import papers
from actlab.experiments.reproduction import SHOWN, Reproduction, verdict_of

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
