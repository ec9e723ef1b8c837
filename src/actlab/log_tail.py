"""Following a monitor log as it grows: LogTail reads what was appended since its last poll, checks each line
(log_format), tells the file's runs apart (log_runs) and keeps one of them, thinned, for the charts (RunHistory).
Split from monitor_log, which re-exports LogTail."""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path

from .log_format import BAD_KINDS, HEADER_EXAMPLE, count, decode
from .log_runs import Runs
from .run_history import RunHistory

MAX_READ_BYTES = 4 * 1024 * 1024  # read at most this much of a growing log per call
# the longest line read: a Monitor's report for 1,024 places is some 1 MB. A longer line is not held: the reader skips
# its bytes up to its end and counts it (W50 walkthrough: a 300 MB line of garbage took the server to 1.2 GB, each
# 4 MB piece copied onto the unfinished line before it)
MAX_LINE_BYTES = 16 * 1024 * 1024
KEEP_REPORTS = 1  # the newest reports kept whole (the charts read RunHistory, which covers the whole run)
KEEP_PROBLEMS = 5  # the first bad lines named (the rest are counted), overall and per kind
PREVIEW_BYTES = 1024 * 1024  # where a poll finds more than MAX_READ_BYTES unread, the newest report is looked for here
_FINGERPRINT_HEAD = 8192  # the file's first bytes and the bytes before the read position, compared on each
_FINGERPRINT_TAIL = 4096  # poll: a log written again from its start differs there

# the kinds of line a reader skips or cannot place, each said of one line and of several (``LogTail.skipped``)
SKIP_KINDS = {
    "not_text": ("line that is not text (bytes that are not UTF-8)", "lines that are not text"),
    "not_json": ("line that is not JSON", "lines that are not JSON"),
    "too_long": (f"line longer than {MAX_LINE_BYTES // 2**20} MB, not read",
                 f"lines longer than {MAX_LINE_BYTES // 2**20} MB, not read"),
    "not_a_record": ("line of JSON that is no record of the format (header, report or end line)",
                     "lines of JSON that are no record of the format"),
    "repeat": ("report written twice", "reports written twice"),
    "left_out": ("report no run could take", "reports no run could take"),
    "unowned_end": ("end line with no run id while two runs were open",
                    "end lines with no run id while two runs were open"),
}


class LogTail:
    """Follows a log as it grows: each poll() reads only the bytes added since the last (at most ``MAX_READ_BYTES``)
    and keeps, of the run it shows, the newest ``keep`` reports whole (all of them when ``keep`` is None), the newest
    one that held no NaN or inf (``latest_finite``), and ``history``: the whole run, thinned to at most 1,756 points
    (RunHistory). Report k of the run has index k, however many were dropped.

    The run shown is the latest to begin (``shown``, numbered in the file's order by ``runs``), or run ``pick``: a
    tail for an earlier run starts reading at ``start``, where that run's stretch of the file begins (the summary's
    "from", as Runs gave it), and stops once a later stretch begins (``done``). Memory is bounded by the log's width,
    not its length: at most ``keep`` + 1 reports, 1,756 points of five numbers per layer, 64 NaN stretches, the
    summaries of 100 runs, and per kind of skipped line a count and the first 5 line numbers.

    A run started again into the same file (the file shrank, was replaced by a new one, or its bytes before the
    read position changed) starts everything again: ``run`` goes up by one (it does too when the run shown changes),
    ``restarts`` counts these, and ``restarted`` says why. Lines that are not records of the log are counted
    (``bad_lines``, ``skipped``) and the first few named (``problems``); a file whose first line is not one
    (``not_log``) is not read further until it is started again."""

    def __init__(self, path: str | Path, keep: int | None = KEEP_REPORTS, pick: int | None = None,
                 start: dict | None = None, charts: bool = True):
        self.path = Path(path)
        self.keep = keep
        self.charts = charts  # False: a reading for the findings alone, which keeps no history
        self.pick = pick
        self.start = start or {"offset": 0, "line": 0, "first_run": 1}
        self.lock = threading.Lock()  # held by a reader that polls and reads the tail (two pages poll at once)
        self.run = 1  # one more each time the log is started again, or the run shown changes
        self.restarts = 0  # times the file was started again
        self.restarted: str | None = None  # why the run shown began (None for the first)
        self._reset()

    def _reset(self) -> None:
        self.header: dict = {}
        self.reports: deque = deque(maxlen=self.keep)
        self.history = RunHistory()  # the run shown, thinned, for the charts
        self.latest_finite: dict | None = None  # the newest report that held no NaN or inf
        self.total = 0  # reports of the run shown seen so far
        self.ended: dict | None = None  # the end line of the run shown, once its monitor has closed the log
        self.mtime: float | None = None  # when the file last changed (seconds since the epoch)
        self.size: int | None = None  # the file's size; None while it does not exist
        self.lines = self.start["line"]  # complete lines read (counting those before ``start``)
        self.bad_lines = 0  # lines that are not records of the log, or reports no run can take, skipped
        self.problems: list[dict] = []  # the first KEEP_PROBLEMS of them: {"line": n, "why": words}
        # per kind (SKIP_KINDS): {"count", "lines": the first KEEP_PROBLEMS line numbers, "why": the first's words}
        self.skipped: dict[str, dict] = {}
        self.not_log: str | None = None  # the file is not a Monitor log: which line, what was expected
        # the first line, where it is a header cut short (it begins as one, and is not JSON), and why it was not
        # read, as (line, words): held until a record after it shows the rest of the file is a log (W68 walkthrough
        # finding 4: a log whose first line was cut to 50 characters, 121 sound reports after it, was refused whole)
        self.cut_head: tuple[int, str] | None = None
        self.preview: dict | None = None  # the newest report at the file's end, read first while a backlog is read
        self.runs = Runs(self.start["first_run"])
        self.shown: int | None = self.pick  # the run drawn
        self.done = False  # a tail of an earlier run has read past it
        self._records = 0  # well-formed records read
        self._offset = self.start["offset"]
        self._partial = b""
        self._overlong: int | None = None  # inside a line past MAX_LINE_BYTES: its bytes so far, skipped unread
        self._inode: tuple | None = None
        self._fingerprint = b""

    @property
    def unread(self) -> int:
        """Bytes of the file not read yet (more than a poll reads at once, or written since); 0 for a file that is
        not a log, which is not read further, and for a tail of an earlier run that has read past it."""
        return 0 if self.not_log or self.done else max((self.size or 0) - self._offset, 0)

    @property
    def cut(self) -> int | None:
        """The line a poll left unfinished at the file's end (a writer in the middle of it), or None."""
        return self.lines + 1 if self._partial.strip() else None

    @property
    def cut_bytes(self) -> int:
        """The bytes of that unfinished last line read so far (0 where there is none)."""
        return len(self._partial) if self._partial.strip() else 0

    @property
    def warnings(self) -> list[str]:
        """What a reader of the charts must know about the file itself, in words (Runs.warnings)."""
        return self.runs.warnings(self.shown)

    def said(self, reader: str = "page", shown: int | None = None) -> list[str]:
        """The warnings for ``reader`` (log_runs.READERS), run ``shown`` (this tail's own where None) being shown."""
        return self.runs.warnings(self.shown if shown is None else shown, reader)

    @property
    def mixed(self) -> dict | None:
        """Where two monitors' lines first interleave ({"line", "step", "after"}), or None."""
        return self.runs.mixed

    def skipped_words(self) -> str:
        """What was skipped, in words: per kind, how many, the first lines and why the first was."""
        parts = []
        for kind, found in self.skipped.items():
            where = ", ".join(count(n) for n in found["lines"])
            more = ", ..." if found["count"] > len(found["lines"]) else ""
            one, several = SKIP_KINDS[kind]
            parts.append(f"{count(found['count'])} {one if found['count'] == 1 else several} "
                         f"(line{'s' if found['count'] > 1 else ''} {where}{more}; line {count(found['lines'][0])}: "
                         f"{found['why']})")
        return "; ".join(parts)

    def _restart(self, why: str) -> None:
        self.run += 1
        self.restarts += 1
        self.restarted = why
        self.start = {"offset": 0, "line": 0, "first_run": 1}
        self._reset()

    def poll(self, max_bytes: int | None = MAX_READ_BYTES) -> int:
        """Read what was appended; returns how many new reports of the run shown arrived."""
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
            elif self._inode is not None and self._read_fingerprint(fh) != self._fingerprint:
                self._restart("the file was written again from its start")
            self._inode, self.size, self.mtime = inode, stat.st_size, stat.st_mtime
            if self.not_log or self.done:
                return 0
            if self.preview is None and self.pick is None and max_bytes is not None \
                    and stat.st_size - self._offset > max_bytes:
                self.preview = self._newest_report(fh, stat.st_size)
            fh.seek(self._offset)
            chunk = fh.read(max_bytes if max_bytes is not None else -1)
            position = self._offset - len(self._partial)  # where the first line of this read begins
            self._offset += len(chunk)
            self._fingerprint = self._read_fingerprint(fh)
        before = self.total
        if self._overlong is not None:  # inside a line too long to hold: its bytes go unread up to its end
            end = chunk.find(b"\n")
            if end < 0:
                self._overlong += len(chunk)
                return 0
            self._too_long(self._overlong + end)
            chunk, position = chunk[end + 1:], position + end + 1
            if self.not_log or self.done:
                return 0
        data, chunk = self._partial + chunk, None
        start = 0
        while (end := data.find(b"\n", start)) >= 0:  # line by line: no list of a piece's lines (a 4 MB piece of
            if end - start > MAX_LINE_BYTES:  # short lines made a list of 12 MB)
                self._too_long(end - start)
            else:
                self._line(data[start:end], position + start)
            start = end + 1
            if self.not_log or self.done:
                return 0
        self._partial = data[start:]  # an unfinished line waits for the rest
        if len(self._partial) > MAX_LINE_BYTES:  # unless it is too long to hold
            self._overlong, self._partial = len(self._partial), b""
            return self.total - before
        if not self._records and self._partial.strip():  # nothing complete yet: is it even text that starts a record?
            begins = self._partial.lstrip().removeprefix(b"\xef\xbb\xbf")[:1]  # (a byte-order mark: decode())
            if begins != b"{" or b"\0" in self._partial:
                self.not_log = (f"{self.path.name} is not a Monitor log: line {self.lines + 1} does not begin a "
                                f"JSON object as a Monitor log's header does ({HEADER_EXAMPLE})")
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
            kind, obj, _ = decode(raw)
            if kind == "report":
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

    def _skip(self, kind: str, why: str, line: int | None = None) -> None:
        line = self.lines if line is None else line
        if kind != "unowned_end":  # an end line that no run can take is kept out of the charts, not a bad line
            self.bad_lines += 1
            if len(self.problems) < KEEP_PROBLEMS:
                self.problems.append({"line": line, "why": why})
        found = self.skipped.setdefault(kind, {"count": 0, "lines": [], "why": why})
        found["count"] += 1
        if len(found["lines"]) < KEEP_PROBLEMS:
            found["lines"].append(line)

    def _too_long(self, size: int) -> None:
        """A line of ``size`` bytes, past MAX_LINE_BYTES, read to its end and skipped."""
        self.lines += 1
        self._overlong = None
        why = (f"it is {size:,} bytes long, past the {MAX_LINE_BYTES // 2**20} MB a line may hold (a Monitor's "
               "report is far shorter), and was skipped unread")
        if not self._records:  # the first record: not a log at all
            self.not_log = (f"{self.path.name} is not a Monitor log: line {self.lines}: {why}; a Monitor log begins "
                            f"with the header {HEADER_EXAMPLE}")
            return
        self._skip("too_long", why)

    def _line(self, raw: bytes, offset: int) -> None:
        self.lines += 1
        if not raw.strip():
            return
        kind, obj, why = decode(raw)
        if kind in BAD_KINDS:
            if not self._records and self.cut_head is None and kind == "not_json" and _begins_header(raw):
                self.cut_head = (self.lines, why)  # a header cut short: the lines after it say whether this is a log
                return
            if not self._records:  # the first record: not a log at all
                line, why = self.cut_head or (self.lines, why)
                self.not_log = (f"{self.path.name} is not a Monitor log: line {line}: {why}; "
                                f"a Monitor log begins with the header {HEADER_EXAMPLE}")
                return
            self._skip(kind, why)
            return
        self._records += 1
        if self._records == 1 and self.cut_head is not None:
            line, why = self.cut_head
            self._skip("not_json", f"{why}: the log's header cut short, so the layers' names and the run's settings "
                                   "it held are not known; the reports after it are read without it", line)
        if kind == "header":
            began = self.runs.header(obj, self.lines, offset)
            if began is not None:
                self._shown_begins(began)
            # the run shown's own header (one that begins it, or one with its run id), or the file's first
            if self.shown is None or self.shown == began or self.runs.header_of(self.shown) is obj:
                self.header = obj
        elif kind == "end":
            ended = self.runs.end(obj, self.lines)
            if ended is None:
                self._skip("unowned_end", "which of the runs written at once it ends cannot be told")
            elif ended == self.shown and self.ended is None:  # the first end line ends it (Runs.end)
                self.ended = obj
                self.history.take_end(obj)
        else:
            run, skipped, why = self.runs.report(obj, self.lines, raw)
            if run is None:
                self._skip(skipped, why)
            else:
                self._shown_begins(run)
                if run == self.shown:
                    self._add(obj, self.runs.header_of(run))
        if self.pick is not None and self.runs.stretch["first_run"] > self.pick:
            self.done = True  # a later stretch began: nothing further down belongs to the run picked

    def _shown_begins(self, run: int) -> None:
        """Run ``run`` has a record: the tail that follows the latest run shows it from now on, if it is newer."""
        if self.pick is not None or (self.shown is not None and run <= self.shown):
            return
        if self.shown is not None:
            summary = self.runs.find(run)
            self.run += 1
            self.restarted = summary["why"] if summary else None
            self.reports.clear()
            self.preview = None  # the newest report at the file's end may be this run's or a later one's: not said
            self.history = RunHistory()
            self.latest_finite = None
            self.total = 0
            self.ended = None
        self.shown = run

    def _add(self, obj: dict, header: dict | None) -> None:
        if header is not None:
            self.header = header
        self.reports.append(obj)
        if self.charts:
            self.history.add(obj, self.header.get("layers"))
        if not obj.get("non_finite"):
            self.latest_finite = obj
        self.total += 1  # a report after the run's end line leaves it ended (log_runs says those reports follow it)


def _begins_header(raw: bytes) -> bool:
    """Whether a line begins as a Monitor log's header does (its first key "format"), after any byte-order mark and
    blanks: one cut short is a damaged log, where a line of another JSON format is none."""
    return raw[:64].removeprefix(b"\xef\xbb\xbf").lstrip().replace(b" ", b"").startswith(b'{"format":')


__all__ = ["KEEP_PROBLEMS", "KEEP_REPORTS", "MAX_READ_BYTES", "PREVIEW_BYTES", "SKIP_KINDS", "LogTail"]
