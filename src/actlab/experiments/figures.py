"""A claim's figure as plain data: one panel per group of series, with axis titles that carry their units.

Both faces draw from this: `actlab reproduce --plot` with matplotlib, the lab's papers page with Plotly. Neither
chooses a title or a style. A measured series that comes with its standard errors (a companion series labelled
error_label(its label)) is drawn as markers with error bars, so the Monte Carlo points stay visible over the thin
lines of a formula; a series over named categories (x_labels) as points over the names (with error bars where it
has standard errors); a formula's prediction (prediction_label) as a dashed line; any other as a line.

This module makes no numbers of its own, so it is not part of any claim's fingerprint (papers.claim_sources).
"""

from __future__ import annotations

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
    "born dead (whole domain)": ("depth L (layers)", "dead at all 32 inputs (fraction of nets)"),
    "per-layer ‖δ‖² ratio": ("layer l", "‖δ_l‖² / ‖δ_l+1‖² (no unit)"),
    "Markov task: held-out loss at 1,000 steps": ("feed-forward unit", "held-out loss (nats per symbol)"),
    "digits: test log-loss after 300 steps": ("feed-forward unit", "test log-loss (nats per image)"),
}

LINE, MARKERS, POINTS, PREDICTION = "line", "markers", "points", "prediction"
_PREDICTED = " (prediction)"


def prediction_label(label: str) -> str:
    """The label of a series that a formula predicts (drawn as a dashed line beside the measured one)."""
    return f"{label}{_PREDICTED}"


def error_label(label: str) -> str:
    """The label of the series that holds the standard errors of the series labelled ``label``."""
    return f"{label} (standard error)"


def colour_group(label: str) -> str:
    """Traces that share a colour: a label's part before any colon, without a trailing seed ("N = 2: formula" and
    "N = 2: Monte Carlo" pair up, as do the seeds of one configuration)."""
    return re.sub(r",? seed \d+$", "", label.split(":")[0]).strip()


@dataclass(frozen=True)
class Trace(ResultMixin):
    label: str
    x: list[float]
    y: list[float]
    style: str  # LINE, PREDICTION (dashed), MARKERS (with error bars y_err) or POINTS (over x_labels, y_err if any)
    y_err: list[float] | None = None
    group: str = ""  # colour_group(label): the traces of one group share a colour


@dataclass(frozen=True)
class Panel(ResultMixin):
    title: str
    x_title: str
    y_title: str
    log_y: bool
    traces: list[Trace]
    x_labels: list[str] | None = None  # the names of categorical x values 0, 1, 2 ...


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
        x_title, y_title = AXES.get(title, ("", ""))
        labels = next((s.x_labels for s in group if s.x_labels), None)
        panels.append(Panel(title, x_title, y_title, any(s.log_y for s in group), traces, labels))
    return panels
