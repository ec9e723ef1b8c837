"""Reading a whole monitor log at once: read_log() for a script or a notebook, check_log() for ``actlab watch``'s
findings. Both read the file in pieces of MAX_READ_BYTES through LogTail, so the whole file is covered whatever its
size; both say what they skipped. Split from monitor_log, which re-exports the public names."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

from .log_format import HEADER_EXAMPLE, count, plural
from .log_tail import MAX_READ_BYTES, LogTail


class LogWarning(UserWarning):
    """read_log() left something of the log out: lines it skipped, or runs other than the one it returned.
    ``warnings.simplefilter("error", LogWarning)`` turns it into an error, as ``read_log(path, strict=True)`` does."""


class LogRead(tuple):
    """What read_log() gives: a (header, reports) pair, as it always was (``header, reports = read_log(path)``),
    that also says what the reader found.

    Attributes:
        header, reports: the pair's two items (the run returned: the latest, or the one asked for).
        run: the number of that run in the file (1 for the first); runs: every run's summary, in the file's order
            ({"run", "began": its first line, "last_line", "first_step", "last_step", "reports", "ended",
            "exception", "id", "alongside": written at the same time as another, "why": how it was seen,
            "end_line": the number of its end line or None, "after_end": its reports after that line, which older
            versions wrote for steps made after close(); the run has ended all the same}).
        bad_lines: lines skipped; skipped: per kind ("not_text", "not_json", "not_a_record", "repeat", "left_out",
            "unowned_end": SKIP_KINDS says each in words), {"count", "lines": the first 5, "why": the first's words};
            problems: the first 5 skipped lines, {"line", "why"}.
        end: the returned run's end line as a dict ({"event": "end", "steps_run", and where there were any, the
            losses of the steps after its last sampled one, "losses_between": [[step, loss], ...], the held-out losses
            given after it, the learning rate's changes, the exception that stopped it}), or None: it has no end line.
        cut: the number of a last line left unfinished (a writer in the middle of it), or None.
        lines: the lines read. warnings: what the reader must know, in words ([] for a sound log of one run).
    """

    header: dict
    reports: list

    def __new__(cls, header: dict, reports: list, **facts):
        read = super().__new__(cls, (header, reports))
        read.__dict__.update(facts)
        return read

    header = property(lambda self: self[0])
    reports = property(lambda self: self[1])

    @property
    def ok(self) -> bool:
        """Nothing was skipped and the file holds one run (a cut last line is not counted here, as a log being
        written has one: ``cut`` names it, and ``warnings`` says it once the file has not changed for CUT_QUIET_S)."""
        return not self.bad_lines and not self.skipped and len(self.runs) <= 1

    def __repr__(self) -> str:
        return f"LogRead(run {self.run} of {len(self.runs)}, {plural(len(self.reports), 'report')}, " \
               f"{plural(self.bad_lines, 'line')} skipped)"


def _read_all(tail: LogTail) -> LogTail:
    """Reads the file to its end in pieces of MAX_READ_BYTES (a log still being written: to where it is now)."""
    tail.poll()
    while tail.unread:
        tail.poll()
    return tail


# a last line left unfinished in a file that has not changed for this many seconds is said: a writer in the middle
# of a line finishes it within a step, and a Monitor writes each line in one call
CUT_QUIET_S = 30.0


def cut_words(tail: LogTail, now: float | None = None) -> str | None:
    """The file's unfinished last line, in words, where the file has not changed for CUT_QUIET_S seconds; None
    otherwise (none, or a writer may be in the middle of it). W68 walkthrough finding 4: a log whose last report was
    cut to 300 bytes read as sound, with no word of the line left out."""
    quiet = _quiet(tail, now) if tail.cut is not None else None
    if quiet is None:
        return None
    return (f"Line {count(tail.cut)}, the last, is unfinished ({plural(tail.cut_bytes, 'byte')}, no newline after "
            f"it) and the file has not changed for {_since(quiet)}: its writer stopped in the middle of it (a script "
            "killed while writing, a full disk) or the file was cut short. It is left out.")


def _quiet(tail: LogTail, now: float | None = None) -> float | None:
    """The seconds the file has not changed for, where that is CUT_QUIET_S or more; None otherwise."""
    if tail.mtime is None:
        return None
    quiet = (time.time() if now is None else now) - tail.mtime
    return quiet if quiet >= CUT_QUIET_S else None


def _since(quiet: float) -> str:
    return f"{quiet:.0f} s" if quiet < 120 else f"{quiet / 60:.0f} min" if quiet < 7200 else f"{quiet / 3600:.0f} h"


def unended_words(tail: LogTail, shown: int | None = None, now: float | None = None) -> str | None:
    """Run ``shown`` (the tail's own where None), the file's latest, in words where it has no end line and the file
    has not changed for CUT_QUIET_S seconds: it is going on only if its steps are that slow, else it stopped without
    its monitor closing the log. None otherwise: it ended, a later run began after it (Runs.warnings says so), or
    the file changed within CUT_QUIET_S. W72 walkthrough finding 8: a run killed with SIGKILL at step 40 of 300 read
    from read_log with no warning at all, and nothing on the terminal; only the page said the log had gone quiet."""
    shown = tail.shown if shown is None else shown
    summary = tail.runs.find(shown) if shown is not None else None
    quiet = _quiet(tail, now)
    if summary is None or summary["ended"] or shown != tail.runs.total or quiet is None \
            or summary["last_step"] is None:
        return None
    return (f"Run {count(shown)} has no end line, and the file has not changed for {_since(quiet)} since its latest "
            f"sampled step, training step {count(summary['last_step'])}: unless the run's steps (or its interval "
            "between sampled steps) take that long, it stopped without its monitor closing the log (killed, a crash "
            "outside the `with mon.step()` block, a notebook kernel restarted). A script that ends normally, or "
            "calls mon.close(), writes an end line.")


def findings(tail: LogTail, reader: str = "terminal", shown: int | None = None, now: float | None = None) -> list[str]:
    """What a reading of the whole file found, in words, for ``reader`` (log_runs.READERS): the lines skipped, per
    kind, a last line left unfinished in a file gone quiet (cut_words), the file's runs, run ``shown`` (the tail's
    own where None) being shown, and that run gone quiet with no end line (unended_words)."""
    out = [f"{plural(sum(f['count'] for f in tail.skipped.values()), 'line')} of {count(tail.lines)} could not "
           f"be used: {tail.skipped_words()}."] if tail.skipped else []
    cut = cut_words(tail, now)
    unended = unended_words(tail, shown, now)
    return out + ([cut] if cut else []) + tail.said(reader, shown) + ([unended] if unended else [])


def check_log(path: str | Path) -> LogTail:
    """The whole log read once for its findings (``actlab watch`` says them on the terminal): a LogTail that has read
    every line, kept no report and drawn no chart. Memory is bounded, whatever the file's size: one piece of
    MAX_READ_BYTES (4 MB) and a line of at most MAX_LINE_BYTES (16 MB; a longer one is skipped unread), the
    summaries of 100 runs, 8 runs told apart at once, and per kind of skipped line a count and 5 line numbers."""
    return _read_all(LogTail(path, keep=0, charts=False))


def _nothing_yet(name: str, whole: LogTail) -> str:
    """Why a log gave no report, in words: what the file holds instead (nothing, blank lines, a header alone, the
    start of a line), each a state a log passes through while its monitor begins, or a file cut short."""
    unfinished = f"line {count(whole.cut)} is unfinished, so a monitor may be writing it, or the file was cut " \
        "short" if whole.cut else ""
    if whole.cut_head and not whole.header:
        held = (f"a first line that is not a whole header (line {count(whole.cut_head[0])}: {whole.cut_head[1]}): "
                "the start of a header cut short, and no record after it")
    elif whole.header:
        held = "a header and no report yet: the monitor has not written a sampled step (it writes one report per " \
               "sampled step, after its backward pass)"
        held += f"; {unfinished}" if unfinished else ""
    elif whole.cut:
        held = f"only the start of a line ({whole.cut_bytes} bytes, no complete record): {unfinished}"
    elif whole.lines:
        held = f"only {plural(whole.lines, 'blank line')}, no record"
    else:
        held = "nothing: it is empty (a Monitor writes its header as soon as it is made)"
    begins = "" if whole.header else f"; a Monitor log begins with the header {HEADER_EXAMPLE}, then one JSON " \
        "report per line"
    return f"{name} holds {held}{begins}. reports is []."


def read_log(path: str | Path, run: int | None = None, strict: bool = False) -> LogRead:
    """A whole log: its header and every complete report of one run, the latest unless ``run`` names another (runs
    are numbered 1, 2, ... in the order they begin in the file). A half-written last line is left out (``cut``
    names it), silently while the file changes (a log being written), with a LogWarning once it has not changed for
    CUT_QUIET_S seconds; the latest run with no end line, in a file that has not changed for CUT_QUIET_S seconds, is
    warned of too (unended_words: killed, or still going with steps that slow), never raised with ``strict=True``,
    since nothing was left out. A first line that begins as a header and is cut short is skipped and said, and the
    reports after it read (``header`` is then {}). A file that holds no report at all (empty, blank lines, a header
    alone, a header cut short) is no error, since a log passes through these while its monitor begins: the result has
    ``reports == []`` and a LogWarning (a ValueError with ``strict=True``) says what the file holds.

    Whatever else is left out is said: the result's ``skipped``, ``problems``, ``runs`` and ``warnings`` (LogRead)
    name every kind of line skipped, with line numbers, and every run the file holds, and a LogWarning says so in
    words; with ``strict=True`` a ValueError does instead, and nothing is returned.

    Raises FileNotFoundError when ``path`` does not exist; ValueError when it is not a Monitor log (a CSV, a binary
    file, a header of another format: the error says which line is wrong and what a log begins with), when lines were
    skipped and not one report could be read, and when ``run`` names no run of the file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: read_log reads the file Monitor(model, log=...) writes, "
                                f"JSON lines that begin with the header {HEADER_EXAMPLE}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: give read_log the file Monitor(model, log=...) writes")
    whole = _read_all(LogTail(path, keep=None if run is None else 0, charts=run is None))
    if whole.not_log:
        raise ValueError(f"{whole.not_log}, then one JSON report per line ({path})")
    tail = whole
    if run is not None:  # the first reading kept no report: the run asked for is read again, alone
        summary = whole.runs.find(run)
        if summary is None:
            numbers = [s["run"] for s in whole.runs.summaries]
            held = f"runs {numbers[0]} to {numbers[-1]}" if len(numbers) > 1 else \
                f"run {numbers[0]}" if numbers else "no run yet"
            raise ValueError(f"{path} has no run {run}: it holds {held} (run= counts the runs from 1, in the order "
                             "they begin in the file)")
        tail = _read_all(LogTail(path, keep=None, pick=run, start=summary["from"]))
    if not tail.total and whole.bad_lines:
        raise ValueError(f"{path} holds no report that could be read: {whole.skipped_words()}")
    now = time.time()  # one clock for the findings and for telling the run gone quiet apart from them (strict)
    said = findings(whole, "python", tail.shown, now)
    if not tail.total:
        said = [_nothing_yet(str(path), whole)] + said
    # a run asked for by its number: that the file holds others after one another is no news to the caller, and stays
    # in the result's warnings only (W59 walkthrough: read_log(path, run=1) warned that the file holds 2 runs); nor
    # that they were written at once, where each line's run id tells them apart (W67 walkthrough finding 8: a GAN's
    # two monitors on one log, read_log(path, run=1))
    loud = [w for w in said if run is None or not (w.startswith("This log holds ") or (
        whole.runs.has_ids and " monitors wrote this log at once " in w))]
    # a run with no end line, gone quiet, is warned of and not raised under strict: nothing of the file was left out,
    # and a run whose steps are slow is still going on
    unended = unended_words(whole, tail.shown, now)
    if strict and [w for w in loud if w != unended]:
        raise ValueError(f"{path}: " + " ".join(w for w in loud if w != unended))
    if loud:
        returns = f"returns run {tail.shown} ({plural(tail.total, 'report')})" if tail.shown is not None \
            else "returns no report"
        warnings.warn(f"read_log({str(path)!r}) {returns}. " + " ".join(loud), LogWarning, stacklevel=2)
    return LogRead(tail.header, list(tail.reports), run=tail.shown, runs=whole.runs.listed(),
                   bad_lines=whole.bad_lines, skipped={k: dict(v) for k, v in whole.skipped.items()},
                   problems=list(whole.problems), cut=whole.cut, lines=whole.lines, warnings=said, end=tail.ended)


__all__ = ["CUT_QUIET_S", "MAX_READ_BYTES", "LogRead", "LogWarning", "check_log", "cut_words", "findings", "read_log",
           "unended_words"]
