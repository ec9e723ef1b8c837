"""The papers' figures and tables say what they show: poole2016's χ₁ beside each measured ratio, shazeer2020's
legend naming one seed or the mean of n with standard-error bars, each figure's criterion for its own n, and
counts in the unit they count (walkthrough of issue 19)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from scipy import integrate
from typer.testing import CliRunner

from actlab.cli import app
from actlab.experiments import figures, papers, poole2016, shazeer2020
from actlab.experiments.reproduction import SHOWN, Reproduction, asserted

PANEL = "per-layer ‖δ‖² ratio"


def _gauss(f) -> float:
    """E[f(z)], z ~ N(0, 1), by adaptive quadrature (independent of the module's Gauss-Hermite rule)."""
    return integrate.quad(lambda z: f(z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -12, 12,
                          epsabs=1e-13, limit=200)[0]


def _tanh_q_path(s2: float, layers: int) -> list[float]:
    q, path = 1.0, []
    for _ in range(layers):
        q = s2 * _gauss(lambda z, q=q: math.tanh(math.sqrt(q) * z) ** 2)
        path.append(q)
    return path


def _tanh_chi(s2: float, q: float) -> float:
    return s2 * _gauss(lambda z: (1 - math.tanh(math.sqrt(q) * z) ** 2) ** 2)


@pytest.fixture(scope="module")
def poole_small():
    """poole2016's quick run on nets 200 wide (the figure's shape and findings, in a second)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(poole2016, "measured_rates", functools.partial(poole2016.measured_rates, width=200))
        return poole2016.reproduce_poole2016(quick=True)


def _groups(record: Reproduction) -> dict[str, list[figures.Trace]]:
    (panel,) = figures.figure(record)
    out: dict[str, list[figures.Trace]] = {}
    for t in panel.traces:
        out.setdefault(t.group, []).append(t)
    return out


def test_poole2016_figure_sets_chi_1_beside_each_measured_ratio(poole_small):
    groups = _groups(poole_small)
    assert set(groups) == {f"{n}, σ_w² = {v:g}" for n, v in (*poole2016.CONFIGS, poole2016.CRITICAL)}
    for group, traces in groups.items():
        measured = [t for t in traces if t.style == figures.LINE]
        predicted = {t.label.split(": ")[1]: t for t in traces if t.style == figures.PREDICTION}
        assert [t.label for t in measured] == [f"{group}: measured, one seed"]
        chi = predicted["χ₁ by quadrature (prediction)"]
        assert chi.x == measured[0].x == list(range(1, poole2016.DEPTH))
        name, s2 = group.split(", σ_w² = ")
        if name == "relu":  # closed form: σ_w² E[1{h > 0}] = σ_w² / 2 at any variance
            assert chi.y == pytest.approx([float(s2) / 2] * len(chi.x), abs=1e-12)
        elif float(s2) == 2.0:  # tanh at 2: chi at the fixed point, by scipy's quadrature along the q recursion
            q_star = _tanh_q_path(2.0, 60)[-1]
            assert chi.y[0] == pytest.approx(_tanh_chi(2.0, q_star), rel=1e-6)
        else:  # tanh at 0.5 and 1: q* = 0, where tanh'(0) = 1, so χ₁ = σ_w²
            assert chi.y[0] == pytest.approx(float(s2), rel=1e-12)
    # the critical tanh also gets the layer-by-layer prediction its finding quotes
    assert "χ₁ = 1.0000 at q* = 0" in poole_small.finding("tanh_1_critical").what
    along = next(t for t in groups["tanh, σ_w² = 1"] if "along q_l" in t.label)
    expected = [_tanh_chi(1.0, q) for q in _tanh_q_path(1.0, 6)]
    assert along.y[:6] == pytest.approx(expected, rel=1e-6)


def test_the_stored_poole2016_figure_the_page_draws_has_the_predictions_too():
    groups = _groups(papers.stored("poole2016"))
    for group, traces in groups.items():
        assert any(t.style == figures.PREDICTION for t in traces), group
        assert any(t.label == f"{group}: measured, geometric mean of 5 seeds" for t in traces), group


def test_the_cli_figure_draws_each_prediction_dashed(poole_small, tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from actlab.cli.reproduce import draw_claim

    fig = draw_claim(poole_small)
    lines = fig.axes[0].get_lines()
    dashed = [ln.get_label() for ln in lines if ln.get_linestyle() == "--"]
    dotted = [ln.get_label() for ln in lines if ln.get_linestyle() == ":"]
    solid = [ln.get_label() for ln in lines if ln.get_linestyle() == "-"]
    plt.close(fig)
    assert len(dashed) == 6 and all(label.endswith("χ₁ by quadrature (prediction)") for label in dashed)
    # the second prediction of each tanh net dotted, so it stays apart from χ₁ in the same colour
    assert len(dotted) == 3 and all(label.endswith("χ(q_l) along q_l (prediction)") for label in dotted)
    assert len(solid) == 6 and all(label.endswith("measured, one seed") for label in solid)


def test_the_finite_depth_prediction_covers_the_layers_the_measurement_takes():
    """Layer l's ratio multiplies by φ'(h_l), whose variance is q_l: the ratios of layers 1..49 are χ(q_1..q_49).
    The stored five-seed rate (0.9310) sits within 0.1% of that prediction (0.9315); the old one averaged
    q_2..q_50 and read 0.9397."""
    path = _tanh_q_path(1.0, poole2016.DEPTH - 1)
    expected = math.exp(np.mean([math.log(_tanh_chi(1.0, q)) for q in path]))
    assert poole2016.finite_depth_rate("tanh", 1.0) == pytest.approx(expected, rel=1e-6)
    stored = papers.stored("poole2016").finding("tanh_1_critical")
    assert stored.measured == pytest.approx(expected, rel=0.003)


def test_the_three_relu_rows_are_one_net_scaled_and_count_once(poole_small):
    ratios, _ = poole2016.measured_rates(0, (("relu", 1.5), ("relu", 2.0), ("relu", 2.5)), width=100, depth=8)
    # ReLU(c h) = c ReLU(h): the same weights scaled give the σ_w² = 2 net's ratios times s2 / 2, to round-off
    np.testing.assert_allclose(ratios[0] / 0.75, ratios[1], rtol=1e-10)
    np.testing.assert_allclose(ratios[2] / 1.25, ratios[1], rtol=1e-10)
    judged = [f.key for f in poole_small.findings if f.verdict != SHOWN]
    assert "relu_2" in judged and "relu_1.5" not in judged and "relu_2.5" not in judged
    for key in ("relu_1.5", "relu_2.5"):
        note = poole_small.finding(key).note
        assert note.split("; ")[0] == poole_small.finding("relu_2").note  # "error 1.89%" three times, said once
        assert "same measurement" in note and "counts once" in note


def test_shazeer2020_one_seed_figure_says_one_seed_and_has_no_bars():
    series = shazeer2020.unit_series("loss", ("relu", "glu"), {"relu": [2.3], "glu": [2.2]})
    assert [s.label for s in series] == ["one seed (seed 0)"]
    (panel,) = figures.figure(Reproduction("x", "p", "c", [], True, 1, "m", series=series))
    assert panel.traces[0].y_err is None and "mean" not in panel.traces[0].label


def test_shazeer2020_mean_of_seeds_has_standard_error_bars_per_panel(tmp_path):
    markov = {"relu": [2.30, 2.34, 2.29], "glu": [2.20, 2.26, 2.21]}
    digits = {"relu": [0.50, 0.70, 0.60], "glu": [0.40, 0.40, 0.43]}
    series = (shazeer2020.unit_series("Markov task: held-out loss at 1,000 steps", ("relu", "glu"), markov)
              + shazeer2020.unit_series("digits: test log-loss after 300 steps", ("relu", "glu"), digits))
    record = Reproduction("x", "p", "c", [], False, 3, "m", series=series)
    panels = figures.figure(record)
    for panel, losses in zip(panels, (markov, digits), strict=True):
        (trace,) = panel.traces  # the standard errors ride on the mean, not as a trace of their own
        assert trace.label == "mean of 3 seeds ± standard error" and trace.style == figures.POINTS
        assert trace.y == pytest.approx([np.mean(losses[u]) for u in ("relu", "glu")])
        # each panel its own errors, though both panels' series share a label
        assert trace.y_err == pytest.approx([np.std(losses[u], ddof=1) / math.sqrt(3) for u in ("relu", "glu")])
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from matplotlib.container import ErrorbarContainer

    from actlab.cli.reproduce import draw_claim

    fig = draw_claim(record)
    bars = [c for ax in fig.axes for c in ax.containers if isinstance(c, ErrorbarContainer)]
    plt.close(fig)
    assert len(bars) == 2


def test_the_stored_shazeer2020_figure_names_its_seeds_and_draws_bars():
    record = papers.stored("shazeer2020")
    for panel in figures.figure(record):
        (trace,) = [t for t in panel.traces if t.style == figures.POINTS]  # beside the Markov task's floor line
        n = 5 if panel.title.startswith("Markov") else 6
        assert trace.label == f"mean of {n} seeds ± standard error"
        assert trace.y_err is not None and all(e > 0 for e in trace.y_err)


def test_the_digits_finding_counts_seeds_not_pairs():
    f = papers.stored("shazeer2020").finding("digits_gated")
    assert f.n == 6  # one figure per seed: the mean over the four gated units of that seed
    assert "24" in f.note and "6 seeds" in f.note and "pairs" in f.note


def test_no_stored_or_quick_text_refers_to_the_issue():
    texts = []
    for data in papers.stored_table()["claims"]:
        record = Reproduction.from_dict({k: v for k, v in data.items()
                                         if k not in ("fingerprint", "generated", "numpy", "cpu_seconds")})
        texts += [record.explanation, record.claim, record.run_matrix]
        texts += [t for f in record.findings for t in (f.what, f.note, f.criterion)]
    assert texts and not [t for t in texts if "the issue" in t]


def _claim(quick: bool = False, seeds: int | None = None, on_step=None) -> Reproduction:
    n = 1 if quick else 5
    values = [0.03] if quick else [0.03, 0.02, 0.04, 0.03, 0.05]
    return Reproduction("fake", "Someone, 2020, A Paper", "a gap", [asserted(
        "gap", "a gap", "better", values, "above 0 in every seed", True, bounds=(0.0, None))], quick, n, "m")


@pytest.fixture
def stored_five(monkeypatch):
    monkeypatch.setitem(papers.CLAIMS, "fake", (_claim, True))
    stored = _claim(on_step=None)
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": [stored.to_dict()]})


@pytest.mark.parametrize("columns", ["80", "200"])
def test_each_figure_has_the_criterion_for_its_own_seeds(stored_five, columns):
    res = CliRunner().invoke(app, ["reproduce", "fake", "--quick"], env={"COLUMNS": columns})
    assert res.exit_code == 0, res.output
    if columns == "200":  # one line a run: the quick figure's criterion above the stored one's
        assert "quick: above 0 (one seed)" in res.stdout and "stored: above 0 in every seed" in res.stdout
    else:  # wrapped in the cell, still each under its run's name
        cells = " ".join(line.split("│")[5].strip() for line in res.stdout.splitlines() if line.count("│") == 7)
        assert "quick: above 0 (one seed)" in cells and "stored: above 0 in every seed" in cells
    header = next(line for line in res.stdout.splitlines() if "what is claimed" in line)
    assert "criterion" in header  # whole, not folded into "criterio" / "n"


def test_the_claim_table_header_does_not_fold_at_80_columns(monkeypatch):
    monkeypatch.setitem(papers.CLAIMS, "fake", (_claim, True))
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": []})
    res = CliRunner().invoke(app, ["reproduce", "fake"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    header = next(line for line in res.stdout.splitlines() if "what is claimed" in line)
    assert "criterion" in header


def test_the_papers_page_states_the_time_measured_not_a_minute():
    from importlib import resources

    html = (resources.files("actlab") / "web" / "static" / "papers.html").read_text(encoding="utf-8")
    text = " ".join(html.split())
    assert "about a minute" not in text
    assert "30 s of CPU time" in text and "31 s on a quiet 2-core machine" in text and "busy" in text


def test_a_series_of_measured_seeds_is_unchanged_for_other_claims():
    """Claims without predictions keep their styles: lu2019's formula stays a solid line, its Monte Carlo markers
    (the born-dead panel draws the same formula dashed, as the bound it stays under)."""
    styles = {t.style for p in figures.figure(papers.stored("lu2019")) for t in p.traces
              if not p.title.startswith("born dead")}
    assert figures.PREDICTION not in styles and {figures.LINE, figures.MARKERS} <= styles
