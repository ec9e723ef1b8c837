"""Learner progress and classes, in an SQLite file (stdlib sqlite3, WAL mode) or in PostgreSQL (psycopg 3).

Every attempt is committed before its verdict is returned to the learner, so killing the process
at any moment loses no answered attempt; several processes may write at once (WAL plus a busy
timeout on SQLite; PostgreSQL is made for it). An attempt may carry the client's attempt id: sending it
again (a retry after a lost answer) records nothing new. The schema carries a version and migrates
forward on open, by one list of migrations for both databases (_db.py holds what differs between them).

A class has a name, a short join code and a teacher token, of which the store keeps only a hash. Its
learners have display names unique within the class, compared by name_key (case, width and invisible characters
ignored) and by how they look (name_skeleton: "Ana" and "Аna" with a Cyrillic А are one), both unique keys in the
database so that racing joins cannot break the rule, and a short personal rejoin code, also kept hashed. Every
attempt, hint and solution event carries its class; the single-learner local lab's rows carry none (NULL).

Each attempt keeps the version of the checker that graded it. Summaries (progress, the class
summary) re-grade older attempts with today's checker when they read them, without writing;
regrade() writes the new verdicts (`actlab exercise regrade`), so an answer an older checker
wrongly accepted stops counting as solved.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import _db
from .errors import ConfigError
from .exercises import get_exercise
from .exercises.checker import CHECKER_VERSION
from .exercises.status import VerdictStatus, rank

MAX_ANSWER_CHARS = 10_000
MAX_LEARNER_CHARS = 64

# Each migration takes the schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE attempts (
        id {id},
        learner TEXT NOT NULL,
        exercise TEXT NOT NULL,
        answer TEXT NOT NULL,          -- JSON list of the parts' answers
        status TEXT NOT NULL,
        feedback TEXT NOT NULL,
        created_at {real} NOT NULL
    );
    CREATE INDEX attempts_by_learner ON attempts (learner, exercise);
    """,
    """
    ALTER TABLE attempts ADD COLUMN parts TEXT NOT NULL DEFAULT '[]';  -- JSON of the per-part verdicts
    CREATE TABLE events (
        id {id},
        learner TEXT NOT NULL,
        exercise TEXT NOT NULL,
        kind TEXT NOT NULL,            -- 'hint' or 'solution'
        level INTEGER,
        created_at {real} NOT NULL
    );
    """,
    """
    ALTER TABLE attempts ADD COLUMN checker_version INTEGER NOT NULL DEFAULT 1;  -- the checker that graded it
    """,
    """
    CREATE TABLE classes (
        id {id},
        name TEXT NOT NULL UNIQUE,
        code TEXT NOT NULL UNIQUE,     -- the join code learners type
        token_hash TEXT NOT NULL,      -- SHA-256 of the teacher token, which is never stored
        archived INTEGER NOT NULL DEFAULT 0,
        created_at {real} NOT NULL
    );
    CREATE TABLE learners (
        id {id},
        class_id INTEGER NOT NULL REFERENCES classes (id),
        name TEXT NOT NULL,            -- as the learner typed it
        name_key TEXT NOT NULL,        -- case-folded: the name's identity within the class
        rejoin_hash TEXT NOT NULL,
        created_at {real} NOT NULL,
        UNIQUE (class_id, name_key)
    );
    ALTER TABLE attempts ADD COLUMN class_id INTEGER;  -- NULL: the local single-learner lab
    ALTER TABLE attempts ADD COLUMN attempt_id TEXT;   -- the client's id: a retried attempt is stored once
    CREATE UNIQUE INDEX attempts_by_attempt_id ON attempts (attempt_id);
    CREATE INDEX attempts_by_class ON attempts (class_id, learner);
    ALTER TABLE events ADD COLUMN class_id INTEGER;
    CREATE INDEX events_by_class ON events (class_id, learner);
    CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    CREATE TABLE uploads (             -- playground CSVs, read by whichever worker serves the socket
        token TEXT PRIMARY KEY,
        body {blob} NOT NULL,
        created_at {real} NOT NULL
    );
    CREATE TABLE tabs (token TEXT PRIMARY KEY, created_at {real} NOT NULL);  -- playground pages' tab tokens
    """,
    """
    ALTER TABLE uploads ADD COLUMN class_id INTEGER;   -- whose upload, for the quotas (NULL: the local lab)
    ALTER TABLE uploads ADD COLUMN owner TEXT;
    ALTER TABLE uploads ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX uploads_by_owner ON uploads (class_id, owner);
    CREATE TABLE class_playground (    -- the playground settings a teacher saved for the class, and the pins
        class_id INTEGER PRIMARY KEY,
        body TEXT NOT NULL,
        updated_at {real} NOT NULL
    );
    CREATE TABLE failures (            -- failed joins and logins, counted by every worker alike
        id {id},
        scope TEXT NOT NULL,
        client TEXT NOT NULL,
        created_at {real} NOT NULL
    );
    CREATE INDEX failures_by_client ON failures (scope, client, created_at);
    CREATE TABLE play_sessions (       -- running playground sessions of every worker, for the shared cap
        id TEXT PRIMARY KEY,
        tab TEXT,
        seen_at {real} NOT NULL
    );
    """,
    """
    ALTER TABLE learners ADD COLUMN name_skeleton TEXT;  -- how the name looks (name_skeleton); filled by _fill_names
    """,
    """
    CREATE UNIQUE INDEX learners_by_skeleton ON learners (class_id, name_skeleton);  -- NULL: a collision, reported
    """,
    """
    -- (no statement: _collapse_spaces rewrites names stored with runs of spaces, and their keys)
    """,
    """
    CREATE TABLE merged_learners (     -- learners merged into another (Store.merge), so their cookie and rejoin code
        id BIGINT PRIMARY KEY,         -- are told so; the id they had
        class_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        into_id BIGINT NOT NULL,       -- the learner they became
        into_name TEXT NOT NULL,       -- that learner's name at the merge (if they are gone since)
        rejoin_hash TEXT NOT NULL,
        merged_at {real} NOT NULL
    );
    CREATE INDEX merged_by_name ON merged_learners (class_id, name_key);
    """,
    """
    ALTER TABLE attempts ADD COLUMN class_number BIGINT;  -- the attempt's number in its class (1, 2, 3), never reused
    CREATE TABLE attempt_numbers (     -- the last number given in each class (class_key: its id, 0 for the local lab)
        class_key BIGINT PRIMARY KEY,
        last_number BIGINT NOT NULL
    );
    -- (the numbers of attempts stored before: _number_attempts)
    """,
    """
    -- the version a learner's cookies carry; a new rejoin code moves it on, which signs out the devices joined before
    ALTER TABLE learners ADD COLUMN session_version INTEGER NOT NULL DEFAULT 1;
    """,
    """
    CREATE TABLE former_names (        -- names a learner had before a rename (Store.rename), so the old name and the
        learner_id BIGINT NOT NULL,    -- learner's rejoin code still bring them back; dropped by forget
        class_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        renamed_at {real} NOT NULL
    );
    CREATE INDEX former_by_name ON former_names (class_id, name_key);
    """,
    """
    CREATE TABLE forgotten_learners (  -- learners a teacher forgot (Store.forget): no name, only what lets their open
        id BIGINT PRIMARY KEY,         -- pages (the cookie's learner id) and their old rejoin code be told so
        class_id INTEGER NOT NULL,
        rejoin_hash TEXT NOT NULL,     -- salted hash of a random code: it names nobody
        forgotten_at {real} NOT NULL
    );
    """,
    """
    CREATE TABLE merges (              -- each merge (Store.merge), so Store.unmerge puts back exactly what it moved
        id {id},
        class_id INTEGER NOT NULL,
        source_id BIGINT NOT NULL,     -- the learner merged away (the same as into_id when one learner's spellings were
        source_name TEXT NOT NULL,     -- gathered), their name and its key
        source_key TEXT NOT NULL,
        into_id BIGINT NOT NULL,
        into_name TEXT NOT NULL,       -- the name the moved rows were given
        learner TEXT,                  -- JSON of the source's learners row, deleted by the merge (NULL: none was)
        moved TEXT NOT NULL,           -- JSON {"attempts": [[id, name before], ...], "events": [...]}
        merged_at {real} NOT NULL
    );
    CREATE INDEX merges_by_source ON merges (class_id, source_key);
    """,
    """
    CREATE TABLE join_replies (        -- a new learner's join, kept JOIN_RETRY_SECONDS so that the same form sent again
        nonce_hash TEXT PRIMARY KEY,   -- (its reply was lost) gets the same learner and code; sha256 of the nonce
        class_id INTEGER NOT NULL,
        learner_id BIGINT NOT NULL,
        name_key TEXT NOT NULL,
        sealed_code TEXT NOT NULL,     -- the rejoin code XOR a key drawn from the nonce: unreadable without the form
        created_at {real} NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
# the words of DDL that differ between the two databases
_DDL = {"sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "real": "REAL", "blob": "BLOB"},
        "postgresql": {"id": "BIGSERIAL PRIMARY KEY", "real": "DOUBLE PRECISION", "blob": "BYTEA"}}


def _fill_names(store: Store) -> None:
    """After migration 6: every learner's name_skeleton, and name_key recomputed by today's rule (rows from before
    names were NFKC-normalised kept an older key). Two learners of a class whose names look the same (possible in
    rows from before look-alikes were refused) cannot both hold the skeleton: the first to join keeps it, the later
    one keeps NULL and is reported (Store.name_collisions), so the migration never fails on old data."""
    rows = store.db.execute("SELECT id, class_id, name, name_key FROM learners ORDER BY id")
    taken: set[tuple[int, str]] = set()
    for learner_id, class_id, name, key in rows:
        skeleton = _skeleton_of_stored(name)
        if (class_id, skeleton) in taken:
            continue
        taken.add((class_id, skeleton))
        new_key = fold_name(name)
        if new_key != key and store.db.execute("SELECT 1 FROM learners WHERE class_id = ? AND name_key = ? AND id <> ?",
                                                (class_id, new_key, learner_id)):
            new_key = key  # held by a row that looks the same: that row is the reported collision
        store.db.execute("UPDATE learners SET name_skeleton = ?, name_key = ? WHERE id = ?",
                         (skeleton, new_key, learner_id))


def _collapse_spaces(store: Store) -> None:
    """After migration 8: a name stored with a run of spaces inside ("Zoë  O'Brien", joined before names were
    normalised) is stored as it is shown ("Zoë O'Brien"), with its key and skeleton recomputed, so that typing the
    name as shown matches it. When another learner of the class already holds that name (key or skeleton), the row
    keeps its name and key, loses its skeleton and is reported (Store.name_collisions), so the migration never
    fails on old data; it is still reached by its stored spelling (Store.learner)."""
    rows = store.db.execute("SELECT id, class_id, name, name_key, name_skeleton FROM learners ORDER BY id")
    for learner_id, class_id, name, key, skeleton in rows:
        shown, new_key, new_skeleton = collapse_spaces(name), fold_name(name), _skeleton_of_stored(name)
        if (shown, new_key, new_skeleton) == (name, key, skeleton):
            continue
        if store.db.execute("SELECT 1 FROM learners WHERE class_id = ? AND id <> ? AND "
                            "(name_key = ? OR name_skeleton = ?)", (class_id, learner_id, new_key, new_skeleton)):
            store.db.execute("UPDATE learners SET name_skeleton = NULL WHERE id = ?", (learner_id,))
            continue
        store.db.execute("UPDATE learners SET name = ?, name_key = ?, name_skeleton = ? WHERE id = ?",
                         (shown, new_key, new_skeleton, learner_id))


def _number_attempts(store: Store) -> None:
    """After migration 10: each class's attempts (and the local lab's) numbered 1, 2, 3 in the order they were stored,
    as the attempt log numbered them until then, and each class's counter set past them."""
    last: dict[int, int] = {}
    for attempt_id, class_id in store.db.execute("SELECT id, class_id FROM attempts ORDER BY id"):
        key = _class_key(class_id)
        last[key] = last.get(key, 0) + 1
        store.db.execute("UPDATE attempts SET class_number = ? WHERE id = ?", (last[key], attempt_id))
    for key, n in last.items():
        store.db.execute("INSERT INTO attempt_numbers (class_key, last_number) VALUES (?, ?)", (key, n))


def _class_key(class_id: int | None) -> int:
    """The counter of attempt numbers a class uses; the local lab (no class) counts under 0, which no class has."""
    return 0 if class_id is None else int(class_id)


# Python steps run after a migration's statements, in the same transaction: index -> step
MIGRATION_STEPS = {6: _fill_names, 8: _collapse_spaces, 10: _number_attempts}


def migration_statements(index: int, dialect: str) -> list[str]:
    """Migration ``index`` as statements for one database: comments dropped, dialect words filled in."""
    text = "\n".join(line.split("--", 1)[0] for line in MIGRATIONS[index].splitlines()).format(**_DDL[dialect])
    return [st.strip() for st in text.split(";") if st.strip()]


def default_location(db: str | None = None, data_home: str | Path | None = None) -> str | Path:
    """Where the store is when no --db names it: ``db`` (a file path or a postgresql:// URL), else
    ``data_home``/actlab/progress.sqlite3 (data_home defaults to ~/.local/share). The command line and the lab
    pass $ACTLAB_DB and $XDG_DATA_HOME (web.settings.store_location); the core reads no variable."""
    if db:
        return db if _db.is_url(db) else Path(db)
    return Path(data_home or Path.home() / ".local" / "share") / "actlab" / "progress.sqlite3"


default_path = default_location  # the name before PostgreSQL


@dataclass
class Tries:
    """A learner's answers to one exercise, counted as a teacher reads them: the one definition of "tries" that the
    teacher's table, the exports (page, API and `actlab class export`), the class summary and the learner's own
    progress all use (add each answer's status in the order it was given).

    ``tries``: answers the checker graded (right, partly right or wrong) up to and including the first right one,
    so "solved, 3 tries" means the third graded answer was the right one. ``unreadable``: answers before that
    which the checker could not read, or empty ones (a typo such as "0.2^^19" is not a try at the exercise).
    ``after_solving``: answers of any verdict sent after the first right one (checking again, trying another form);
    they change neither the tries nor the status."""

    tries: int = 0
    unreadable: int = 0
    after_solving: int = 0
    solved: bool = False

    def add(self, status: str) -> None:
        if self.solved:
            self.after_solving += 1
        elif status in (VerdictStatus.UNREADABLE, VerdictStatus.NOT_ATTEMPTED):  # an empty answer reads as nothing
            self.unreadable += 1
        else:
            self.tries += 1
            self.solved = status == VerdictStatus.CORRECT

    @property
    def answers(self) -> int:
        """Every answer stored, whatever its verdict and whenever it came."""
        return self.tries + self.unreadable + self.after_solving


@dataclass(frozen=True)
class ProgressRow:
    exercise: str
    attempts: int          # the tries (Tries.tries): graded answers up to and including the first right one
    best_status: str
    last_status: str
    last_answer: list
    hints_seen: int
    solution_seen: bool
    unreadable: int = 0    # answers the checker could not read, before solving (Tries.unreadable)
    after_solving: int = 0  # answers sent after the first right one (Tries.after_solving)
    answers: int = 0       # every answer stored: attempts + unreadable + after_solving


@dataclass(frozen=True)
class Regraded:
    """One attempt whose verdict a re-grade changed."""

    id: int
    learner: str
    exercise: str
    old_status: str
    new_status: str


_RANK = {s.value: s.rank for s in VerdictStatus}  # status name -> rank, derived from the one order (classroom.py)


class _Grader:
    """Today's checker for stored answers, looking each exercise up once (a teacher's exercises are files)."""

    def __init__(self) -> None:
        self._exercises: dict = {}

    def __call__(self, exercise: str, answers: list) -> dict | None:
        """The verdict record; None when the exercise no longer exists (a removed teacher file), in which case
        the stored verdict stands."""
        if exercise not in self._exercises:
            try:
                self._exercises[exercise] = get_exercise(exercise)
            except ValueError:
                self._exercises[exercise] = None
        found = self._exercises[exercise]
        return None if found is None else found.check(list(answers)).to_record()


# Bidi controls reorder what follows them: "\u202eanA" shows as "Ana". A name with one is refused, not cleaned, so
# nobody is shown a name they did not type (Unicode's Bidi_Control property: UAX #9).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Zero-width joiner and non-joiner shape Persian, Indic and emoji text, so a shown name keeps them; the key drops them
_JOINERS = frozenset("\u200c\u200d")
# letters that draw nothing (Hangul fillers, the blank braille pattern): a name of only these looks empty
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Cyrillic and Greek letters drawn like a Latin one (after case folding), from Unicode's confusables.txt (UTS #39).
# Two names whose skeletons match but keys differ look the same in the teacher's table ("Ana" and "Аna", Cyrillic А),
# and the second is refused. A short table rather than a dependency: these scripts are where look-alikes of a Latin
# class list come from.
_SKELETON = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m",
    "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "ɑ": "a", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "ϲ": "c", "ϳ": "j", "ѵ": "v", "ԍ": "g", "ɡ": "g", "ı": "i",
})

# Greek capitals drawn like a Latin capital whose small letter is not drawn like the Latin small letter (Ζ is Z but ζ is
# not z; Ν is N but ν reads v): the skeleton is taken before case folding for these, as the name is shown
_SKELETON_CAPITALS = str.maketrans({"Ζ": "Z", "Η": "H", "Μ": "M", "Ν": "N", "Υ": "Y"})


def _is_invisible(c: str) -> bool:
    """A character that draws nothing on its own: space, a format character (Cf), a combining mark, a blank letter."""
    return c.isspace() or unicodedata.category(c) in ("Cf", "Mn", "Me", "Zs") or c in _BLANK_LETTERS


def check_learner(learner: object) -> str:
    """A display name as typed, in Unicode NFC, without its invisible format characters (a zero-width space);
    refused when empty, too long, with control or bidi characters, or when it shows nothing."""
    if not isinstance(learner, str) or not learner.strip():
        raise ConfigError("learner", "a non-empty name is needed to save progress")
    name = learner.strip()
    if len(name) > MAX_LEARNER_CHARS:
        raise ConfigError("learner", f"a name has at most {MAX_LEARNER_CHARS} characters; this one has {len(name)}")
    if any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 for c in name):
        raise ConfigError("learner", "a name cannot hold a tab, a line break or another control character; type it "
                                     "on one line with plain spaces")
    if halves := sorted({f"U+{ord(c):04X}" for c in name if 0xD800 <= ord(c) <= 0xDFFF}):
        raise ConfigError("learner", f"a name cannot hold half of a character ({', '.join(halves)}, a lone surrogate: "
                                     "half of an emoji, left by a broken copy and paste); type the name again")
    if bidi := sorted({f"U+{ord(c):04X}" for c in name if c in _BIDI_CONTROLS}):
        raise ConfigError("learner", f"a name cannot hold text-direction controls ({', '.join(bidi)}): they make it "
                                     "show as another name; type the name without them")
    name = "".join(c for c in unicodedata.normalize("NFC", name)
                   if c in _JOINERS or unicodedata.category(c) != "Cf").strip()
    if all(_is_invisible(c) for c in name):
        raise ConfigError("learner", "that name shows nothing on screen (only spaces or invisible characters); "
                                     "type a name with letters or digits")
    return collapse_spaces(name)


def _whole_characters(value):
    """``value`` with every lone surrogate (half of an emoji, which a broken paste can send in JSON as "\\ud83d")
    replaced by U+FFFD in its strings, lists and dicts: UTF-8 cannot hold one, so PostgreSQL refused the text, and
    SQLite kept it as a JSON escape that came back as half a character. Answers are stored so on both."""
    if isinstance(value, str):
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value) if any(
            0xD800 <= ord(c) <= 0xDFFF for c in value) else value
    if isinstance(value, list | tuple):
        return [_whole_characters(v) for v in value]
    if isinstance(value, dict):
        return {k: _whole_characters(v) for k, v in value.items()}
    return value


def collapse_spaces(name: str) -> str:
    """A name as a page shows it: each run of spaces (and other blanks: tabs, no-break spaces) inside it is one
    space, and none at either end ("  Zoë  O'Brien " is shown "Zoë O'Brien")."""
    return " ".join(name.split())


def fold_name(name: str) -> str:
    """The key of a name already stored (no checks: rows from before a rule changed must still be matched)."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return collapse_spaces(unicodedata.normalize("NFC", "".join(c for c in folded
                                                                if unicodedata.category(c) != "Cf")))


def name_key(learner: object) -> str:
    """A learner's name as a class tells names apart: compatibility-normalised (NFKC: full-width "Ａｎａ" is "Ana"),
    case-folded ("Ana", "ana" and "ANA" are one learner), without invisible format characters ("Ana" with a
    zero-width space is Ana), each run of spaces one space ("Zoë  O'Brien" is Zoë O'Brien, as a page shows it).
    The one rule for the join form, the command line (exercise check --class, class
    forget, merge, rename) and the teacher's figures."""
    return fold_name(check_learner(learner))


def name_skeleton(learner: object) -> str:
    """How a name looks: its key with Cyrillic and Greek look-alikes drawn as the Latin letter (_SKELETON)."""
    return _skeleton_of_stored(check_learner(learner))


def _skeleton_of_stored(name: str) -> str:
    return fold_name(name.translate(_SKELETON_CAPITALS)).translate(_SKELETON)


CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read aloud and typed
JOIN_CODE_CHARS = 6      # 31^6, about 8.9e8 codes; joining is rate-limited (web/routes/classroom.py)
REJOIN_CODE_CHARS = 6
REJOIN_FIELD = "rejoin_code"  # the join form's and API's name for it
# a learner's cookie names an id: the learner, if their class is open (Store.joined_learner and its async twin)
_JOINED_LEARNER = ("SELECT l.id, l.class_id, l.name, l.session_version FROM learners l JOIN classes c "
                   "ON c.id = l.class_id WHERE l.id = ? AND c.archived = 0")
MAX_CLASS_NAME_CHARS = 64
_CLASS_PLAYGROUND = "SELECT body FROM class_playground WHERE class_id = ?"


@dataclass(frozen=True)
class ClassRecord:
    id: int
    name: str
    code: str
    archived: bool


@dataclass(frozen=True)
class LearnerRecord:
    id: int
    class_id: int
    name: str
    # the learner's cookies carry it; a new rejoin code moves it on, which signs out every device joined before
    session: int = field(default=1, compare=False)
    # the name they rejoined with, when it is one they had before the teacher renamed them (Store.join)
    renamed_from: str | None = field(default=None, compare=False)


# what a forgotten learner's old rejoin code is told (Store.join); their name is not kept, so it names nobody
FORGOTTEN_REJOIN = ("your teacher removed the learner this rejoin code belonged to from the class, with their name and "
                    "answers, so the code no longer works: leave the rejoin code empty to join again as a new learner")


class _StoredBefore(Exception):
    """An attempt sent again with its attempt id (Store.record_attempt): nothing new is stored."""


class AttemptIdReused(ConfigError):
    """An attempt id (the Idempotency-Key) sent again with another answer (the web layer answers 409)."""


class ClassArchived(ConfigError):
    """An archived class was asked to take a learner or an answer (the web layer answers 404: no open class), or
    its teacher asked to change it (Store.check_changeable; the web's gate answers such requests 409 first)."""


class WrongRejoinCode(ConfigError):
    """A taken name with a rejoin code that is not its own (the web layer answers 403, not 422)."""


# how long a join form sent again (its reply lost on the way: no cookie, no code seen) gets the same learner, cookie
# and rejoin code back (Store.join's nonce)
JOIN_RETRY_SECONDS = 600


def _seal(code: str, nonce: str) -> str:
    """The rejoin code XOR a key drawn from the join form's nonce, as hex; _seal again with the nonce opens it."""
    key = hashlib.sha256(("seal\0" + nonce).encode()).digest()
    return bytes(a ^ b for a, b in zip(code.encode(), key, strict=False)).hex()  # a code is shorter than the key


def _unseal(sealed: str, nonce: str) -> str:
    key = hashlib.sha256(("seal\0" + nonce).encode()).digest()
    return bytes(a ^ b for a, b in zip(bytes.fromhex(sealed), key, strict=False)).decode()


def new_code(n: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


def hash_token(token: str) -> str:
    """SHA-256 of a teacher token. A token is 32 random bytes, so a fast hash is enough: there is nothing to guess."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(c for c in str(code).upper() if not c.isspace() and c != "-")


def check_class_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("name", "a class needs a non-empty name")
    name = name.strip()
    if len(name) > MAX_CLASS_NAME_CHARS or any(ord(c) < 32 for c in name):
        raise ConfigError("name", f"at most {MAX_CLASS_NAME_CHARS} printable characters; got {len(name)}")
    return name


def _archived(name: str) -> ClassArchived:
    return ClassArchived("class", f"class {name!r} is archived: it takes no new learners or answers (its records can "
                                  "still be read and exported; 'actlab class archive NAME --undo' opens it again)")


def _archived_unchanged(name: str) -> ClassArchived:
    return ClassArchived("class", f"class {name!r} is archived, so nothing in it can be changed: open it again first "
                                  "with 'actlab class archive NAME --undo' (an archived class can still be read and "
                                  "exported, a learner forgotten on request, and its teacher token rotated)")


_ATTEMPT_COLUMNS = ("learner, exercise, answer, status, feedback, created_at, parts, checker_version, class_id, "
                    "attempt_id")
# Store.record_attempt on PostgreSQL, first statement: is the class archived, was this attempt id stored before, and if
# neither, the class's next number, committed without waiting for the WAL to reach the disk (synchronous_commit off
# for this statement's own transaction; the reference in drawn makes the server evaluate it). Arguments: class id,
# attempt id, counter key. Answers (number drawn, archived class's name, then the earlier row's id, learner,
# exercise, answer, class id); NULLs where there is none. The casts name the types the server cannot infer.
_DRAW_NUMBER_PG = """
WITH unflushed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting),
closed AS (SELECT name FROM classes WHERE id = CAST(? AS BIGINT) AND archived <> 0),
prior AS (SELECT id, learner, exercise, answer, class_id FROM attempts WHERE attempt_id = CAST(? AS TEXT)),
drawn AS (INSERT INTO attempt_numbers (class_key, last_number)
          SELECT CAST(? AS BIGINT), 1 FROM unflushed WHERE setting IS NOT NULL AND NOT EXISTS (SELECT 1 FROM closed)
          AND NOT EXISTS (SELECT 1 FROM prior)
          ON CONFLICT (class_key) DO UPDATE SET last_number = attempt_numbers.last_number + 1 RETURNING last_number)
SELECT (SELECT last_number FROM drawn), (SELECT name FROM closed), p.id, p.learner, p.exercise, p.answer, p.class_id
FROM (SELECT 1) AS one LEFT JOIN prior AS p ON TRUE
""".strip()


_LEARNER_COLUMNS = "id, class_id, name, name_key, name_skeleton, rejoin_hash, created_at, session_version"


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    """``ids`` in runs of ``size``: one statement's placeholders stay well under SQLite's limit."""
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _where_class(class_id: int | None) -> tuple[str, tuple]:
    """A condition on class_id that also matches NULL (the local lab)."""
    return ("class_id IS NULL", ()) if class_id is None else ("class_id = ?", (class_id,))


class Store:
    """Progress and classes in one database: a file path or a postgresql:// URL (the command line and the lab
    find the default one with web.settings.store_location)."""

    def __init__(self, location: str | Path):
        if location is None:
            raise ConfigError("db", "the store needs a location: a file path or a postgresql:// URL "
                                    "(store.default_location() gives the usual one)")
        self.location = location
        self.db = _db.connect(self.location)
        self.dialect = self.db.dialect
        self._migrate()

    def __repr__(self) -> str:
        return f"Store({_db.redact(self.location)!r})"

    def _migrate(self) -> None:
        with self.db.transaction():  # one process migrates; the others wait, then see the new version
            self.db.lock()
            version = self.db.get_version()
            if version > SCHEMA_VERSION:
                raise ConfigError("db", f"{_db.redact(self.location)} has schema version {version}, newer than "
                                        f"this actlab ({SCHEMA_VERSION}); upgrade actlab")
            for i in range(version, SCHEMA_VERSION):
                for statement in migration_statements(i, self.dialect):
                    self.db.execute(statement)
                if i in MIGRATION_STEPS:
                    MIGRATION_STEPS[i](self)
                self.db.set_version(i + 1)

    @property
    def version(self) -> int:
        return self.db.get_version()

    # -- attempts and events -------------------------------------------------------------------------------

    def record_attempt(self, learner: str, exercise: str, answers: list, verdict: dict, *,
                       class_id: int | None = None, attempt_id: str | None = None) -> int:
        """Write one attempt and commit it; returns its id. Call before showing the verdict. With an
        ``attempt_id`` already stored, nothing is written and the stored attempt's id is returned (the same
        answer again), or AttemptIdReused is raised (another answer under that id). An archived class is refused
        (ClassArchived): on SQLite in the insert's own transaction; on PostgreSQL in the statement that draws the
        number, just before the insert (an archive landing between the two lets that one answer in).
        The attempt takes its class's next number (never given twice, even by two workers at once, and none drawn
        for a retry)."""
        learner = check_learner(learner)
        if attempt_id is not None and (not isinstance(attempt_id, str) or not 1 <= len(attempt_id) <= 64):
            raise ConfigError("attempt_id", "1 to 64 characters (a UUID is the usual choice)")
        answer_json = json.dumps([None if a is None else _whole_characters(str(a)[:MAX_ANSWER_CHARS])
                                  for a in answers])
        row = (learner, exercise, answer_json, verdict["status"], _whole_characters(verdict["feedback"]), time.time(),
               json.dumps(_whole_characters(verdict.get("parts", []))), int(verdict.get("checker_version", 1)),
               class_id, attempt_id)
        insert = self._insert_attempt_pg if self.dialect == "postgresql" else self._insert_attempt_sqlite
        new_id, closed, prior = insert(row, class_id, attempt_id)
        if closed is not None:
            raise _archived(closed)
        if new_id is not None:
            return new_id
        # a retry sends the same answer; a key sent again with another answer (or by another learner, or for
        # another exercise) would be answered with a verdict the log never keeps: refused instead
        if prior[1:] != (learner, exercise, answer_json, class_id):
            raise AttemptIdReused("attempt_id", "this Idempotency-Key was sent before with a different answer, "
                                                "and the log keeps the answer first sent with it, so this one "
                                                "was neither checked nor recorded: send each new answer with a "
                                                "new key (the lesson page makes one per answer)")
        return int(prior[0])

    def _insert_attempt_sqlite(self, row: tuple, class_id: int | None, attempt_id: str | None):
        """(new id, None, None); (None, the archived class's name, None); or (None, None, the row stored before
        with this attempt id). One transaction holding SQLite's write lock: the class is open, the class's next
        number, the attempt (a retry undoes the number drawn for it)."""
        try:
            with self.db.transaction():
                closed = self._archived_name(class_id)
                if closed is not None:
                    return None, closed, None
                number = self.db.execute(
                    "INSERT INTO attempt_numbers (class_key, last_number) VALUES (?, 1) ON CONFLICT (class_key) "
                    "DO UPDATE SET last_number = attempt_numbers.last_number + 1 RETURNING last_number",
                    (_class_key(class_id),))[0][0]
                rows = self.db.execute(f"INSERT INTO attempts ({_ATTEMPT_COLUMNS}, class_number) VALUES "
                                       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (attempt_id) DO NOTHING "
                                       "RETURNING id", (*row, number))
                if not rows:
                    raise _StoredBefore  # a retry: undo the number drawn for it
            return int(rows[0][0]), None, None
        except _StoredBefore:
            return None, None, self._attempt_with_id(attempt_id)

    def _insert_attempt_pg(self, row: tuple, class_id: int | None, attempt_id: str | None):
        """As _insert_attempt_sqlite, in two statements (two round trips; the transaction of four, a class lookup
        and a re-read cost six per check). _DRAW_NUMBER_PG draws the class's next number, then the attempt is
        inserted with it (a durable commit). The draw holds the class's counter row only for its own statement,
        which commits without waiting for the disk: in one statement with the insert the row stayed locked through
        the insert's wait for the WAL flush, so a class's checks committed one flush after another (measured: 30
        threads on one class, about 250-600 attempts/s and p95 60-125 ms; drawn apart, 1100-1200 attempts/s and p95
        28-34 ms: commits waiting at once share a flush). A number is still never given twice: the attempt's own
        commit, later in the WAL, flushes the draw with it, so a server crash can only take back numbers that no
        stored attempt holds. A number drawn for an attempt that then is not stored (two requests with one new
        attempt id at the same moment: the second's insert breaks the unique index and it reads the first's row
        as a retry does; a worker killed between the two statements) is skipped: the log then has a gap, as after
        a forget. A retry of a stored attempt draws none."""
        number, closed, *prior = self.db.execute(_DRAW_NUMBER_PG, (class_id, attempt_id, _class_key(class_id)))[0]
        if closed is not None or number is None:
            return None, closed, (tuple(prior) if prior[0] is not None else None)
        try:
            rows = self.db.execute(f"INSERT INTO attempts ({_ATTEMPT_COLUMNS}, class_number) VALUES "
                                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", (*row, number))
        except self.db.unique_violation:
            return None, None, self._attempt_with_id(attempt_id)
        return int(rows[0][0]), None, None

    def _attempt_with_id(self, attempt_id: str) -> tuple:
        """(id, learner, exercise, answer, class_id) of the attempt stored with this attempt id."""
        return tuple(self.db.execute("SELECT id, learner, exercise, answer, class_id FROM attempts "
                                     "WHERE attempt_id = ?", (attempt_id,))[0])

    def _archived_name(self, class_id: int | None) -> str | None:
        """The class's name when it is archived; None when it is open (the local lab, class None, always is)."""
        if class_id is None:
            return None
        rows = self.db.execute("SELECT name FROM classes WHERE id = ? AND archived <> 0", (class_id,))
        return rows[0][0] if rows else None

    def record_event(self, learner: str, exercise: str, kind: str, level: int | None = None, *,
                     class_id: int | None = None) -> None:
        """A hint or solution shown to a learner. A hint level already recorded for the learner on this exercise is
        not recorded again: pressing Hint past the last hint shows the last one again, which is no new view (the
        class's event counts, as reset reports them, counted one per press)."""
        learner = check_learner(learner)
        self._check_open(class_id)
        if kind == "hint":
            where, args = _where_class(class_id)
            if self.db.execute(f"SELECT 1 FROM events WHERE {where} AND learner = ? AND exercise = ? AND kind = "
                               "'hint' AND level = ?", (*args, learner, exercise, level)):
                return
        self.db.execute("INSERT INTO events (learner, exercise, kind, level, created_at, class_id) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (learner, exercise, kind, level, time.time(), class_id))

    def _check_open(self, class_id: int | None) -> None:
        """Refuse to record into an archived class (the local lab, class None, is always open)."""
        closed = self._archived_name(class_id)
        if closed is not None:
            raise _archived(closed)

    def check_changeable(self, class_id: int) -> None:
        """Refuse a teacher's change to an archived class, as the web's gate does (ARCHIVED_READ_ONLY): renames,
        merges and their undoing, new rejoin codes, playground settings and resets. Left open, on purpose: forget
        (a learner's request to be forgotten does not wait for a reopening), a new teacher token (a leaked one must
        be stoppable) and the archiving itself."""
        closed = self._archived_name(class_id)
        if closed is not None:
            raise _archived_unchanged(closed)

    def graded_attempts(self, class_id: int | None = None, learner: str | None = None) -> list[dict]:
        """A class's attempts (the local lab's with None) in order, as today's checker grades them: rows graded
        by an older checker are re-graded in memory, without writing. ``number`` is the attempt's number in its
        class (1, 2, 3 in the order given; kept when other attempts are deleted, never given twice)."""
        where, args = self._learner_where(class_id, learner)
        rows = self.db.execute(
            "SELECT id, learner, exercise, answer, status, feedback, parts, checker_version, created_at, attempt_id, "
            f"class_number FROM attempts WHERE {where} ORDER BY id", args)
        out, grade, named = [], _Grader(), self._joined_names(class_id)
        for id_, who, exercise, answer, status, feedback, parts, version, created_at, attempt_id, number in rows:
            row = {"id": id_, "learner": named(who), "exercise": exercise, "answer": json.loads(answer),
                   "status": status, "feedback": feedback, "parts": json.loads(parts), "regraded": False,
                   "created_at": created_at, "attempt_id": attempt_id,
                   "number": None if number is None else int(number)}
            if version < CHECKER_VERSION and (now := grade(exercise, row["answer"])) is not None:
                row.update(status=now["status"], feedback=now["feedback"], parts=now["parts"], regraded=True)
            out.append(row)
        return out

    def events(self, class_id: int | None = None, learner: str | None = None) -> list[dict]:
        """Hints and solutions shown, in order."""
        where, args = self._learner_where(class_id, learner)
        rows = self.db.execute(f"SELECT learner, exercise, kind, level, created_at FROM events WHERE {where} "
                               "ORDER BY id", args)
        named = self._joined_names(class_id)
        return [{"learner": named(r[0]), "exercise": r[1], "kind": r[2], "level": r[3], "created_at": r[4]}
                for r in rows]

    def _spellings(self, class_id: int, learner: str) -> list[str]:
        """Every spelling of a learner's name (name_key) that the class's attempts and events are stored under:
        rows recorded before names were matched ignoring case may say "ana" for the "Ana" who joined."""
        key = name_key(learner)
        rows = self.db.execute("SELECT learner FROM attempts WHERE class_id = ? UNION SELECT learner FROM events "
                               "WHERE class_id = ?", (class_id, class_id))
        return sorted({r[0] for r in rows if fold_name(r[0]) == key} | {check_learner(learner)})

    def _learner_where(self, class_id: int | None, learner: str | None) -> tuple[str, tuple]:
        """The condition for a class's rows (the local lab's with None), of one learner when given: in a class,
        under any spelling of the name (_spellings); in the local lab, the name as typed."""
        where, args = _where_class(class_id)
        if learner is None:
            return where, args
        names = [check_learner(learner)] if class_id is None else self._spellings(class_id, learner)
        return f"{where} AND learner IN ({', '.join('?' * len(names))})", (*args, *names)

    def _joined_names(self, class_id: int | None):
        """A function from a stored name to the name the class knows the learner by (the joined learner's, matched
        by name_key); outside a class, or for a name nobody joined under, the name as stored."""
        if class_id is None:
            return lambda name: name
        joined = {fold_name(r.name): r.name for r in self.learners(class_id)}
        return lambda name: joined.get(fold_name(name), name)

    def regrade(self, everything: bool = False) -> list[Regraded]:
        """Re-grade with today's checker every attempt an older checker graded (every attempt with
        ``everything``) and write the new verdicts; returns the attempts whose status changed."""
        where = "" if everything else f"WHERE checker_version < {CHECKER_VERSION}"
        changed, grade = [], _Grader()
        with self.db.transaction():
            for id_, learner, exercise, answer, status in self.db.execute(
                    f"SELECT id, learner, exercise, answer, status FROM attempts {where} ORDER BY id"):
                now = grade(exercise, json.loads(answer))
                if now is None:
                    continue
                self.db.execute("UPDATE attempts SET status = ?, feedback = ?, parts = ?, checker_version = ? "
                                "WHERE id = ?", (now["status"], now["feedback"], json.dumps(now["parts"]),
                                                 CHECKER_VERSION, id_))
                if now["status"] != status:
                    changed.append(Regraded(id_, learner, exercise, status, now["status"]))
        return changed

    def attempts(self, learner: str, exercise: str | None = None, *, class_id: int | None = None) -> list[dict]:
        """A learner's attempts as stored, with the checker version that graded each."""
        where, args = self._learner_where(class_id, learner)
        sql = ("SELECT id, exercise, answer, status, feedback, created_at, checker_version FROM attempts "
               f"WHERE {where}")
        if exercise:
            sql += " AND exercise = ?"
            args = (*args, exercise)
        rows = self.db.execute(sql + " ORDER BY id", args)
        return [{"id": r[0], "exercise": r[1], "answer": json.loads(r[2]), "status": r[3], "feedback": r[4],
                 "created_at": r[5], "checker_version": r[6]} for r in rows]

    def progress(self, learner: str, *, class_id: int | None = None) -> list[ProgressRow]:
        learner = check_learner(learner)
        out: dict[str, dict] = {}

        def row_for(ex: str) -> dict:
            return out.setdefault(ex, {"tries": Tries(), "best": "not_attempted", "last": "not_attempted",
                                       "answer": [], "hints": 0, "solution": False})

        for graded in self.graded_attempts(class_id, learner):
            row = row_for(graded["exercise"])
            row["tries"].add(graded["status"])
            row["last"], row["answer"] = graded["status"], graded["answer"]
            if rank(graded["status"]) > rank(row["best"]):
                row["best"] = graded["status"]
        for event in self.events(class_id, learner):
            row = row_for(event["exercise"])
            if event["kind"] == "hint":
                row["hints"] = max(row["hints"], event["level"] or 0)
            elif event["kind"] == "solution":
                row["solution"] = True
        return [ProgressRow(ex, r["tries"].tries, r["best"], r["last"], r["answer"], r["hints"], r["solution"],
                            r["tries"].unreadable, r["tries"].after_solving, r["tries"].answers)
                for ex, r in sorted(out.items(), key=lambda kv: _exercise_order(kv[0]))]

    # -- classes and learners ------------------------------------------------------------------------------

    def create_class(self, name: str) -> tuple[ClassRecord, str]:
        """A new class and its teacher token; the token is returned this once and only its hash is kept. A name
        taken already, ignoring case and spacing (_classes_named), is refused. The look and the insert hold a lock
        that every creator takes (PostgreSQL's advisory lock "classes", SQLite's write lock), so two creations at
        once cannot both pass the look: the database has no unique index on the folded name, because stores made
        before names were compared so may hold such pairs."""
        name = check_class_name(name)
        token = secrets.token_urlsafe(32)
        with self.db.transaction():
            self.db.lock("classes")
            if taken := self._classes_named(name):
                same = "" if taken[0].name == name else " (class names are told apart ignoring case and spacing, " \
                                                           "as learners' names are)"
                raise ConfigError("name", f"a class named {taken[0].name!r} exists already{same}; choose another name")
            for _ in range(20):  # a code collision is rare (1 in about 1e8 per existing class); draw again
                code = new_code(JOIN_CODE_CHARS)
                if not self.db.execute("SELECT 1 FROM classes WHERE code = ?", (code,)):
                    break
            rows = self.db.execute("INSERT INTO classes (name, code, token_hash, created_at) VALUES (?, ?, ?, ?) "
                                   "RETURNING id", (name, code, hash_token(token), time.time()))
        return ClassRecord(int(rows[0][0]), name, code, False), token

    def _classes(self, where: str = "", args: tuple = ()) -> list[ClassRecord]:
        rows = self.db.execute(f"SELECT id, name, code, archived FROM classes {where} ORDER BY id", args)
        return [ClassRecord(int(r[0]), r[1], r[2], bool(r[3])) for r in rows]

    def classes(self) -> list[ClassRecord]:
        return self._classes()

    def _classes_named(self, name: str) -> list[ClassRecord]:
        """The classes whose name is ``name`` as class names are told apart: the rule of learners' names (fold_name:
        case, compatibility forms, invisible characters and runs of spaces do not matter)."""
        key = fold_name(str(name).strip())
        return [c for c in self.classes() if fold_name(c.name) == key]

    def class_by_code(self, code: str) -> ClassRecord | None:
        """The class with this join code (in any case, spaces and dashes ignored)."""
        return next(iter(self._classes("WHERE code = ?", (normalise_code(code),))), None)

    def find_class(self, name_or_code: str) -> ClassRecord | None:
        """The class with this name (compared as _classes_named does), else with this join code. A store made before
        names were compared so may hold two classes whose names differ only in case: their name then picks neither
        (a ConfigError names both with their codes), and the teacher gives the code."""
        named = self._classes_named(name_or_code)
        if len(named) > 1:
            listed = " and ".join(f"{c.name!r} (code {c.code})" for c in named)
            raise ConfigError("class", f"{len(named)} classes have the name {str(name_or_code).strip()!r} when case "
                                       f"and spacing are ignored: {listed}; give the join code of the one you mean "
                                       "instead of its name")
        return named[0] if named else self.class_by_code(name_or_code)

    def get_class(self, name_or_code: str) -> ClassRecord:
        found = self.find_class(name_or_code)
        if found is None:
            names = ", ".join(c.name for c in self.classes()) or "none yet (actlab class create NAME)"
            raise ConfigError("class", f"no class named or coded {name_or_code!r}; classes: {names}")
        return found

    def class_by_id(self, class_id: int) -> ClassRecord | None:
        return next(iter(self._classes("WHERE id = ?", (class_id,))), None)

    def class_for_token(self, token: str) -> ClassRecord | None:
        """The class whose teacher token this is (compared by hash, in constant time), or None."""
        if not isinstance(token, str) or not token or len(token) > 200:
            return None
        digest = hash_token(token)
        for row in self.db.execute("SELECT id, token_hash FROM classes"):
            if hmac.compare_digest(row[1], digest):
                return self.class_by_id(int(row[0]))
        return None

    def rotate_token(self, class_id: int) -> str:
        """A new teacher token for the class; the old one stops working at once."""
        token = secrets.token_urlsafe(32)
        self.db.execute("UPDATE classes SET token_hash = ? WHERE id = ?", (hash_token(token), class_id))
        return token

    def set_archived(self, class_id: int, archived: bool = True) -> None:
        self.db.execute("UPDATE classes SET archived = ? WHERE id = ?", (int(archived), class_id))

    @staticmethod
    def _rejoin_hash(code: str, salt: str | None = None) -> str:
        """``salt$sha256(salt, code)``: salted, so equal codes hash apart, and free of the name, so a renamed
        learner keeps their code."""
        salt = salt or secrets.token_hex(8)
        digest = hashlib.sha256((salt + "\0" + normalise_code(code)).encode()).hexdigest()
        return f"{salt}${digest}"

    @classmethod
    def _rejoin_ok(cls, stored: str, code: str) -> bool:
        return hmac.compare_digest(stored, cls._rejoin_hash(code, stored.split("$", 1)[0]))

    def join(self, class_id: int, name: str, rejoin_code: str | None = None, *,
             nonce: str | None = None) -> tuple[LearnerRecord, str | None]:
        """A learner joins: a new display name is registered and its personal rejoin code returned (once);
        a taken name needs that name's rejoin code, and then returns None as the code. ``nonce``: the join form's
        own random value; the same form sent again with the same name within JOIN_RETRY_SECONDS (its reply was lost:
        the learner saw neither the cookie nor the code) gets the same learner and rejoin code back."""
        name, key = check_learner(name), name_key(name)
        self._check_open(class_id)
        if nonce and not rejoin_code:
            again = self._join_again(class_id, key, nonce)
            if again is not None:
                return again
        rows = self.db.execute("SELECT id, name, rejoin_hash, session_version FROM learners WHERE class_id = ? AND "
                               "name_key = ?", (class_id, key))
        if rows:
            if not rejoin_code:
                raise ConfigError("name", f"{name!r} is taken in this class; choose another name, or, if it is "
                                          "yours, give the rejoin code you were shown when you joined")
            if self._rejoin_ok(rows[0][2], rejoin_code):
                return LearnerRecord(int(rows[0][0]), class_id, rows[0][1], int(rows[0][3])), None
            former = self._by_former_name(class_id, key, rejoin_code)
            if former is not None:  # taken by someone else before former names were kept for their learner
                return former, None
            raise WrongRejoinCode(REJOIN_FIELD, f"that is not the one {rows[0][1]!r} was shown at joining; check "
                                                f"it ({REJOIN_CODE_CHARS} letters and digits; case and dashes do not "
                                                "matter)")
        if rejoin_code:  # a rejoin code brings back the learner it was made for, never a new one
            former = self._by_former_name(class_id, key, rejoin_code)
            if former is not None:
                return former, None
            for merged_id, stored in self.db.execute("SELECT id, rejoin_hash FROM merged_learners WHERE class_id = ? "
                                                     "AND name_key = ? ORDER BY merged_at DESC", (class_id, key)):
                if self._rejoin_ok(stored, rejoin_code):
                    into = self.merged_into(int(merged_id))
                    raise ConfigError(REJOIN_FIELD, f"your teacher merged {name!r} into {into!r} (one person who "
                                                    f"had joined twice), so this code no longer works: rejoin as "
                                                    f"{into!r} with that name's rejoin code, or ask your teacher "
                                                    "for a new one")
            for (stored,) in self.db.execute("SELECT rejoin_hash FROM forgotten_learners WHERE class_id = ?",
                                             (class_id,)):
                if self._rejoin_ok(stored, rejoin_code):
                    raise ConfigError(REJOIN_FIELD, FORGOTTEN_REJOIN)
            raise ConfigError(REJOIN_FIELD, f"nobody named {name!r} has joined this class, and a rejoin code only "
                                            "brings back the name it was shown with: type that name to rejoin, or "
                                            "leave the rejoin code empty to join as a new learner")
        self._check_looks_apart(class_id, name)
        if self.former_holder(class_id, name) is not None:  # kept for the learner renamed away from it
            raise ConfigError("name", f"{name!r} is taken in this class: it was the name of a learner your teacher "
                                      "has renamed since, and it stays theirs. Choose another name, or, if it was "
                                      "yours, give the rejoin code you were shown when you joined")
        code = new_code(REJOIN_CODE_CHARS)
        # the unique keys on (class, name_key) and (class, name_skeleton) hold the rule when two joins race past the
        # checks above: the second insert does nothing, and is then told why as if it had come second
        rows = self.db.execute(
            "INSERT INTO learners (class_id, name, name_key, name_skeleton, rejoin_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            (class_id, name, key, name_skeleton(name), self._rejoin_hash(code), time.time()))
        if not rows:
            if self.learner(class_id, name) is None:
                self._check_looks_apart(class_id, name)
            raise ConfigError("name", f"{name!r} is taken in this class; choose another name, or, if it is yours, "
                                      "give the rejoin code you were shown when you joined")
        if nonce:
            now = time.time()
            self.db.execute("DELETE FROM join_replies WHERE created_at < ?", (now - JOIN_RETRY_SECONDS,))
            self.db.execute("INSERT INTO join_replies (nonce_hash, class_id, learner_id, name_key, sealed_code, "
                            "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            (hash_token(nonce), class_id, int(rows[0][0]), key, _seal(code, nonce), now))
        return LearnerRecord(int(rows[0][0]), class_id, name), code

    def _join_again(self, class_id: int, key: str, nonce: str) -> tuple[LearnerRecord, str] | None:
        """The learner a join form with this nonce and name made in the last JOIN_RETRY_SECONDS, and their rejoin
        code, while that code still works (a new one from the teacher, or a forget, ends it); else None."""
        rows = self.db.execute(
            "SELECT l.id, l.name, l.session_version, l.rejoin_hash, j.sealed_code FROM join_replies j JOIN learners l "
            "ON l.id = j.learner_id WHERE j.nonce_hash = ? AND j.class_id = ? AND j.name_key = ? AND j.created_at >= ?",
            (hash_token(nonce), class_id, key, time.time() - JOIN_RETRY_SECONDS))
        if not rows:
            return None
        learner_id, name, session, stored, sealed = rows[0]
        code = _unseal(sealed, nonce)
        if not self._rejoin_ok(stored, code):
            return None
        return LearnerRecord(int(learner_id), class_id, name, int(session)), code

    def _by_former_name(self, class_id: int, key: str, rejoin_code: str) -> LearnerRecord | None:
        """The learner who had the name (name_key ``key``) before the teacher renamed them, when ``rejoin_code`` is
        theirs: they come back under their name now, told which one they typed (renamed_from)."""
        for learner_id, former, now, stored, session in self.db.execute(
                "SELECT l.id, f.name, l.name, l.rejoin_hash, l.session_version FROM former_names f JOIN learners l "
                "ON l.id = f.learner_id WHERE f.class_id = ? AND f.name_key = ? ORDER BY f.renamed_at DESC",
                (class_id, key)):
            if self._rejoin_ok(stored, rejoin_code):
                return LearnerRecord(int(learner_id), class_id, now, int(session), renamed_from=former)
        return None

    def former_holder(self, class_id: int, name: str) -> str | None:
        """The name now of the learner who had ``name`` before a rename, for whom it is kept (nobody joins as it
        without that learner's rejoin code, Store.join), or None. Renaming another learner to it releases it."""
        rows = self.db.execute("SELECT l.name FROM former_names f JOIN learners l ON l.id = f.learner_id WHERE "
                               "f.class_id = ? AND f.name_key = ? ORDER BY f.renamed_at DESC", (class_id,
                                                                                                 name_key(name)))
        return rows[0][0] if rows else None

    def new_rejoin_code(self, class_id: int, name: str) -> tuple[LearnerRecord, str]:
        """A new rejoin code for a learner who lost theirs (or whose code was seen by someone else), returned this
        once; the old code stops working at once (only the teacher asks: `actlab class rejoin-code`, or the
        teacher's page). It also signs out every device that joined as this learner (their session version moves
        on; the cookies carry the old one), so whoever used a leaked code is out too: the learner joins again with
        the new code."""
        self.check_changeable(class_id)
        found = self.learner(class_id, name)
        if found is None:
            raise ConfigError("learner", f"no learner named {name!r} in this class")
        code = new_code(REJOIN_CODE_CHARS)
        session = self.db.execute("UPDATE learners SET rejoin_hash = ?, session_version = session_version + 1 "
                                  "WHERE id = ? RETURNING session_version", (self._rejoin_hash(code), found.id))
        return LearnerRecord(found.id, found.class_id, found.name, int(session[0][0])), code

    def _check_looks_apart(self, class_id: int, name: str, field: str = "name", but: int | None = None) -> None:
        """Refuse a name drawn like another learner's (name_skeleton): the teacher could not tell the two apart."""
        skeleton = name_skeleton(name)
        for other in self.learners(class_id):
            if other.id != but and _skeleton_of_stored(other.name) == skeleton:
                raise ConfigError(field, f"{name!r} looks the same as {other.name!r}, who has joined this class (some "
                                         "of its letters are from another alphabet); choose a name that reads "
                                         "differently")

    def name_collisions(self, class_id: int | None = None) -> list[tuple[LearnerRecord, LearnerRecord]]:
        """Pairs (earlier learner, later learner) of one class whose names look the same, from before such names
        were refused; the later one has no name_skeleton (the migration left it NULL). Renaming or merging the
        later one resolves the pair."""
        where, args = ("", ()) if class_id is None else ("AND class_id = ?", (class_id,))
        rows = self.db.execute(f"SELECT id, class_id, name FROM learners WHERE name_skeleton IS NULL {where} "
                               "ORDER BY id", args)
        pairs = []
        for learner_id, cid, name in rows:
            later = LearnerRecord(int(learner_id), int(cid), name)
            skeleton = _skeleton_of_stored(name)
            earlier = next((o for o in self.learners(int(cid)) if o.id != later.id and
                            _skeleton_of_stored(o.name) == skeleton), None)
            if earlier is not None:
                pairs.append((earlier, later))
        return pairs

    def _settle_names(self, class_id: int) -> None:
        """Give a learner left without a name_skeleton (a reported collision) theirs once nobody else holds it (the
        teacher renamed, merged or forgot the other learner)."""
        for learner_id, name in self.db.execute("SELECT id, name FROM learners WHERE class_id = ? AND "
                                                "name_skeleton IS NULL ORDER BY id", (class_id,)):
            skeleton, key = _skeleton_of_stored(name), fold_name(name)
            if self.db.execute("SELECT 1 FROM learners WHERE class_id = ? AND name_skeleton = ?",
                               (class_id, skeleton)):
                continue
            if self.db.execute("SELECT 1 FROM learners WHERE class_id = ? AND name_key = ? AND id <> ?",
                               (class_id, key, learner_id)):
                self.db.execute("UPDATE learners SET name_skeleton = ? WHERE id = ?", (skeleton, learner_id))
            else:  # a name kept with its runs of spaces (_collapse_spaces) is now stored as shown
                self.db.execute("UPDATE learners SET name = ?, name_key = ?, name_skeleton = ? WHERE id = ?",
                                (collapse_spaces(name), key, skeleton, learner_id))

    def learner(self, class_id: int, name: str) -> LearnerRecord | None:
        """The learner of the class whose name matches ``name`` as a class tells names apart (name_key); the one
        stored with exactly that name first, so each of a reported look-alike pair (name_collisions) is reached by
        the name the teacher is shown."""
        shown = check_learner(name)
        typed = name.strip()  # a reported collision's row keeps its stored spelling (_collapse_spaces)
        rows = self.db.execute("SELECT id, name FROM learners WHERE class_id = ? AND "
                               "(name_key = ? OR name = ? OR name = ?) "
                               "ORDER BY CASE WHEN name = ? THEN 0 WHEN name = ? THEN 1 ELSE 2 END, id",
                               (class_id, fold_name(shown), shown, typed, typed, shown))
        return LearnerRecord(int(rows[0][0]), class_id, rows[0][1]) if rows else None

    def learner_by_id(self, learner_id: int) -> LearnerRecord | None:
        rows = self.db.execute("SELECT id, class_id, name, session_version FROM learners WHERE id = ?", (learner_id,))
        return LearnerRecord(int(rows[0][0]), int(rows[0][1]), rows[0][2], int(rows[0][3])) if rows else None

    def joined_learner(self, learner_id: int) -> LearnerRecord | None:
        """The learner with this id if their class is open (not archived), in one query, with their session
        version (a cookie that carries another was made before a new rejoin code: deps.identify refuses it)."""
        rows = self.db.execute(_JOINED_LEARNER, (learner_id,))
        return LearnerRecord(int(rows[0][0]), int(rows[0][1]), rows[0][2], int(rows[0][3])) if rows else None

    async def joined_learner_async(self, learner_id: int) -> LearnerRecord | None:
        """joined_learner from a coroutine: the lab asks it for every request a learner's cookie makes, on its
        event loop, which must not wait for PostgreSQL's answer (the _db backends' read_async)."""
        rows = await self.db.read_async(_JOINED_LEARNER, (learner_id,))
        return LearnerRecord(int(rows[0][0]), int(rows[0][1]), rows[0][2], int(rows[0][3])) if rows else None

    async def teacher_class_async(self, class_id: int) -> tuple[str, bool] | None:
        """(token hash, archived) of a class, from a coroutine: a teacher's cookie is checked against it."""
        rows = await self.db.read_async("SELECT token_hash, archived FROM classes WHERE id = ?", (class_id,))
        return (rows[0][0], bool(rows[0][1])) if rows else None

    def learners(self, class_id: int) -> list[LearnerRecord]:
        rows = self.db.execute("SELECT id, name FROM learners WHERE class_id = ? ORDER BY id", (class_id,))
        return [LearnerRecord(int(r[0]), class_id, r[1]) for r in rows]

    def forget(self, class_id: int, name: str) -> dict[str, int]:
        """Delete one learner's attempts, events and record from a class (a request to be forgotten);
        returns how many rows of each went."""
        found = self.learner(class_id, name)
        if found is None:
            raise ConfigError("learner", f"no learner named {name!r} in this class")
        where, args = self._learner_where(class_id, found.name)  # every spelling of the name
        with self.db.transaction():
            counts = {}
            for table in ("attempts", "events"):
                counts[table] = len(self.db.execute(f"DELETE FROM {table} WHERE {where} RETURNING id", args))
            self.db.execute("DELETE FROM uploads WHERE class_id = ? AND owner = ?", (class_id, str(found.id)))
            self.db.execute("INSERT INTO forgotten_learners (id, class_id, rejoin_hash, forgotten_at) SELECT id, "
                            "class_id, rejoin_hash, ? FROM learners WHERE id = ? ON CONFLICT DO NOTHING",
                            (time.time(), found.id))
            self.db.execute("DELETE FROM learners WHERE id = ?", (found.id,))
            self.db.execute("DELETE FROM merged_learners WHERE into_id = ? OR id = ?", (found.id, found.id))
            self.db.execute("DELETE FROM merges WHERE into_id = ? OR source_id = ?", (found.id, found.id))
            self.db.execute("DELETE FROM former_names WHERE learner_id = ?", (found.id,))
            self._settle_names(class_id)
        return counts

    def rename(self, class_id: int, old: str, new: str) -> tuple[str, str]:
        """Rename a learner, their attempts and events with them; the new name must be free in the class. The old
        name stays kept for them (former_holder); a name kept so for another learner is given to this one. Returns
        the name before and after as stored (as the class shows them: "  zoë   b " is stored "zoë b")."""
        self.check_changeable(class_id)
        found, new = self.learner(class_id, old), check_learner(new)
        if found is None:
            raise ConfigError("learner", f"no learner named {old!r} in this class")
        other = self.learner(class_id, new)
        if other is not None and other.id != found.id:
            raise ConfigError("new", f"{new!r} is taken in this class; merge the two learners instead")
        self._check_looks_apart(class_id, new, "new", but=found.id)
        where, args = self._learner_where(class_id, found.name)
        with self.db.transaction():
            self.db.execute("UPDATE learners SET name = ?, name_key = ?, name_skeleton = ? WHERE id = ?",
                            (new, name_key(new), name_skeleton(new), found.id))
            if fold_name(found.name) != name_key(new):  # kept so the old name and the rejoin code still work
                self.db.execute("INSERT INTO former_names (learner_id, class_id, name, name_key, renamed_at) "
                                "VALUES (?, ?, ?, ?, ?)", (found.id, class_id, found.name, fold_name(found.name),
                                                           time.time()))
            # the teacher gives the name to this learner: kept for whoever had it before, it is theirs no longer
            self.db.execute("DELETE FROM former_names WHERE class_id = ? AND name_key = ? AND learner_id <> ?",
                            (class_id, name_key(new), found.id))
            for table in ("attempts", "events"):
                self.db.execute(f"UPDATE {table} SET learner = ? WHERE {where}", (new, *args))
            self._settle_names(class_id)
        return found.name, new

    def merge(self, class_id: int, source: str, target: str) -> int:
        """Move every attempt and event of ``source`` to ``target`` (one person who joined twice) and remove
        ``source``; returns the rows moved. ``target`` keeps its name and rejoin code. Names match ignoring case
        (name_key): "ana" into "Ana" is one learner, and then the rows stored under another spelling of the name
        (recorded before names were matched so) move to the joined spelling. The merge is recorded (the rows moved,
        each with the name it had, and the source's learner record), so unmerge can undo it."""
        self.check_changeable(class_id)
        src, dst = self.learner(class_id, source), self.learner(class_id, target)
        if src is None or dst is None:
            missing = source if src is None else target
            raise ConfigError("learner", f"both learners must be in the class; {missing!r} is not")
        names = self._spellings(class_id, src.name)
        if src.id == dst.id:
            names = [n for n in names if n != dst.name]
            if not names:
                raise ConfigError("learner", f"{source!r} and {target!r} are one learner, {dst.name!r} (names match "
                                             "ignoring case), and all their rows are under that name: nothing to merge")
        moved: dict[str, list] = {"attempts": [], "events": []}
        with self.db.transaction():
            for table in moved:
                for name in names:  # one spelling at a time, so each row's name before is known
                    moved[table] += [[int(r[0]), name] for r in self.db.execute(
                        f"UPDATE {table} SET learner = ? WHERE class_id = ? AND learner = ? RETURNING id",
                        (dst.name, class_id, name))]
            learner_row = None
            if src.id != dst.id:
                learner_row = self.db.execute(f"SELECT {_LEARNER_COLUMNS} FROM learners WHERE id = ?", (src.id,))[0]
                self.db.execute(
                    "INSERT INTO merged_learners (id, class_id, name, name_key, into_id, into_name, rejoin_hash, "
                    "merged_at) SELECT id, class_id, name, name_key, ?, ?, rejoin_hash, ? FROM learners WHERE id = ? "
                    "ON CONFLICT DO NOTHING", (dst.id, dst.name, time.time(), src.id))
                self.db.execute("DELETE FROM learners WHERE id = ?", (src.id,))
                self._settle_names(class_id)
            self.db.execute("INSERT INTO merges (class_id, source_id, source_name, source_key, into_id, into_name, "
                            "learner, moved, merged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (class_id, src.id, src.name, fold_name(src.name), dst.id, dst.name,
                             None if learner_row is None else json.dumps(list(learner_row)), json.dumps(moved),
                             time.time()))
        return sum(len(rows) for rows in moved.values())

    def unmerge(self, class_id: int, source: str) -> tuple[str, str, int]:
        """Undo the latest merge of ``source`` in the class: each row it moved gets back the name it had, and a
        learner it removed comes back with their id, name, rejoin code and session (their devices are let in
        again). Returns (source's name, the name the rows had been moved to, rows put back). Refused, with nothing
        changed, when no merge of that name is recorded (merges made before they were recorded cannot be undone),
        when a moved row has changed since (deleted by a forget or reset, or under another name after a rename or
        another merge), or when the source's name is taken again in the class."""
        key = fold_name(check_learner(source))
        self.check_changeable(class_id)
        with self.db.transaction():
            rows = self.db.execute("SELECT id, source_id, source_name, into_name, learner, moved FROM merges WHERE "
                                   "class_id = ? AND source_key = ? ORDER BY id DESC LIMIT 1", (class_id, key))
            if not rows:
                raise ConfigError("learner", f"no merge of {source!r} is recorded in this class, so there is nothing "
                                             "to undo (merges made before actlab recorded them cannot be undone)")
            merge_id, source_id, name, into, learner_json, moved_json = rows[0]
            moved = json.loads(moved_json)
            self._check_unchanged(class_id, name, into, moved)
            if learner_json is not None:
                learner_row = json.loads(learner_json)
                taken = self.db.execute("SELECT name FROM learners WHERE class_id = ? AND (name_key = ? OR "
                                        "name_skeleton = ?)", (class_id, learner_row[3], learner_row[4]))
                if taken:
                    raise ConfigError("learner", f"{taken[0][0]!r} has joined this class since {name!r} was merged "
                                                 f"into {into!r}, and two learners cannot share a name: rename "
                                                 f"{taken[0][0]!r} first (actlab class rename), then undo the merge; "
                                                 "nothing was changed")
                self.db.execute(f"INSERT INTO learners ({_LEARNER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                learner_row)
                self.db.execute("DELETE FROM merged_learners WHERE id = ?", (source_id,))
            for table, table_rows in moved.items():
                before: dict[str, list[int]] = {}
                for row_id, was in table_rows:
                    before.setdefault(was, []).append(row_id)
                for was, ids in before.items():
                    for chunk in _chunks(ids):
                        self.db.execute(f"UPDATE {table} SET learner = ? WHERE class_id = ? AND id IN "
                                        f"({', '.join('?' * len(chunk))})", (was, class_id, *chunk))
            self.db.execute("DELETE FROM merges WHERE id = ?", (merge_id,))
        return name, into, sum(len(r) for r in moved.values())

    def _check_unchanged(self, class_id: int, name: str, into: str, moved: dict) -> None:
        """Refuse to undo a merge when a row it moved is gone or no longer under the name it was moved to."""
        gone = renamed = total = 0
        for table, table_rows in moved.items():
            ids = [row_id for row_id, _ in table_rows]
            total += len(ids)
            now = {}
            for chunk in _chunks(ids):
                now.update(self.db.execute(f"SELECT id, learner FROM {table} WHERE class_id = ? AND id IN "
                                           f"({', '.join('?' * len(chunk))})", (class_id, *chunk)))
            gone += sum(row_id not in now for row_id in ids)
            renamed += sum(row_id in now and now[row_id] != into for row_id in ids)
        if gone or renamed:
            why = " and ".join(part for part in (f"{gone} deleted (a forget or a reset)" if gone else "",
                                                 f"{renamed} under another name (a rename or another merge)"
                                                 if renamed else "") if part)
            raise ConfigError("learner", f"{gone + renamed} of the {total} records the merge of {name!r} into "
                                         f"{into!r} moved have changed since: {why}. Undoing it would not put back "
                                         "what was moved, so nothing was changed")

    def forgotten_in(self, learner_id: int) -> int | None:
        """The class a forgotten learner (Store.forget) was in, by the id their cookie names; None otherwise."""
        rows = self.db.execute("SELECT class_id FROM forgotten_learners WHERE id = ?", (learner_id,))
        return int(rows[0][0]) if rows else None

    def merged_into(self, learner_id: int) -> str | None:
        """The name a learner merged away (Store.merge) now goes by (the learner they became, as named today), or
        None when this id was not merged away."""
        rows = self.db.execute("SELECT m.into_name, l.name FROM merged_learners m LEFT JOIN learners l "
                               "ON l.id = m.into_id WHERE m.id = ?", (learner_id,))
        return (rows[0][1] or rows[0][0]) if rows else None

    def merged_name(self, learner_id: int) -> str | None:
        rows = self.db.execute("SELECT name FROM merged_learners WHERE id = ?", (learner_id,))
        return rows[0][0] if rows else None

    def reset(self, class_id: int) -> dict[str, int]:
        """Delete every attempt and event of a class, keeping the class and its learners (a new term); an archived
        class must be opened first (check_changeable)."""
        self.check_changeable(class_id)
        with self.db.transaction():
            return {table: len(self.db.execute(f"DELETE FROM {table} WHERE class_id = ? RETURNING id", (class_id,)))
                    for table in ("attempts", "events")}

    def secret(self, name: str = "signing_key") -> bytes:
        """A random key kept in the store (created on first use), the same for every process that opens it."""
        self.db.execute("INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                        (name, secrets.token_hex(32)))
        return bytes.fromhex(self.db.execute("SELECT value FROM secrets WHERE name = ?", (name,))[0][0])

    # -- what a second request needs, whichever worker serves it ------------------------------------------

    UPLOAD_SECONDS = 3600     # an upload expires an hour after it was made
    MAX_UPLOADS = 256         # and the oldest go first past this many (each is at most the CSV limit)
    TAB_SECONDS = 24 * 3600

    # quotas on uploads in a class, over the uploads not yet expired (UPLOAD_SECONDS)
    LEARNER_UPLOADS = 10                  # files per learner
    LEARNER_UPLOAD_BYTES = 20 * 2**20     # bytes per learner
    CLASS_UPLOAD_BYTES = 200 * 2**20      # bytes per class, all its learners together

    def put_upload(self, token: str, body: bytes, *, class_id: int | None = None, owner: str | None = None) -> None:
        """Keep an upload for UPLOAD_SECONDS. In a class (``class_id`` and ``owner`` set) the quotas apply: a
        learner's files and bytes, and the class's bytes; past one, UploadQuota says which and when room frees."""
        now = time.time()
        with self.db.transaction():
            self.db.lock()  # two workers checking the same quota at once must not both pass it
            self.db.execute("DELETE FROM uploads WHERE created_at < ?", (now - self.UPLOAD_SECONDS,))
            if class_id is not None:
                self._check_upload_quota(class_id, owner, len(body), now)
            kept = self.db.execute("SELECT created_at FROM uploads ORDER BY created_at DESC LIMIT 1 OFFSET ?",
                                   (self.MAX_UPLOADS - 1,))
            if kept:  # room for this one: the oldest beyond the newest MAX_UPLOADS - 1 go
                self.db.execute("DELETE FROM uploads WHERE created_at <= ?", (kept[0][0],))
            self.db.execute("INSERT INTO uploads (token, body, created_at, class_id, owner, size) "
                            "VALUES (?, ?, ?, ?, ?, ?)", (token, body, now, class_id, owner, len(body)))

    def _check_upload_quota(self, class_id: int, owner: str | None, size: int, now: float) -> None:
        def usage(where: str, args: tuple) -> tuple[int, int, float]:
            n, total, oldest = self.db.execute(f"SELECT COUNT(*), COALESCE(SUM(size), 0), MIN(created_at) FROM "
                                               f"uploads WHERE {where}", args)[0]
            return int(n), int(total), float(oldest or now)

        n, total, oldest = usage("class_id = ? AND owner = ?", (class_id, owner))
        wait = int(oldest + self.UPLOAD_SECONDS - now) + 1
        if n + 1 > self.LEARNER_UPLOADS:
            raise UploadQuota(f"you have uploaded {n} files in the last hour; the limit is {self.LEARNER_UPLOADS} "
                              f"a learner. Reuse one you uploaded, or wait {_minutes(wait)}", wait)
        if total + size > self.LEARNER_UPLOAD_BYTES:
            raise UploadQuota(f"your uploads of the last hour hold {_mb(total)}; this file ({_mb(size)}) would pass "
                              f"the limit of {_mb(self.LEARNER_UPLOAD_BYTES)} a learner. Upload a smaller file, or "
                              f"wait {_minutes(wait)}", wait)
        _, class_total, class_oldest = usage("class_id = ?", (class_id,))
        if class_total + size > self.CLASS_UPLOAD_BYTES:
            wait = int(class_oldest + self.UPLOAD_SECONDS - now) + 1
            raise UploadQuota(f"the class's uploads of the last hour hold {_mb(class_total)}; this file "
                              f"({_mb(size)}) would pass the class's limit of {_mb(self.CLASS_UPLOAD_BYTES)}. "
                              f"Ask your teacher, or wait {_minutes(wait)}", wait)

    def upload_usage(self, class_id: int, owner: str | None = None) -> dict:
        """Files and bytes a learner (or, with ``owner`` None, the class) holds in unexpired uploads."""
        where, args = ("class_id = ?", (class_id,)) if owner is None else ("class_id = ? AND owner = ?",
                                                                           (class_id, owner))
        n, total = self.db.execute(f"SELECT COUNT(*), COALESCE(SUM(size), 0) FROM uploads WHERE {where} AND "
                                   "created_at >= ?", (*args, time.time() - self.UPLOAD_SECONDS))[0]
        return {"files": int(n), "bytes": int(total)}

    def get_upload(self, token: str) -> bytes | None:
        rows = self.db.execute("SELECT body FROM uploads WHERE token = ? AND created_at >= ?",
                               (token, time.time() - self.UPLOAD_SECONDS))
        return bytes(rows[0][0]) if rows else None

    def put_tab(self, token: str) -> None:
        now = time.time()
        self.db.execute("DELETE FROM tabs WHERE created_at < ?", (now - self.TAB_SECONDS,))
        self.db.execute("INSERT INTO tabs (token, created_at) VALUES (?, ?)", (token, now))

    def has_tab(self, token: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM tabs WHERE token = ? AND created_at >= ?",
                                    (token, time.time() - self.TAB_SECONDS)))

    # -- limits every worker shares: failed joins and logins, running playground sessions --------------------

    FAILURE_KEEP_SECONDS = 3600

    def record_failure(self, scope: str, client: str) -> None:
        now = time.time()
        self.db.execute("INSERT INTO failures (scope, client, created_at) VALUES (?, ?, ?)", (scope, client, now))
        if secrets.randbelow(50) == 0:  # now and then, forget failures too old to count
            self.db.execute("DELETE FROM failures WHERE created_at < ?", (now - self.FAILURE_KEEP_SECONDS,))

    def recent_failures(self, scope: str, client: str, seconds: float) -> list[float]:
        """When ``client``'s failures in ``scope`` happened within the last ``seconds``, oldest first."""
        rows = self.db.execute("SELECT created_at FROM failures WHERE scope = ? AND client = ? AND created_at > ? "
                               "ORDER BY created_at", (scope, client, time.time() - seconds))
        return [float(r[0]) for r in rows]

    def acquire_play_session(self, sid: str, tab: str | None, max_sessions: int, max_per_tab: int,
                             stale_seconds: float) -> str | None:
        """Count a new playground session against the caps every worker shares; None when it may run, else
        "full" or "tab_full". A session not seen for ``stale_seconds`` (its worker died) no longer counts."""
        now = time.time()
        with self.db.transaction():
            self.db.lock()
            self.db.execute("DELETE FROM play_sessions WHERE seen_at < ?", (now - stale_seconds,))
            if self.db.execute("SELECT COUNT(*) FROM play_sessions")[0][0] >= max_sessions:
                return "full"
            if tab is not None and self.db.execute("SELECT COUNT(*) FROM play_sessions WHERE tab = ?",
                                                   (tab,))[0][0] >= max_per_tab:
                return "tab_full"
            self.db.execute("INSERT INTO play_sessions (id, tab, seen_at) VALUES (?, ?, ?)", (sid, tab, now))
        return None

    def touch_play_sessions(self, sids: list[str]) -> None:
        now = time.time()
        for sid in sids:
            self.db.execute("UPDATE play_sessions SET seen_at = ? WHERE id = ?", (now, sid))

    def release_play_session(self, sid: str) -> None:
        self.db.execute("DELETE FROM play_sessions WHERE id = ?", (sid,))

    def play_sessions(self, stale_seconds: float) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM play_sessions WHERE seen_at >= ?",
                                   (time.time() - stale_seconds,))[0][0])

    # -- the class's playground settings -------------------------------------------------------------------

    def save_class_playground(self, class_id: int, body: dict) -> None:
        self.check_changeable(class_id)
        self.db.execute("INSERT INTO class_playground (class_id, body, updated_at) VALUES (?, ?, ?) "
                        "ON CONFLICT (class_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                        (class_id, json.dumps(body), time.time()))

    def class_playground(self, class_id: int) -> dict | None:
        rows = self.db.execute(_CLASS_PLAYGROUND, (class_id,))
        return json.loads(rows[0][0]) if rows else None

    async def class_playground_async(self, class_id: int) -> dict | None:
        """class_playground from a coroutine: the playground's socket reads the pins at every message that starts,
        plays or changes a run, on the event loop (one read by the primary key; read_async, as joined_learner)."""
        rows = await self.db.read_async(_CLASS_PLAYGROUND, (class_id,))
        return json.loads(rows[0][0]) if rows else None

    # -- the teacher's summary -----------------------------------------------------------------------------

    def class_summary(self, class_id: int | None = None) -> list[dict]:
        """For a teacher: per exercise, the learners who attempted and who solved it (counted by learner, not by
        attempt: "solved by 2 of 3"), how many saw hints and the solution, the learners' tries added up (Tries: the
        teacher's table counts them so; unreadable answers and answers after solving are summed apart; correct_share
        is over every answer), and the commonest slips the checker
        explained (all of them, commonest first), each counted by the learners who made it. Wrong numbers it could not
        explain and answers it could not read are counted, not listed (by part, and by learner): their feedback says
        nothing about the class, and an unreadable answer's feedback quotes the learner's text. Slips and these counts
        come only from a learner's answers before they solved the exercise (an answer sent after is checking again).
        Free-text parts are summed per key point instead (how
        many learners covered it in some attempt, how many attempted and never covered it). Attempts graded by an older
        checker are re-graded as they are read. ``class_id`` None: the local lab's attempts."""
        per_ex: dict[str, dict] = {}

        def row_for(ex: str) -> dict:
            return per_ex.setdefault(ex, {"learners": set(), "solved": set(), "answers": 0, "correct": 0, "tries": {},
                                          "slips": {}, "unexplained": 0, "unreadable": 0, "unexplained_who": set(),
                                          "unreadable_who": set(), "covered": {},
                                          "tried_points": set(), "regraded": 0, "hints": set(), "solution": set()})

        for graded in self.graded_attempts(class_id):
            who, status = graded["learner"], graded["status"]
            row = row_for(graded["exercise"])
            row["learners"].add(who)
            row["answers"] += 1
            row["tries"].setdefault(who, Tries()).add(status)
            row["correct"] += status == "correct"
            solved_before = who in row["solved"]
            if status == "correct":
                row["solved"].add(who)
            row["regraded"] += graded["regraded"]
            for part in graded["parts"]:
                if solved_before and part.get("kind") != "rubric":  # checking again after solving is not a slip
                    continue
                kind = part.get("status")
                if part.get("kind") == "rubric" and kind != "not_attempted":
                    row["tried_points"].add(who)
                    for key in part.get("covered_keys", []):
                        row["covered"].setdefault(key, set()).add(who)
                    for key in part.get("missed_keys", []):
                        row["covered"].setdefault(key, set())
                elif kind == "unreadable":
                    row["unreadable"] += 1
                    row["unreadable_who"].add(who)
                elif kind in ("correct", "not_attempted"):
                    continue
                elif not part.get("explained", False):  # the checker's own flag; a record from before it is counted
                    row["unexplained"] += 1
                    row["unexplained_who"].add(who)
                else:
                    # one slip in the same words in several parts (exercise 2's factor times the layer count) is
                    # one slip: its parts are named together and each learner who made it is counted once
                    slip = row["slips"].setdefault(part.get("feedback"), {"labels": [], "who": set()})
                    if part.get("label") not in slip["labels"]:
                        slip["labels"].append(part.get("label"))
                    slip["who"].add(who)
        for event in self.events(class_id):
            row = row_for(event["exercise"])
            row["hints" if event["kind"] == "hint" else "solution"].add(event["learner"])
        out = []
        for ex, r in sorted(per_ex.items(), key=lambda kv: _exercise_order(kv[0])):
            # every explained slip, commonest first (a cut at three hid a fourth slip without saying so)
            slips = sorted(((f"{'; '.join(map(str, v['labels']))}: {feedback}", v["who"])
                            for feedback, v in r["slips"].items()), key=lambda kv: (-len(kv[1]), kv[0]))
            out.append({"exercise": ex, "title": _title(ex), "learners": len(r["learners"]),
                        "solved": len(r["solved"]), "attempts": sum(t.tries for t in r["tries"].values()),
                        "unreadable_answers": sum(t.unreadable for t in r["tries"].values()),
                        "after_solving": sum(t.after_solving for t in r["tries"].values()),
                        "correct_share": r["correct"] / r["answers"] if r["answers"] else 0.0,
                        "hint_learners": len(r["hints"]), "solution_learners": len(r["solution"]),
                        "common_feedback": [{"feedback": f, "count": len(who)} for f, who in slips],
                        "unexplained_parts": r["unexplained"], "unreadable_parts": r["unreadable"],
                        "unexplained_learners": len(r["unexplained_who"]),
                        "unreadable_learners": len(r["unreadable_who"]),
                        "key_points": [{"key": k, "title": title, "covered": len(r["covered"][k]),
                                        "missed": len(r["tried_points"] - r["covered"][k])}
                                       for k, title in _point_titles(ex).items() if k in r["covered"]],
                        "regraded_attempts": r["regraded"]})
        return out


class UploadQuota(ConfigError):
    """An upload past a learner's or a class's quota; ``retry_after`` is when the oldest counted upload expires."""

    def __init__(self, message: str, retry_after: int):
        super().__init__("csv", message)
        self.retry_after = retry_after


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _minutes(seconds: int) -> str:
    return f"{seconds} s" if seconds < 120 else f"{round(seconds / 60)} minutes"


def _title(exercise: str) -> str:
    try:
        return get_exercise(exercise).title
    except ValueError:
        return exercise


def _point_titles(exercise: str) -> dict[str, str]:
    """Key -> title of an exercise's rubric points, for the teacher (who may see every point)."""
    try:
        ex = get_exercise(exercise)
    except ValueError:
        return {}
    return {p.key: p.title for part in ex.parts for p in getattr(part, "points", ())}


def _exercise_order(key: str) -> tuple:
    digits = "".join(c for c in key if c.isdigit())
    return (int(digits) if digits else 10**9, key)
