"""The monitor's log: JSON lines, a header naming the layers, then one report per sampled step.

A place first seen after the log began (a module's second call, an activation applied as a function) brings a new
header line naming every place seen so far; readers keep the latest header. The last line, {"event": "end"}, says the
run ended (Monitor.close(), or the monitor's end when it is collected or the interpreter exits).

Written by actlab.torch.Monitor (which needs torch); read here with the standard library alone, so the lab can
show a log (``actlab watch FILE``) on a machine without torch.
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path

LOG_FORMAT = "actlab-monitor/1"
MAX_READ_BYTES = 4 * 1024 * 1024  # read at most this much of a growing log per call
KEEP_REPORTS = 2000  # the newest reports kept in memory


def end_line(steps: int) -> str:
    """The log's last line: the run ended after ``steps`` steps (Monitor.close(), or the monitor's end)."""
    return json.dumps({"event": "end", "steps_run": steps}) + "\n"


def _parse(line: str) -> dict | None:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


def read_log(path: str | Path) -> tuple[dict, list[dict]]:
    """A whole log: its header and every complete report (a half-written last line is skipped)."""
    tail = LogTail(path, keep=None)
    tail.poll(max_bytes=None)
    return tail.header, list(tail.reports)


class LogTail:
    """Follows a log as it grows: each poll() reads only the bytes added since the last (at most ``MAX_READ_BYTES``)
    and keeps the newest ``keep`` reports. Report k of the log has index k, however many were dropped."""

    def __init__(self, path: str | Path, keep: int | None = KEEP_REPORTS):
        self.path = Path(path)
        self.header: dict = {}
        self.reports: deque = deque(maxlen=keep)
        self.total = 0  # reports seen so far
        self.ended: dict | None = None  # the end line, once the monitor has closed the log
        self.mtime: float | None = None  # when the file last changed (seconds since the epoch)
        self._offset = 0
        self._partial = b""

    def poll(self, max_bytes: int | None = MAX_READ_BYTES) -> int:
        """Read what was appended; returns how many new reports arrived."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return 0
        size = stat.st_size
        if size < self._offset:  # the log was started again (a new monitor writes a new header)
            self.__init__(self.path, self.reports.maxlen)
        self.mtime = stat.st_mtime
        with self.path.open("rb") as fh:
            fh.seek(self._offset)
            chunk = fh.read(max_bytes if max_bytes is not None else -1)
        self._offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()  # an unfinished line waits for the rest
        before = self.total
        for raw in lines:
            obj = _parse(raw.decode("utf-8", "replace"))
            if obj is None:
                continue
            if obj.get("format") == LOG_FORMAT:
                self.header = obj
            elif obj.get("event") == "end":
                self.ended = obj
            elif "layers" in obj and "reading" in obj:
                self.reports.append(obj)
                self.total += 1
                self.ended = None  # a report after an end line: the run goes on
        return self.total - before

    def since(self, index: int, limit: int = 200) -> list[dict]:
        """Reports with index >= ``index`` that are still kept, at most ``limit``, oldest first."""
        first_kept = self.total - len(self.reports)
        start = max(index, first_kept) - first_kept
        return list(self.reports)[start:start + limit]
