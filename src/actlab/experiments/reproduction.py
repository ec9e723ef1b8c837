"""The record of one reproduced paper claim: what the paper says, what actlab measured, and a verdict.

A Reproduction holds Findings, one line of its table each. A finding is either asserted or shown for context
("shown": a figure the lesson explains, not a claim actlab stands behind). An asserted finding is
  "not reproduced"  when its criterion fails in any seed,
  "reproduced"      when it holds in every seed and the seeds resolve its margin: where the criterion is an interval
                    for each seed's value (``bounds``), the mean must lie inside it by more than t standard errors
                    (Student's t at 97.5%, seeds - 1 degrees of freedom; RESOLVED),
  "undecided"       when it holds in every seed but the margin is within that noise, or one seed gives no spread
                    to judge it by. One seed's figure can still be judged against the seed spread of the claim's
                    stored full run (``judged_against``), which is how the one-seed quick runs reach a verdict.
The claim's verdict follows from its asserted findings: all reproduced is "reproduced", all undecided is
"undecided", none reproduced (the rest not reproduced or undecided) is "not reproduced", anything else "partly".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..reading_loss import t_quantile
from ._result import ResultMixin

REPRODUCED, PARTLY, NOT_REPRODUCED, UNDECIDED, SHOWN = "reproduced", "partly", "not reproduced", "undecided", "shown"
SEEDS, RUNS, NETS, COMPUTED = "seeds", "runs", "nets", "computed"  # what a finding's n counts (Finding.n_of)
RESOLVED = 0.975  # a margin is resolved when it exceeds this quantile of Student's t times the standard error

Progress = Callable[[int, int, str], None]  # on_step(done, total, message), as the web lab's job runner calls it


def no_progress(done: int, total: int, message: str) -> None:
    """The default progress callback: nobody is watching."""


@dataclass(frozen=True)
class Finding(ResultMixin):
    """One measured figure beside the paper's.

    measured is the mean of ``n`` values (or the single count it names) and spread their standard deviation
    (ddof 1; 0 for one value). ``fmt`` formats both. ``paper`` quotes the paper's own number, or is empty where
    the paper gives none; ``criterion`` says in words what the measurement must meet to count as reproduced.

    ``n`` is what the statistics use (the standard error is spread / sqrt(n)); what its values are is ``n_of``:
    SEEDS (one value a seed), RUNS (one a training run, e.g. two learning rates), NETS (counted over random
    nets) or COMPUTED (a number worked out, not sampled). ``n_words`` says it in full where the count alone would
    mislead ("56 cells x 40,000 nets each", "mean of 5 seeds"); ``n_text`` is what every face shows.
    """

    key: str
    what: str
    paper: str
    measured: float
    spread: float
    n: int
    criterion: str
    verdict: str  # REPRODUCED, NOT_REPRODUCED, UNDECIDED or SHOWN
    fmt: str = ".3f"
    note: str = ""
    # the criterion as an interval [low, high] for each seed's value (None: open on that side), where it is one;
    # the margin the seeds must resolve is the mean's distance inside it
    bounds: list[float | None] | None = None
    n_of: str = SEEDS
    n_words: str = ""

    @property
    def n_text(self) -> str:
        """What the figure is over, in words: "5 seeds", "1 run", "computed", or n_words where given."""
        if self.n_words:
            return self.n_words
        if self.n_of == COMPUTED:
            return "computed"
        return f"{self.n:,} {self.n_of[:-1] if self.n == 1 else self.n_of}"

    @property
    def measured_text(self) -> str:
        if not math.isfinite(self.measured):
            return str(self.measured)
        text = format(self.measured, self.fmt)
        if self.n > 1 and self.spread > 0:
            text += f" ± {format(self.spread, self.fmt.lstrip('+'))}"  # a spread has no sign
        return text

    def to_dict(self) -> dict:
        return {**super().to_dict(), "measured_text": self.measured_text, "n_text": self.n_text}


def asserted(key: str, what: str, paper: str, values, criterion: str, passed: bool, fmt: str = ".3f",
             note: str = "", bounds: tuple[float | None, float | None] | None = None, n_of: str = SEEDS,
             n_words: str = "") -> Finding:
    """A finding actlab asserts: ``values`` are the per-seed figures, ``passed`` whether the criterion holds in
    every seed; with ``bounds`` (the criterion as an interval for each value) the seeds must also resolve the
    margin, or the finding is undecided (see the module's docstring). ``n_of`` and ``n_words``: see Finding."""
    mean, spread, n = summarise(values)
    b = None if bounds is None else [None if v is None else float(v) for v in bounds]
    finding = Finding(key, what, paper, mean, spread, n, criterion, NOT_REPRODUCED, fmt, note, b, n_of, n_words)
    if not passed:
        return finding
    if b is None:
        return replace(finding, verdict=REPRODUCED)
    if n < 2:
        return replace(finding, verdict=UNDECIDED, note=_join(note, "one seed: no spread to judge its margin by"))
    return _resolve(finding, spread, n)


def margin(mean: float, bounds: list[float | None]) -> float:
    """How far ``mean`` lies inside [low, high] (negative: outside); inf for an interval open on both sides."""
    low, high = bounds
    return min(mean - low if low is not None else math.inf, high - mean if high is not None else math.inf)


def _resolve(f: Finding, spread: float, spread_n: int, extra: str = "") -> Finding:
    """``f`` (criterion met in every seed) judged against a seed-to-seed ``spread`` estimated from ``spread_n``
    seeds: reproduced when its margin exceeds t(spread_n - 1) standard errors of its own mean, else undecided."""
    need = t_quantile(spread_n - 1, RESOLVED) * spread / math.sqrt(f.n)
    inside = margin(f.measured, f.bounds)
    if inside > need:
        return replace(f, verdict=REPRODUCED, note=_join(f.note, extra))
    unresolved = (f"margin {format(inside, f.fmt)} is within {t_quantile(spread_n - 1, RESOLVED):.2f} standard errors "
                  f"({format(need, f.fmt)}): the seeds do not resolve it")
    return replace(f, verdict=UNDECIDED, note=_join(f.note, extra, unresolved))


def judged_against(f: Finding, reference: Finding) -> Finding:
    """A one-seed finding left undecided for want of a spread, judged against the seed spread of ``reference``
    (the same finding in a full run of several seeds); any other finding is returned as it is."""
    if f.verdict != UNDECIDED or f.n != 1 or f.bounds is None or reference.n < 2 or reference.verdict == SHOWN:
        return f
    base = f.note.replace("one seed: no spread to judge its margin by", "").strip("; ")
    return _resolve(replace(f, note=base), reference.spread, reference.n,
                    f"one seed, judged by the full run's seed spread ({format(reference.spread, f.fmt)} over "
                    f"{reference.n} seeds)")


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def shown(key: str, what: str, paper: str, values, note: str = "", fmt: str = ".3f", n_of: str = SEEDS,
          n_words: str = "") -> Finding:
    """A figure shown for context, with no verdict of its own."""
    mean, spread, n = summarise(values)
    return Finding(key, what, paper, mean, spread, n, "", SHOWN, fmt, note, n_of=n_of, n_words=n_words)


def summarise(values) -> tuple[float, float, int]:
    v = np.atleast_1d(np.asarray(values, dtype=np.float64))
    spread = float(np.std(v, ddof=1)) if v.size > 1 else 0.0
    return float(np.mean(v)), spread, int(v.size)


@dataclass(frozen=True)
class Series(ResultMixin):
    """A curve for the claim's figure: y against x, one line per label, on the panel named ``panel``.

    With ``x_labels`` the x axis is a set of named categories (one per x, e.g. the feed-forward units), not a
    quantity: a figure draws them as points over the names.
    """

    panel: str
    label: str
    x: list[float]
    y: list[float]
    log_y: bool = False
    x_labels: list[str] | None = None


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
        findings = [Finding(**{k: v for k, v in f.items() if k not in ("measured_text", "n_text")})
                    for f in data["findings"]]
        series = [Series(**s) for s in data.get("series", [])]
        fields = {k: v for k, v in data.items() if k not in ("findings", "series", "verdict")}
        return cls(**{**fields, "findings": findings, "series": series})


def verdict_of(findings: list[Finding]) -> str:
    judged = [f.verdict for f in findings if f.verdict != SHOWN]
    if judged and all(v == REPRODUCED for v in judged):
        return REPRODUCED
    if judged and all(v == UNDECIDED for v in judged):
        return UNDECIDED
    if REPRODUCED not in judged:
        return NOT_REPRODUCED
    return PARTLY
