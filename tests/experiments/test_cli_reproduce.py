"""`actlab reproduce`: tables, JSON, figures and refusals, on a stand-in claim so the test takes no time."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from actlab.cli import app
from actlab.experiments import papers
from actlab.experiments.reproduction import Reproduction, Series, asserted, shown

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def _fake(quick: bool = False, seeds: int | None = None, on_step=None) -> Reproduction:
    on_step(0, 2, "first half")
    on_step(1, 2, "second half")
    findings = [asserted("holds", "the robust part", "0.5", [0.49, 0.51], "within 5%", True),
                asserted("fails", "the fragile part", "better", [0.1], "above 0.2", False),
                shown("context", "a figure for context", "", 3.0)]
    return Reproduction("fake", "Someone, 2020, A Paper", "something holds", findings, quick, seeds or 2, "1 x 2",
                        explanation="why it holds", series=[Series("loss", "a", [0, 1], [1.0, 0.5])])


@pytest.fixture
def fake_claim(monkeypatch):
    monkeypatch.setitem(papers.CLAIMS, "fake", (_fake, True))


def test_table_shows_paper_measurement_verdict_and_what_failed(fake_claim):
    res = run("reproduce", "fake", "--quick")
    assert res.exit_code == 0, res.output
    for text in ("Someone, 2020", "0.500 ± 0.014", "within 5%", "partly", "did not reproduce here",
                 "the fragile part", "why it holds", "[quick, no stored full run]"):
        assert text in res.stdout, text


def test_json_is_the_records_alone(fake_claim):
    res = runner.invoke(app, ["reproduce", "fake", "--json", "--seeds", "3"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    (claim,) = data["claims"]
    assert claim["name"] == "fake" and claim["verdict"] == "partly" and claim["seeds"] == 3
    assert [f["verdict"] for f in claim["findings"]] == ["reproduced", "not reproduced", "shown"]


def test_plot_writes_one_figure_per_claim(fake_claim, tmp_path):
    pytest.importorskip("matplotlib")
    res = run("reproduce", "fake", "--plot", str(tmp_path))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "fake.png").stat().st_size > 1000


def test_unknown_claim_names_the_valid_ones():
    res = run("reproduce", "he2016")
    assert res.exit_code == 2
    assert "he2015" in res.stderr and "Traceback" not in res.stderr


def test_plot_into_a_missing_folder_creates_it(fake_claim, tmp_path):
    """Walkthrough (issue 19): --plot refused a folder that did not exist yet; it makes it, parents and all."""
    pytest.importorskip("matplotlib")
    res = run("reproduce", "fake", "--plot", str(tmp_path / "new" / "figures"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "new" / "figures" / "fake.png").stat().st_size > 1000


def test_plot_into_a_file_is_refused_naming_the_path_before_running(fake_claim, tmp_path):
    target = tmp_path / "figures.png"
    target.write_text("not a folder")
    res = run("reproduce", "fake", "--plot", str(target))
    assert res.exit_code == 2 and f"--plot: {target} is a file, not a folder" in res.stderr
    assert "first half" not in res.stdout  # refused before the claim ran


def test_plot_into_a_folder_that_cannot_be_made_is_refused_naming_it(fake_claim, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    res = run("reproduce", "fake", "--plot", str(blocker / "figures"))
    assert res.exit_code == 2 and f"--plot: cannot create the folder {blocker / 'figures'}" in res.stderr


def test_stored_claim_is_marked_stored(monkeypatch, fake_claim):
    record = _fake(on_step=lambda *a: None)
    monkeypatch.setitem(papers.CLAIMS, "fake", (_fake, False))
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": [record.to_dict()]})
    res = run("reproduce", "fake", "--quick")
    assert res.exit_code == 0, res.output
    assert "stored full run" in res.stdout


def _undecided(quick: bool = False, seeds: int | None = None, on_step=None) -> Reproduction:
    findings = [asserted("gap", "a gap seen in one seed", "better", [0.03], "above 0 in every seed", True,
                         bounds=(0.0, None))]
    return Reproduction("fake", "Someone, 2020, A Paper", "a gap", findings, quick, 1, "1 x 1")


def test_a_margin_one_seed_cannot_resolve_reads_undecided(monkeypatch):
    monkeypatch.setitem(papers.CLAIMS, "fake", (_undecided, True))
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": []})  # no full run to judge the seed by
    res = run("reproduce", "fake", "--quick")
    assert res.exit_code == 0, res.output
    assert "verdict: undecided" in res.stdout and "│ reproduced" not in res.stdout
    assert "not decided by the seeds run: a gap seen in one seed" in res.stdout


def test_named_categories_are_the_figures_x_labels(tmp_path, monkeypatch):
    """shazeer2020's figure: one point per feed-forward unit, labelled by the unit's name, not its index."""
    pytest.importorskip("matplotlib")
    from matplotlib.axes import Axes

    from actlab.cli.reproduce import plot_claim

    ticks = []
    original = Axes.set_xticks
    monkeypatch.setattr(Axes, "set_xticks", lambda ax, t, labels=None, **kw: (
        ticks.append((list(t), list(labels or []))), original(ax, t, labels, **kw))[1])
    record = Reproduction("fake", "p", "c", [], True, 1, "m", series=[
        Series("loss by unit", "mean", [0, 1, 2], [2.25, 2.21, 2.20], x_labels=["relu", "reglu", "swiglu"])])
    assert plot_claim(record, tmp_path / "f.png").stat().st_size > 1000
    assert ticks == [([0, 1, 2], ["relu", "reglu", "swiglu"])]


def test_jobs_out_of_range_is_refused():
    res = run("reproduce", "lu2019", "--quick", "--jobs", "0")
    assert res.exit_code == 2 and "--jobs: a whole number from 1 to 8; got '0'" in res.stderr
