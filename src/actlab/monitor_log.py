"""The monitor's log: JSON lines, a header naming the layers, then one report per sampled step.

A place first seen after the log began (a module's second call, an activation applied as a function) brings a new
header line naming every place seen so far; readers keep the latest header. The last line, {"event": "end"}, says the
run ended (Monitor.close(), or the monitor's end when it is collected or the interpreter exits).

Written by actlab.torch.Monitor (which needs torch); read here with the standard library alone, so the lab can
show a log (``actlab watch FILE``) on a machine without torch. Each line is checked against the format below
(check_record) before a reader keeps it: a line that is not one of the three records is counted and named, never
passed on, and a file whose first line is none of them is not a Monitor log.

One monitor writes one run: its steps only go up, and a header it adds only names more places. A file that breaks
this holds more than one run, and a reader never draws two runs as one: logs written one after the other (``cat a.jsonl
b.jsonl``: a header after an end line, or a header followed by a step that goes back) are read as runs in turn, the
latest kept; two monitors writing one file at once (steps that go back and forth with no header between) leave the
reader with the steps before they mixed, and say so (LogTail.warnings).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from pathlib import Path

from .run_history import HEAD_POINTS, MAX_SPANS, RECENT_POINTS, THINNED_POINTS, RunHistory, number, point_of

__all__ = ["HEAD_POINTS", "LOG_FORMAT", "MAX_SPANS", "RECENT_POINTS", "THINNED_POINTS", "LogTail", "RunHistory",
           "check_record", "check_report", "crash_of", "end_line", "missing_folder", "point_of", "read_log", "strict"]

LOG_FORMAT = "actlab-monitor/1"
MAX_READ_BYTES = 4 * 1024 * 1024  # read at most this much of a growing log per call
KEEP_REPORTS = 1  # the newest reports kept whole (the charts read RunHistory, which covers the whole run)
KEEP_PROBLEMS = 5  # the first bad lines named (the rest are counted)
PREVIEW_BYTES = 1024 * 1024  # where a poll finds more than MAX_READ_BYTES unread, the newest report is looked for here
HEADER_EXAMPLE = f'{{"format": "{LOG_FORMAT}", "layers": [...]}}'
_FINGERPRINT_HEAD = 8192  # the file's first bytes and the bytes before the read position, compared on each
_FINGERPRINT_TAIL = 4096  # poll: a log written again from its start differs there

# A report's fields and the JSON types each may have (checked when present; step, layers and reading must be).
_NUMBER = "number"  # a number, null (NaN: no value), or "inf" / "-inf"
_REPORT_FIELDS = {"step": int, "steps_run": (int, None), "sampled_steps": int, "every": (int, None),
                  "layers": list, "output_grad_norm": _NUMBER, "loss": _NUMBER, "non_finite": bool,
                  "first_non_finite": (dict, None), "reading": dict, "notes": list}
_LAYER_FIELDS = {"name": str, "activation": str, "module_type": str, "width": (int, None),
                 "act_grad_norm": _NUMBER, "act_grad_ratio_to_last": _NUMBER, "weight_grad_norm": _NUMBER,
                 "mean": _NUMBER, "std": _NUMBER, "zero_derivative_fraction": _NUMBER, "saturated": _NUMBER,
                 "dead": _NUMBER, "dormant": _NUMBER, "window": (int, None), "non_finite": bool, "words": str,
                 "weight_grad_ratio_to_output": _NUMBER, "weights": str, "weights_frozen": bool, "low_word": str}
_READING_FIELDS = {"status": str, "words": str, "remedy": str, "evidence": dict, "is_failure": bool,
                   "findings": list}
_TYPE_WORDS = {int: "a whole number", str: "a string", list: "a list", dict: "an object", bool: "true or false",
               None: "null", _NUMBER: "a number, null, \"inf\" or \"-inf\""}


def missing_folder(path: Path) -> tuple[Path | None, Path]:
    """The first folder on the way to the log ``path`` that does not exist yet (None where its folder exists), and
    the nearest one above it that does exist. Monitor(model, log=...) creates missing folders, so a reader may wait
    for them; the folder that exists says whether anything could."""
    missing, folder = None, Path(path).parent
    while not folder.exists() and folder != folder.parent:
        missing, folder = folder, folder.parent
    return missing, folder


def end_line(steps: int) -> str:
    """The log's last line: the run ended after ``steps`` steps (Monitor.close(), or the monitor's end)."""
    return json.dumps({"event": "end", "steps_run": steps}) + "\n"


def crash_of(end: dict | None) -> str | None:
    """The exception that stopped the run, as the end line names it ("RuntimeError: message"), or None where the run
    ended normally or has not ended (a log with no end line may be a run going on, or one killed outright)."""
    exception = (end or {}).get("exception")
    return exception if isinstance(exception, str) and exception else None


def count(n: int) -> str:
    """A whole number as the page writes it, with thousands separated: 30,000."""
    return f"{n:,}"


def plural(n: int, noun: str) -> str:
    return f"{count(n)} {noun}{'' if n == 1 else 's'}"


def _json_type(value) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def _fits(value, kind) -> bool:
    if isinstance(kind, tuple):
        return any(_fits(value, k) for k in kind)
    if kind is None:
        return value is None
    if kind == _NUMBER:
        return value is None or value in ("inf", "-inf") or (isinstance(value, (int, float))
                                                             and not isinstance(value, bool))
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _expected(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_TYPE_WORDS[k] for k in kinds)


def _exact_types(kind) -> frozenset:
    """The Python types json.loads gives for a value that fits ``kind`` (True is a bool, never an int)."""
    out: set = set()
    for k in kind if isinstance(kind, tuple) else (kind,):
        out |= {int, float, type(None)} if k == _NUMBER else {type(None)} if k is None else {k}
    return frozenset(out)


# per field of each table, (the exact types that fit it, whether "inf" and "-inf" do too): one set lookup a field,
# where _fits walks the kinds (reading a 107 MB log spent 1.9 s of its 3.4 s in the checks)
_FAST = {id(table): {key: (_exact_types(kind), kind == _NUMBER or (isinstance(kind, tuple) and _NUMBER in kind))
                     for key, kind in table.items()} for table in (_REPORT_FIELDS, _LAYER_FIELDS, _READING_FIELDS)}
_INF_WORDS = ("inf", "-inf")


def _check_fields(obj: dict, fields: dict, where: str) -> str | None:
    fast = _FAST[id(fields)]
    for key, value in obj.items():
        types = fast.get(key)
        if types is not None and type(value) not in types[0] and not (types[1] and value in _INF_WORDS):
            break
    else:
        return None  # every field fits: the common case, checked without the words
    for key, kind in fields.items():  # the first field, in the table's order, that does not fit, in words
        if key in obj and not _fits(obj[key], kind):
            shown = json.dumps(obj[key])
            shown = shown if len(shown) <= 30 else shown[:27] + "..."
            return f"{where}{key} is {_json_type(obj[key])} ({shown}), expected {_expected(kind)}"
    return None


def check_report(obj: dict) -> str | None:
    """Why ``obj`` is not a well-formed report (the first wrong field, in words), or None when it is one."""
    for key in ("step", "layers", "reading"):
        if key not in obj:
            return f"a report needs \"{key}\" and this record has none"
    problem = _check_fields(obj, _REPORT_FIELDS, "")
    if problem:
        return problem
    for k, layer in enumerate(obj["layers"]):
        if not isinstance(layer, dict):
            return f"layers[{k}] is {_json_type(layer)}, expected an object (one layer's statistics)"
        if "name" not in layer:
            return f"layers[{k}] has no \"name\""
        problem = _check_fields(layer, _LAYER_FIELDS, f"layers[{k}].")
        if problem:
            return problem
    reading = obj["reading"]
    if "status" not in reading:
        return "reading has no \"status\""
    problem = _check_fields(reading, _READING_FIELDS, "reading.")
    if problem:
        return problem
    for k, finding in enumerate(reading.get("findings", [])):
        if not isinstance(finding, dict) or not isinstance(finding.get("words", ""), str):
            return f"reading.findings[{k}] is not an object with \"words\" as a string"
    if not all(isinstance(n, str) for n in obj.get("notes", [])):
        return "notes holds something other than strings"
    first = obj.get("first_non_finite")
    if first is not None and not (_fits(first.get("step"), int) and isinstance(first.get("place"), str)):
        return "first_non_finite is not {\"step\": a whole number, \"place\": a string}"
    return None


def check_record(obj) -> tuple[str | None, str | None]:
    """(kind, problem): kind is "header", "end" or "report" for a well-formed record of the log; otherwise kind is
    None and problem says what the line is instead (a JSON value that is none of the three, in words)."""
    if not isinstance(obj, dict):
        return None, f"it is JSON but {_json_type(obj)}, not an object"
    if "format" in obj:
        if obj["format"] != LOG_FORMAT:
            return None, f"it names the format {json.dumps(obj['format'])[:40]}, not \"{LOG_FORMAT}\""
        layers = obj.get("layers")
        if not isinstance(layers, list) or not all(isinstance(n, str) for n in layers):
            return None, "its \"layers\" is not a list of names"
        return "header", None
    if "event" in obj:
        if obj["event"] != "end" or not _fits(obj.get("steps_run"), int):
            return None, "it is an event other than {\"event\": \"end\", \"steps_run\": a whole number}"
        if not isinstance(obj.get("exception", ""), str):
            return None, f"its \"exception\" is {_json_type(obj['exception'])}, expected a string (the exception " \
                         "that stopped the run, as \"RuntimeError: message\")"
        return "end", None
    if "layers" not in obj and "reading" not in obj and "step" not in obj:
        keys = ", ".join(json.dumps(k) for k in list(obj)[:4]) or "no keys"
        return None, f"it is an object with {keys}: neither a header, a report nor the end line"
    problem = check_report(obj)
    return ("report", None) if problem is None else (None, problem)


def read_log(path: str | Path) -> tuple[dict, list[dict]]:
    """A whole log: its header and every complete report. A half-written last line is skipped (a live log), and so
    are lines further down that are not records of the log (LogTail counts them).

    Raises FileNotFoundError when ``path`` does not exist, and ValueError when it is not a Monitor log (a CSV, a
    binary file, a header of another format): the error says which line is wrong and what a log begins with."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: read_log reads the file Monitor(model, log=...) writes, "
                                f"JSON lines that begin with the header {HEADER_EXAMPLE}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: give read_log the file Monitor(model, log=...) writes")
    tail = LogTail(path, keep=None)
    tail.poll(max_bytes=None)
    if tail.not_log:
        raise ValueError(f"{tail.not_log}, then one JSON report per line ({path})")
    return tail.header, list(tail.reports)


# NaN and Infinity (which Python's json writes, and a Monitor never does) are read as the log's own spellings
_CONSTANTS = {"NaN": None, "Infinity": "inf", "-Infinity": "-inf"}
_DECODER = json.JSONDecoder(parse_constant=_CONSTANTS.__getitem__)  # one decoder for every line, not one a line


def strict(obj):
    """``obj`` with every float that is not finite (a 1e999 in the file reads as one) in the log's own spelling, so
    it can be sent on as strict JSON."""
    if isinstance(obj, float):
        return number(obj)
    if isinstance(obj, dict):
        return {k: strict(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [strict(v) for v in obj]
    return obj


class LogTail:
    """Follows a log as it grows: each poll() reads only the bytes added since the last (at most ``MAX_READ_BYTES``)
    and keeps the newest ``keep`` reports whole (all of them when ``keep`` is None), the newest one that held no NaN
    or inf (``latest_finite``), and ``history``: the whole run, thinned to at most 1,756 points (RunHistory). Report
    k of the log has index k, however many were dropped. Memory is bounded by the log's width, not its length: at
    most ``keep`` + 1 reports, 1,756 points of five numbers per layer, 64 NaN stretches and 5 named bad lines.

    A run started again into the same file (the file shrank, was replaced by a new one, or its bytes before the
    read position changed) starts the count again: ``run`` goes up by one and ``restarted`` says why. Lines that
    are not records of the log are counted (``bad_lines``) and the first few named (``problems``); a file whose first
    line is not one (``not_log``) is not read further until it is started again."""

    def __init__(self, path: str | Path, keep: int | None = KEEP_REPORTS):
        self.path = Path(path)
        self.keep = keep
        self.lock = threading.Lock()  # held by a reader that polls and reads the tail (two pages poll at once)
        self.run = 1  # which run of the file: one more each time the log is started again
        self.restarted: str | None = None  # why the latest run began (None for the first)
        self._reset()

    def _reset(self) -> None:
        self.header: dict = {}
        self.reports: deque = deque(maxlen=self.keep)
        self.history = RunHistory()  # the whole run, thinned, for the charts
        self.latest_finite: dict | None = None  # the newest report that held no NaN or inf
        self.total = 0  # reports seen so far
        self.ended: dict | None = None  # the end line, once the monitor has closed the log
        self.mtime: float | None = None  # when the file last changed (seconds since the epoch)
        self.size: int | None = None  # the file's size; None while it does not exist
        self.lines = 0  # complete lines read
        self.bad_lines = 0  # lines that are not records of the log, skipped
        self.problems: list[dict] = []  # the first KEEP_PROBLEMS of them: {"line": n, "why": words}
        self.not_log: str | None = None  # the file is not a Monitor log: which line, what was expected
        self.preview: dict | None = None  # the newest report at the file's end, read first while a backlog is read
        # more than one run in the file: the runs before the one kept ({"began": its first line, "reports": how many},
        # the first KEEP_PROBLEMS of them; ``runs_before`` counts all), and where the kept run began (None: line 1)
        self.runs_before = 0
        self.earlier: list[dict] = []
        self.began: dict | None = None  # {"line": n, "why": words}
        # two monitors writing the file at once: where their steps first mixed, {"line", "step", "after"}; nothing
        # after it is drawn (``mixed_skipped`` counts the reports left out)
        self.mixed: dict | None = None
        self.mixed_skipped = 0
        self._last_step: int | None = None  # the newest step of the run kept
        self._header_line: int | None = None  # a header read since the run's last report: on which line
        self._end_line: int | None = None  # where the end line read last stands
        self._offset = 0
        self._partial = b""
        self._inode: tuple | None = None
        self._fingerprint = b""

    @property
    def unread(self) -> int:
        """Bytes of the file not read yet (more than a poll reads at once, or written since); 0 for a file that is
        not a log, which is not read further."""
        return 0 if self.not_log else max((self.size or 0) - self._offset, 0)

    def _restart(self, why: str) -> None:
        self.run += 1
        self.restarted = why
        self._reset()

    def poll(self, max_bytes: int | None = MAX_READ_BYTES) -> int:
        """Read what was appended; returns how many new reports arrived."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            if self._offset:
                self._restart("the file was deleted")
            return 0
        inode = (stat.st_dev, stat.st_ino)
        with self.path.open("rb") as fh:
            if self._inode is not None and inode != self._inode:
                self._restart("the file was replaced by a new one")
            elif stat.st_size < self._offset:
                self._restart("the file was written again from its start (it is shorter than before)")
            elif self._offset and self._read_fingerprint(fh) != self._fingerprint:
                self._restart("the file was written again from its start")
            self._inode, self.size, self.mtime = inode, stat.st_size, stat.st_mtime
            if self.not_log:
                return 0
            if self.preview is None and max_bytes is not None and stat.st_size - self._offset > max_bytes:
                self.preview = self._newest_report(fh, stat.st_size)
            fh.seek(self._offset)
            chunk = fh.read(max_bytes if max_bytes is not None else -1)
            self._offset += len(chunk)
            self._fingerprint = self._read_fingerprint(fh)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()  # an unfinished line waits for the rest
        before = self.total
        for raw in lines:
            self._line(raw)
            if self.not_log:
                return 0
        if not self.lines and self._partial.strip():  # nothing complete yet: is it even text that starts a record?
            start = self._partial.lstrip()[:1]
            if start != b"{" or b"\0" in self._partial:
                self.not_log = (f"{self.path.name} is not a Monitor log: line 1 does not begin a JSON object "
                                f"as a Monitor log's header does ({HEADER_EXAMPLE})")
        return self.total - before

    def _newest_report(self, fh, size: int) -> dict | None:
        """The last well-formed report in the file's last PREVIEW_BYTES, checked as every report is (None where none
        is there: a report longer than that, or a file that ends in lines that are not reports). A page shows it
        while the lines before it are read, which for a log of hundreds of MB takes seconds."""
        start = max(size - PREVIEW_BYTES, self._offset)
        fh.seek(start)
        lines = fh.read(size - start).split(b"\n")
        if start > self._offset:
            lines = lines[1:]  # the first line is likely cut
        for raw in reversed(lines):
            try:
                obj = _DECODER.decode(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                continue
            if check_record(obj)[0] == "report":
                return obj
        return None

    def _read_fingerprint(self, fh) -> bytes:
        """The file's first bytes and the bytes just before the read position: a log written again from its start
        differs there (its first report's numbers, or what now stands where the last read ended), even when it has
        grown past where the reader stopped."""
        fh.seek(0)
        head = fh.read(min(self._offset, _FINGERPRINT_HEAD))
        start = max(self._offset - _FINGERPRINT_TAIL, 0)
        fh.seek(start)
        return head + fh.read(self._offset - start)

    def _line(self, raw: bytes) -> None:
        self.lines += 1
        if not raw.strip():
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            kind, why = None, "it is not text (bytes that are not UTF-8, as in a binary file)"
        else:
            try:
                obj = _DECODER.decode(text)
            except (json.JSONDecodeError, RecursionError):
                shown = text.strip()
                kind, why = None, f"it is not JSON (it begins {shown[:30]!r}{'...' if len(shown) > 30 else ''})"
            else:
                kind, why = check_record(obj)
        if kind is None:
            if self.total == 0 and not self.header and self.ended is None:  # the first record: not a log at all
                self.not_log = (f"{self.path.name} is not a Monitor log: line {self.lines}: {why}; "
                                f"a Monitor log begins with the header {HEADER_EXAMPLE}")
                return
            self.bad_lines += 1
            if len(self.problems) < KEEP_PROBLEMS:
                self.problems.append({"line": self.lines, "why": why})
            return
        if self.mixed is not None:  # two monitors wrote from here on: which run a line belongs to cannot be told
            self.mixed_skipped += kind == "report"
            return
        if kind == "header":
            old = self.header.get("layers")
            if self.header and self.ended is not None:  # a header after an end line: the next log, appended
                self._restart_inside(f"line {self.lines} begins another run's log (a header after the end line on "
                                     f"line {self._end_line})")
            elif self.total and old is not None and not set(old) <= set(obj["layers"]):
                # a header after reports that leaves out places named before: a new monitor began writing (a
                # header the same monitor adds names every place seen so far)
                self._restart_inside(f"line {self.lines} is a new header naming other layers")
            self.header = obj
            self._header_line = self.lines
        elif kind == "end":
            self.ended = obj
            self._end_line = self.lines
        else:
            step = obj["step"]
            if self._last_step is not None and step <= self._last_step:  # one monitor's steps only go up
                if self._header_line is not None:  # a header, then the steps from the start: another run's log
                    self._restart_inside(f"line {self._header_line} begins another run's log (a header, then step "
                                         f"{step} on line {self.lines} after step {self._last_step})",
                                         line=self._header_line)
                elif self._repeats(obj):
                    self.bad_lines += 1
                    if len(self.problems) < KEEP_PROBLEMS:
                        self.problems.append({"line": self.lines, "why": f"it repeats the report of step {step}, "
                                              "read already (a line written twice is drawn once)"})
                    return
                else:
                    self.mixed = {"line": self.lines, "step": step, "after": self._last_step}
                    self.mixed_skipped = 1
                    self.preview = None  # the file's newest report may be either monitor's
                    return
            self._last_step = step
            self._header_line = None
            self.reports.append(obj)
            self.history.add(obj)
            if not obj.get("non_finite"):
                self.latest_finite = obj
            self.total += 1
            self.ended = None  # a report after an end line: the run goes on

    def _repeats(self, obj: dict) -> bool:
        """Whether report ``obj``, whose step does not follow the run's newest, is a report already read written
        again (the same step with the same numbers), not another monitor's."""
        point = point_of(0, obj)
        for kept in reversed(self.history.recent):
            if kept["step"] == point["step"]:
                return {**kept, "index": 0} == point
            if kept["step"] < point["step"]:
                return False
        return False

    def _restart_inside(self, why: str, line: int | None = None) -> None:
        """A new run begins further down the same file, on ``line`` (the line being read where None): its reports are
        counted from 0 again, and the run before it is remembered by where it began and how many reports it had."""
        self.runs_before += 1
        if len(self.earlier) < KEEP_PROBLEMS:
            self.earlier.append({"began": self.began["line"] if self.began else 1, "reports": self.total})
        self.began = {"line": self.lines if line is None else line, "why": why}
        self._last_step = None
        self.run += 1
        self.restarted = why
        self.reports.clear()
        self.preview = None  # the newest report at the file's end may be this run's or a later one's: not said
        self.history = RunHistory()
        self.latest_finite = None
        self.total = 0
        self.ended = None

    @property
    def warnings(self) -> list[str]:
        """What a reader of the charts must know about the file itself, in words: it holds more than one run (only
        the latest is drawn), or two monitors wrote it at once (only the steps before they mixed are drawn)."""
        out = []
        if self.runs_before:
            runs = self.runs_before + 1
            earlier = "; ".join(f"from line {count(e['began'])}, {plural(e['reports'], 'sampled step')}"
                                for e in self.earlier)
            more = f"; and {plural(self.runs_before - len(self.earlier), 'more run')}" \
                if self.runs_before > len(self.earlier) else ""
            out.append(f"This log holds {runs} runs, one after the other: {self.began['why']}. The charts show the "
                       f"latest, from line {count(self.began['line'])}; the run{'s' if self.runs_before > 1 else ''} "
                       f"before it ({earlier}{more}) {'are' if self.runs_before > 1 else 'is'} not drawn, so no line "
                       "joins two runs. Give each run a log of its own (Monitor(model, log=...) replaces the file it "
                       "is given).")
        if self.mixed is not None:
            m = self.mixed
            out.append(f"Two monitors wrote this log at once (two processes, or two Monitors given the same log=): "
                       f"line {count(m['line'])} holds step {count(m['step'])} right after step {count(m['after'])}, "
                       f"and one run's steps only go up. The charts show the {plural(self.total, 'sampled step')} "
                       f"before line {count(m['line'])}; the {plural(self.mixed_skipped, 'report')} from there on "
                       f"{'is' if self.mixed_skipped == 1 else 'are'} not drawn, since which run each belongs to "
                       "cannot be told. Give each process its own log, such as log=f\"run{rank}.jsonl\".")
        return out
