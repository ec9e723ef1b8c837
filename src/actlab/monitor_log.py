"""The monitor's log: JSON lines, a header naming the layers, then one report per sampled step.

A place first seen after the log began (a module's second call, an activation applied as a function) brings a new
header line naming every place seen so far; readers keep the latest header. The last line, {"event": "end"}, says the
run ended (Monitor.close(), or the monitor's end when it is collected or the interpreter exits).

Written by actlab.torch.Monitor (which needs torch); read here with the standard library alone, so the lab can
show a log (``actlab watch FILE``) on a machine without torch. Each line is checked against the format before a
reader keeps it: a line that is not one of the three records is counted and named, never passed on, and a file whose
first line is none of them is not a Monitor log.

One monitor writes one run. A file can hold more than one (logs appended one after the other, or two monitors
writing it at once), and a reader never draws two runs as one: it tells them apart and numbers them, shows one (the
latest, unless asked for another) and says what else the file holds.

The parts, one idea each, whose public names this module gathers:
    log_format  the records, their checks (check_record), the end line, strict JSON
    log_runs    which run each record belongs to (Runs)
    log_tail    following a log as it grows (LogTail), for the watch page
    log_read    reading a whole log: read_log() for scripts, check_log() for the terminal
    run_history a run, thinned for the charts (RunHistory)
"""

from __future__ import annotations

from .log_format import (
    HEADER_EXAMPLE,
    LOG_FORMAT,
    check_record,
    check_report,
    count,
    crash_of,
    decode,
    end_line,
    missing_folder,
    plural,
    strict,
)
from .log_read import CUT_QUIET_S, LogRead, LogWarning, check_log, cut_words, findings, read_log
from .log_runs import KEEP_RUNS, MAX_WRITERS, Runs
from .log_tail import KEEP_PROBLEMS, KEEP_REPORTS, MAX_READ_BYTES, PREVIEW_BYTES, SKIP_KINDS, LogTail
from .run_history import HEAD_POINTS, MAX_SPANS, RECENT_POINTS, THINNED_POINTS, RunHistory, point_of

__all__ = ["CUT_QUIET_S", "HEADER_EXAMPLE", "HEAD_POINTS", "KEEP_PROBLEMS", "KEEP_REPORTS", "KEEP_RUNS", "LOG_FORMAT",
           "MAX_READ_BYTES", "MAX_SPANS", "MAX_WRITERS", "PREVIEW_BYTES", "RECENT_POINTS", "SKIP_KINDS",
           "THINNED_POINTS", "LogRead", "LogTail", "LogWarning", "RunHistory", "Runs", "check_log", "check_record",
           "check_report", "count", "crash_of", "cut_words", "decode", "end_line", "findings", "missing_folder",
           "plural", "point_of", "read_log", "strict"]
