"""A verdict's status and its rank: the one order of verdicts, worst first.

The checker gives each part and each verdict one of these; the progress store keeps a learner's best by rank;
verdicts, parts and progress rows carry the rank as a JSON field ("rank", "best_rank"), so the lab's pages and
the CLI compare ranks and never keep their own order.
"""

from __future__ import annotations

from enum import StrEnum


class VerdictStatus(StrEnum):
    """Worst first: a later status is a better verdict (its ``rank`` is higher)."""

    NOT_ATTEMPTED = "not_attempted"
    UNREADABLE = "unreadable"  # the answer could not be read (not a number, not a reading the part knows)
    INCORRECT = "incorrect"
    PARTLY_CORRECT = "partly_correct"
    CORRECT = "correct"

    @property
    def rank(self) -> int:
        """0 (not attempted) to 4 (correct)."""
        return _RANKS[self]

    @property
    def words(self) -> str:
        """The status as a reader writes it: "partly correct"."""
        return self.value.replace("_", " ")

    @classmethod
    def of(cls, status: str) -> VerdictStatus:
        """The status named ``status``; a ValueError that lists the valid names otherwise."""
        try:
            return cls(status)
        except ValueError:
            raise ValueError(f"unknown verdict status {status!r}; valid: {', '.join(STATUSES)}") from None


_RANKS = {s: i for i, s in enumerate(VerdictStatus)}
STATUSES: tuple[str, ...] = tuple(s.value for s in VerdictStatus)


def rank(status: str) -> int:
    """The rank of a status given by name (as stored): higher is better."""
    return VerdictStatus.of(status).rank


def best(a: str, b: str) -> VerdictStatus:
    """The better of two statuses (the first on a tie)."""
    return max(VerdictStatus.of(a), VerdictStatus.of(b), key=lambda s: s.rank)
