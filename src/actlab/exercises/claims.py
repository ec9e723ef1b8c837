"""Claims in free text: which properties an answer asserts of which activation, with negation read.

Hand-written rules, no language model. An answer is cut into clauses (at . ; : ! ? and at "but",
"while", "whereas", "although", "however"). In each clause a property is named by a phrase that
asserts it ("smooth") or its opposite ("kink"). The phrase's polarity is flipped by each negator
shortly before it in the same scope ("not", "doesn't", "no", "never", "avoids", "less prone to"),
by a negation written inside the phrase ("non-zero gradient"), by a passive negator after it
("the dying ReLU problem is avoided"), and by the negation of a phrase it is joined to by "or"
("no kinks or dead units"). A scope ends where a new predicate or reason begins ("and it is",
"which", "because").

The claim's subject is the nearest activation named before the phrase in the clause, leaving out
names ("the dying ReLU problem") and objects ("it outperforms ReLU"); else one named after it as
"with GELU"; else the subject of the previous clause; else the one the question is about.
A comparison's other side ("unlike ReLU, ...", "than ReLU") is read away first.

What earns nothing: a clause with no verb (an elliptical one after "but" borrows the verb before
it), unless its phrase has three words, or two and a relation word ("better empirical
performance", "no dead neurons"); a clause that is a single keyword; a clause where one word is
repeated back to back ("smooth smooth smooth"); three property words in a row with nothing between
them (a keyword list); a sentence the answer already said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 5000

_CLAUSE_BREAK = re.compile(r"[.;:!?\n]+(?:\s|$)|[.;:!?\n]+(?=[a-z])|\bbut\b|\bwhile\b|\bwhereas\b|\balthough\b|"
                           r"\bthough\b|\bhowever\b")
# a comparison's complement names the other activation without saying anything of the subject: "unlike ReLU, ...",
# "like ReLU does", "rather than gating by the sign": it is read away up to the next comma or the clause's end
_COMPLEMENT = re.compile(r"\b(?:(?:unlike|like|as opposed to|in contrast to|compared (?:to|with))\s+(?:the\s+|a\s+|"
                         r"plain\s+|standard\s+)*(?:relu|gelu)s?\b|rather than|instead of)[^,]*,?")
_THAN = re.compile(r"\b(?:than|over|versus|vs\.?)\s+(?:the\s+)?(?:plain\s+|standard\s+|a\s+)?"
                   r"(?:relu|gelu|it|one)(?:'s)?\b")
# negators: each one flips the polarity of a property phrase after it in the same scope
_NEGATOR = re.compile(r"\b(?:not|no|never|none|nor|neither|without|lacks?|lacking|free of|avoids?|avoided|avoiding|"
                      r"prevents?|preventing|eliminates?|removes?|solves?|fixes|fixed|mitigates?|less prone to|"
                      r"less likely to|rarely|seldom|hardly|(?:is|are|was|does|do|did|ca|wo|has|have|should|could)"
                      r"n'?t|cannot)\b")
# after a phrase, in the same scope: "the dying ReLU problem is avoided"
_POST_NEGATOR = re.compile(r"^\s*(?:problem\s+|issue\s+)?(?:(?:is|are|gets|get)\s+(?:\w+\s+)?(?:avoided|prevented|"
                           r"eliminated|solved|fixed|removed|mitigated|gone)\b|(?:is|are)\s+(?:not|never|no longer)\s+"
                           r"(?:a\s+|an\s+)?(?:problem|issue|concern)\b|(?:do|does)\s*(?:not|n't)\s+(?:happen|occur)\b)")
# where a negator's reach ends: a new predicate or a new reason
_SCOPE_BREAK = re.compile(r"(?:,|\band\b|\bor\b)\s+(?=(?:it|its|this|they|gelu|relu|is|are|has|have|does|can|will|"
                          r"gives|keeps|lets|makes|costs|works|performs|dips|goes)\b)|\bwhich\b|\bthat\b|\bso\b|"
                          r"\bbecause\b|\bsince\b|(?<!not )\bas\b(?! \w+ as\b)|\bthus\b|\btherefore\b|\bhence\b|"
                          r"\bwhen\b|\bwhere\b")
# verbs, in forms that are not also the nouns of the subject ("cost", "dip" and "gate" are left out: in a keyword
# list they are nouns)
_VERB = re.compile(r"\b(?:is|are|was|were|be|being|been|has|have|had|does|do|did|can|could|will|would|may|might|must|"
                   r"should|gets?|got|gives?|gave|lets|keeps?|makes?|made|use|uses|used|allows?|avoids?|avoided|"
                   r"prevents?|helps|performs?|works|outperforms?|outperformed|trains|learns?|costs|needs|"
                   r"requires?|takes?|provides?|dips|goes|go|suffers?|dies|die|died|kills?|passes?|scales|gates|"
                   r"weights|weighted|acts|behaves?|reads|means?|leads?|resulted|tends?|seems?|remains?|stays?|"
                   r"becomes?|produces?|multiplies|multiply|flows?|reaches|retains?|preserves?|handles?|"
                   r"solves?|fixes|eliminates?|reduces?|mitigates?|zeroes|zeros|zeroed|killed|isn't|aren't|"
                   r"doesn't|don't|didn't|can't|cannot|won't|hasn't|haven't|it's|that's|there's|adopted|chose|"
                   r"employs?|employed|gained|showed|shows?|found|achieves?|achieved|let|turns?|drops?|bends|curves|"
                   r"changes|transitions|saturates|outputs|returns|allows|maps|squashes|approximates|computes|treats|"
                   r"blocks|clamps|shrinks|grows|vanishes|explodes|improves|improved|matches|offers|introduces|"
                   r"ensures|enables|exhibits|contains|includes|supports|yields|comes|happens|isnt|arent|doesnt|"
                   r"dont|cant|wont|hasnt|havent)\b"
                   # a word ending in -s or -ed right after the subject: "the GELU curve bends", "it saturated"
                   r"|\b(?:gelu|relu|it|this|curve|function|activation|output|gradient|derivative)(?:'s)?\s+"
                   r"(?:\w+ly\s+)?[a-z]+(?:s|ed)\b")
_RELATION = re.compile(r"\b(?:no|not|for|at|below|than|by|in|with|without|everywhere|of|on|to|when|so|because)\b")
_WORD = re.compile(r"[a-z0-9φ]+(?:['-][a-z0-9]+)*")

# an activation named right after a verb is its object: "outperforms ReLU", "use GELU", "is replaced by ReLU"; and
# "a smooth version of ReLU" names ReLU only to describe the subject. The verb pattern is grouped whole so that the
# anchor binds every alternative (a verb anywhere earlier, as in "ReLU is cheap and GELU ...", makes no object), and
# \Z ends it ($ also matches before a final newline)
_OBJECT_WORDS = r"|beats?|beat|replaces?|replaced|over|than|by|(?:version|variant|form) of)\b"
_OBJECT_OF = re.compile(r"(?:" + _VERB.pattern.replace(r")\b", _OBJECT_WORDS, 1) +
                        r")\s+(?:the\s+|a\s+|plain\s+|standard\s+|slightly\s+|clearly\s+)*\Z")
# the smooth gated family reads as GELU's side of the question (Shazeer's GEGLU and SwiGLU results are its evidence)
SUBJECTS = {"gelu": "gelu", "gelus": "gelu", "swish": "gelu", "silu": "gelu", "geglu": "gelu", "swiglu": "gelu",
            "relu": "relu", "relus": "relu", "approximation": "approximation", "approximations": "approximation",
            "approx": "approximation", "both": "both"}
# names that contain an activation without making it the subject: "the dying ReLU problem", "dead ReLUs"
_NAMES = re.compile(r"\b(?:dying|dead)\s+relus?\b|\brelu\s+(?:problem|issue)\b|\bleaky\s+relu\b")


@dataclass(frozen=True)
class Property:
    """A property the reference activation has: phrases that assert it (``has``) or its opposite (``lacks``).

    A pattern may hold a named group ``neg`` ("non-" in "non-zero gradient"): when it matched, the phrase's
    polarity flips. ``contrast``: does "the other activation lacks it" count as a claim about this property?
    ``via_approximation``: does a sentence about an approximation's cost count?
    """

    has: tuple[str, ...]
    lacks: tuple[str, ...] = ()
    contrast: bool = True
    via_approximation: bool = False


@dataclass(frozen=True)
class Claim:
    """One property asserted (holds=True) or denied of one subject in one clause."""

    key: str
    subject: str
    holds: bool
    clause: str


@dataclass(frozen=True)
class _Phrase:
    key: str
    start: int
    end: int
    asserts: bool  # the phrase names the property (True) or its opposite (False), before any negation


def _phrases(clause: str, properties: dict[str, Property]) -> list[_Phrase]:
    found: list[_Phrase] = []
    for key, prop in properties.items():
        for asserts, patterns in ((True, prop.has), (False, prop.lacks)):
            for pattern in patterns:
                for m in re.finditer(pattern, clause):
                    inner_neg = bool(m.groupdict().get("neg"))
                    found.append(_Phrase(key, m.start(), m.end(), asserts != inner_neg))
    # overlapping phrases: the one that starts first wins, then the longest ("kills gradients for negative inputs"
    # is about killing; "non-zero gradient for negative inputs" outlasts "non-zero gradient")
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    kept: list[_Phrase] = []
    for p in found:
        if all(p.end <= k.start or p.start >= k.end for k in kept):
            kept.append(p)
    # two phrases of one property side by side are one phrase: "no dip below zero" is one negated claim, not a
    # negated "dip" and an asserted "below zero"
    merged: list[_Phrase] = []
    for p in sorted(kept, key=lambda p: p.start):
        last = merged[-1] if merged else None
        if last and last.key == p.key and last.asserts == p.asserts and not clause[last.end:p.start].strip():
            merged[-1] = _Phrase(p.key, last.start, p.end, p.asserts)
        else:
            merged.append(p)
    return merged


def _mentions(clause: str) -> list[tuple[int, str]]:
    """Where the clause names an activation as a possible subject: not inside a name ("the dying ReLU problem"),
    and not as the object of a verb ("it outperforms ReLU", "models use GELU")."""
    masked = _NAMES.sub(lambda m: " " * len(m.group()), clause)
    out = []
    for m in re.finditer(r"\b[a-z]+\b", masked):
        if m.group() in SUBJECTS and not _OBJECT_OF.search(masked[max(0, m.start() - 60):m.start()]):
            out.append((m.start(), SUBJECTS[m.group()]))
    return out


def _negated(clause: str, phrase: _Phrase, scope_start: int, previous: tuple[int, bool] | None = None) -> bool:
    """Is the phrase negated? Negators count from the later of the scope's start and the previous phrase's end. With
    none there, a phrase joined to a negated one by "or" or "nor" shares its negation ("no kinks or dead units"),
    unless a new predicate, subject or noun phrase begins between them; "and" and a comma do not carry it ("no dead
    neurons, better results")."""
    start = scope_start
    if previous is not None and previous[0] > start:
        start = previous[0]
    before = clause[start:phrase.start]
    breaks = list(_SCOPE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end():]
    words = _WORD.findall(before)[-7:]  # a negator reaches about seven words
    flips = len(_NEGATOR.findall(" ".join(words)))
    if not flips and previous is not None and previous[1] and previous[0] > scope_start and not breaks \
            and re.search(r"\b(?:or|nor)\b", before) and not _VERB.search(before) \
            and not re.search(r"\b(?:a|an|the|its|their|some|gelu|relu)\b", before):
        flips = 1
    if _POST_NEGATOR.match(clause[phrase.end:]):
        flips += 1
    return flips % 2 == 1


def _is_spam(words: list[str]) -> bool:
    """One word said again within the next two: "smooth smooth smooth", "smooth and smooth"."""
    return any(len(w) > 2 and w in words[i + 1:i + 3] for i, w in enumerate(words))


def _item(clause: str, phrase: _Phrase) -> str:
    """The comma-separated item of a list that holds the phrase."""
    start = clause.rfind(",", 0, phrase.start) + 1
    end = clause.find(",", phrase.end)
    return clause[start:end if end >= 0 else len(clause)]


def _is_single_keyword(clause: str, phrases: list[_Phrase]) -> bool:
    """The clause is nothing but one-word phrases: "dips.", "smooth."."""
    bounds = [0, *(x for p in phrases for x in (p.start, p.end)), len(clause)]
    rest = "".join(clause[a:b] for a, b in zip(bounds[::2], bounds[1::2], strict=True))
    return not _WORD.findall(rest) and all(len(_WORD.findall(clause[p.start:p.end])) < 2 for p in phrases)


def _is_keyword_run(clause: str, phrases: list[_Phrase]) -> bool:
    """Three phrases with nothing but spaces between them: a list of keywords, not a sentence ("a smooth
    non-monotonic curve" is English; "smooth probabilistic dip" and "gate gating gated" are not)."""
    bare = [not clause[a.end:b.start].strip() for a, b in zip(phrases, phrases[1:], strict=False)]
    return sum(bare) >= 2


def clauses(text: str) -> list[tuple[str, bool]]:
    """The answer's clauses, each with whether it continues the sentence of the clause before it."""
    text = " ".join(text.lower().replace("’", "'").replace("‘", "'")[:MAX_CHARS].split())
    out, seen = [], set()
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if sentence in seen:  # a sentence said again earns nothing more
            continue
        seen.add(sentence)
        parts = [c.strip() for c in _CLAUSE_BREAK.split(sentence) if c and c.strip()]
        out += [(c, i > 0) for i, c in enumerate(parts)]
    return out


def read_claims(text: str, properties: dict[str, Property], default_subject: str = "gelu") -> list[Claim]:
    """Every claim the text makes about the given properties, in order."""
    claims: list[Claim] = []
    subject = default_subject
    verb_before = False  # did the clause before, in the same sentence, have a verb?
    for raw, continues in clauses(text):
        clause = _THAN.sub(" ", _COMPLEMENT.sub(" ", raw))
        words = _WORD.findall(clause)
        phrases = _phrases(clause, properties)
        mentions = _mentions(clause)
        first_verb = _VERB.search(clause)
        # an elliptical clause borrows the verb of the one it continues: "it is slower but more accurate"
        has_verb = first_verb is not None or (continues and verb_before)
        verb_before = has_verb
        clause_subject = next((s for pos, s in mentions if s != "approximation"
                               and (first_verb is None or pos < first_verb.start())), subject)
        if not phrases or _is_spam(words) or _is_keyword_run(clause, phrases) \
                or _is_single_keyword(clause, phrases):
            subject = clause_subject
            continue
        previous: tuple[int, bool] | None = None  # the last phrase's end and whether it was negated
        # a list with no subject ("smooth, probabilistic, better results, costs more") is read item by item, as
        # if it had no verb: a verb inside one item does not turn the others into claims
        is_list = clause.count(",") >= 2 and not mentions and not re.search(r"\b(?:it|its|it's|this|they)\b", clause)
        for p in phrases:
            size = len(_WORD.findall(clause[p.start:p.end]))
            where = _item(clause, p) if is_list else clause
            # without a verb only a phrase of three words or more, or of two with a relation word, is a claim:
            # "better empirical performance", "no dead neurons", "non-zero gradient for negative inputs"
            if (is_list or not has_verb) and (len(_WORD.findall(where)) < 2 or size < 2
                                              or (size < 3 and not _RELATION.search(where))):
                continue
            before = [(pos, s) for pos, s in mentions if pos < p.end]
            after = [(pos, s) for pos, s in mentions if pos >= p.end]
            if before:
                pos, who = before[-1]
                scope_start = pos if pos < p.start else 0
            elif after and re.search(r"\b(?:with|for|in|of)\s+(?:the\s+)?$", clause[:after[0][0]]):
                who, scope_start = after[0][1], 0  # "no dead units with GELU"
            else:
                who, scope_start = subject, 0
            negated = _negated(clause, p, scope_start, previous)
            previous = (p.end, negated)
            claims.append(Claim(p.key, who, p.asserts != negated, raw))
        subject = clause_subject
    return claims


def read_verdicts(text: str, verdict: Property, default_subject: str = "gelu") -> list[Claim]:
    """What the text concludes of ``verdict`` (a bare "is better"), clause by clause. The subject is the activation
    named last before the phrase, even after a verb ("so GELU is better"), else ``default_subject``. read_claims'
    subject rules are for properties ("it outperforms ReLU" is said of GELU)."""
    out: list[Claim] = []
    for raw, _ in clauses(text):
        clause = _THAN.sub(" ", _COMPLEMENT.sub(" ", raw))
        masked = _NAMES.sub(lambda m: " " * len(m.group()), clause)
        names = [(m.start(), SUBJECTS[m.group()]) for m in re.finditer(r"\b[a-z]+\b", masked)
                 if SUBJECTS.get(m.group()) in ("gelu", "relu")]
        for p in _phrases(clause, {"verdict": verdict}):
            before = [(pos, who) for pos, who in names if pos < p.start]
            pos, who = before[-1] if before else (0, default_subject)
            # only a negation inside the phrase counts ("is not better"): one earlier in the clause belongs to
            # another predicate ("it has no kink and optimisation is better behaved")
            out.append(Claim(p.key, who, p.asserts != _negated(clause, p, p.start), raw))
    return out


COPIED_RUN = 6  # this many words in a row, as a hint has them, are copied, not the learner's own claim


def mask_copied(text: str, sources: tuple[str, ...], run: int = COPIED_RUN) -> tuple[str, bool]:
    """``text`` (lower-cased) with every run of ``run`` or more words that a source (a hint) has in the same order
    blanked out, and whether there was one. A hint's list of topics ("smoothness, dead units, the probabilistic
    reading, ...") names what to think about; copied back, it asserts nothing of GELU."""
    text = text.lower()[:MAX_CHARS]
    spans = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    seen = {tuple(words[i:i + run]) for source in sources
            for words in [_WORD.findall(source.lower())] for i in range(len(words) - run + 1)}
    copied = [False] * len(spans)
    for i in range(len(spans) - run + 1):
        if tuple(w for _, _, w in spans[i:i + run]) in seen:
            copied[i:i + run] = [True] * run
    if not any(copied):
        return text, False
    chars = list(text)
    for (start, end, _), is_copied in zip(spans, copied, strict=True):
        if is_copied:
            chars[start:end] = " " * (end - start)
    return "".join(chars), True


def judge_claims(claims: list[Claim], properties: dict[str, Property], subject: str = "gelu",
                 other: str = "relu") -> tuple[set[str], list[Claim]]:
    """The properties rightly claimed, and the claims that say the opposite of what is true of ``subject``."""
    covered: set[str] = set()
    false: list[Claim] = []
    for c in claims:
        prop = properties[c.key]
        if c.subject == subject and c.holds:
            covered.add(c.key)
        elif c.subject == subject:
            false.append(c)
        elif c.subject == other and not c.holds and prop.contrast:
            covered.add(c.key)
        elif c.subject == "approximation" and prop.via_approximation:
            covered.add(c.key)
    return covered, false
