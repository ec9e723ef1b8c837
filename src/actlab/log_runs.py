"""Which run each record of a monitor log belongs to, when one file holds more than one.

One monitor writes one run: its steps only go up, and a header it adds only names more places. A file can still hold
several runs: logs appended one after the other (``cat a.jsonl b.jsonl``), or two monitors writing it at once (two
processes, or two Monitors given the same ``log=``), their lines interleaved. Runs tells them apart, so that no chart
ever joins two runs, and numbers them 1, 2, ... in the order they began in the file:

- a record that carries "run" (a string the monitor chose) belongs to the run of that string;
- otherwise a header after an end line, a header naming other places than the run's, or a header followed by a step
  that goes back begins another run's log, one after the other (a "stretch": every run before it has ended);
- a report whose step does not follow any run of the stretch, with no header before it, is another monitor's: a new
  run beside the others. Later reports go to the run they follow: the one whose newest step is below theirs and whose
  count of sampled steps is one less, else the one whose newest step is the nearest below. Two monitors at the same
  step with no "run" field cannot be told apart but by the order of their lines, which is what this does; a line
  that repeats one of a run's newest lines byte for byte is a line written twice, skipped. An end line with no "run"
  field belongs to the single run of its stretch still open; where runs were written at once, only to the one open
  run its "steps_run" fits (_by_steps). Where none or several fit, it is skipped ("unowned").

A run with an end line has ended, whatever follows. Versions of actlab before R16 let mon.step() run after close(),
so an older log can hold a run's reports after its end line: they are the run's, drawn as its last steps, and its
summary stays ended ("end_line" is the end line's number, "after_end" counts the reports after it, and the warnings
say so). A header after them begins another run's log, as one right after the end line does.

Memory is bounded: at most MAX_WRITERS runs told apart at once in one stretch (reports that fit none are skipped and
counted), and the summaries of the newest KEEP_RUNS runs (``total`` counts every run).
"""

from __future__ import annotations

from collections import deque

from .log_format import count, plural

MAX_WRITERS = 8  # runs told apart at once in one stretch of the file
KEEP_RUNS = 100  # the newest runs' summaries kept (the page lists them; an older one cannot be picked)
# per reader of the warnings: what it shows, and how to see another run
READERS = {"page": ("the charts show", "pick another under \"Run\" above the charts"),
           "python": ("read_log returns", "read_log(path, run=N) returns run N"),
           "terminal": ("the page shows", "the page lets you pick another, under \"Run\"")}
_RECENT_LINES = 8  # per run, its newest report lines (as hashes): a line written again is skipped


MODEL_CHARS = 80  # a header's model name is shown cut to this many characters
ANEW_CHARS = 160  # and why the monitor began a run of its own (its header's "anew")


def model_of(header: dict | None) -> dict | None:
    """The model a run's header names (Monitor writes its class and its parameter count), as the run list shows it:
    {"name": at most MODEL_CHARS characters, "parameters": a whole number or None, and "label": the run's own name
    (Monitor(name=...)) where given}; None where the header names none
    (a log written before the header held it, or by other means)."""
    name = (header or {}).get("model")
    if not isinstance(name, str) or not name:
        return None
    n = header.get("parameters")
    label = header.get("name")  # Monitor(name=...): the run's own name, where given
    return {"name": name[:MODEL_CHARS], "parameters": n if type(n) is int and n >= 0 else None,
            **({"label": label[:MODEL_CHARS]} if isinstance(label, str) and label else {})}


class _Writer:
    """One run's state while its stretch of the file is read."""

    __slots__ = ("summary", "id", "last_step", "last_sampled", "every", "names", "header", "recent", "open", "again")

    def __init__(self, summary: dict, run_id: str | None, header: dict | None):
        self.summary = summary
        self.id = run_id
        self.last_step: int | None = None
        self.last_sampled: int | None = None
        self.every = None  # the sampling interval its newest report gave
        self.names: tuple | None = None
        self.header = header
        self.recent: deque = deque(maxlen=_RECENT_LINES)
        self.open = True  # no end line read for it (yet)
        self.again: int | None = None  # the line where its header came again after its end line (the run repeated)


def _by_steps(writers: list[_Writer], steps_run) -> list[_Writer]:
    """The one open run an end line with no "run" field can end, where runs were written at once, told by its count of
    steps: the run whose newest sampled step is that count, else the only run whose newest step is at most that count
    and within its sampling interval of it (a monitor sampling every k-th step samples one of the last k; W14's logs:
    steps_run 60 after step 58 at every=3, 100 after 96 at every=5, 300 after 262 at every=50). [] where none or
    several fit."""
    if type(steps_run) is not int:
        return []

    def near(w: _Writer) -> bool:
        every = w.every if type(w.every) is int and w.every > 0 else None
        return w.last_step is not None and w.last_step <= steps_run \
            and (every is None or steps_run < w.last_step + every)

    for fits in (lambda w: w.last_step == steps_run, near):
        found = [w for w in writers if fits(w)]
        if found:
            return found if len(found) == 1 else []
    return []


def _run_id(obj: dict) -> str | None:
    rid = obj.get("run")
    return rid if isinstance(rid, str) and rid else None


def _names(report: dict) -> tuple:
    return tuple(layer.get("name") for layer in report["layers"])


def _places(writer: _Writer) -> tuple:
    """The places a run named last: its header's, else its newest report's layers."""
    layers = (writer.header or {}).get("layers")
    return tuple(layers) if isinstance(layers, list) else writer.names or ()


def _fits_names(writer: _Writer, names: tuple) -> bool:
    """Whether a report naming ``names`` can be the writer's: the same places, or some of them shared (a monitor adds
    places as it finds them); two different models name different places."""
    return writer.names is None or names == writer.names or not writer.names or not names \
        or not set(writer.names).isdisjoint(names)


class Runs:
    """The runs of one log, told apart record by record as the file is read (first_run: the number the first run
    read gets, for a reader that starts at a stretch further down the file)."""

    def __init__(self, first_run: int = 1):
        self.total = first_run - 1  # runs begun so far, counting those before where this reader started
        self.summaries: deque = deque(maxlen=KEEP_RUNS)
        self.writers: list[_Writer] = []  # the runs of the current stretch, in the order they began
        self.stretch = {"offset": 0, "line": 0, "first_run": first_run}  # where the current stretch begins
        self.mixed: dict | None = None  # where two runs' lines first interleave: {"line", "step", "after"}
        self.left_out = 0  # reports that fit none of the MAX_WRITERS runs of their stretch
        self.has_ids = False  # a record carried "run"
        self._pending: tuple | None = None  # a header read since the last report: (record, line, offset)
        self._end_line: int | None = None  # an end line read since the last report: its line
        self._latest: _Writer | None = None  # the run that wrote the newest report

    # -- beginnings ---------------------------------------------------------------------------------------------------

    def _new_stretch(self, offset: int, line: int) -> None:
        for w in self.writers:
            w.open = False
        self.writers = []
        self.stretch = {"offset": offset, "line": line - 1, "first_run": self.total + 1}

    def _begin(self, line: int, header: dict | None, run_id: str | None, why: str | None,
               after: int | None = None) -> _Writer:
        """A new run, beginning on ``line``; ``why`` says how it was seen (None for the file's first), ``after`` the
        step of another run its first report came right after (a second monitor's)."""
        self.total += 1
        summary = {"run": self.total, "began": line, "last_line": line, "first_step": None, "last_step": None,
                   "reports": 0, "ended": False, "exception": None, "id": run_id, "alongside": False, "why": why,
                   "after": after, "from": dict(self.stretch), "end_line": None, "after_end": 0,
                   "model": model_of(header),
                   # a run the same monitor began itself, its model's modules having changed (the header's "anew")
                   "anew": isinstance((header or {}).get("anew"), str)}
        self.summaries.append(summary)
        writer = _Writer(summary, run_id, header)
        self.writers.append(writer)
        return writer

    # -- records ------------------------------------------------------------------------------------------------------

    def header(self, obj: dict, line: int, offset: int) -> int | None:
        """A header on ``line`` (starting at byte ``offset``): the number of the run it begins, where it certainly
        begins one (the run is then counted before its first report), else None (it is kept for the next report)."""
        rid = _run_id(obj)
        if rid is not None:
            self.has_ids = True
            known = next((w for w in self.writers if w.id == rid), None)
            if known is not None:
                if not known.open and obj == known.header:  # its own header again after its end line: the lines
                    # that follow repeat the run (W51 walkthrough: a log appended to itself read '36 reports no run
                    # could take ... its step 4 goes back' and '8 reports written twice')
                    known.again = line
                known.header = obj
                known.summary["model"] = model_of(obj)
                return None
            self._pending = None
            why = f"line {count(line)} begins another run's log (a header with its own run id)" if self.writers \
                else None
            if why and isinstance(obj.get("anew"), str):  # the same monitor, reading its model anew (Monitor)
                why = f"line {count(line)} begins a run the monitor began itself: {obj['anew'][:ANEW_CHARS]}"
            return self._begin(line, obj, rid, why).summary["run"]
        newest = self.writers[-1] if self.writers else None
        why = None
        # every run of the stretch has ended (reports after an end line, as earlier versions wrote them, leave it so)
        ended = self._end_line if self._end_line is not None else \
            newest.summary["end_line"] if newest is not None and not any(w.open for w in self.writers) else None
        if ended is not None:
            why = f"line {count(line)} begins another run's log (a header after the end line on line " \
                  f"{count(ended)})"
        elif newest is not None and newest.last_step is not None \
                and not set(_places(newest)) <= set(obj["layers"]):  # a monitor's own new header names more places
            why = f"line {count(line)} is a new header naming other layers"
        if why is None:
            self._pending = (obj, line, offset)
            return None
        self._new_stretch(offset, line)
        self._pending = None
        self._end_line = None
        return self._begin(line, obj, None, why).summary["run"]

    def end(self, obj: dict, line: int) -> int | None:
        """An end line: the number of the run it ends, or None where it cannot be told (two runs of its stretch are
        open and it carries no "run")."""
        self._end_line = line
        rid = _run_id(obj)
        if rid is not None:
            self.has_ids = True
            writers = [w for w in self.writers if w.id == rid]
        else:
            writers = [w for w in self.writers if w.open] or self.writers[-1:]
            if len(self.writers) > 1:  # runs written at once: the end line must fit the run by its count of steps
                writers = _by_steps(writers, obj.get("steps_run"))
        if not writers:
            return None
        writer = writers[0]
        writer.open = False
        if writer.summary["ended"]:  # a second end line (after reports that followed the first): the first ended it
            return writer.summary["run"]
        writer.summary.update(ended=True, exception=obj.get("exception"), last_line=line, end_line=line,
                              steps_run=obj.get("steps_run"))  # (the run list: 'ended after training step N')
        return writer.summary["run"]

    def report(self, obj: dict, line: int, raw: bytes) -> tuple[int | None, str | None, str | None]:
        """A report on ``line`` (its bytes ``raw``): (the number of its run, None, None), or (None, kind, why) where it
        is skipped: kind "repeat" (a line written twice) or "left_out" (it fits none of MAX_WRITERS runs)."""
        step, sampled, names = obj["step"], obj.get("sampled_steps"), _names(obj)
        sampled = sampled if type(sampled) is int else None
        digest = hash(raw)
        rid = _run_id(obj)
        writer = None
        if rid is not None:
            self.has_ids = True
            writer = next((w for w in self.writers if w.id == rid), None)
            if writer is not None and writer.last_step is not None and step <= writer.last_step:
                if writer.again is not None:
                    return None, "repeat", f"it repeats the run whose id is {rid!r}: that run's header comes again " \
                                           f"on line {count(writer.again)}, after its end line, and the lines after " \
                                           "it go over its steps again (a log appended to itself, as by `cat log >> " \
                                           "log`); each step is drawn once"
                if digest in writer.recent:
                    return None, "repeat", f"it repeats a report of step {count(step)}, read already (a line " \
                                           "written twice is drawn once)"
                return None, "left_out", f"its step {count(step)} goes back (after step " \
                                         f"{count(writer.last_step)}) within the run whose id is {rid!r}"
            if writer is None:
                header = self._pending[0] if self._pending and _run_id(self._pending[0]) in (None, rid) else None
                why = f"line {count(line)} begins the reports of another run id ({rid!r})" if self.writers else None
                writer = self._begin(line, header, rid, why)
        else:
            writer = self._follow(step, sampled, names)
            if writer is None:
                if any(digest in w.recent for w in self.writers):
                    return None, "repeat", f"it repeats the report of step {count(step)}, read already (a line " \
                                           "written twice is drawn once)"
                writer = self._other(step, line)
                if writer is None:
                    self.left_out += 1
                    return None, "left_out", f"it fits none of the {MAX_WRITERS} runs told apart here (its step " \
                                             f"{count(step)} follows none of them)"
        if writer is not self.writers[-1]:  # a run wrote again after a later one began
            self._interleaved(writer)
        if self._pending is not None:  # a header just before: the run's own (one that adds places)
            writer.header = self._pending[0]
        self._pending = None
        self._end_line = None
        writer.last_step, writer.last_sampled, writer.names, writer.every = step, sampled, names, obj.get("every")
        writer.recent.append(digest)
        s = writer.summary
        # a report after the run's end line (earlier versions logged steps made after close()): the run has still
        # ended; the report is drawn as its own, and the warnings say how many followed the end line
        if s["ended"]:
            s["after_end"] += 1
        s.update(last_line=line, last_step=step, reports=s["reports"] + 1)
        if s["first_step"] is None:
            s["first_step"] = step
        self._latest = writer
        return s["run"], None, None

    def _follow(self, step: int, sampled: int | None, names: tuple) -> _Writer | None:
        """The run of this stretch that a report (no "run" field) continues, or None where it continues none."""
        best, best_key = None, None
        for w in self.writers:
            if (w.last_step is not None and step <= w.last_step) or not _fits_names(w, names):
                continue
            counted = sampled is not None and w.last_sampled is not None and sampled == w.last_sampled + 1
            key = (w.last_step is None, counted, -1 if w.last_step is None else w.last_step)
            if best_key is None or key > best_key:
                best, best_key = w, key
        return best

    def _other(self, step: int, line: int) -> _Writer | None:
        """A report that continues no run: after a header, another run's log (a new stretch); else another monitor's
        run beside the others (None past MAX_WRITERS of them)."""
        newest = self.writers[-1] if self.writers else None
        after = newest.last_step if newest is not None else None
        if not self.writers:
            header = self._pending
            return self._begin(line if header is None else header[1], None if header is None else header[0], None,
                               None)
        if self._pending is not None:
            header, at, offset = self._pending
            self._new_stretch(offset, at)
            return self._begin(at, header, None, f"line {count(at)} begins another run's log (a header, then step "
                               f"{count(step)} on line {count(line)} after step {count(after)})")
        if len(self.writers) >= MAX_WRITERS:
            return None
        latest = self._latest or newest
        return self._begin(line, latest.header, None, f"line {count(line)} holds step {count(step)} right after "
                           f"step {count(latest.last_step)}, with no header between", after=latest.last_step)

    def _interleaved(self, writer: _Writer) -> None:
        """A run wrote again after a later run began: the two were written at once, not one after the other."""
        later = [w for w in self.writers if w.summary["run"] > writer.summary["run"]]
        if not later:
            return
        for w in (writer, *later):
            w.summary["alongside"] = True
        if self.mixed is None:
            first = later[0].summary
            self.mixed = {"line": first["began"], "step": first["first_step"], "after": first["after"]}

    # -- words --------------------------------------------------------------------------------------------------------

    def listed(self) -> list[dict]:
        """The summaries kept, as a reader shows them (without where each one's stretch begins)."""
        return [{k: v for k, v in s.items() if k != "from"} for s in self.summaries]

    def header_of(self, run: int | None) -> dict | None:
        """The header of run ``run``, where it is a run of the current stretch and has one."""
        return next((w.header for w in self.writers if w.summary["run"] == run), None)

    def find(self, run: int) -> dict | None:
        return next((s for s in self.summaries if s["run"] == run), None)

    def warnings(self, shown: int | None, reader: str = "page") -> list[str]:
        """What a reader of the charts must know about the file, in words, run ``shown`` being drawn: it holds more
        than one run (one after the other, or written at once), which is shown and how to see another (READERS: on
        the page, from read_log, or on the terminal)."""
        shown_run = self.find(shown) if shown is not None else None
        out = [_after_end(shown_run, self.total > 1)] if shown_run is not None and shown_run["after_end"] else []
        if self.total <= 1 and not self.left_out:
            return out
        shows, pick = READERS[reader]
        runs = list(self.summaries)
        which = f"{'the latest, ' if shown == self.total else ''}run {shown}{_from(shown_run)}"
        at_once = [s for s in runs if s["alongside"]]
        # a run that began a stretch of its own came after the runs before it had ended, whatever came later
        apart = [s for s in runs if s["run"] > 1 and (not s["alongside"] or s["from"]["first_run"] == s["run"])]
        if apart:
            listed = [s for s in runs[-6:] if s["run"] != shown]
            others = "; ".join(f"run {s['run']}: from line {count(s['began'])}, "
                               f"{plural(s['reports'], 'sampled step')}" for s in listed)
            more = f"; and {plural(self.total - len(runs[-6:]), 'earlier run')}" if self.total > len(runs[-6:]) \
                else ""
            out.append(f"This log holds {self.total} runs, one after the other: {apart[-1]['why']}. "
                       f"{_start(shows)} {which}, "
                       f"and no line joins two runs; {pick} ({others}{more})." + ("" if "run the monitor began" in
                       apart[-1]["why"] else " Give each run a log of its own (Monitor(model, log=...) appends to the "
                       "file it is given); a run resumed from a checkpoint saved after step N takes a new log= and "
                       "first_step=N + 1, so that its steps go on from N."))
        if at_once:
            m = self.mixed or {}
            how = "the run id on each line" if self.has_ids else "their steps and counts of sampled steps (the log " \
                "carries no run id, so two monitors at the same step are told apart by the order of their lines only)"
            where = f"from line {count(m['line'])} " if m.get("line") else ""
            what = f" (step {count(m['step'])} right after step {count(m['after'])})" \
                if m.get("step") is not None and m.get("after") is not None else ""
            out.append(f"{len(at_once)} monitors wrote this log at once (two processes, or two Monitors given the "
                       f"same log=): {where}their reports interleave{what}. Told apart by {how}, each is a run of its "
                       f"own: {shows} {which}; {pick}. Give each process its own log, such as "
                       "log=f\"run{rank}.jsonl\".")
        if self.left_out:
            out.append(f"{plural(self.left_out, 'report')} fit none of the {MAX_WRITERS} runs told apart at once and "
                       f"{'is' if self.left_out == 1 else 'are'} left out.")
        return out


def _after_end(summary: dict, several: bool) -> str:
    """The words for reports that follow a run's end line."""
    n = summary["after_end"]
    run = f"Run {summary['run']}" if several else "The run"
    return (f"{run} ended on line {count(summary['end_line'])} (its end line), and {plural(n, 'report')} of it "
            f"follow{'s' if n == 1 else ''} that line, up to step {count(summary['last_step'])}: an earlier version "
            "of actlab logged steps made after the monitor was closed. The run counts as ended; "
            f"{'that report is' if n == 1 else 'those reports are'} drawn as its last steps.")


def _start(words: str) -> str:
    """``words`` at the start of a sentence (a name of code, such as read_log, keeps its case)."""
    return words if "_" in words.split(" ", 1)[0] else words[0].upper() + words[1:]


def _from(summary: dict | None) -> str:
    return "" if summary is None else f" (from line {count(summary['began'])})"

