"""Each claim's figure (experiments.figures): titled axes with units, and lu2019's Monte Carlo as markers with
binomial error bars over the thin lines of the formula, for the page and for `actlab reproduce --plot`."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from actlab.experiments import figures, papers
from actlab.experiments.reproduction import Reproduction, Series
from actlab.web.app import create_app

STORED = [papers.stored(c["name"]) for c in papers.stored_table()["claims"]]


@pytest.mark.parametrize("record", STORED, ids=lambda r: r.name)
def test_every_stored_panel_has_both_axes_titled_with_a_unit(record):
    panels = figures.figure(record)
    assert panels, record.name
    shown = {figures.TITLES.get(key, key): key for key in figures.AXES}  # the title shown -> the record's name
    for panel in panels:
        assert panel.title in shown, f"{record.name}: no axis titles for the panel {panel.title!r}"
        for title in (panel.x_title, panel.y_title):
            assert title.strip(), (record.name, panel.title)
        assert "(" in panel.y_title, (panel.title, panel.y_title)  # the unit, or "no unit", in brackets


def _dead(n: int, depth: int) -> float:
    """Lu et al.'s closed form, written out here: a depth-L, width-N ReLU net is dead at an input."""
    return 1 - (1 - 0.5 ** n) ** depth


@pytest.mark.parametrize("bias", ["zero", "symmetric"])
def test_lu2019_monte_carlo_points_carry_binomial_standard_errors(bias):
    record = papers.stored("lu2019")
    (panel,) = [p for p in figures.figure(record) if p.title == f"{bias} biases"]
    markers = [t for t in panel.traces if t.style == figures.MARKERS]
    lines = [t for t in panel.traces if t.style == figures.LINE]
    assert len(markers) == 4 and len(lines) == 4  # N = 2..5, each as points and as its formula
    nets = 40_000  # the stored full run's Monte Carlo size (its run matrix says so)
    assert f"{nets:,} nets" in record.run_matrix
    for t in markers:
        n = int(t.label.split("N = ")[1].split(":")[0])
        expected = [math.sqrt(_dead(n, L) * (1 - _dead(n, L)) / nets) for L in t.x]
        assert t.y_err == pytest.approx(expected, rel=1e-12)
        assert all(abs(y - _dead(n, L)) <= 3.5 * e for y, e, L in zip(t.y, t.y_err, t.x, strict=True))
        assert {t.group} == {line.group for line in lines if line.label.startswith(f"N = {n}:")}  # one colour
    for t in lines:
        assert t.x == list(range(1, 51)) and t.y_err is None


def test_a_series_without_errors_stays_a_line_and_named_categories_are_points():
    record = Reproduction("fake", "p", "c", [], True, 1, "m", series=[
        Series("loss by unit", "mean", [0, 1], [2.2, 2.1], x_labels=["relu", "swiglu"]),
        Series("curve", "a, seed 0", [0, 1], [1.0, 0.5]), Series("curve", "a, seed 1", [0, 1], [1.0, 0.4])])
    units, curve = figures.figure(record)
    assert units.x_labels == ["relu", "swiglu"] and units.traces[0].style == figures.POINTS
    assert [t.style for t in curve.traces] == [figures.LINE, figures.LINE]
    assert curve.traces[0].group == curve.traces[1].group == "a"  # the seeds of one configuration share a colour
    assert (units.x_title, units.y_title) == ("", "")  # a panel the table does not know gets no invented titles


def test_the_plot_draws_error_bars_over_lines_and_titles_the_axes():
    pytest.importorskip("matplotlib")
    from matplotlib.container import ErrorbarContainer

    from actlab.cli.reproduce import draw_claim

    fig = draw_claim(papers.stored("lu2019"))
    zero = fig.axes[0]
    assert zero.get_xlabel() == "depth L (layers)" and zero.get_ylabel() == "dead at an input (fraction of nets)"
    assert sum(isinstance(c, ErrorbarContainer) for c in zero.containers) == 4
    formula = [line for line in zero.get_lines() if line.get_label().endswith("formula")]
    assert len(formula) == 4 and all(line.get_linewidth() < 1.2 for line in formula)
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)


def test_the_papers_api_serves_each_claims_figure(tmp_path):
    app = create_app(db_path=tmp_path / "progress.sqlite3", max_sessions=3, allow_hosts=("testserver",))
    with TestClient(app) as client:
        claims = client.get("/api/papers").json()["claims"]
    for claim in claims:
        expected = [p.to_dict() for p in figures.figure(papers.stored(claim["name"]))]
        assert claim["figure"] == expected and expected
