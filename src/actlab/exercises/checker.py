"""The checker: reads an answer, compares it with the library's value, and explains.

Part kinds: NumberPart (tolerance-aware, significant figures, known slips), ChoicePart (several
accepted readings, each with its own feedback), RubricPart (free text against key points).
A verdict is one of not_attempted, unreadable, incorrect, partly_correct, correct, and always
carries feedback. Feedback given before the solution is asked for never states the expected value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .parser import Unreadable, parse_number

STATUSES = ("not_attempted", "unreadable", "incorrect", "partly_correct", "correct")
# the feedback for a wrong number the checker cannot explain (no known slip, not close, not a factor of ten)
UNEXPLAINED = "Not this value. A hint may help."


@dataclass(frozen=True)
class PartResult:
    label: str
    status: str
    feedback: str
    covered: tuple[str, ...] = ()  # rubric points covered
    missing: tuple[str, ...] = ()  # rubric points not yet covered

    def to_dict(self) -> dict:
        return {"label": self.label, "status": self.status, "feedback": self.feedback,
                "covered": list(self.covered), "missing": list(self.missing)}


@dataclass(frozen=True)
class Verdict:
    exercise: str
    status: str
    feedback: str
    parts: tuple[PartResult, ...]

    @property
    def is_correct(self) -> bool:
        return self.status == "correct"

    def to_dict(self) -> dict:
        return {"exercise": self.exercise, "status": self.status, "feedback": self.feedback,
                "parts": [p.to_dict() for p in self.parts]}

    def __str__(self) -> str:
        lines = [f"{self.exercise}: {self.status.replace('_', ' ')} — {self.feedback}"]
        if len(self.parts) > 1:
            lines += [f"  {p.label}: {p.status.replace('_', ' ')} — {p.feedback}" for p in self.parts]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        icon = {"correct": "✅", "partly_correct": "🟡", "incorrect": "❌", "unreadable": "❓",
                "not_attempted": "⬜"}[self.status]
        rows = [f"**{icon} {self.status.replace('_', ' ')}** — {self.feedback}"]
        if len(self.parts) > 1:
            rows += [f"- *{p.label}*: {p.status.replace('_', ' ')} — {p.feedback}" for p in self.parts]
        return "\n".join(rows)


@dataclass(frozen=True)
class Slip:
    """A known wrong answer and why a learner gives it: matched when the value agrees to rel_tol."""

    value: Callable[[], float] | float
    feedback: str
    rel_tol: float = 5e-3

    def matches(self, x: float) -> bool:
        target = self.value() if callable(self.value) else self.value
        return math.isclose(x, target, rel_tol=self.rel_tol, abs_tol=1e-300)


@dataclass(frozen=True)
class NumberPart:
    """A numeric answer. ``expected`` is computed by the library when the check runs.

    Right when it is the true value rounded to the significant figures written (at least
    ``min_sig_figs``) or, for an expression such as 0.2^20, equal to it within ``rel_tol``.
    ``abs_tol`` allows a fixed tolerance instead (for values that are read off a plot).
    """

    label: str
    expected: Callable[[], float]
    slips: tuple[Slip, ...] = ()
    min_sig_figs: int = 3
    rel_tol: float = 1e-9
    abs_tol: float = 0.0
    check_factor_of_ten: bool = True
    exact: bool = False  # whole numbers and simple values: no rounding allowance

    def check(self, answer: str) -> PartResult:
        try:
            parsed = parse_number(answer)
        except Unreadable as exc:
            return PartResult(self.label, "unreadable", f"Could not read that as a number: {exc}.")
        truth = self.expected()
        x = parsed.value
        if self.abs_tol and abs(x - truth) <= self.abs_tol:
            return PartResult(self.label, "correct", "Correct.")
        if self.exact:
            if math.isclose(x, truth, rel_tol=self.rel_tol, abs_tol=1e-12):
                return PartResult(self.label, "correct", "Correct.")
        elif parsed.sig_figs is None:
            if math.isclose(x, truth, rel_tol=self.rel_tol, abs_tol=1e-300):
                return PartResult(self.label, "correct", "Correct, and exact.")
        else:
            if _rounds_to(truth, x, parsed.sig_figs):
                if parsed.sig_figs >= self.min_sig_figs or truth == x:
                    return PartResult(self.label, "correct", "Correct.")
                return PartResult(self.label, "incorrect",
                                  f"Close: right to the digits you wrote, but give {self.min_sig_figs} "
                                  "significant figures.")
            if _rounds_to(truth, x, parsed.sig_figs, half_units=1.0):
                return PartResult(self.label, "incorrect", "Very close: check how you rounded the last digit.")
        for slip in self.slips:
            if slip.matches(x):
                return PartResult(self.label, "incorrect", slip.feedback)
        if self.check_factor_of_ten and truth != 0 and x != 0:
            ratio = x / truth
            for k in (10, 100, 0.1, 0.01):
                if math.isclose(ratio, k, rel_tol=5e-3):
                    return PartResult(self.label, "incorrect",
                                      "Off by a factor of 10 (or 100): check the sign and size of your exponent.")
        if truth != 0 and x * truth < 0:
            return PartResult(self.label, "incorrect", "Check the sign of your answer.")
        return PartResult(self.label, "incorrect", UNEXPLAINED)


def _rounds_to(truth: float, written: float, sig: int, half_units: float = 0.5) -> bool:
    """Is ``written`` the true value rounded to ``sig`` significant figures (within half_units of a unit)?"""
    if truth == 0:
        return written == 0
    exponent = math.floor(math.log10(abs(truth)))
    unit = 10.0 ** (exponent - sig + 1)
    return abs(written - truth) <= half_units * unit * (1 + 1e-9)


@dataclass(frozen=True)
class Choice:
    """An accepted (or recognised) reading: regex patterns, the status it earns and its feedback."""

    patterns: tuple[str, ...]
    status: str
    feedback: str


@dataclass(frozen=True)
class ChoicePart:
    """An answer matched against readings in order; numbers are compared through ``numbers``."""

    label: str
    choices: tuple[Choice, ...]
    numbers: tuple[tuple[float, Choice], ...] = ()  # (value, reading) for numeric answers
    fallback: str = "That is not one of the readings this question accepts. A hint may help."

    def check(self, answer: str) -> PartResult:
        text = " ".join(answer.lower().split())
        for choice in self.choices:
            if any(re.search(p, text) for p in choice.patterns):
                return PartResult(self.label, choice.status, choice.feedback)
        try:
            x = parse_number(answer).value
        except Unreadable:
            return PartResult(self.label, "incorrect", self.fallback)
        for value, choice in self.numbers:
            if math.isclose(x, value, rel_tol=1e-9, abs_tol=1e-12):
                return PartResult(self.label, choice.status, choice.feedback)
        return PartResult(self.label, "incorrect", self.fallback)


@dataclass(frozen=True)
class RubricPoint:
    key: str
    title: str  # what a learner sees in the covered / missing lists
    patterns: tuple[str, ...]


_NEGATIONS = re.compile(r"\b(not|no|never|isn't|isnt|doesn't|doesnt|don't|dont|cannot|can't|cant|without|nor|"
                        r"neither|hardly|lacks?)\b")


def _mentions(text: str, pattern: str) -> bool:
    """A pattern counts when some match is not negated in the few words before it (same clause)."""
    for m in re.finditer(pattern, text):
        clause = re.split(r"[.;!?]|\bbut\b|\bwhile\b|\bwhereas\b|\bhowever\b", text[:m.start()])[-1]
        window = " ".join(clause.split()[-5:])
        if not _NEGATIONS.search(window):
            return True
    return False


@dataclass(frozen=True)
class RubricPart:
    """Free text judged against key points; it names the points covered and the ones still missing."""

    label: str
    points: tuple[RubricPoint, ...]
    enough: int = 3  # points for "correct"

    def check(self, answer: str) -> PartResult:
        text = " ".join(answer.lower().replace("’", "'").split())
        if len(text) > 5000:
            text = text[:5000]
        covered = tuple(p.title for p in self.points if any(_mentions(text, pat) for pat in p.patterns))
        missing = tuple(p.title for p in self.points if p.title not in covered)
        if len(covered) >= self.enough:
            status = "correct"
            feedback = f"A strong answer: it covers {len(covered)} of the {len(self.points)} key points."
        elif covered:
            status = "partly_correct"
            feedback = (f"Good start: {len(covered)} of the {len(self.points)} key points so far. "
                        "Think about the points still missing.")
        else:
            status = "incorrect"
            feedback = ("Thanks for the attempt. It does not yet touch the key points this question is after; "
                        "the first hint points the way.")
        return PartResult(self.label, status, feedback, covered, missing)


Part = NumberPart | ChoicePart | RubricPart


@dataclass(frozen=True)
class Exercise:
    """One exercise as data: a prompt, its parts, tiered hints and a worked solution built by the library."""

    key: str
    title: str
    section: str  # the lesson section it belongs to
    prompt: str
    parts: tuple[Part, ...]
    hints: tuple[str, ...]
    solution_fn: Callable[[], str] = field(repr=False)
    part_prompts: tuple[str, ...] = ()

    def check(self, *answers: str | Sequence[str] | None) -> Verdict:
        """Check one answer per part (a list, several arguments, or one string split on ';')."""
        given = _normalise_answers(answers, len(self.parts))
        if all(a is None or not str(a).strip() for a in given):
            return Verdict(self.key, "not_attempted", "No answer yet.",
                           tuple(PartResult(p.label, "not_attempted", "No answer yet.") for p in self.parts))
        results = []
        for part, answer in zip(self.parts, given, strict=True):
            if answer is None or not str(answer).strip():
                results.append(PartResult(part.label, "not_attempted", "No answer yet."))
            else:
                results.append(part.check(str(answer)))
        return Verdict(self.key, _overall(results), _summary(results), tuple(results))

    def hint(self, level: int = 1) -> str:
        if isinstance(level, bool) or not isinstance(level, int) or level < 1:
            raise ValueError(f"hint level must be a whole number from 1 to {len(self.hints)}; got {level!r}")
        return self.hints[min(level, len(self.hints)) - 1]

    def solution(self) -> str:
        return self.solution_fn()

    def describe(self) -> dict:
        return {"key": self.key, "title": self.title, "section": self.section, "prompt": self.prompt,
                "parts": [{"label": p.label, "kind": type(p).__name__.removesuffix("Part").lower(),
                           "prompt": self.part_prompts[i] if i < len(self.part_prompts) else p.label}
                          for i, p in enumerate(self.parts)],
                "n_hints": len(self.hints)}

    def __repr__(self) -> str:
        return f"<Exercise {self.key}: {self.title}>"

    def _repr_markdown_(self) -> str:
        return f"### {self.title}\n\n{self.prompt}\n\nUse `.check(...)`, `.hint()`, `.solution()`."


def _normalise_answers(answers, n: int) -> list[str | None]:
    if len(answers) == 1 and isinstance(answers[0], (list, tuple)):
        answers = tuple(answers[0])
    if len(answers) == 1 and n > 1 and isinstance(answers[0], str) and ";" in answers[0]:
        answers = tuple(a.strip() for a in answers[0].split(";"))
    given = [None if a is None else str(a) for a in answers][:n]
    return given + [None] * (n - len(given))


def _overall(results: list[PartResult]) -> str:
    statuses = [r.status for r in results]
    if all(s == "correct" for s in statuses):
        return "correct"
    if any(s in ("correct", "partly_correct") for s in statuses):
        return "partly_correct"
    if all(s == "unreadable" for s in statuses if s != "not_attempted"):
        return "unreadable"
    return "incorrect"


def _summary(results: list[PartResult]) -> str:
    if len(results) == 1:
        return results[0].feedback
    right = sum(r.status == "correct" for r in results)
    if right == len(results):
        return "All parts correct."
    names = ", ".join(r.label for r in results if r.status != "correct")
    return f"{right} of {len(results)} parts correct; look again at: {names}."
