"""A claim's quick rerun beside its stored full run, with a verdict that leaving findings out cannot improve.

A quick version re-measures only the findings a short run decides: glorot2010 leaves out its 50 epochs of training,
he2015 its 30th epoch, shazeer2020 the digits task and the 3,000-step run. Read alone, such a run would call a
claim "reproduced" whose full run found a part that did not reproduce. A Rerun keeps both records: one row per
finding, the quick figure beside the stored one, and the claim's verdict taken over each finding's latest
measurement (the quick run's where it measured the finding again, the stored full run's where it did not), by the
rule of reproduction.verdict_of.

This module makes no numbers of its own, so it is not part of any claim's fingerprint (papers.claim_sources).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import figures
from ._result import jsonable
from .reproduction import Finding, Reproduction, verdict_of

QUICK, STORED = "quick run", "stored full run"  # the names each run's notes and figure go by


def _findings(n: int) -> str:
    return "1 finding" if n == 1 else f"{n} findings"


@dataclass(frozen=True)
class Row:
    """One finding of a claim: the quick run's measurement, the stored full run's, or both."""

    key: str
    quick: Finding | None
    stored: Finding | None

    @property
    def latest(self) -> Finding:
        """The finding the claim's verdict counts: the quick run's when it has one, else the stored one."""
        return self.quick if self.quick is not None else self.stored

    def notes(self) -> list[tuple[str, str]]:
        """Each run's note on its own figure, named by its run (QUICK, STORED), with the parts both runs say alike
        (a note's parts are separated by "; ") said once, unnamed, first; none where neither says anything. A quick
        run's note (where its largest miss lies, its error) is about the quick figure only, so it never stands under
        the stored one, and a long explanation both runs carry is not printed twice."""
        found = [(run, f.note) for run, f in ((QUICK, self.quick), (STORED, self.stored)) if f is not None]
        if len(found) < 2:  # one run: nothing to tell apart
            return [("", note) for _, note in found if note]
        parts = {run: [p for p in note.split("; ") if p] for run, note in found}
        shared = [p for p in parts[QUICK] if p in parts[STORED]]
        out = [("", "; ".join(shared))] if shared else []
        for run, ps in parts.items():
            own = [p for p in ps if p not in shared]
            if own:
                out.append((run, "; ".join(own)))
        return out

    def to_dict(self) -> dict:
        f = self.latest
        return {"key": self.key, "what": f.what, "paper": f.paper, "criterion": f.criterion,
                "notes": [list(n) for n in self.notes()],
                "quick": None if self.quick is None else self.quick.to_dict(),
                "stored": None if self.stored is None else self.stored.to_dict()}


@dataclass(frozen=True)
class Rerun:
    """A claim's quick run (None: it has no quick version) beside its stored full run (None: none is stored)."""

    name: str
    quick: Reproduction | None
    stored: Reproduction | None
    stored_when: str = ""  # when the stored full run was made, as the stored table records it

    def __post_init__(self) -> None:
        if self.quick is None and self.stored is None:
            raise ValueError(f"{self.name}: a rerun needs a quick run, a stored full run or both")

    @property
    def record(self) -> Reproduction:
        """The record that names the claim (paper, claim, explanation): the quick one where there is one."""
        return self.quick if self.quick is not None else self.stored

    def rows(self) -> list[Row]:
        """Every finding of either run: the stored full run's order, then any the quick run alone has."""
        quick = {f.key: f for f in self.quick.findings} if self.quick is not None else {}
        stored = {f.key: f for f in self.stored.findings} if self.stored is not None else {}
        keys = list(stored) + [k for k in quick if k not in stored]
        return [Row(k, quick.get(k), stored.get(k)) for k in keys]

    @property
    def verdict(self) -> str:
        return verdict_of([r.latest for r in self.rows()])

    @property
    def basis(self) -> str:
        """In words, which measurements the verdict counts."""
        rows = self.rows()
        fresh = sum(r.quick is not None for r in rows)
        kept = len(rows) - fresh
        if self.quick is None:
            return "the stored full run alone; this claim has no quick version, as its verdict needs the full run"
        if self.stored is None:
            return "the quick run alone: no full run of this claim is stored to set beside it"
        if kept == 0:
            return f"the quick run's {_findings(fresh)}, each also measured in the stored full run shown beside it"
        return (f"the quick run's {_findings(fresh)} and, for the {kept} it does not measure, the stored full "
                "run's")

    def to_dict(self) -> dict:
        r = self.record
        return {"name": self.name, "paper": r.paper, "claim": r.claim, "verdict": self.verdict,
                "basis": self.basis, "explanation": r.explanation, "stored_when": self.stored_when,
                "quick_verdict": None if self.quick is None else self.quick.verdict,
                "stored_verdict": None if self.stored is None else self.stored.verdict,
                "quick": None if self.quick is None else self.quick.to_dict(),
                "stored": None if self.stored is None else self.stored.to_dict(),
                # each run's own figure (figures.figure), so that a face draws the quick one beside the stored one
                "figures": {run: jsonable([p.to_dict() for p in figures.figure(rec)])
                            for run, rec in (("quick", self.quick), ("stored", self.stored)) if rec is not None},
                "rows": [jsonable(row.to_dict()) for row in self.rows()]}
