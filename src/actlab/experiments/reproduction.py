"""The record of one reproduced paper claim: what the paper says, what actlab measured, and a verdict.

A Reproduction holds Findings, one line of its table each. A finding is either asserted (the measured figure
meets a stated criterion, or it does not: "reproduced" or "not reproduced") or shown for context ("shown": a
figure the lesson explains, not a claim actlab stands behind). The claim's verdict follows from its asserted
findings: all met is "reproduced", none met is "not reproduced", anything between is "partly".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ._result import ResultMixin

REPRODUCED, PARTLY, NOT_REPRODUCED, SHOWN = "reproduced", "partly", "not reproduced", "shown"

Progress = Callable[[int, int, str], None]  # on_step(done, total, message), as the web lab's job runner calls it


def no_progress(done: int, total: int, message: str) -> None:
    """The default progress callback: nobody is watching."""


@dataclass(frozen=True)
class Finding(ResultMixin):
    """One measured figure beside the paper's.

    measured is the mean over ``n`` seeds (or the single count it names) and spread their standard deviation
    (ddof 1; 0 for one seed). ``fmt`` formats both. ``paper`` quotes the paper's own number, or is empty where
    the paper gives none; ``criterion`` says in words what the measurement must meet to count as reproduced.
    """

    key: str
    what: str
    paper: str
    measured: float
    spread: float
    n: int
    criterion: str
    verdict: str  # REPRODUCED, NOT_REPRODUCED or SHOWN
    fmt: str = ".3f"
    note: str = ""

    @property
    def measured_text(self) -> str:
        if not math.isfinite(self.measured):
            return str(self.measured)
        text = format(self.measured, self.fmt)
        if self.n > 1 and self.spread > 0:
            text += f" ± {format(self.spread, self.fmt)}"
        return text

    def to_dict(self) -> dict:
        return {**super().to_dict(), "measured_text": self.measured_text}


def asserted(key: str, what: str, paper: str, values, criterion: str, passed: bool, fmt: str = ".3f",
             note: str = "") -> Finding:
    """A finding actlab asserts: ``values`` are the per-seed figures, ``passed`` whether the criterion holds."""
    mean, spread, n = summarise(values)
    return Finding(key, what, paper, mean, spread, n, criterion, REPRODUCED if passed else NOT_REPRODUCED, fmt, note)


def shown(key: str, what: str, paper: str, values, note: str = "", fmt: str = ".3f") -> Finding:
    """A figure shown for context, with no verdict of its own."""
    mean, spread, n = summarise(values)
    return Finding(key, what, paper, mean, spread, n, "", SHOWN, fmt, note)


def summarise(values) -> tuple[float, float, int]:
    v = np.atleast_1d(np.asarray(values, dtype=np.float64))
    spread = float(np.std(v, ddof=1)) if v.size > 1 else 0.0
    return float(np.mean(v)), spread, int(v.size)


@dataclass(frozen=True)
class Series(ResultMixin):
    """A curve for the claim's figure: y against x, one line per label, on the panel named ``panel``."""

    panel: str
    label: str
    x: list[float]
    y: list[float]
    log_y: bool = False


@dataclass(frozen=True)
class Reproduction(ResultMixin):
    """One paper claim reproduced: its findings, the verdict, and how it was run."""

    name: str
    paper: str  # authors, year, title
    claim: str  # the claim in one sentence
    findings: list[Finding]
    quick: bool
    seeds: int
    run_matrix: str  # the configurations x seeds x epochs this run made
    seconds: float = 0.0
    stored: bool = False  # read from the table of the last full run, not measured now
    explanation: str = ""
    series: list[Series] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return verdict_of(self.findings)

    def finding(self, key: str) -> Finding:
        for f in self.findings:
            if f.key == key:
                return f
        raise KeyError(f"{self.name} has no finding {key!r}; it has {', '.join(f.key for f in self.findings)}")

    def not_reproduced(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict == NOT_REPRODUCED]

    def with_time(self, seconds: float) -> Reproduction:
        return replace(self, seconds=seconds)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "verdict": self.verdict}

    @classmethod
    def from_dict(cls, data: dict) -> Reproduction:
        findings = [Finding(**{k: v for k, v in f.items() if k != "measured_text"}) for f in data["findings"]]
        series = [Series(**s) for s in data.get("series", [])]
        fields = {k: v for k, v in data.items() if k not in ("findings", "series", "verdict")}
        return cls(**{**fields, "findings": findings, "series": series})


def verdict_of(findings: list[Finding]) -> str:
    judged = [f.verdict == REPRODUCED for f in findings if f.verdict != SHOWN]
    if judged and all(judged):
        return REPRODUCED
    if not any(judged):
        return NOT_REPRODUCED
    return PARTLY
