"""A quick rerun shows both runs, each with its own figure and its own notes (third walkthrough of issue 19):
the quick run's note (where its largest miss lies, its error) is not printed under the stored run's number, the
rerun record carries each run's figure for the page, and `--quick --plot` draws the stored full run's curves and
the quick run's, each panel named by its run, instead of the quick curves under a title that claims both."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from actlab.cli import app
from actlab.experiments import figures, papers
from actlab.experiments.reproduction import Reproduction, Series, asserted, shown
from actlab.experiments.rerun import QUICK, STORED, Rerun

runner = CliRunner()


def _record(quick: bool, where: str, y: list[float], err: float) -> Reproduction:
    findings = [shown("far", "largest distance from the formula", "", [2.5 if quick else 2.2], note=where),
                asserted("match", "matches the formula", "formula", [0.01], "excess < 2 SE", True, note="same note"),
                asserted("err", "ratio equals chi", "chi", [1.0], "within 3%", True, note=f"error {err}%")]
    series = [Series("zero biases", "N = 2: Monte Carlo", [1, 2, 3], y)]
    return Reproduction("fake", "Someone, 2019, A Paper", "a claim", findings, quick, 1 if quick else 5,
                        "quick matrix" if quick else "full matrix", seconds=1.0, series=series)


QUICK_RUN = _record(True, "at N = 2, L = 20, zero biases", [0.1, 0.4, 0.9], 1.34)
STORED_RUN = _record(False, "at N = 2, L = 30, symmetric biases", [0.2, 0.5, 0.8], 1.10)


def test_each_runs_note_is_named_by_its_run_and_a_shared_note_is_said_once():
    rows = {row.key: row for row in Rerun("fake", QUICK_RUN, STORED_RUN, "2026-12-01 04:24 UTC").rows()}
    assert rows["far"].notes() == [(QUICK, "at N = 2, L = 20, zero biases"),
                                   (STORED, "at N = 2, L = 30, symmetric biases")]
    assert rows["err"].notes() == [(QUICK, "error 1.34%"), (STORED, "error 1.1%")]
    assert rows["match"].notes() == [("", "same note")]
    alone = Rerun("fake", QUICK_RUN, None).rows()[0]
    assert alone.notes() == [("", "at N = 2, L = 20, zero biases")]  # one run: nothing to tell apart
    data = Rerun("fake", QUICK_RUN, STORED_RUN).to_dict()
    assert data["rows"][0]["notes"] == [[QUICK, "at N = 2, L = 20, zero biases"],
                                        [STORED, "at N = 2, L = 30, symmetric biases"]]


def test_the_rerun_record_carries_each_runs_own_figure():
    data = Rerun("fake", QUICK_RUN, STORED_RUN).to_dict()
    assert set(data["figures"]) == {"quick", "stored"}
    for run, record in (("quick", QUICK_RUN), ("stored", STORED_RUN)):
        assert data["figures"][run] == [p.to_dict() for p in figures.figure(record)]
    assert data["figures"]["quick"][0]["traces"][0]["y"] == [0.1, 0.4, 0.9]
    assert data["figures"]["stored"][0]["traces"][0]["y"] == [0.2, 0.5, 0.8]
    assert set(Rerun("fake", None, STORED_RUN).to_dict()["figures"]) == {"stored"}  # no quick version


def test_cli_rerun_table_names_each_runs_note(monkeypatch):
    monkeypatch.setitem(papers.CLAIMS, "fake", (lambda quick, seeds, on_step: QUICK_RUN, True))
    entry = {**STORED_RUN.to_dict(), "generated": "2026-12-01 04:24 UTC"}
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": [entry]})
    res = runner.invoke(app, ["reproduce", "fake", "--quick"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "quick run: at N = 2, L = 20, zero biases" in out
    assert "stored full run: at N = 2, L = 30, symmetric" in out  # the cell folds the last word
    assert "stored full run: error 1.1%" in out and "quick run: error 1.34%" in out


def test_quick_plot_draws_the_stored_curves_and_the_quick_curves_each_named(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from actlab.cli import reproduce as cli

    monkeypatch.setitem(papers.CLAIMS, "fake", (lambda quick, seeds, on_step: QUICK_RUN, True))
    entry = {**STORED_RUN.to_dict(), "generated": "2026-12-01 04:24 UTC"}
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": [entry]})
    drawn = []
    original = cli.draw_claim
    monkeypatch.setattr(cli, "draw_claim", lambda r: drawn.append(original(r)) or drawn[-1])
    res = runner.invoke(app, ["reproduce", "fake", "--quick", "--plot", str(tmp_path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert (tmp_path / "fake.png").stat().st_size > 1000
    (fig,) = drawn
    axes = [ax for ax in fig.axes if ax.get_visible()]
    titles = [ax.get_title() for ax in axes]
    assert titles == ["stored full run of 2026-12-01 04:24 UTC: zero biases", "quick run, just now: zero biases"]
    ys = [[list(line.get_ydata()) for line in ax.lines if len(line.get_ydata()) == 3] for ax in axes]
    assert ys[0][0] == pytest.approx([0.2, 0.5, 0.8]) and ys[1][0] == pytest.approx([0.1, 0.4, 0.9])
    assert "quick run beside the stored full run" in fig._suptitle.get_text()
    plt.close(fig)
