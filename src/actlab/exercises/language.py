"""Is a free-text answer written in English? The claim reader (claims.py) reads English only.

An answer in another language is not judged: its negations ("keine toten Neuronen", "pas de neurones morts")
are words the reader does not know, so a true statement read word by word looked like its opposite, and the
learner was told their answer contradicted itself. The checker says instead that it could not read the answer.

Two signs, either enough: letters of a script other than Latin and Greek (Greek is the mathematics' own: Φ, σ)
make up a fifth of the letters; or words that are common in German, French, Spanish, Italian, Dutch or Portuguese
and not English words: at least three, outnumbering the English function words, or two with no English function
word at all. A word with an accented Latin letter counts as one ("monotónica"). Words that are also English or
mathematics ("die", "non", "no", "sin", "per", "del", "plus", "e", "y") are left out of the lists.
"""

from __future__ import annotations

import re
import unicodedata

_FOREIGN = frozenset("""
der das und ist nicht kein keine keinen keiner ein eine einen mit für auf sich auch wird werden sind haben bei nur
oder weil dass wenn aber schon immer sehr wie zu im ihr ihre sie es gibt glatt
le les est une des du pas ne n'a n'est n'ont c'est d'un d'une qu'il sont avec dans qui pour comme contrairement elle ils
aussi très mais ou sans
el los las una por para tiene pero muy también como más cuando porque
il gli della delle sono anche perché ma ed ha più
het een geen niet van voor heeft zijn ook maar omdat
não é uma com tem os sem mais muito também porque
""".split())
_ENGLISH = frozenset("""
the a an is are was were be been it its it's this that these those and or but not no of to in on for with at by
from than as has have had does do doesn't don't isn't aren't can cannot which so because when where there their
they while unlike like more less
""".split())
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
FOREIGN_SCRIPT_SHARE = 0.2
MIN_FOREIGN_WORDS = 3


def _is_latin_or_greek(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("LATIN", "GREEK"))


def is_english(text: str) -> bool:
    """Whether the claim reader can read ``text`` (see the module docstring); True for an answer with no words."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(not _is_latin_or_greek(c) for c in letters) >= FOREIGN_SCRIPT_SHARE * len(letters):
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    foreign = sum(w in _FOREIGN or any(unicodedata.name(c, "").startswith("LATIN") and
                                       " WITH " in unicodedata.name(c, "") for c in w) for w in words)
    english = sum(w in _ENGLISH for w in words)
    return not ((foreign >= MIN_FOREIGN_WORDS and foreign > english) or (foreign >= 2 and english == 0))
