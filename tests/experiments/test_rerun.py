"""A quick rerun beside the stored full run: no stored finding drops out of the table or out of the verdict.

Walkthrough (issue 19): "Rerun the quick versions" replaced glorot2010's stored table, whose full run is "partly",
with the quick rows alone, which read "reproduced (quick run, just now)" with the failed rows gone. The same
happened in `actlab reproduce --quick`.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from actlab.cli import app
from actlab.experiments import papers
from actlab.experiments.reproduction import (
    NOT_REPRODUCED,
    PARTLY,
    REPRODUCED,
    SHOWN,
    UNDECIDED,
    Finding,
    Reproduction,
    asserted,
    verdict_of,
)
from actlab.experiments.rerun import Rerun
from actlab.web.routes import jobs as job_routes


def _finding(key: str, verdict: str, n: int = 3) -> Finding:
    return Finding(key, f"finding {key}", "paper's", 1.0, 0.1 if n > 1 else 0.0, n, "above 0 in every seed", verdict)


def _full() -> Reproduction:
    """A stored full run as glorot2010's: the at-init findings hold, the training ones partly do not."""
    findings = [_finding("init", REPRODUCED), _finding("steps", REPRODUCED), _finding("trains", REPRODUCED),
                _finding("better", NOT_REPRODUCED), _finding("context", SHOWN)]
    return Reproduction("fake", "Someone, 2020, A Paper", "a claim", findings, False, 3, "full matrix", stored=True)


def _quick(quick: bool = True, seeds: int | None = None, on_step=None) -> Reproduction:
    """The quick version: the at-init and first-steps findings only, both holding."""
    findings = [asserted("init", "finding init", "paper's", [1.0], "above 0 in every seed", True),
                asserted("steps", "finding steps", "paper's", [1.0], "above 0 in every seed", True)]
    return Reproduction("fake", "Someone, 2020, A Paper", "a claim", findings, quick, 1, "quick matrix", seconds=2.0)


def test_a_quick_run_leaving_out_a_failed_finding_keeps_the_stored_verdict():
    rerun = Rerun("fake", _quick(), _full(), "2026-12-01 00:28 UTC")
    assert _quick().verdict == REPRODUCED  # alone it would read reproduced
    assert rerun.verdict == PARTLY
    rows = {r.key: r for r in rerun.rows()}
    assert list(rows) == ["init", "steps", "trains", "better", "context"]  # the stored run's order, every finding
    assert rows["better"].quick is None and rows["better"].stored.verdict == NOT_REPRODUCED
    assert rows["init"].quick.n == 1 and rows["init"].stored.n == 3  # both measurements, side by side
    assert "for the 3 it does not measure, the stored full run's" in rerun.basis


def test_the_verdict_counts_the_quick_measurement_where_there_is_one():
    """A finding the quick run measured again counts as the quick run found it, even where it reads worse."""
    quick = Reproduction("fake", "p", "c", [_finding("init", UNDECIDED, n=1)], True, 1, "m")
    full = Reproduction("fake", "p", "c", [_finding("init", REPRODUCED), _finding("trains", REPRODUCED)], False, 3,
                        "m", stored=True)
    assert Rerun("fake", quick, full).verdict == PARTLY


@given(st.lists(st.sampled_from([REPRODUCED, NOT_REPRODUCED, UNDECIDED, SHOWN]), min_size=1, max_size=8),
       st.data())
def test_leaving_findings_out_of_the_quick_run_never_improves_the_verdict(verdicts, data):
    """Whatever subset the quick run measures again (each as the full run found it), the verdict is the full run's."""
    stored = [_finding(f"k{i}", v) for i, v in enumerate(verdicts)]
    kept = data.draw(st.lists(st.sampled_from(range(len(stored))), unique=True))
    quick = Reproduction("fake", "p", "c", [stored[i] for i in sorted(kept)], True, 1, "m")
    full = Reproduction("fake", "p", "c", stored, False, 3, "m", stored=True)
    rerun = Rerun("fake", quick, full)
    assert rerun.verdict == verdict_of(stored)
    assert [r.key for r in rerun.rows()] == [f.key for f in stored]


def test_with_no_stored_full_run_the_quick_run_stands_alone_and_says_so():
    rerun = Rerun("fake", _quick(), None)
    assert rerun.verdict == REPRODUCED and "no full run of this claim is stored" in rerun.basis
    assert all(r.stored is None for r in rerun.rows())


def test_a_rerun_needs_one_of_the_two_runs():
    with pytest.raises(ValueError, match="fake: a rerun needs"):
        Rerun("fake", None, None)


@pytest.fixture
def stored_fake(monkeypatch):
    monkeypatch.setitem(papers.CLAIMS, "fake", (_quick, True))
    entry = {**_full().to_dict(), "stored": False, "generated": "2026-12-01 00:28 UTC"}
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": [entry]})


def test_beside_stored_pairs_a_quick_record_with_the_claims_stored_run(stored_fake):
    rerun = papers.beside_stored(papers.reproduce("fake", quick=True))
    assert rerun.stored is not None and rerun.stored.stored and rerun.stored_when == "2026-12-01 00:28 UTC"
    assert rerun.verdict == PARTLY
    data = rerun.to_dict()
    assert data["verdict"] == PARTLY and data["quick_verdict"] == REPRODUCED and data["stored_verdict"] == PARTLY
    row = next(r for r in data["rows"] if r["key"] == "better")
    assert row["quick"] is None and row["stored"]["verdict"] == NOT_REPRODUCED
    json.dumps(data, allow_nan=False)


def test_beside_stored_leaves_a_stored_record_alone(stored_fake):
    rerun = papers.beside_stored(papers.stored("fake"))
    assert rerun.quick is None and rerun.verdict == PARTLY
    assert "no quick version" in rerun.basis


runner = CliRunner()


def test_cli_quick_shows_each_stored_finding_beside_the_quick_one(stored_fake):
    res = runner.invoke(app, ["reproduce", "fake", "--quick"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "quick run beside the stored full run of 2026-12-01 00:28 UTC" in out
    assert "verdict: partly" in out and "verdict: reproduced" not in out
    row = next(line for line in out.splitlines() if "finding init" in line)
    assert "1.000 │ 1 │" in row  # the quick figure of one seed on the finding's first line ...
    following = out.splitlines()[out.splitlines().index(row) + 1]
    assert "1.000 ± 0.100 │ 3 │" in following  # ... and the stored one of three seeds under it
    assert "not measured" in out and "each finding: the quick run's figure, seeds and verdict above" in out
    assert "did not reproduce here: finding better (stored full run)" in out
    assert "the quick run's own findings: reproduced; the stored full run: partly" in out
    summary = out[out.index("claims from the papers, measured here"):]
    assert "partly" in summary and "quick + stored full run" in summary


def test_cli_quick_json_gives_each_claim_beside_its_stored_run(stored_fake):
    res = runner.invoke(app, ["reproduce", "fake", "--quick", "--json"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    (claim,) = json.loads(res.stdout)["claims"]
    assert claim["verdict"] == PARTLY and claim["quick"]["verdict"] == REPRODUCED
    assert [r["key"] for r in claim["rows"]] == ["init", "steps", "trains", "better", "context"]


def test_the_labs_quick_rerun_job_returns_each_claim_beside_its_stored_run(stored_fake, monkeypatch):
    monkeypatch.setattr(papers, "names", lambda: ["fake"])
    result = job_routes.KINDS["reproduce-quick"].run(lambda done, total, message="": None)
    (claim,) = result["claims"]
    assert claim["verdict"] == PARTLY and claim["stored"]["verdict"] == PARTLY
    assert {r["key"] for r in claim["rows"] if r["quick"] is None} == {"trains", "better", "context"}


def test_a_quick_figure_is_titled_with_the_verdict_beside_the_stored_run(stored_fake, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    titles = []
    original = Figure.suptitle
    monkeypatch.setattr(Figure, "suptitle", lambda fig, t, **kw: (titles.append(t), original(fig, t, **kw))[1])
    res = runner.invoke(app, ["reproduce", "fake", "--quick", "--plot", str(tmp_path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert titles == ["fake: partly (quick run beside the stored full run)"]  # both runs drawn, each named
