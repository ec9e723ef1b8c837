"""A made-up claim served by the papers page: its quick run and its stored full run, in this process (the lab's jobs
run in threads here, so the monkeypatched registry is the one they read)."""

from __future__ import annotations

from actlab.experiments import papers
from actlab.experiments.reproduction import Reproduction


def serve_fake_claim(monkeypatch, quick_record: Reproduction, stored: Reproduction, generated: str) -> None:
    """The lab's only claim is ``quick_record.name``: its quick version returns ``quick_record``, its stored full run
    is ``stored`` (written at ``generated``)."""
    entry = {**stored.to_dict(), "generated": generated}

    def run(quick=True, seeds=None, on_step=None):
        on_step(1, 1, "done")
        return quick_record

    monkeypatch.setitem(papers.CLAIMS, quick_record.name, (run, True))
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": [entry]})
    monkeypatch.setattr(papers, "names", lambda: [quick_record.name])
