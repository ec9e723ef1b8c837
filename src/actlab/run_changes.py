"""Where a run's reading changed its status, in bounded memory, for the watch page's marks (W47 finding 2: a finished
page showed only the last reading, and nothing told when the run had gone wrong). RunHistory holds one."""

from __future__ import annotations

# changes of the reading's status kept (a run whose status goes back and forth keeps its first half and its newest;
# the ones between are counted, with their first and last step), and the longest status kept (a Monitor's are a word
# or two; a log written by other means may hold any string)
MAX_CHANGES = 64
STATUS_CHARS = 40


class StatusChanges:
    """``changes``: [step, status, is_failure, status before] per report whose reading's status differs from the one
    before it; the first report's own (its status before: None) starts the list. At most MAX_CHANGES: past that the
    middle one goes, and ``left_out`` counts those gone ({"count", "first", "last"}: the steps of the first and the
    last of them)."""

    def __init__(self):
        self.changes: list[list] = []
        self.left_out: dict | None = None
        self._status: str | None = None

    def take(self, step: int, reading) -> None:
        """Takes a report's reading in, where its status is not the one before (a report with no status changes
        nothing)."""
        status = reading.get("status") if isinstance(reading, dict) else None
        # a dead layer's status heads both a layer wholly dead and one dying (units stopped after being on): the
        # marks say which, as the headline does (its finding's evidence names the dying layers), where they had said
        # 'dead layer' over a headline 'dying layer: ...'
        evidence = reading.get("evidence") if isinstance(reading, dict) else None
        if status == "dead_layer" and isinstance(evidence, dict) and evidence.get("dying_layers"):
            status = "dying_layer"
        # and a run that had learned and is back near chance, or jumped, reads 'starting' under a headline
        # 'unsettled: ...': the marks say 'unsettled' (W107 walkthrough finding 4: 'to starting at step 312' of a run
        # 312 steps in whose loss had just blown up)
        words = reading.get("words") if isinstance(reading, dict) else None
        if status == "starting" and isinstance(words, str) and words.startswith("unsettled"):
            status = "unsettled"
        if not isinstance(status, str) or status[:STATUS_CHARS] == self._status:
            return
        status = status[:STATUS_CHARS]
        self.changes.append([step, status, reading.get("is_failure") is True, self._status])
        self._status = status
        if len(self.changes) > MAX_CHANGES:  # the middle one goes: the run's start and its newest changes stay
            gone = self.changes.pop(MAX_CHANGES // 2)
            out = self.left_out
            self.left_out = ({"count": 1, "first": gone[0], "last": gone[0]} if out is None else
                             {"count": out["count"] + 1, "first": out["first"], "last": gone[0]})
