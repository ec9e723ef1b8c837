"""The papers' figures as data and as `actlab reproduce --plot` draws them (fifth walkthrough of issue 19): lines
that differ look different, the seeds of a configuration are one legend entry, a mean says it is one, lu2019's
born-dead panel carries the formula it stays under, the Markov task its entropy floor, layers get whole ticks, and a
rerun's two rows share one y range with titles that do not run into each other."""

from __future__ import annotations

import dataclasses
import re

import pytest

from actlab.experiments import figures, papers
from actlab.experiments.reproduction import Reproduction, Series, shown

STORED = {c["name"]: papers.stored(c["name"]) for c in papers.stored_table()["claims"]}


@pytest.mark.parametrize("name", sorted(STORED))
def test_traces_that_look_alike_share_one_legend_entry(name):
    """Two traces of one colour, style and dash are told apart only by the legend: they must be one entry (the seeds
    of a configuration), never two different lines (poole2016's χ₁ and χ(q_l) of one tanh net were)."""
    for panel in figures.figure(STORED[name]):
        looks: dict[tuple[str, str, str], set[str]] = {}
        for t in panel.traces:
            looks.setdefault((t.group, t.style, t.dash), set()).add(t.legend)
        alike = {look: entries for look, entries in looks.items() if len(entries) > 1}
        assert not alike, (panel.title, alike)


def test_poole2016_second_prediction_of_a_tanh_net_is_dotted():
    (panel,) = figures.figure(STORED["poole2016"])
    dashes = {t.label.split(": ")[1]: t.dash for t in panel.traces if t.group == "tanh, σ_w² = 1"}
    assert dashes == {"measured, geometric mean of 5 seeds": "", "χ₁ by quadrature (prediction)": "dash",
                      "χ(q_l) along q_l (prediction)": "dot"}


def test_the_seeds_of_one_configuration_are_one_legend_entry_and_one_seed_keeps_its_name():
    panel = figures.figure(STORED["he2015"])[0]  # the training panel; the moments per layer follow it
    assert {t.legend for t in panel.traces} == {"Xavier, momentum: 5 seeds, one line each",
                                                "He, momentum: 5 seeds, one line each", "Xavier, Adam"}
    quick = Reproduction("he2015", "p", "c", [], True, 1, "m", series=[
        Series("training loss, 30 x 128 ReLU", "He, momentum, seed 0", [0, 1], [2.3, 1.9])])
    (panel,) = figures.figure(quick)
    assert panel.traces[0].legend == "He, momentum, seed 0"  # one seed: its own name, no "1 seeds"


def test_hendrycks2016_curves_say_they_are_means_of_the_records_seeds():
    record = STORED["hendrycks2016"]
    for panel in figures.figure(record):
        assert [t.legend for t in panel.traces] == [f"{t.label}: mean of {record.seeds} seeds" for t in panel.traces]
    one = dataclasses.replace(record, seeds=1)
    assert figures.figure(one)[0].traces[0].legend == "gelu_tanh: one seed"


def _dead(n: int, depth: int) -> float:
    return 1 - (1 - 0.5 ** n) ** depth  # Lu et al.'s pointwise probability, written out here


def test_lu2019_born_dead_panel_draws_the_pointwise_formula_dashed_and_its_title_counts_the_inputs():
    record = STORED["lu2019"]
    (panel,) = [p for p in figures.figure(record) if p.title.startswith("born dead")]
    assert "32 inputs" in panel.title and "32 inputs" in record.run_matrix
    assert "whole domain" not in panel.title and "32" not in panel.y_title  # said once, in the title, the same way
    predicted = [t for t in panel.traces if t.style == figures.PREDICTION]
    born = [t for t in panel.traces if t.style == figures.LINE]
    assert len(predicted) == len(born) == 4
    for line, bound in zip(born, predicted, strict=True):
        n = int(line.label.split("N = ")[1])
        assert bound.group == line.group == f"N = {n}" and bound.dash == "dash"
        assert bound.y == pytest.approx([_dead(n, L) for L in bound.x], abs=1e-12)
        assert "one input" in bound.legend and line.legend == f"N = {n}: born dead, at all 32 inputs"
        # what the claim says: never above the pointwise probability (4,000 nets: well within 0.05)
        assert all(y <= _dead(n, L) + 0.05 for L, y in zip(line.x, line.y, strict=True))


def test_the_markov_panel_draws_the_chains_entropy_floor_and_digits_does_not():
    record = STORED["shazeer2020"]
    markov, digits = figures.figure(record)
    (floor,) = [t for t in markov.traces if t.style == figures.REFERENCE]
    assert floor.y == [pytest.approx(2.115, abs=5e-4)] * 2 == [record.finding("floor").measured] * 2
    assert floor.x == [-0.5, len(markov.x_labels) - 0.5]  # across every unit
    assert "2.115 nats" in floor.legend and "entropy" in floor.legend
    assert not [t for t in digits.traces if t.style == figures.REFERENCE]


def test_a_record_without_the_floor_finding_draws_no_floor():
    series = [Series("Markov task: held-out loss at 1,000 steps", "one seed (seed 0)", [0, 1], [2.2, 2.1],
                     x_labels=["relu", "glu"])]
    record = Reproduction("x", "p", "c", [shown("other", "w", "", 1.0)], True, 1, "m", series=series)
    (panel,) = figures.figure(record)
    assert [t.style for t in panel.traces] == [figures.POINTS]


def test_whole_number_axes_are_marked_and_others_not():
    assert all(p.x_whole for p in figures.figure(STORED["glorot2010"]))
    record = Reproduction("x", "p", "c", [], True, 1, "m", series=[Series("curve", "a", [0, 0.5], [1.0, 0.5])])
    assert not figures.figure(record)[0].x_whole


# --- the CLI's figure (matplotlib) ---

def _rerun(name: str):
    """A quick run of ``name`` beside its stored full run: the stored record with one seed's series, marked quick."""
    stored = STORED[name]
    quick = dataclasses.replace(stored, quick=True, stored=False, seeds=1, series=[
        dataclasses.replace(s, y=[v * 0.5 for v in s.y]) for s in stored.series])
    return papers.beside_stored(quick)


@pytest.fixture
def plt():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_the_glorot_layer_axis_has_whole_ticks_only(plt):
    from actlab.cli.reproduce import draw_claim

    fig = draw_claim(STORED["glorot2010"])
    fig.canvas.draw()
    layer = fig.axes[0]
    ticks = [t for t in layer.get_xticks() if layer.get_xlim()[0] <= t <= layer.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


@pytest.mark.parametrize("name", ["shazeer2020", "he2015"])
def test_a_reruns_panel_titles_do_not_overlap_and_each_pair_shares_its_y_range(plt, name):
    from actlab.cli.reproduce import draw_claim

    fig = draw_claim(_rerun(name))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    shown_axes = [ax for ax in fig.axes if ax.get_visible()]
    boxes = [ax.title.get_window_extent(renderer) for ax in shown_axes]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)  # shazeer2020's two top titles ran into each other
    assert all(fig.bbox.x0 <= b.x0 and b.x1 <= fig.bbox.x1 for b in boxes)  # none past the figure's edge
    # the stored panel and the quick one of the same title ("run: panel", perhaps broken after the run) on one scale
    by_title: dict[str, list] = {}
    for ax in shown_axes:
        by_title.setdefault(" ".join(re.split(r":\s", ax.get_title(), maxsplit=1)[1].split()), []).append(
            ax.get_ylim())
    pairs = [lims for lims in by_title.values() if len(lims) == 2]
    assert pairs and all(a == pytest.approx(b) for a, b in pairs)
    assert any(lims for lims in pairs)


def test_the_cli_legend_names_a_configurations_seeds_once(plt):
    from actlab.cli.reproduce import draw_claim

    fig = draw_claim(STORED["he2015"])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["Xavier, momentum: 5 seeds, one line each", "He, momentum: 5 seeds, one line each",
                      "Xavier, Adam"]
