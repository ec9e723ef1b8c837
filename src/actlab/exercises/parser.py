"""A small safe parser for arithmetic answers: never eval.

Grammar (precedence low to high):
    expr    := term (('+' | '-') term)*
    term    := unary (('*' | '/' | 'x' | '×') unary)*   ('x' and '×' only before a power of ten)
    unary   := ('+' | '-') unary | power
    power   := postfix (('^' | '**') unary)?             (right-associative)
    postfix := atom '%'?
    atom    := NUMBER | 'e' | 'pi' | 'π' | FUNC '(' expr ')' | '(' expr ')'
with FUNC one of sqrt, exp. Unicode minus, superscript digits (10⁻¹⁴) and '·' are accepted.

Before parsing, the words people wrap around a number are read away (see _strip_words): a hedge in
front ("about", "≈", "~", "it's"), working before the last '=' or '≈' ("0.2^20 = 1.05e-14", "c = 9"),
a unit or a remark after it ("10 layers", "4x", "(3 s.f.)"), a trailing full stop, and number words
("ten", "a quarter"). Nothing is evaluated by Python.

parse_number() returns the value and, when the answer is a single written number (possibly in
scientific notation, either factor first: "1.05 x 10^-14" or "10^-14 * 1.05"), how many significant
figures the learner wrote: a checker uses that to decide whether "1.05e-14" is 0.2^20 rounded to
what was written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MAX_LENGTH = 200
MAX_DEPTH = 40
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


class Unreadable(ValueError):
    """The answer could not be read as arithmetic; the message says which part and why."""


@dataclass(frozen=True)
class Parsed:
    value: float
    sig_figs: int | None  # significant figures written, for a single literal; None for an expression
    text: str  # the normalised text


_TOKEN = re.compile(r"""
    (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>sqrt|exp|pi|e)
  | (?P<op>\*\*|[-+*/^()%x×π])
  | (?P<space>\s+)
""", re.VERBOSE)


_FRACTIONS = {"¼": "(1/4)", "½": "(1/2)", "¾": "(3/4)"}
_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "twenty-one": 21, "twenty one": 21,
}
_WORD_VALUES = {"a quarter": "(1/4)", "one quarter": "(1/4)", "quarter": "(1/4)", "a half": "(1/2)",
                "one half": "(1/2)", "half": "(1/2)", "a tenth": "(1/10)", "one tenth": "(1/10)"}
# read away in front of the number, repeatedly: "it's about ~0.25" -> "0.25"
_LEAD = re.compile(r"^(?:about|approx(?:imately|\.)?|around|roughly|circa|ca\.|nearly|almost|close to|"
                   r"it'?s|it is|that'?s|that is|the answer is|answer:|my answer is|i get|i got|i think|"
                   r"(?:the )?(?:derivative|slope|gradient|value|answer|result|ratio|output)(?: is| equals|:)|"
                   r"at least|equals?|is|[≈~≃]|~=|=)\s*")
# read away after the number: a unit, "times larger", a remark in parentheses, a full stop
_TRAIL = re.compile(r"\s*(?:\((?=[^()]*[a-z]{2})(?![^()]*\b(?:sqrt|exp|pi)\b)[^()]*\)|\.|,|!|"
                    r"layers?|units?|neurons?|fold|-fold|(?:times|x|×)?\s*(?:larger|bigger|greater|higher|more|"
                    r"as (?:large|big|much))|times|or more|x|×|s\.?f\.?|sig(?:nificant)? ?fig(?:ure)?s?)\s*$")


def _normalise(text: str) -> str:
    text = text.strip().replace("−", "-").replace("–", "-").replace("·", "*").replace("⋅", "*").replace("’", "'")
    for char, value in _FRACTIONS.items():
        text = text.replace(char, value)
    # 10⁻¹⁴ -> 10^-14
    text = re.sub(r"([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)", lambda m: "^" + m.group(1).translate(_SUPERSCRIPT), text)
    return " ".join(text.lower().split())


def _strip_words(text: str) -> str:
    """Read away the words around a number (see the module docstring); the arithmetic itself is left alone."""
    text = re.sub(r"\s*\((?=[^()]*[a-z]{2})(?![^()]*\b(?:sqrt|exp|pi)\b)[^()]*\)\s*\.?$", "", text)  # "(at x = 0)"
    text = re.sub(r"^([^()]*\d(?:[^()]*[\d.%a-z])?)\s+\([^()]*\)\s*\.?$", r"\1", text)  # "10 (0.25^10 ≈ 9.5e-7)"
    # a conclusion after the working: "0.25^10 ≈ 9.5e-7 < 1e-6, so 10 layers"
    if m := re.search(r"[,;]?\s+(?:so|hence|therefore|thus)\s+(?:it'?s\s+|the answer is\s+|n\s*=\s*)?(.*)$", text):
        text = m.group(1) if re.search(r"\d|\b(?:zero|one|two|three|four|ten|twenty)\b", m.group(1)) \
            else text[:m.start()]
    # a reason or a remark after the value: "10 because 0.25^10 < 1e-6", "9.54e-7, which is tiny", "9.5e-7 -- tiny"
    text = re.sub(r"^(.*\d.*?)[,;]?\s+(?:because|since|as|which|i\.e\.|[—-]+)\s.*$", r"\1", text)
    text = re.sub(r"^(.*?\d.*?)\s+(?:at|for|when|where|near)\s+x\b.*$", r"\1", text)  # "0.00047 at x = 2.7"
    # the point asked about, before the answer: "at x = 5, the slope is 1", "x = -3: 0"
    text = re.sub(r"^(?:(?:at|for|when)\s+x\s*=\s*-?[\d.]+\s*[:,]?|x\s*=\s*-?[\d.]+\s*:)\s*(?=\S)", "", text)
    text = re.sub(r"^([^,]*\d[^,]*),\s+\D.*$", r"\1", text)  # "x = -1.278, SiLU(x) = -0.278": the first
    text = re.sub(r"^[a-z][a-z' ()]*:\s*(?=\S)", "", text)  # a label without digits: "sigmoid: 1.05e-14"
    # working first, value last: keep what follows the last '=', '≈', '~', '≥' or '>'
    text = re.split(r"~=|>=|<=|[=≈≃~≥≤><]", text)[-1].strip()
    text = re.sub(r"\s*\bto the power(?: of)?\s*", "^", text)
    text = re.sub(r"(\d)\s+e\s*([-+]?\d)", r"\1e\2", text)  # "1.05 e-14"
    for _ in range(4):
        before = text
        text = _LEAD.sub("", text).strip()
        text = _TRAIL.sub("", text).strip()
        if text.startswith("[") and text.endswith("]") and "," not in text:  # a one-element vector: [9]
            text = text[1:-1].strip()
        if text == before:
            break
    if re.fullmatch(r"-?\d+,(?:\d{1,2}|\d{4,})(?:e[-+]?\d+)?", text):  # a decimal comma, "0,25" (not "1,000")
        text = text.replace(",", ".")
    text = re.sub(r"^(\d+(?:\.\d+)?)\s*:\s*1$", r"\1", text)  # a ratio written "4:1"
    # any other ratio, a:b, is a / b: "1:4" is a quarter (the ratio the other way round, for a checker to say so);
    # the spaces on both sides of the colon must match, so a numbered item ("1: 4") is not read as a ratio
    text = re.sub(r"^(\d+(?:\.\d+)?)(\s*):\2(\d+(?:\.\d+)?)$", r"(\1)/(\3)", text)
    words = re.fullmatch(r"(minus |negative |-)?(.+)", text)
    if words is None:
        return ""
    sign, body = words.group(1), words.group(2)
    if body in _NUMBER_WORDS:
        return ("-" if sign else "") + str(_NUMBER_WORDS[body])
    if body in _WORD_VALUES:
        return ("-" if sign else "") + _WORD_VALUES[body]
    return text


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise Unreadable(f"cannot read {text[pos:pos + 10]!r} (position {pos + 1}): use numbers, + - * / ^, "
                             "parentheses, e, pi, sqrt() and exp()")
        kind = m.lastgroup
        if kind != "space":
            tokens.append((kind, m.group()))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise Unreadable("the answer ends too early (an operator or parenthesis is missing its operand)")
        if value is not None and tok[1] != value:
            raise Unreadable(f"expected {value!r} but found {tok[1]!r}")
        self.i += 1
        return tok

    def parse(self) -> float:
        value = self.expr()
        if self.peek() is not None:
            raise Unreadable(f"unexpected {self.peek()[1]!r} after a complete expression")
        return value

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unreadable("the expression is nested too deeply")

    def expr(self) -> float:
        self._enter()
        value = self.term()
        while (tok := self.peek()) and tok[1] in "+-":
            self.take()
            rhs = self.term()
            value = value + rhs if tok[1] == "+" else value - rhs
        self.depth -= 1
        return value

    def term(self) -> float:
        value = self.unary()
        while (tok := self.peek()) and tok[1] in ("*", "/", "x", "×"):
            self.take()
            rhs = self.unary()
            if tok[1] == "/":
                if rhs == 0:
                    raise Unreadable("division by zero")
                value = value / rhs
            else:
                value = value * rhs
        return value

    def unary(self) -> float:
        tok = self.peek()
        if tok and tok[1] in "+-":
            self.take()
            self._enter()
            v = self.unary()
            self.depth -= 1
            return -v if tok[1] == "-" else v
        return self.power()

    def power(self) -> float:
        base = self.postfix()
        tok = self.peek()
        if tok and tok[1] in ("^", "**"):
            self.take()
            nxt = self.peek()
            if nxt and nxt[1] in ("^", "**"):
                raise Unreadable(f"two power signs in a row ({tok[1]}{nxt[1]})")
            self._enter()
            exponent = self.unary()
            self.depth -= 1
            try:
                result = math.pow(base, exponent)
            except (OverflowError, ValueError):
                raise Unreadable(f"{base:g}^{exponent:g} is not a finite real number") from None
            return result
        return base

    def postfix(self) -> float:
        value = self.atom()
        if (tok := self.peek()) and tok[1] == "%":
            self.take()
            value /= 100
        return value

    def atom(self) -> float:
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if text in ("pi", "π"):
            return math.pi
        if text == "e":
            return math.e
        if text in ("sqrt", "exp"):
            self.take("(")
            arg = self.expr()
            self.take(")")
            if text == "sqrt":
                if arg < 0:
                    raise Unreadable("sqrt of a negative number")
                return math.sqrt(arg)
            if arg > 709:
                raise Unreadable(f"exp({arg:g}) is too large")
            return math.exp(arg)
        if text == "(":
            value = self.expr()
            self.take(")")
            return value
        raise Unreadable(f"unexpected {text!r}")


def _sig_figs(literal: str) -> int:
    mantissa = re.split(r"[eE]", literal)[0].lstrip("+-")
    digits = mantissa.replace(".", "").lstrip("0")
    if "." not in mantissa:
        digits = digits.rstrip("0") or digits  # 1200 -> 2 significant figures (ambiguous; take the fewest)
    return max(len(digits), 1)


_TEN = r"10\s*(?:\^|\*\*)\s*\(?[-+]?\d+\)?"
_SCI = re.compile(rf"^[-+]?(?P<m>(?:\d+\.?\d*|\.\d+))\s*(?:\*|x|×)\s*{_TEN}$")
# the power of ten first, or a division by it: "10^-14 * 1.05", "1.05 / 10^14"
_SCI_OTHER = re.compile(rf"^[-+]?(?:{_TEN}\s*(?:\*|x|×)\s*(?P<m>(?:\d+\.?\d*|\.\d+))|"
                        rf"(?P<m2>(?:\d+\.?\d*|\.\d+))\s*/\s*{_TEN})$")
_PLAIN = re.compile(r"^[-+]?(?P<m>(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)%?$")
_POW10 = re.compile(rf"^[-+]?{_TEN}$")  # "10^-14" alone: an order of magnitude, one significant figure


def parse_number(text: str) -> Parsed:
    """Read an answer as a number; raise Unreadable with a specific reason otherwise."""
    if not isinstance(text, str):
        raise Unreadable(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise Unreadable(f"the answer is {len(text):,} characters long; keep it under {MAX_LENGTH}")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise Unreadable("the answer contains control characters")
    norm = _normalise(text)
    if not norm:
        raise Unreadable("the answer is empty")
    stripped = _strip_words(norm)
    if not stripped:
        raise Unreadable("there is no number in the answer")
    if stripped in ("nan", "inf", "infinity", "-inf", "+inf"):
        raise Unreadable(f"{text.strip()!r} is not a number you can give as an answer here")
    try:
        value = _Parser(tokenize(stripped)).parse()
    except Unreadable:
        # a remark the rules above did not read away ("0.25 (σ(0) = 0.5, times 0.5)"): the number before it
        head = re.split(r"\s+\(|\s+[—-]+\s", norm)[0]
        if head == norm or not (head := _strip_words(head)):
            raise
        stripped, value = head, _Parser(tokenize(head)).parse()
    norm = stripped
    if not math.isfinite(value):
        raise Unreadable("the value is too large to be a finite number")
    sig = None
    if m := _PLAIN.match(norm):
        sig = _sig_figs(m.group("m"))
    elif m := _SCI.match(norm):
        sig = _sig_figs(m.group("m"))
    elif m := _SCI_OTHER.match(norm):
        sig = _sig_figs(m.group("m") or m.group("m2"))
    elif _POW10.match(norm):
        sig = 1
    return Parsed(value, sig, norm)
