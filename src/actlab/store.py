"""Learner progress in an embedded SQLite database (stdlib sqlite3, WAL mode).

Every attempt is committed before its verdict is returned to the learner, so killing the process
at any moment loses no answered attempt; several processes may write at once (WAL plus a busy
timeout). The schema carries a version and migrates forward on open.

Each attempt keeps the version of the checker that graded it. Summaries (progress, the class
summary) re-grade older attempts with today's checker when they read them, without writing;
regrade() writes the new verdicts (`actlab exercise regrade`), so an answer an older checker
wrongly accepted stops counting as solved.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .exercises import get_exercise
from .exercises.checker import CHECKER_VERSION, UNEXPLAINED

ENV_DB = "ACTLAB_DB"
MAX_ANSWER_CHARS = 10_000
MAX_LEARNER_CHARS = 64

# Each migration takes the schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        learner TEXT NOT NULL,
        exercise TEXT NOT NULL,
        answer TEXT NOT NULL,          -- JSON list of the parts' answers
        status TEXT NOT NULL,
        feedback TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX attempts_by_learner ON attempts (learner, exercise);
    """,
    """
    ALTER TABLE attempts ADD COLUMN parts TEXT NOT NULL DEFAULT '[]';  -- JSON of the per-part verdicts
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        learner TEXT NOT NULL,
        exercise TEXT NOT NULL,
        kind TEXT NOT NULL,            -- 'hint' or 'solution'
        level INTEGER,
        created_at REAL NOT NULL
    );
    """,
    """
    ALTER TABLE attempts ADD COLUMN checker_version INTEGER NOT NULL DEFAULT 1;  -- the checker that graded it
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def default_path() -> Path:
    """$ACTLAB_DB, else the user's data directory (XDG_DATA_HOME or ~/.local/share)/actlab/progress.sqlite3."""
    if os.environ.get(ENV_DB):
        return Path(os.environ[ENV_DB])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "actlab" / "progress.sqlite3"


@dataclass(frozen=True)
class ProgressRow:
    exercise: str
    attempts: int
    best_status: str
    last_status: str
    last_answer: list
    hints_seen: int
    solution_seen: bool


@dataclass(frozen=True)
class Regraded:
    """One attempt whose verdict a re-grade changed."""

    id: int
    learner: str
    exercise: str
    old_status: str
    new_status: str


_RANK = {"not_attempted": 0, "unreadable": 1, "incorrect": 2, "partly_correct": 3, "correct": 4}


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


def check_learner(learner: object) -> str:
    if not isinstance(learner, str) or not learner.strip():
        raise ConfigError("learner", "a non-empty name is needed to save progress")
    name = learner.strip()
    if len(name) > MAX_LEARNER_CHARS or any(ord(c) < 32 for c in name):
        raise ConfigError("learner", f"at most {MAX_LEARNER_CHARS} printable characters; got {len(name)}")
    return name


class Store:
    """One connection per thread to the same database file."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as conn:
            self._migrate(conn)

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see the new version
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ConfigError("db", f"{self.path} has schema version {version}, newer than this actlab "
                                        f"({SCHEMA_VERSION}); upgrade actlab")
            for i in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[i].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {i + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @property
    def version(self) -> int:
        return self._connect().execute("PRAGMA user_version").fetchone()[0]

    def record_attempt(self, learner: str, exercise: str, answers: list, verdict: dict) -> int:
        """Write one attempt and commit it; returns its id. Call before showing the verdict."""
        learner = check_learner(learner)
        answer_json = json.dumps([None if a is None else str(a)[:MAX_ANSWER_CHARS] for a in answers])
        conn = self._connect()
        cur = conn.execute(
            "INSERT INTO attempts (learner, exercise, answer, status, feedback, created_at, parts, checker_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (learner, exercise, answer_json, verdict["status"], verdict["feedback"], time.time(),
             json.dumps(verdict.get("parts", [])), int(verdict.get("checker_version", 1))),
        )  # autocommit mode: the row is durable when execute returns
        return int(cur.lastrowid)

    def record_event(self, learner: str, exercise: str, kind: str, level: int | None = None) -> None:
        learner = check_learner(learner)
        self._connect().execute("INSERT INTO events (learner, exercise, kind, level, created_at) VALUES (?,?,?,?,?)",
                                (learner, exercise, kind, level, time.time()))

    def _graded_rows(self, where: str = "", args: tuple = ()) -> list[dict]:
        """Attempts as today's checker grades them: rows graded by an older checker are re-graded in memory."""
        rows = self._connect().execute(
            "SELECT id, learner, exercise, answer, status, feedback, parts, checker_version FROM attempts "
            f"{where} ORDER BY id", args).fetchall()
        out, grade = [], _Grader()
        for id_, learner, exercise, answer, status, feedback, parts, version in rows:
            row = {"id": id_, "learner": learner, "exercise": exercise, "answer": json.loads(answer),
                   "status": status, "feedback": feedback, "parts": json.loads(parts), "regraded": False}
            if version < CHECKER_VERSION and (now := grade(exercise, row["answer"])) is not None:
                row.update(status=now["status"], feedback=now["feedback"], parts=now["parts"], regraded=True)
            out.append(row)
        return out

    def regrade(self, everything: bool = False) -> list[Regraded]:
        """Re-grade with today's checker every attempt an older checker graded (every attempt with
        ``everything``) and write the new verdicts; returns the attempts whose status changed."""
        conn = self._connect()
        where = "" if everything else f"WHERE checker_version < {CHECKER_VERSION}"
        changed, grade = [], _Grader()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for id_, learner, exercise, answer, status in conn.execute(
                    f"SELECT id, learner, exercise, answer, status FROM attempts {where}").fetchall():
                now = grade(exercise, json.loads(answer))
                if now is None:
                    continue
                conn.execute("UPDATE attempts SET status = ?, feedback = ?, parts = ?, checker_version = ? "
                             "WHERE id = ?", (now["status"], now["feedback"], json.dumps(now["parts"]),
                                              CHECKER_VERSION, id_))
                if now["status"] != status:
                    changed.append(Regraded(id_, learner, exercise, status, now["status"]))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return changed

    def attempts(self, learner: str, exercise: str | None = None) -> list[dict]:
        """A learner's attempts as stored, with the checker version that graded each."""
        learner = check_learner(learner)
        sql = ("SELECT id, exercise, answer, status, feedback, created_at, checker_version FROM attempts "
               "WHERE learner = ?")
        args: list = [learner]
        if exercise:
            sql += " AND exercise = ?"
            args.append(exercise)
        rows = self._connect().execute(sql + " ORDER BY id", args).fetchall()
        return [{"id": r[0], "exercise": r[1], "answer": json.loads(r[2]), "status": r[3], "feedback": r[4],
                 "created_at": r[5], "checker_version": r[6]} for r in rows]

    def progress(self, learner: str) -> list[ProgressRow]:
        learner = check_learner(learner)
        conn = self._connect()
        out: dict[str, dict] = {}
        for graded in self._graded_rows("WHERE learner = ?", (learner,)):
            ex, answer, status = graded["exercise"], graded["answer"], graded["status"]
            row = out.setdefault(ex, {"attempts": 0, "best": "not_attempted", "last": "not_attempted",
                                      "answer": [], "hints": 0, "solution": False})
            row["attempts"] += 1
            row["last"], row["answer"] = status, answer
            if _RANK[status] > _RANK[row["best"]]:
                row["best"] = status
        for ex, kind, level in conn.execute("SELECT exercise, kind, level FROM events WHERE learner = ?", (learner,)):
            row = out.setdefault(ex, {"attempts": 0, "best": "not_attempted", "last": "not_attempted",
                                      "answer": [], "hints": 0, "solution": False})
            if kind == "hint":
                row["hints"] = max(row["hints"], level or 0)
            elif kind == "solution":
                row["solution"] = True
        return [ProgressRow(ex, r["attempts"], r["best"], r["last"], r["answer"], r["hints"], r["solution"])
                for ex, r in sorted(out.items(), key=lambda kv: _exercise_order(kv[0]))]

    def class_summary(self) -> list[dict]:
        """For a teacher: per exercise, learners, attempts, share correct, and the commonest slips the checker
        explained (per-part feedback of answers that were not right, most frequent first). Wrong numbers it
        could not explain and answers it could not read are counted, not listed: their feedback says nothing
        about the class, and an unreadable answer's feedback quotes the learner's text. Free-text parts are
        summed per key point instead (how many attempts covered it, how many missed it). Attempts graded by an
        older checker are re-graded as they are read."""
        per_ex: dict[str, dict] = {}
        for graded in self._graded_rows():
            ex, status = graded["exercise"], graded["status"]
            row = per_ex.setdefault(ex, {"learners": set(), "attempts": 0, "correct": 0, "slips": {},
                                         "unexplained": 0, "unreadable": 0, "points": {}, "regraded": 0})
            row["learners"].add(graded["learner"])
            row["attempts"] += 1
            row["correct"] += status == "correct"
            row["regraded"] += graded["regraded"]
            for part in graded["parts"]:
                kind = part.get("status")
                if part.get("kind") == "rubric" and kind != "not_attempted":
                    for key in part.get("covered_keys", []):
                        row["points"].setdefault(key, [0, 0])[0] += 1
                    for key in part.get("missed_keys", []):
                        row["points"].setdefault(key, [0, 0])[1] += 1
                elif kind == "unreadable":
                    row["unreadable"] += 1
                elif kind in ("correct", "not_attempted"):
                    continue
                elif part.get("feedback") == UNEXPLAINED:
                    row["unexplained"] += 1
                else:
                    key = f"{part.get('label')}: {part.get('feedback')}"
                    row["slips"][key] = row["slips"].get(key, 0) + 1
        out = []
        for ex, r in sorted(per_ex.items(), key=lambda kv: _exercise_order(kv[0])):
            slips = sorted(r["slips"].items(), key=lambda kv: -kv[1])[:3]
            out.append({"exercise": ex, "learners": len(r["learners"]), "attempts": r["attempts"],
                        "correct_share": r["correct"] / r["attempts"],
                        "common_feedback": [{"feedback": f, "count": n} for f, n in slips],
                        "unexplained_parts": r["unexplained"], "unreadable_parts": r["unreadable"],
                        "key_points": [{"key": k, "title": title, "covered": r["points"][k][0],
                                        "missed": r["points"][k][1]}
                                       for k, title in _point_titles(ex).items() if k in r["points"]],
                        "regraded_attempts": r["regraded"]})
        return out


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
