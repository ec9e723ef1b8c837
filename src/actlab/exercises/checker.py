"""The checker: reads an answer, compares it with the library's value, and explains.

Part kinds: NumberPart (tolerance-aware, significant figures, known slips), ChoicePart (several
accepted readings, each with its own feedback), KinkPart (the derivative at a kink: not defined,
a subgradient, a framework's convention), RubricPart (free text: claims about key points, see
claims.py). A verdict is one of not_attempted, unreadable, incorrect, partly_correct, correct, and
always carries feedback. Feedback given before the solution is asked for never states the expected
value, and never names a key point the learner has not covered: Verdict.to_dict() is what the
learner sees, Verdict.to_record() what the progress store keeps for the teacher.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .. import _html
from .claims import Property, judge_claims, mask_copied, read_claims, read_verdicts
from .language import is_english
from .parser import Unreadable, parse_number
from .status import VerdictStatus

# Bump whenever a rule changes what an answer earns: stored attempts carry the version that graded them, and a
# re-grade (Store.regrade, `actlab exercise regrade`) recomputes every attempt graded by an older one.
# 1: the first checker; 2: claims with negation for free text, the kink table, realistic notations, new slips;
# 3: "undefined" denied is incorrect at a kink, and "very close" only within 5% of the value;
# 4: each part's record carries its rank and whether its feedback explained the slip (the store reads the flag
# instead of comparing feedback text); 5: a free-text answer not in English is unreadable (its negations were read
# as claims of the opposite), six or more words in a row copied from a hint earn nothing, and a ratio a:b is a / b
# ("1:4" is the ratio the other way round, not unreadable); 6: a rubric answer whose conclusion denies the question's
# claim ("so GELU is not better") earns no key point, and a factor-of-ten slip written without an exponent is told
# about the decimal point, not an exponent; 7: ReLU's kink read in more of a learner's words ("there is none",
# "not unique", "0..1", "0 <= g <= 1", "between zero and one"); 8: at ReLU's kink a claim that the derivative exists
# or equals a value ("it exists and equals 1"), or one slope denied for the other ("not 0, it is 1"), is incorrect
# with words about that claim (they read partly, and the second as if it named both one-sided slopes); 9: exercise 2's
# factor-times-layer-count slip (0.2*20, 0.5*20) is named in the same words in both parts; 10: so is its one-factor-
# short slip (0.2^19, 0.5^19).
CHECKER_VERSION = 10
# the feedback for a wrong number the checker cannot explain (no known slip, not close, not a factor of ten)
UNEXPLAINED = "Not this value. A hint may help."
# a free-text answer the claim reader cannot read (claims.py reads English; language.py says which answers are)
NOT_ENGLISH = ("This answer seems to be written in another language. The checker reads English only, so it has not "
               "judged it: write it in English and check it again.")
_ICONS = {VerdictStatus.CORRECT: "✅", VerdictStatus.PARTLY_CORRECT: "🟡", VerdictStatus.INCORRECT: "❌",
          VerdictStatus.UNREADABLE: "❓", VerdictStatus.NOT_ATTEMPTED: "⬜"}  # a notebook's marks, by status


@dataclass(frozen=True)
class PartResult:
    label: str
    status: VerdictStatus  # a status name is accepted and checked
    feedback: str
    covered: tuple[str, ...] = ()  # titles of the rubric points covered, for the learner
    covered_keys: tuple[str, ...] = ()  # the same points by key, for the teacher
    missed_keys: tuple[str, ...] = ()  # rubric points not covered: for the teacher only, never shown to the learner
    kind: str = ""
    # does the feedback say what went wrong (a known slip, a factor of ten, a swap, a reading the part knows)? False
    # when the checker could only say "not this value": the teacher's summary lists explained slips and counts the rest
    explained: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", VerdictStatus.of(self.status))

    @property
    def remaining(self) -> int:
        return len(self.missed_keys)

    def to_dict(self) -> dict:
        """What the learner sees: the covered points by name, the missing ones only as a count."""
        return {"label": self.label, "status": self.status.value, "rank": self.status.rank, "feedback": self.feedback,
                "explained": self.explained, "covered": list(self.covered), "remaining": self.remaining}

    def to_record(self) -> dict:
        """What the progress store keeps: the learner's view plus the kind of part and the points missed."""
        return {**self.to_dict(), "kind": self.kind, "covered_keys": list(self.covered_keys),
                "missed_keys": list(self.missed_keys)}


@dataclass(frozen=True)
class Verdict:
    exercise: str
    status: VerdictStatus  # a status name is accepted and checked
    feedback: str
    parts: tuple[PartResult, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", VerdictStatus.of(self.status))

    @property
    def is_correct(self) -> bool:
        return self.status == VerdictStatus.CORRECT

    def to_dict(self) -> dict:
        return {"exercise": self.exercise, "status": self.status.value, "rank": self.status.rank,
                "feedback": self.feedback, "parts": [p.to_dict() for p in self.parts]}

    def to_record(self) -> dict:
        return {"exercise": self.exercise, "status": self.status.value, "rank": self.status.rank,
                "feedback": self.feedback, "checker_version": CHECKER_VERSION,
                "parts": [p.to_record() for p in self.parts]}

    def __str__(self) -> str:
        lines = [f"{self.exercise}: {self.status.words} — {self.feedback}"]
        if len(self.parts) > 1:
            lines += [f"  {p.label}: {p.status.words} — {p.feedback}" for p in self.parts]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The verdict and a row per part (a notebook shows this); the feedback, which may quote the learner's
        answer, is escaped."""
        head = (f"<p><b>{_ICONS[self.status]} {html.escape(self.exercise)}: {self.status.words}</b> — "
                f"{html.escape(self.feedback)}</p>")
        rows = [(p.label, f"{_ICONS[p.status]} {p.status.words}", p.feedback, "; ".join(p.covered) or None)
                for p in self.parts]
        return head + _html.grid(("part", "verdict", "feedback", "key points covered"), rows)


@dataclass(frozen=True)
class Slip:
    """A known wrong answer and why a learner gives it.

    Matched when the learner's number is the slip's value rounded to the figures they wrote, or, for an
    expression or an unrounded value, when it agrees to ``rel_tol``.
    """

    value: Callable[[], float] | float
    feedback: str
    rel_tol: float = 5e-3

    def matches(self, x: float, sig_figs: int | None = None) -> bool:
        target = self.value() if callable(self.value) else self.value
        if sig_figs is not None and _rounds_to(target, x, sig_figs):
            return True
        return math.isclose(x, target, rel_tol=self.rel_tol, abs_tol=1e-300)


@dataclass(frozen=True)
class NumberPart:
    """A numeric answer. ``expected`` is computed by the library when the check runs.

    Right when it is the true value rounded to the significant figures written (at least
    ``min_sig_figs``; fewer, but right as far as they go, is partly correct) or, for an expression such
    as 0.2^20 or 10^-14 * 1.05, equal to it within ``rel_tol``. ``abs_tol`` allows a fixed tolerance
    instead (for values that are read off a plot). The prompt states the precision it needs.
    """

    label: str
    expected: Callable[[], float]
    slips: tuple[Slip, ...] = ()
    min_sig_figs: int = 3
    rel_tol: float = 1e-9
    abs_tol: float = 0.0
    check_factor_of_ten: bool = True
    exact: bool = False  # whole numbers and simple values: no rounding allowance

    def accepts(self, answer: str) -> bool:
        """Is ``answer`` right for this part (used to spot answers given in each other's boxes)?"""
        try:
            return self._judge(parse_number(answer)) == "correct"
        except Unreadable:
            return False

    def _judge(self, parsed) -> str | None:
        """correct, short (right to the digits written, too few of them), near (last digit off), or None."""
        truth, x = self.expected(), parsed.value
        if self.abs_tol and abs(x - truth) <= self.abs_tol:
            return "correct"
        if self.exact or parsed.sig_figs is None:
            tol = 1e-12 if self.exact else 1e-300
            return "correct" if math.isclose(x, truth, rel_tol=self.rel_tol, abs_tol=tol) else None
        if _rounds_to(truth, x, parsed.sig_figs) or _truncates_to(truth, x, parsed.sig_figs):
            return "correct" if parsed.sig_figs >= self.min_sig_figs or truth == x else "short"
        # a last digit one off is "very close" only where that digit is a small part of the value: "2e-14" for
        # 1.05e-14 is one digit off and 90% wrong
        if _rounds_to(truth, x, parsed.sig_figs, half_units=1.0) and abs(x - truth) <= 0.05 * abs(truth):
            return "near"
        return None

    def check(self, answer: str) -> PartResult:
        try:
            parsed = parse_number(answer)
        except Unreadable as exc:
            return PartResult(self.label, "unreadable", f"Could not read that as a number: {exc}.", kind="number",
                              explained=False)
        judged = self._judge(parsed)
        if judged == "correct":
            return PartResult(self.label, "correct", "Correct.", kind="number")
        if judged == "short":
            return PartResult(self.label, "partly_correct",
                              f"Right as far as it goes, but give {self.min_sig_figs} significant figures.",
                              kind="number")
        if judged == "near":
            return PartResult(self.label, "incorrect", "Very close: check how you rounded the last digit.",
                              kind="number")
        truth, x = self.expected(), parsed.value
        for slip in self.slips:
            if slip.matches(x, parsed.sig_figs):
                return PartResult(self.label, "incorrect", slip.feedback, kind="number")
        if self.check_factor_of_ten and truth != 0 and x != 0:
            for k in (10, 100, 0.1, 0.01):
                if Slip(truth * k, "").matches(x, parsed.sig_figs):
                    # the advice fits what was written: an exponent, or a plain decimal such as 0.1
                    advice = ("check the sign and size of your exponent" if _EXPONENT.search(parsed.text) else
                              "check where the decimal point goes, and that you used each constant the question "
                              "gives")
                    return PartResult(self.label, "incorrect", f"Off by a factor of 10 (or 100): {advice}.",
                                      kind="number")
        if truth != 0 and x * truth < 0:
            return PartResult(self.label, "incorrect", "Check the sign of your answer.", kind="number")
        return PartResult(self.label, "incorrect", UNEXPLAINED, kind="number", explained=False)


_EXPONENT = re.compile(r"\de[-+]?\d|\^|\*\*")  # a number written with a power: 2e-1, 10^-1, 10**-1


def _rounds_to(truth: float, written: float, sig: int, half_units: float = 0.5) -> bool:
    """Is ``written`` the true value rounded to ``sig`` significant figures (within half_units of a unit)?

    The unit is the smaller of the last written digit's and the truth's at that many figures: "7" is not 10
    rounded, "1" is not 9.5e-7 rounded, while "1e-6" is (9.54e-7 rounds up across a power of ten).
    """
    if truth == 0 or written == 0:
        return written == truth
    unit = min(10.0 ** (math.floor(math.log10(abs(v))) - sig + 1) for v in (truth, written))
    return abs(written - truth) <= half_units * unit * (1 + 1e-9)


def _truncates_to(truth: float, written: float, sig: int) -> bool:
    """Is ``written`` the true value cut (not rounded) after ``sig`` figures, and within 0.1% of it? Copying
    1.048576e-14 as 1.048e-14 keeps only true digits; 1.04e-14 for it is a rounding slip, 0.8% off."""
    if truth == 0 or written == 0 or (truth > 0) != (written > 0):
        return False
    unit = 10.0 ** (math.floor(math.log10(abs(truth))) - sig + 1)
    gap = abs(truth) - abs(written)
    return -1e-9 * unit <= gap < unit and gap <= 1e-3 * abs(truth)


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
                return PartResult(self.label, choice.status, choice.feedback, kind="choice")
        try:
            x = parse_number(answer).value
        except Unreadable:
            return PartResult(self.label, "incorrect", self.fallback, kind="choice", explained=False)
        for value, choice in self.numbers:
            if math.isclose(x, value, rel_tol=1e-9, abs_tol=1e-12):
                return PartResult(self.label, choice.status, choice.feedback, kind="choice")
        return PartResult(self.label, "incorrect", self.fallback, kind="choice", explained=False)


_POINT_AT_KINK = re.compile(r"(?:relu|f|g|derivative|slope|gradient)\s*'*\s*\(\s*0\s*\)|"
                            r"\bx\s*(?:=|<|>|<=|>=|≤|≥)\s*0\b|"
                            r"\b(?:at|of|near|around|for)\s+(?:x\s*=\s*)?(?:0|zero)\b|\b(?:left|right) of (?:0|zero)\b")
_UNDEFINED = re.compile(r"\bundefined\b|\bnot (?:be )?(?:well[- ])?defined\b|\bisn't (?:well[- ])?defined\b|"
                        r"\bill-defined\b|\bno (?:single |unique |well-defined )?(?:derivative|slope)\b|"
                        r"\b(?:not|isn't|is not|non-?) ?differentiable\b|\bdoes ?n[o']?t exist\b|\bnot exist\b|"
                        r"\bdoesn't have (?:a|one) (?:derivative|slope)\b|\bno derivative\b|\bdne\b|"
                        # "there is none", "none" said alone, "no single value", "not unique" (the slope at the kink)
                        r"\bthere (?:is|'s) none\b|^\W*none\W*$|\bno (?:single|unique) (?:value|number|answer)\b|"
                        r"\bnot unique\b")
_CONVENTION = re.compile(r"\bconvention\w*|\bpytorch\b|\btorch\b|\btensorflow\b|\btf\b|\bjax\b|\bkeras\b|"
                         r"\bframeworks?\b|\blibrar(?:y|ies)\b|\bimplementations?\b|\bin practice\b|\bby default\b|"
                         r"\bsoftware\b|\bautograd\b|\busually\b|\btypically\b|\bcommonly\b|\bnormally\b|"
                         r"\bset (?:it )?(?:to|as)\b|\btaken (?:to be|as)\b|\bdefined (?:to be|as)\b|\bchosen\b|"
                         r"\bpicks?\b|\buses?\b|\breturns?\b|\bgives?\b")
def _interval(lo: float, hi: float) -> re.Pattern:
    """The subgradient interval written out ("[0, 1]", "between 0 and 1"), or named ("a subgradient")."""
    words = {0.0: "zero", 1.0: "one"}
    a, b = (f"(?:{re.escape(f'{v:g}')}|{words[v]})" if v in words else re.escape(f"{v:g}") for v in (lo, hi))
    return re.compile(rf"[\[(]\s*{a}(?:\.0*)?\s*[,;]\s*{b}(?:\.0*)?\s*[\])]|\bbetween {a} and {b}\b|"
                      rf"\bfrom {a} to {b}\b|\b{a} to {b}\b|\bsub-?gradients?\b|"
                      # "0..1", "0 ≤ g ≤ 1", "0 <= d <= 1": the interval as a range or a double inequality
                      rf"(?<![\w.]){a}\s*(?:\.\.|…)\s*{b}(?![\w.])|"
                      rf"(?<![\w.]){a}\s*(?:≤|<=)\s*(?:[a-z]\w*'*(?:\(0\))?)?\s*(?:≤|<=)\s*{b}(?![\w.])")


_KINK_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:/\d+)?(?![\w.]|-sided)|\bzero\b|\bone\b(?!-)|\bhalf\b")
_INFINITE = re.compile(r"\binfinit[ey]\b|∞|\binf\b")
# "undefined" denied: "not undefined", "never undefined", "undefined? no, it is 1"
_UNDEFINED_DENIED = re.compile(r"\b(?:not|never|isn't|is not|wasn't|no longer|hardly)\s+(?:\w+\s+)?undefined\b|"
                               r"\bundefined\s*[?!.,:;-]*\s*(?:no|nope|wrong|false)\b")


# a claim that the derivative at the kink exists or is one number ("it exists and equals 1", "is defined")
_CLAIMS_DERIVATIVE = re.compile(r"\bexists?\b|\bis (?:well[- ])?defined\b|\bis differentiable\b|\bequals?\b|"
                                r"\bequal to\b")
# one value denied ("not 0, it is 1"): with another value stated, that one is claimed to be the derivative
_DENIED_VALUE = re.compile(r"\b(?:not|isn't|is not|never)\s+(-?\d+(?:\.\d+)?|zero|one|half)\b")


def _kink_value(token: str) -> float:
    words = {"zero": 0.0, "one": 1.0, "half": 0.5}
    if token in words:
        return words[token]
    if "/" in token:
        num, den = token.split("/")
        return float(num) / float(den) if float(den) else math.inf
    return float(token)


@dataclass(frozen=True)
class KinkPart:
    """The derivative of a piecewise-linear function at its kink (at x = 0), read as a statement.

    Correct: "not defined" (the one-sided slopes differ), "any value between them" (the subgradients), or a
    framework's convention stated as one (framework_value, e.g. "0 by convention", "0 in PyTorch").
    Partly correct: a single value between the slopes alone, or the two slopes without a conclusion.
    Incorrect: a value outside them, infinity, or a convention that states a value frameworks do not use.
    """

    label: str
    slopes: Callable[[], tuple[float, float]]  # the one-sided slopes (left, right)
    framework_value: Callable[[], float]  # what PyTorch and TensorFlow return at the kink
    fallback: str = "Not quite. Compare the slope just left of the kink with the slope just right of it."

    def _result(self, status: str, feedback: str, explained: bool = True) -> PartResult:
        return PartResult(self.label, status, feedback, kind="kink", explained=explained)

    def check(self, answer: str) -> PartResult:
        text = " ".join(answer.lower().replace("’", "'").replace("−", "-").split())[:2000]
        lo, hi = sorted(self.slopes())
        fw = self.framework_value()
        text = _POINT_AT_KINK.sub(" ", text)
        interval = _interval(lo, hi)
        has_interval = bool(interval.search(text))
        text = interval.sub(" ", text)
        if _UNDEFINED_DENIED.search(text):
            return self._result("incorrect", "It is in fact not defined there: the slope just left of the kink and "
                                             "the slope just right of it differ.")
        is_undefined = bool(_UNDEFINED.search(text))
        if _INFINITE.search(text) and not is_undefined:
            return self._result("incorrect", "The function has a corner there, not a vertical jump: both one-sided "
                                             "slopes are finite.")
        values, convention_ok = set(), False
        for clause in re.split(r"\.(?!\d)|[;,]|\bbut\b|\band\b|\bwhile\b|\bwhereas\b", text):
            found = {_kink_value(m.group()) for m in _KINK_NUMBER.finditer(clause)}
            values |= found
            if _CONVENTION.search(clause) and found:
                if found != {fw}:
                    return self._result("incorrect", "That is not the convention PyTorch and TensorFlow follow at "
                                                     "the kink. Try it: the gradient of torch.relu at a zero input.")
                convention_ok = True
        if _CONVENTION.search(text) and values == {fw}:  # "0, as in PyTorch": the value and the framework apart
            convention_ok = True
        if any(not lo <= v <= hi for v in values):
            return self._result("incorrect", self.fallback, explained=False)
        denied = {_kink_value(m.group(1)) for m in _DENIED_VALUE.finditer(text)}
        claimed = values - denied
        if not (is_undefined or has_interval or convention_ok) and claimed and (
                _CLAIMS_DERIVATIVE.search(text) or (denied and len(claimed) == 1)):
            side = {lo: f" ({lo:g} is the slope on the left only)", hi: f" ({hi:g} is the slope on the right only)"}
            only = side.get(next(iter(claimed)), "") if len(claimed) == 1 else ""
            return self._result("incorrect", (
                f"Not so: at the kink no single number is the derivative{only}. The slope is {lo:g} just left of 0 and "
                f"{hi:g} just right of it, so the derivative does not exist there; every value in [{lo:g}, {hi:g}] "
                f"is a subgradient, and PyTorch and TensorFlow return {fw:g} by convention."))
        if is_undefined or has_interval or convention_ok:
            return self._result("correct", (
                f"Right: the one-sided slopes ({lo:g} and {hi:g}) differ, so there is no derivative at the kink; "
                f"every value in [{lo:g}, {hi:g}] is a subgradient, and PyTorch and TensorFlow use {fw:g}."))
        if len(values) == 1:
            (v,) = values
            # partial because the question asks for the derivative, and there is none: the words say that first
            # (they opened with "0.5 is a valid subgradient", which read as a full mark)
            value = (f"{v:g} is one subgradient, the one PyTorch and TensorFlow return by convention, not a derivative"
                     if v == fw else
                     f"{v:g} is one subgradient among many, not the derivative; PyTorch and TensorFlow return {fw:g}")
            return self._result("partly_correct", (
                f"Partly: there is no derivative at the kink: the slope is {lo:g} on the left and {hi:g} on the "
                f"right. {value[0].upper()}{value[1:]}. A full answer says so: \"not defined\", \"any value in "
                f"[{lo:g}, {hi:g}]\" or \"{fw:g} by convention\"."))
        if len(values) > 1:
            return self._result("partly_correct", "Those are the one-sided slopes. They differ: what does that say "
                                                  "about the derivative at the kink itself?")
        return self._result("incorrect", self.fallback, explained=False)


@dataclass(frozen=True)
class RubricPoint:
    key: str
    title: str  # what a learner sees once the point is covered (never before)
    claim: Property  # the phrases that claim it, read by claims.py


@dataclass(frozen=True)
class RubricPart:
    """Free text judged by the claims it makes about key points (claims.py): a point counts when a clause
    asserts it of the subject, or denies it of the other activation where that is a contrast. The learner
    is told which points they covered and how many remain, never what the others are."""

    label: str
    points: tuple[RubricPoint, ...]
    enough: int = 3  # points for "correct"
    subject: str = "gelu"
    other: str = "relu"
    # the question's own claim ("GELU is the better choice"): an answer that concludes the opposite (the subject
    # denied it, or the other side given it) earns no key point, whatever reasons lead there
    conclusion: Property | None = None

    def check(self, answer: str, hints: Sequence[str] = ()) -> PartResult:
        """Judge ``answer``; words copied from ``hints`` (the exercise's own) six or more in a row earn nothing."""
        if not is_english(answer):
            return PartResult(self.label, "unreadable", NOT_ENGLISH, kind="rubric", explained=False)
        properties = {p.key: p.claim for p in self.points}
        own, copied = mask_copied(answer, tuple(hints))
        claims = read_claims(own, properties, default_subject=self.subject)
        if self._denies_conclusion(own):
            feedback = (f"Your answer concludes that {self.subject.upper()} is not the better choice, the opposite "
                        "of what the question asks you to explain, so its reasons earn no key point. Say why it "
                        "might be preferred.")
            return PartResult(self.label, "incorrect", feedback, (), (), tuple(p.key for p in self.points),
                              kind="rubric")
        covered, false = judge_claims(claims, properties, self.subject, self.other)
        hit = tuple(p for p in self.points if p.key in covered)
        missed = tuple(p.key for p in self.points if p.key not in covered)
        n, total = len(hit), len(self.points)
        if n >= self.enough:
            status, feedback = "correct", f"A strong answer: it covers {n} of the {total} key points."
        elif hit:
            status = "partly_correct"
            feedback = (f"Good start: {n} of the {total} key points so far, {total - n} more to find. The hints "
                        "point towards them.")
        elif false:
            status = "incorrect"
            feedback = "Thanks for the attempt. None of its statements earns a key point yet."
        else:
            status = "incorrect"
            feedback = ("Thanks for the attempt. It does not yet make a claim about any of the key points: write "
                        "full sentences about what GELU does differently. The first hint points the way.")
        if copied:
            feedback += " Words copied from a hint earn nothing: say what GELU does, in your own words."
        if false:
            feedback += (" One of your statements says the opposite of what is true of GELU; it earns nothing."
                         if len(false) == 1 else
                         f" {len(false)} of your statements say the opposite of what is true of GELU; they earn "
                         "nothing.")
        return PartResult(self.label, status, feedback, tuple(p.title for p in hit), tuple(p.key for p in hit),
                          missed, kind="rubric")

    def _denies_conclusion(self, text: str) -> bool:
        if self.conclusion is None:
            return False
        said = read_verdicts(text, self.conclusion, default_subject=self.subject)
        return any((c.subject == self.subject and not c.holds) or (c.subject == self.other and c.holds)
                   for c in said)


Part = NumberPart | ChoicePart | KinkPart | RubricPart


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
                           tuple(PartResult(p.label, "not_attempted", "No answer yet.", kind=_kind(p), explained=False)
                                 for p in self.parts))
        results = []
        for part, answer in zip(self.parts, given, strict=True):
            if answer is None or not str(answer).strip():
                results.append(PartResult(part.label, "not_attempted", "No answer yet.", kind=_kind(part),
                                          explained=False))
            elif isinstance(part, RubricPart):
                results.append(part.check(str(answer), self.hints))
            else:
                results.append(part.check(str(answer)))
        _mark_swapped(self.parts, given, results)
        return Verdict(self.key, _overall(results), _summary(results), tuple(results))

    def hint(self, level: int = 1) -> str:
        if isinstance(level, bool) or not isinstance(level, int) or level < 1:
            raise ValueError(f"hint level must be a whole number from 1 to {len(self.hints)}; got {level!r}")
        return self.hints[min(level, len(self.hints)) - 1]

    def solution(self) -> str:
        return self.solution_fn()

    def describe(self) -> dict:
        return {"key": self.key, "title": self.title, "section": self.section, "prompt": self.prompt,
                "parts": [{"label": p.label, "kind": _kind(p),
                           "prompt": self.part_prompts[i] if i < len(self.part_prompts) else p.label}
                          for i, p in enumerate(self.parts)],
                "n_hints": len(self.hints)}

    def __repr__(self) -> str:
        return f"<Exercise {self.key}: {self.title}>"

    def _repr_markdown_(self) -> str:
        return f"### {self.title}\n\n{self.prompt}\n\nUse `.check(...)`, `.hint()`, `.solution()`."


def _kind(part: Part) -> str:
    return type(part).__name__.removesuffix("Part").lower()


def _normalise_answers(answers, n: int) -> list[str | None]:
    if len(answers) == 1 and isinstance(answers[0], (list, tuple)):
        answers = tuple(answers[0])
    if len(answers) == 1 and n > 1 and isinstance(answers[0], str) and ";" in answers[0]:
        answers = tuple(a.strip() for a in answers[0].split(";"))
    given = [None if a is None else str(a) for a in answers][:n]
    return given + [None] * (n - len(given))


def _mark_swapped(parts, given: list[str | None], results: list[PartResult]) -> None:
    """Two numeric answers that are each right for the other's part: say so instead of two unrelated slips."""
    pairs = [(i, j) for i in range(len(parts)) for j in range(i + 1, len(parts))]
    for i, j in pairs:
        a, b = parts[i], parts[j]
        if not (isinstance(a, NumberPart) and isinstance(b, NumberPart)) or given[i] is None or given[j] is None:
            continue
        if results[i].status != "correct" and results[j].status != "correct" \
                and a.accepts(given[j]) and b.accepts(given[i]):
            results[i] = PartResult(a.label, "incorrect", f"Swapped: this is your answer for {b.label!r}, and the "
                                                          "one you gave there belongs here.", kind="number")
            results[j] = PartResult(b.label, "incorrect", f"Swapped: this is your answer for {a.label!r}, and the "
                                                          "one you gave there belongs here.", kind="number")


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
