"""A class as its teacher reads it: one row per learner, the CSV export, the raw attempt log, and moving a store.

Every figure is computed from the store's attempts as today's checker grades them (Store.graded_attempts),
so the per-learner table, the export and the summary always agree.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

from . import options
from ._db import redact
from .errors import ConfigError, given
from .exercises import all_exercises
from .store import _RANK, Store, Tries

COPIED_TABLES = {  # table -> columns, in an order that keeps every reference valid
    "classes": ("id", "name", "code", "token_hash", "archived", "created_at"),
    "learners": ("id", "class_id", "name", "name_key", "name_skeleton", "rejoin_hash", "created_at",
                 "session_version"),
    "attempts": ("id", "learner", "exercise", "answer", "status", "feedback", "created_at", "parts",
                 "checker_version", "class_id", "attempt_id", "class_number"),
    "attempt_numbers": ("class_key", "last_number"),
    "events": ("id", "learner", "exercise", "kind", "level", "created_at", "class_id"),
    "secrets": ("name", "value"),
    "class_playground": ("class_id", "body", "updated_at"),
    "merged_learners": ("id", "class_id", "name", "name_key", "into_id", "into_name", "rejoin_hash", "merged_at"),
    "former_names": ("learner_id", "class_id", "name", "name_key", "renamed_at"),
    "forgotten_learners": ("id", "class_id", "rejoin_hash", "forgotten_at"),
    "merges": ("id", "class_id", "source_id", "source_name", "source_key", "into_id", "into_name", "learner", "moved",
               "merged_at"),
}
_OWN_IDS = {"merged_learners", "forgotten_learners"}  # ids kept from the learner merged away, not drawn from a sequence


@dataclass
class Cell:
    """One learner on one exercise."""

    status: str = "not_attempted"   # the best verdict so far
    attempts: int = 0               # the tries (store.Tries): graded answers up to and including the first right one
    unreadable: int = 0             # answers the checker could not read, before solving
    after_solving: int = 0          # answers sent after the first right one
    hints: int = 0                  # the highest hint level shown
    solution_seen: bool = False
    solution_before_solving: bool = False  # the solution was shown before the first correct attempt
    last_at: float | None = None

    @property
    def answers(self) -> int:
        """Every answer stored (tries, unreadable ones and those after solving)."""
        return self.attempts + self.unreadable + self.after_solving

    @property
    def tries_text(self) -> str:
        """The tries and, apart, what they leave out: "2", "2, 1 unreadable, 1 more after solving"."""
        extra = ([f"{self.unreadable} unreadable"] if self.unreadable else []) + \
                ([f"{self.after_solving} more after solving"] if self.after_solving else [])
        return ", ".join([str(self.attempts), *extra])


@dataclass
class LearnerRow:
    learner: str
    cells: dict[str, Cell] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"learner": self.learner, "exercises": {k: c.__dict__ for k, c in self.cells.items()}}


def exercise_keys() -> list[str]:
    return [e.key for e in all_exercises()]


def learner_rows(store: Store, class_id: int | None) -> list[LearnerRow]:
    """One row per learner of the class (joined learners first, in joining order; then anyone who only has
    attempts, such as a name used from the CLI before joining), with a cell for every exercise."""
    keys = exercise_keys()
    rows: dict[str, LearnerRow] = {}

    def row(name: str) -> LearnerRow:
        if name not in rows:
            rows[name] = LearnerRow(name, {k: Cell() for k in keys})
        return rows[name]

    if class_id is not None:
        for learner in store.learners(class_id):
            row(learner.name)
    solved_at: dict[tuple[str, str], float] = {}
    tries: dict[tuple[str, str], Tries] = {}
    for attempt in store.graded_attempts(class_id):
        cell = row(attempt["learner"]).cells.setdefault(attempt["exercise"], Cell())
        counted = tries.setdefault((attempt["learner"], attempt["exercise"]), Tries())
        counted.add(attempt["status"])  # the one count of tries (store.Tries), as the learner's progress counts it
        cell.attempts, cell.unreadable, cell.after_solving = counted.tries, counted.unreadable, counted.after_solving
        cell.last_at = attempt["created_at"]
        if _RANK[attempt["status"]] > _RANK[cell.status]:
            cell.status = attempt["status"]
        if attempt["status"] == "correct":
            solved_at.setdefault((attempt["learner"], attempt["exercise"]), attempt["created_at"])
    for event in store.events(class_id):
        cell = row(event["learner"]).cells.setdefault(event["exercise"], Cell())
        if event["kind"] == "hint":
            cell.hints = max(cell.hints, event["level"] or 0)
        elif event["kind"] == "solution":
            cell.solution_seen = True
            solved = solved_at.get((event["learner"], event["exercise"]))
            if solved is None or event["created_at"] < solved:
                cell.solution_before_solving = True
    return list(rows.values())


STATUS_WORDS = {"correct": "solved", "partly_correct": "partly", "incorrect": "not yet", "unreadable": "unreadable",
                "not_attempted": "-"}


def status_word(status: str) -> str:
    """A verdict in the teacher page's words, for a sheet's cell ("not attempted" where the page leaves "-")."""
    return "not attempted" if status == "not_attempted" else STATUS_WORDS.get(status, status)


def export_table(store: Store, class_id: int | None, words: bool = False) -> tuple[list[str], list[list]]:
    """The teacher's grade sheet: one row per learner; per exercise its best status, then the tries (store.Tries:
    graded answers up to and including the first right one), the unreadable answers and the answers after solving,
    the highest hint seen, whether the solution was seen and whether that was before solving (1/0), as
    otter-grader's final_grades.csv has one row per student. ``words``: each status in the teacher page's words
    (status_word: "not yet", not "incorrect"), as the CSV has them; the JSON keeps the checker's names."""
    keys = exercise_keys()
    header = ["learner"]
    for k in keys:
        header += [k, f"{k}_attempts", f"{k}_unreadable", f"{k}_after_solving", f"{k}_hints", f"{k}_solution_seen",
                   f"{k}_solution_before_solving"]
    body = []
    for r in learner_rows(store, class_id):
        line: list = [r.learner]
        for k in keys:
            c = r.cells[k]
            status = status_word(c.status) if words else c.status
            line += [status, c.attempts, c.unreadable, c.after_solving, c.hints, int(c.solution_seen),
                     int(c.solution_before_solving)]
        body.append(line)
    return header, body


def cell_text(c: Cell) -> str:
    """One learner on one exercise in words, as the teacher's page writes it (static/js/teacher.js): "not yet, 3
    tries, 1 unreadable, hint 2, saw the solution first", "solved, 2 tries, 1 more after solving"."""
    answers = c.answers
    if not answers and not c.hints and not c.solution_seen:
        return "-"
    # hints or the solution seen before any answer: "no answer yet, hint 1" (it read "-, hint 1")
    if not answers:
        bits = ["no answer yet"]
    elif not c.attempts:  # only answers the checker could not read
        bits = ["no readable answer yet"]
    else:
        bits = [STATUS_WORDS.get(c.status, c.status)]
    if c.attempts:
        bits.append(f"{c.attempts} {'try' if c.attempts == 1 else 'tries'}")
    if c.unreadable:
        bits.append(f"{c.unreadable} unreadable")
    if c.after_solving:
        bits.append(f"{c.after_solving} more after solving")
    if c.hints:
        bits.append(f"hint {c.hints}")
    if c.solution_seen:
        bits.append("saw the solution first" if c.solution_before_solving else "saw the solution")
    return ", ".join(bits)


def solution_first(row: LearnerRow) -> list[str]:
    """The exercises whose solution the learner opened before solving them (or without solving them)."""
    return [k for k, c in row.cells.items() if c.solution_before_solving]


def attempt_log(store: Store, class_id: int | None) -> list[dict]:
    """Every attempt of the class, oldest first, with today's verdict and whether it changed since it was
    stored; hints and solutions are events, listed separately by Store.events. ``created_at`` is ISO 8601 in UTC
    (2026-12-01T05:20:31Z). A client's retry id (attempt_id) is left out: it is a random key the lesson page
    (or a script) sends so that a resent answer is stored once, it tells a teacher nothing, and ``id`` already
    names each attempt once. ``id`` is the attempt's number in the
    class, stored with it: 1, 2, 3, ... in the order given (the store's row ids ran over every class, so they told a
    teacher how many answers other classes had given), and kept when a learner is forgotten or merged, so a
    teacher's note "see attempt 14" stays true (numbering the rows as listed shifted every later number)."""
    return [{"id": a["number"], "learner": a["learner"], "exercise": a["exercise"], "answer": a["answer"],
             "status": a["status"], "regraded": a["regraded"], "created_at": iso_utc(a["created_at"])}
            for a in store.graded_attempts(class_id)]


def iso_utc(seconds: float) -> str:
    """A stored time (seconds since 1970) as ISO 8601 in UTC, to the second: 2026-12-01T05:20:31Z."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# half of a UTF-16 pair on its own: a broken paste can send one in an answer (JSON "\\ud800"), and UTF-8 cannot hold it
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def export_json(value, indent: int | None = None) -> str:
    """An export as JSON text with every character as typed, for writing as UTF-8: "Jürgen" and "🎓", not
    "J\\u00fcrgen" and "\\ud83c\\udf93" (the exports of `actlab class export --format json` and the teacher page). A
    lone surrogate stays a \\u escape, the one character UTF-8 cannot write: the text is valid JSON either way and
    reads back to the same value."""
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False,
                                                                               indent=indent))


def _cell_text(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (a learner chooses their own name). An answer (a list
    of the parts' answers) is written as JSON with its characters as typed ("9.54 × 10^-7", not "\\u00d7"). A lone
    surrogate, which UTF-8 cannot write (the CSV download failed on it), is written as U+FFFD, the replacement
    character."""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)
    text = _LONE_SURROGATE.sub("\ufffd", text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_cell_text(v) for v in r] for r in rows])
    return out.getvalue()


def log_csv(log: list[dict]) -> str:
    """The attempt log as CSV, each status in the teacher page's words (status_word)."""
    header = ["id", "learner", "exercise", "answer", "status", "regraded", "created_at"]
    return to_csv(header, [[("" if a[k] is None else status_word(a[k]) if k == "status" else a[k]) for k in header]
                           for a in log])


def copy_store(source: Store, target: Store) -> dict[str, int]:
    """Copy every class, learner, attempt, event and key from ``source`` into an empty ``target`` (such as an
    SQLite file into PostgreSQL), keeping ids; returns the rows copied per table. A target that already holds
    attempts or classes is refused rather than merged."""
    if target.db.execute("SELECT 1 FROM attempts LIMIT 1") or target.db.execute("SELECT 1 FROM classes LIMIT 1"):
        raise ConfigError("to", f"{redact(target.location)} already holds classes or attempts; copy into an empty "
                                "database")
    counts = {}
    with target.db.transaction():
        target.db.execute("DELETE FROM secrets")  # a fresh target may have made its own signing key
        target.db.execute("DELETE FROM attempt_numbers")  # (an empty store has none; its counters come from source)
        for table, columns in COPIED_TABLES.items():
            names = ", ".join(columns)
            rows = source.db.execute(f"SELECT {names} FROM {table}")
            for r in rows:
                target.db.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", r)
            counts[table] = len(rows)
            if "id" in columns and table not in _OWN_IDS:
                target.db.after_explicit_ids(table)
        _learner_ids_past_gone(target)
    return counts


def _learner_ids_past_gone(target: Store) -> None:
    """Move the target's learner ids past those of learners merged away or forgotten: their signed cookies name
    those ids, so a new learner given one would be signed in on the old learner's browser. The id sequences follow
    the largest id in the learners table only, so a placeholder row with the largest gone id is inserted, the
    sequence moved past it, and the row deleted (in the copy's transaction)."""
    gone = target.db.execute("SELECT MAX(id) FROM (SELECT id FROM merged_learners UNION ALL "
                             "SELECT id FROM forgotten_learners) AS g")[0][0]
    kept = target.db.execute("SELECT MAX(id) FROM learners")[0][0]
    klass = target.db.execute("SELECT MIN(id) FROM classes")[0][0]
    if gone is None or klass is None or (kept is not None and kept >= gone):
        return
    # its key has a space at each end, which no stored key has (fold_name), so it takes nobody's name
    target.db.execute("INSERT INTO learners (id, class_id, name, name_key, rejoin_hash, created_at) "
                      "VALUES (?, ?, '', ?, '', 0)", (int(gone), int(klass), f" copy placeholder {gone} "))
    target.db.after_explicit_ids("learners")
    target.db.execute("DELETE FROM learners WHERE id = ?", (int(gone),))


class ScopedStore:
    """A store seen through one identity in a class: what the lab's routes record and read goes to that class,
    under the joined learner's own name whatever name a request carries, so the exercise routes work unchanged
    in class mode. A teacher (``learner`` None) reads any learner of the class; a learner only their own rows."""

    def __init__(self, store: Store, class_id: int, learner: str | None, attempt_id: str | None = None):
        self.store, self.class_id, self.learner, self.attempt_id = store, class_id, learner, attempt_id

    def _who(self, learner: str | None) -> str:
        if self.learner is not None:
            return self.learner
        raise ConfigError("learner", "a teacher's session records no attempts; join the class as a learner")

    def record_attempt(self, learner: str, exercise: str, answers: list, verdict: dict, **_) -> int:
        return self.store.record_attempt(self._who(learner), exercise, answers, verdict, class_id=self.class_id,
                                         attempt_id=self.attempt_id)

    def record_event(self, learner: str, exercise: str, kind: str, level: int | None = None, **_) -> None:
        self.store.record_event(self._who(learner), exercise, kind, level, class_id=self.class_id)

    def progress(self, learner: str, **_) -> list:
        return self.store.progress(self.learner or learner, class_id=self.class_id)

    def attempts(self, learner: str, exercise: str | None = None, **_) -> list[dict]:
        return self.store.attempts(self.learner or learner, exercise, class_id=self.class_id)

    def class_summary(self, *_, **__) -> list[dict]:
        if self.learner is not None:
            raise PermissionError("the class summary is the teacher's")
        return self.store.class_summary(self.class_id)


# -- the class's playground: settings the teacher saves, some of them pinned -----------------------------------

CONTROLS = tuple(options.CONTROLS)  # run controls the playground sets between frames (epochs_per_frame, ...)


def _run_fields() -> tuple[str, ...]:
    from dataclasses import fields

    from .session import RunConfig

    return tuple(f.name for f in fields(RunConfig))


def _as_list(key: str, value) -> list | object:
    """A list setting as a list, whether it came as a list or as the comma text the playground's links use."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if key == "layers":
            try:
                return [int(p) for p in parts]
            except ValueError:
                return parts
        return parts
    return list(value) if isinstance(value, list | tuple) else value


def _same(key: str, sent, pinned, layers: int) -> bool:
    """Whether a value a learner sent is the pinned one (as the run would read it: "4,2" is [4, 2], and one
    activation for every layer is the same as that activation repeated)."""
    if key in ("features", "layers", "activations"):
        sent, pinned = _as_list(key, sent), _as_list(key, pinned)
        if key == "activations" and isinstance(sent, list) and isinstance(pinned, list):
            sent = sent * layers if len(sent) == 1 else sent
            pinned = pinned * layers if len(pinned) == 1 else pinned
        return sent == pinned
    if key in ("stop_epoch", "target_loss"):  # 0, null and "" all mean none
        sent, pinned = (None if v in (None, 0, "") else v for v in (sent, pinned))
    if isinstance(sent, bool) or isinstance(pinned, bool):
        return sent is pinned
    return sent == pinned


class PinnedError(ConfigError):
    """A message refused because of the class's pins; ``fix`` holds the values the pins require (setting -> value),
    so a page that sent a stale value (its teacher changed a pin since) can take them and start its run again."""

    def __init__(self, field: str, message: str, fix: dict):
        super().__init__(field, message)
        self.fix = fix


def shown_value(value) -> str:
    """A setting's value as a person reads it: "relu, tanh" for a list, "none" for no value, 0.1 as 0.1."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, dict) and "name" in value:  # an activation with parameters
        params = ", ".join(f"{k}={shown_value(v)}" for k, v in (value.get("params") or {}).items())
        return f"{value['name']}({params})" if params else str(value["name"])
    if isinstance(value, list | tuple):
        return ", ".join(shown_value(v) for v in value) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Pins:
    """The settings a teacher fixed for a class's playground: each pinned name and its value. The playground's
    socket applies them to every run a learner starts and refuses any message that would change one."""

    values: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return sorted(self.values)

    def apply(self, config: dict) -> dict:
        """``config`` with every pinned run setting filled in; a pinned setting sent with another value is
        refused by name (a learner who edits the link or the message gets the same answer as the page). Values
        are compared as the run reads them (RunConfig's own reading: "4,2" is [4, 2]), so another spelling of
        the pinned value passes."""
        from .session import RunConfig

        pinned = {k: v for k, v in self.values.items() if k not in CONTROLS}
        if "activations" in pinned and "layers" not in pinned:
            pinned["activations"] = _pinned_activations(pinned["activations"], config)
        sent = [k for k in pinned if k in config]
        out = {**config, **pinned}
        if sent:
            as_sent = RunConfig.from_dict({**out, **{k: config[k] for k in sent}}).to_dict()
            as_pinned = RunConfig.from_dict(out).to_dict()
            layers = len(as_pinned["layers"])
            for key in sent:
                if not _same(key, as_sent[key], as_pinned[key], layers):
                    raise self.refusal(key, config[key])
        return out

    def check_controls(self, message: dict) -> None:
        """Refuse a run control (or the learning rate) that a 'set' message would move off its pinned value."""
        for key in (*CONTROLS, "lr"):
            if key in message and key in self.values and not _same(key, message[key], self.values[key], 1):
                raise self.refusal(key, message[key])

    def refusal(self, key: str, sent) -> PinnedError:
        pinned, sent_text = shown_value(self.values[key]), shown_value(sent)
        if sent_text == pinned and isinstance(sent, float):  # 0.030000001 reads 0.03 at 6 digits: show every digit
            sent_text = repr(sent)
        return PinnedError(key, f"pinned by your teacher at {pinned} for this class; "
                                f"{sent_text[:40]} was refused (the other settings are yours to change)",
                           {key: self.values[key]})


def _pinned_activations(value, config: dict):
    """Pinned activations when the layer count is the learner's: the same activation pinned for every layer is the
    activation for all layers, however many the learner adds; different ones (one per layer) fix the count, and a
    run with another count is refused under "layers" with that reason."""
    from .activation_spec import specs
    from .session import RunConfig

    acts = specs(_as_list("activations", value))
    if len(set(acts)) == 1:
        return [acts[0].to_wire()]
    layers = config.get("layers", RunConfig.layers)
    count = len(RunConfig.from_dict({"layers": layers, "activations": ["tanh"]}).layers)
    if count != len(acts):
        widths = list(RunConfig.from_dict({"layers": layers, "activations": ["tanh"]}).layers)
        fitted = (widths + widths[-1:] * len(acts))[:len(acts)]  # the learner's widths, cut or the last repeated
        raise PinnedError("layers", f"your teacher pinned one activation per hidden layer for {len(acts)} layers "
                                    f"({', '.join(str(a) for a in acts)}), so the class's networks have "
                                    f"{len(acts)} hidden layers; got {count}", {"layers": fitted})
    return value


@dataclass(frozen=True)
class ClassPlayground:
    """What a teacher saved for the class's playground: starting settings, and which of them are pinned."""

    config: dict
    pinned: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"config": self.config, "pinned": list(self.pinned)}

    @property
    def pins(self) -> Pins:
        return Pins({k: self.config[k] for k in self.pinned})

    @classmethod
    def validate(cls, config: object, pinned: object, limits=None) -> ClassPlayground:
        """Check a teacher's settings as a run would (RunConfig's one validator, and the lab's size ``limits``,
        a limits.PlaygroundLimits, when given) and the pinned names; a pinned name without a value is pinned at
        the run's default."""
        from .session import FLAT_KEYS, RunConfig

        if not isinstance(config, dict):
            raise ConfigError("config", f"a JSON object of playground settings; got {given(config)}")
        if not isinstance(pinned, list | tuple) or not all(isinstance(p, str) for p in pinned):
            raise ConfigError("pinned", f"a list of setting names; got {given(pinned)}")
        allowed = (*_run_fields(), *CONTROLS)
        current = sorted(set(allowed) - FLAT_KEYS.keys())  # old links' flat keys are still read, but not offered
        for name in (*config, *pinned):
            if name not in allowed:
                raise ConfigError(name if name in config else "pinned",
                                  f"unknown setting {name!r}; allowed: {', '.join(current)}")
        cfg = RunConfig.from_dict({k: v for k, v in config.items() if k not in CONTROLS})
        if limits is not None:
            limits.check(cfg)
        # then the playground's own check of a page's settings (POST /api/options/check's): the pickers' ranges
        # (lr up to 10, batch size up to 30, the speeds), the data set and trainer a run builds. A value the learners'
        # page could not show or send would lock every learner of the class out once pinned.
        checked = options.check_settings(config, limits)
        if checked["problems"]:
            first, *rest = checked["problems"]
            also = "".join(f"; also {p['field']}: {p['message']}" for p in rest)
            raise ConfigError(first["field"], first["message"] + also)
        run = cfg.to_dict()
        controls = {key: checked["settings"][key] for key in CONTROLS}
        full = {**run, **controls}
        kept = {k: full[k] for k in config} | {k: full[k] for k in pinned}
        return cls(kept, tuple(sorted(set(pinned))))


def merge_playground(saved: dict | None, config: dict, pin: list[str], unpin: list[str] = (),
                     limits=None) -> tuple[ClassPlayground, list[str]]:
    """What the class's playground becomes when ``config`` and the pin changes are laid over what is ``saved``:
    settings not named keep their saved value, pins not named stay pinned. Returns the new settings (checked as
    ClassPlayground.validate checks them) and what changed, one line each ("lr: 0.03 -> 0.1", "pinned: lr")."""
    saved = saved or {"config": {}, "pinned": []}
    both = sorted(set(pin) & set(unpin))
    if both:
        raise ConfigError("pin", f"{', '.join(both)} is both pinned and unpinned; name each setting once")
    pinned = [p for p in saved["pinned"] if p not in unpin] + [p for p in pin if p not in saved["pinned"]]
    merged = ClassPlayground.validate({**saved["config"], **config}, pinned, limits)
    return merged, playground_changes(saved, merged)


def playground_changes(saved: dict | None, new: ClassPlayground) -> list[str]:
    """What saving ``new`` over ``saved`` changes, one line each: "lr: 0.03 -> 0.1", "dataset: xor -> (not set)",
    "pinned: lr", "unpinned: dataset"; empty when nothing changes. Merging (merge_playground) and replacing (the
    API without merge) both say it so."""
    saved = saved or {"config": {}, "pinned": []}
    before, after = saved["config"], new.config
    changes = [f"{k}: {_shown(before.get(k))} -> {_shown(after.get(k))}" for k in sorted(set(before) | set(after))
               if before.get(k) != after.get(k)]
    changes += [f"pinned: {k}" for k in new.pinned if k not in saved["pinned"]]
    changes += [f"unpinned: {k}" for k in saved["pinned"] if k not in new.pinned]
    return changes


def _shown(value) -> str:
    return "(not set)" if value is None else shown_value(value)


# The playground page's link keys (static/js/playground-state.js) -> (the run setting, how to read the page's text)
LINK_KEYS = {
    "dataset": ("dataset", str), "noise": ("noise", lambda t: int(t) / 100),
    "train": ("train_fraction", lambda t: int(t) / 100), "batch": ("batch_size", int), "lr": ("lr", float),
    "layers": ("layers", str), "activations": ("activations", str), "features": ("features", str),
    "reg": ("reg", str), "reg_rate": ("reg_rate", float), "optimizer": ("optimizer", str), "loss": ("loss", str),
    "init": ("init", str), "seed": ("seed", int), "wseed": ("weight_seed", int), "speed": ("epochs_per_frame", int),
    "stop_epoch": ("stop_epoch", lambda t: int(float(t))), "target_loss": ("target_loss", float),
}
# keys of a link that say how the page looks, not how a run trains: read by the page, not saved for the class
PAGE_ONLY_KEYS = ("hide", "show_test", "discretize", "pinned_overrides", "pinned_own")


def _read_run_text(text: str):
    """A run setting's value written in a link under the run's own name: a number when it reads as one."""
    for read in (int, float):
        try:
            return read(text)
        except ValueError:
            pass
    return None if text.strip().lower() in ("none", "null") else text


@dataclass(frozen=True)
class LinkSettings:
    """What a playground link says for a class: the run settings (RunConfig's names and the run controls), and
    one line for each key read under another name or left out, so the teacher sees that nothing was dropped."""

    config: dict
    notes: tuple[str, ...] = ()


def read_link(link: str) -> LinkSettings:
    """The run settings a playground link carries (a teacher sets the playground up, copies its address and saves
    it for the class). A key is the page's (speed=5, batch=20, train=80 in percent) or the run's own name
    (epochs_per_frame=5, batch_size=20, train_fraction=0.8); the page's view keys (hide, show_test) are named as
    not saved; any other key, a value the page could not have written, or one setting given twice is refused by
    its key."""
    from urllib.parse import parse_qsl

    from .session import FLAT_KEYS

    query = _link_query(link)
    run_names = (*_run_fields(), *CONTROLS)
    config, notes, given_as = {}, [], {}
    for key, text in parse_qsl(query, keep_blank_values=False):
        if key in LINK_KEYS:
            name, read = LINK_KEYS[key]
        elif key in run_names or key in FLAT_KEYS:
            name, read = key, _read_run_text
            page = next((k for k, (n, _) in LINK_KEYS.items() if n == key), None)
            if page is not None:
                notes.append(f"{key}={text}: read as {key} (the page's link calls it {page})")
        elif key in PAGE_ONLY_KEYS:
            notes.append(f"{key}={text}: how the page looks, not a run setting; not saved for the class")
            continue
        else:
            pages = sorted(LINK_KEYS)
            raise ConfigError(key, f"the link's {key}={text!r} is not a playground setting; a link's keys: "
                                   f"{', '.join(pages)} (or the run's names, such as epochs_per_frame), and "
                                   f"{', '.join(PAGE_ONLY_KEYS)} for the page's own view")
        if name in given_as:
            raise ConfigError(name, f"the link gives {name} twice ({given_as[name]} and {key}); keep one")
        given_as[name] = key
        try:
            config[name] = read(text)
        except ValueError:
            raise ConfigError(name, f"the link's {key}={text!r} is not a value the playground writes") from None
    if not config:
        raise _not_a_link("it carries no playground settings" if not notes else
                          "it says only how the page looks, not how a run trains")
    return LinkSettings(config, tuple(notes))


LINK_EXAMPLE_ORIGIN = "http://127.0.0.1:8000"  # `actlab lab`'s default address; the teacher's page says its own
LINK_EXAMPLE = f"{LINK_EXAMPLE_ORIGIN}/playground?dataset=xor&lr=0.03&activations=relu"


def _not_a_link(why: str) -> ConfigError:
    return ConfigError("link", f"not a playground link: {why}. A playground link is the playground's address with its "
                               f"settings, such as {LINK_EXAMPLE} (set the playground up, then copy its address)")


def _link_query(link: str) -> str:
    """The settings part of a playground link: a whole address (http://host/playground?...), a path
    (/playground?...), or the settings alone (?lr=0.1&dataset=xor, or lr=0.1&dataset=xor). Text that is none of
    these, or an address of another page, is refused as not a playground link (it used to be saved as no settings,
    which put the class back on the defaults)."""
    from urllib.parse import urlsplit

    text = link.strip()
    if not text:
        raise _not_a_link("it is empty")
    if "://" in text or text.startswith("/"):
        try:
            parts = urlsplit(text)
        except ValueError:
            raise _not_a_link(f"{text[:60]!r} is not an address") from None
        path = parts.path.rstrip("/")
        if not path.endswith("/playground"):
            raise _not_a_link(f"it opens {parts.path or '/'}, not /playground")
        return parts.query
    query = text.removeprefix("?")
    if any(c.isspace() for c in query) or "=" not in query:
        raise _not_a_link(f"{text[:60]!r} is neither an address nor settings written as key=value&key=value")
    return query


def config_from_link(link: str) -> dict:
    """The run settings a playground link carries (read_link's, without its notes)."""
    return read_link(link).config
