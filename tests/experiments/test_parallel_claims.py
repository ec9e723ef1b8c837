"""run_claims: claims side by side in worker processes give the same records as one after another, in order."""

from __future__ import annotations

import pytest

from actlab.errors import ConfigError
from actlab.experiments import papers
from actlab.experiments.reproduction import Reproduction


def _measured(record: Reproduction) -> list[tuple]:
    return [(f.key, f.measured, f.spread, f.n, f.verdict) for f in record.findings]


def test_two_workers_give_the_records_of_one_process_in_the_order_asked():
    steps = []
    names = ["poole2016", "hendrycks2016", "lu2019"]  # hendrycks2016 has no quick run: read from the table here
    runs = list(papers.run_claims(names, quick=True, workers=2, on_step=lambda *a: steps.append(a)))
    assert [r.name for r, _ in runs] == names
    assert runs[1][0].stored and runs[1][1] == 0.0
    for (record, cpu), name in zip(runs, names, strict=True):
        if name == "hendrycks2016":
            continue
        assert not record.stored and cpu > 0
        if name == "lu2019":  # every claim draws its own seeds: the same numbers as in one process
            assert _measured(record) == _measured(papers.reproduce(name, quick=True))
        reported = [s for s in steps if s[0] == name]
        assert reported and reported[-1][1] == reported[-1][2]  # its progress came back, to the last step


def test_seeds_are_checked_before_any_worker_starts():
    with pytest.raises(ConfigError, match="seeds"):
        next(papers.run_claims(["lu2019", "poole2016"], quick=True, seeds=0, workers=2))


def test_unknown_name_is_refused_with_the_valid_ones():
    with pytest.raises(ConfigError) as err:
        next(papers.run_claims(["lu2019", "he2016"], quick=True, workers=2))
    assert "he2015" in err.value.message
