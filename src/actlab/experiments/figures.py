"""A claim's figure as plain data: one panel per group of series, with axis titles that carry their units.

Both faces draw from this: `actlab reproduce --plot` with matplotlib, the lab's papers page with Plotly. Neither
chooses a title or a style. A measured series that comes with its standard errors (a companion series labelled
error_label(its label)) is drawn as markers with error bars, so the Monte Carlo points stay visible over the thin
lines of a formula; a series over named categories (x_labels) as points over the names (with error bars where it
has standard errors); a formula's prediction (prediction_label) as a dashed line (a second prediction in the same
colour dotted, so the two stay apart); a reference level a record names (REFERENCES: the Markov chain's entropy) as a
grey dotted line across the panel; any other as a line.

Each trace carries its legend entry: the seeds of one configuration share one entry ("He, momentum: 5 seeds, one line
each"), and a claim whose curves are means over seeds says so in each entry (MEAN_OF_SEEDS).

This module makes no numbers of its own, so it is not part of any claim's fingerprint (papers.claim_sources).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from ._result import ResultMixin
from .reproduction import Reproduction

# panel title -> (x axis title, y axis title); a test holds every panel of the stored table to this list
AXES: dict[str, tuple[str, str]] = {
    "tanh at init: std(∂L/∂z) per layer": ("hidden layer (1 = next to the input)", "std of ∂L/∂z (nats per unit of z)"),
    "test error, 50 epochs": ("epoch", "test error (fraction of 500 images)"),
    "training loss, 30 x 128 ReLU": ("epoch", "training loss (cross-entropy, nats)"),
    "(a) lr 0.001, dropout 0": ("epoch", "training loss (log-loss, nats; log scale)"),
    "(b) lr 0.0001, dropout 0": ("epoch", "training loss (log-loss, nats; log scale)"),
    "(c) lr 0.001, dropout 0.5": ("epoch", "training loss (log-loss, nats; log scale)"),
    "zero biases": ("depth L (layers)", "dead at an input (fraction of nets)"),
    "symmetric biases": ("depth L (layers)", "dead at an input (fraction of nets)"),
    "born dead (whole domain)": ("depth L (layers)", "dead (fraction of nets)"),
    "per-layer ‖δ‖² ratio": ("layer l", "‖δ_l‖² / ‖δ_l+1‖² (no unit)"),
    "Markov task: held-out loss at 1,000 steps": ("feed-forward unit", "held-out loss (nats per symbol)"),
    "digits: test log-loss after 300 steps": ("feed-forward unit", "test log-loss (nats per image)"),
    "tanh at init: mean singular value of each layer's Jacobian": (
        "hidden layer l (the Jacobian of layer l over layer l − 1)", "mean singular value (no unit)"),
    "sigmoid, lr 1.0: mean activation per layer, first 100 steps": ("SGD step (batch of 10)",
                                                                    "mean activation on the 500 test images (no unit)"),
    "post-ReLU second moment per layer, width 1,000": ("layer", "second moment over the input's (log scale)"),
}

# the title a panel is shown under, where the record's name for it does not say what its axis counts
TITLES: dict[str, str] = {
    "born dead (whole domain)": "born dead at 32 inputs (dashed: one input)",
}

LINE, MARKERS, POINTS, PREDICTION, REFERENCE = "line", "markers", "points", "prediction", "reference"
_PREDICTED = " (prediction)"

# claims whose every curve is the mean over the record's seeds (the record keeps no per-seed curves, so no spread)
MEAN_OF_SEEDS = {"hendrycks2016"}

# panel -> (key of the finding that holds a level, its legend entry): drawn as a line across the panel
REFERENCES: dict[str, tuple[str, str]] = {
    "Markov task: held-out loss at 1,000 steps": ("floor", "the chain's entropy, {value:.3f} nats: no model can go "
                                                           "below it"),
}

# panel -> (panel whose formula lines it borrows, what the borrowed line shows, what the panel's own lines show):
# lu2019's born-dead probability is claimed to stay under the pointwise one, so the pointwise formula is drawn beside it
BORROWED: dict[str, tuple[str, str, str]] = {
    "born dead (whole domain)": ("zero biases", "dead at one input, 1 − (1 − 2^−N)^L",
                                 "born dead, at all 32 inputs"),
}
_SEED = re.compile(r",? seed \d+$")


def prediction_label(label: str) -> str:
    """The label of a series that a formula predicts (drawn as a dashed line beside the measured one)."""
    return f"{label}{_PREDICTED}"


def error_label(label: str) -> str:
    """The label of the series that holds the standard errors of the series labelled ``label``."""
    return f"{label} (standard error)"


def colour_group(label: str) -> str:
    """Traces that share a colour: a label's part before any colon, without a trailing seed ("N = 2: formula" and
    "N = 2: Monte Carlo" pair up, as do the seeds of one configuration)."""
    return _SEED.sub("", label.split(":")[0]).strip()


@dataclass(frozen=True)
class Trace(ResultMixin):
    label: str
    x: list[float]
    y: list[float]
    style: str  # LINE, PREDICTION, MARKERS (with error bars y_err), POINTS (over x_labels, y_err if any), REFERENCE
    y_err: list[float] | None = None
    group: str = ""  # colour_group(label): the traces of one group share a colour
    dash: str = ""  # "" solid, "dash" or "dot": two predictions of one group differ in dash as well as label
    legend: str = ""  # the legend entry; traces with the same entry (the seeds of one configuration) share it


@dataclass(frozen=True)
class Panel(ResultMixin):
    title: str
    x_title: str
    y_title: str
    log_y: bool
    traces: list[Trace]
    x_labels: list[str] | None = None  # the names of categorical x values 0, 1, 2 ...
    x_whole: bool = False  # every x is a whole number (layers, epochs): no ticks between them


def _legends(traces: list[Trace], mean_of: int | None) -> list[Trace]:
    """``traces`` with their legend entries and dashes: one entry for the seeds of a configuration, the number of
    seeds a mean is over, and a second prediction of a group dotted."""
    seeds: dict[str, int] = {}
    for t in traces:
        if t.style == LINE and _SEED.search(t.label):
            seeds[_SEED.sub("", t.label)] = seeds.get(_SEED.sub("", t.label), 0) + 1
    predictions: dict[str, int] = {}
    out = []
    for t in traces:
        legend, dash = t.label, t.dash
        base = _SEED.sub("", t.label)
        if t.style == LINE and base != t.label and seeds[base] > 1:
            legend = f"{base}: {seeds[base]} seeds, one line each"
        elif t.style == LINE and mean_of:
            legend = f"{t.label}: mean of {mean_of} seeds" if mean_of > 1 else f"{t.label}: one seed"
        if t.style == PREDICTION:
            k = predictions[t.group] = predictions.get(t.group, 0) + 1
            dash = "dash" if k == 1 else "dot"
        out.append(Trace(t.label, t.x, t.y, t.style, t.y_err, t.group, dash, legend))
    return out


def _extras(record: Reproduction, title: str, x: list[float]) -> list[Trace]:
    """Lines a panel gets from elsewhere in its record: a reference level, or another panel's formula."""
    extra = []
    if title in REFERENCES:
        key, words = REFERENCES[title]
        level = next((f.measured for f in record.findings if f.key == key), None)
        if level is not None and x:
            extra.append(Trace(words.format(value=level), [min(x) - 0.5, max(x) + 0.5], [level, level], REFERENCE,
                               group="reference", dash="dot", legend=words.format(value=level)))
    if title in BORROWED:
        source, words, _ = BORROWED[title]
        for s in record.series:
            if s.panel == source and s.label.endswith(": formula"):
                label = prediction_label(f"{s.label.split(':')[0]}: {words}")
                extra.append(Trace(label, list(s.x), list(s.y), PREDICTION, group=colour_group(s.label)))
    return extra


def figure(record: Reproduction) -> list[Panel]:
    """The panels of ``record``'s figure, in the order its series first name them."""
    # keyed by panel too: two panels may each hold a series of the same label (shazeer2020's two tasks)
    errors = {(s.panel, s.label): s for s in record.series if s.label.endswith(error_label(""))}
    panels = []
    for title in dict.fromkeys(s.panel for s in record.series):
        group = [s for s in record.series if s.panel == title and (title, s.label) not in errors]
        traces = []
        for s in group:
            err = errors.get((title, error_label(s.label)))
            style = (POINTS if s.x_labels else MARKERS if err is not None else
                     PREDICTION if s.label.endswith(_PREDICTED) else LINE)
            traces.append(Trace(s.label, list(s.x), list(s.y), style, None if err is None else list(err.y),
                                colour_group(s.label)))
        traces += _extras(record, title, [x for s in group for x in s.x])
        x_title, y_title = AXES.get(title, ("", ""))
        labels = next((s.x_labels for s in group if s.x_labels), None)
        whole = all(float(x).is_integer() for s in group for x in s.x)
        mean_of = record.seeds if record.name in MEAN_OF_SEEDS else None
        traces = _legends(traces, mean_of)
        if title in BORROWED:  # the panel's own lines named beside the borrowed ones
            own = BORROWED[title][2]
            traces = [dataclasses.replace(t, legend=f"{t.label}: {own}") if t.style == LINE else t for t in traces]
        panels.append(Panel(TITLES.get(title, title), x_title, y_title, any(s.log_y for s in group), traces,
                            labels, whole))
    return panels
