"""RunHistory.status (run_changes.StatusChanges): where the reading's status changed over a run, for the watch page's
marks (W47 finding 2: a finished page did not show when a run went wrong). Checked against the statuses the test
itself wrote: the status every step had can be told back from the changes kept, except within the stretch that went
past MAX_CHANGES, which is counted with its first and last step."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.run_changes import MAX_CHANGES, STATUS_CHARS
from actlab.run_history import RunHistory

FAILURES = {"diverged", "dead_layer", "no_gradient"}


def _report(step: int, status: str | None) -> dict:
    out = {"step": step, "loss": 1.0, "layers": [{"name": "a", "act_grad_norm": 0.5, "dead": 0, "saturated": 0,
                                                  "dormant": 0, "width": 4}]}
    if status is not None:
        out["reading"] = {"status": status, "words": "", "is_failure": status in FAILURES}
    return out


def _history(statuses: list[str | None], first_step: int = 1) -> RunHistory:
    h = RunHistory()
    for k, status in enumerate(statuses):
        h.add(_report(first_step + k, status))
    return h


def test_a_run_that_went_wrong_keeps_its_start_and_each_change_with_the_status_before():
    h = _history(["starting"] * 20 + ["healthy"] * 40 + ["diverged"] * 10 + ["healthy"] * 5)
    assert h.status.changes == [[1, "starting", False, None], [21, "healthy", False, "starting"],
                         [61, "diverged", True, "healthy"], [71, "healthy", False, "diverged"]]
    assert h.status.left_out is None


def test_a_run_whose_status_never_changes_has_its_start_only():
    h = _history(["healthy"] * 30, first_step=500)
    assert h.status.changes == [[500, "healthy", False, None]]


def test_reports_without_a_status_change_nothing():
    h = _history([None, "starting", None, "starting", "healthy", None])
    assert h.status.changes == [[2, "starting", False, None], [5, "healthy", False, "starting"]]


def test_a_status_written_by_other_means_is_cut_to_its_first_characters():
    long = "x" * 5000
    h = _history(["healthy", long, long + "y"])
    assert h.status.changes[1][1] == "x" * STATUS_CHARS
    assert len(h.status.changes) == 2  # the two long ones read the same once cut


def test_a_status_that_keeps_flipping_keeps_the_first_and_newest_changes_and_counts_the_rest():
    n = 500
    statuses = ["diverged" if k % 2 else "no_gradient" for k in range(n)]  # W47's flip, every step
    h = _history(statuses)
    assert len(h.status.changes) == MAX_CHANGES
    half = MAX_CHANGES // 2
    assert [c[0] for c in h.status.changes[:half]] == list(range(1, half + 1))
    assert [c[0] for c in h.status.changes[half:]] == list(range(n - half + 1, n + 1))
    assert h.status.left_out == {"count": n - MAX_CHANGES, "first": half + 1, "last": n - half}


def _status_at(h: RunHistory, step: int) -> str | None:
    """The status at ``step`` as the changes tell it, or "unknown" within the stretch that was left out."""
    out = h.status.left_out
    before = [c for c in h.status.changes if c[0] <= step]
    if not before:
        return None
    if out and step >= out["first"] and before[-1][0] < out["first"]:
        return "unknown"
    return before[-1][1]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["starting", "healthy", "diverged", "dead_layer", None]), min_size=1, max_size=400))
def test_the_status_of_every_step_is_told_back_from_the_changes_or_said_unknown(statuses):
    h = _history(statuses)
    assert len(h.status.changes) <= MAX_CHANGES
    last = None
    for k, status in enumerate(statuses):
        last = status if status is not None else last
        told = _status_at(h, k + 1)
        assert told == last or (told == "unknown" and h.status.left_out is not None), (k + 1, told, last)
    # each change kept is a real change: its status differs from the one the step before had
    for step, status, failure, before in h.status.changes:
        prior = next((s for s in reversed(statuses[:step - 1]) if s is not None), None)
        assert before == prior and status != prior and failure == (status in FAILURES)


def test_a_dying_layer_is_marked_dying_and_a_wholly_dead_one_dead():
    """The marks had said 'dead layer' over a headline 'dying layer: ...' (one status heads both): the head finding's
    evidence names the dying layers, and the change says 'dying_layer' there."""
    h = RunHistory()
    h.add(_report(1, "healthy"))
    dying = _report(2, "dead_layer")
    dying["reading"]["evidence"] = {"dying_layers": ["module '1' (ReLU)"], "died_units": [5]}
    h.add(dying)
    h.add(_report(3, "dead_layer"))  # the whole layer dead now: its own finding, no dying layers
    assert h.status.changes == [[1, "healthy", False, None], [2, "dying_layer", True, "healthy"],
                                [3, "dead_layer", True, "dying_layer"]]


def test_an_unsettled_run_is_marked_unsettled_not_starting():
    """W107 walkthrough finding 4: a run 312 steps in whose loss had just jumped read 'to starting at step 312' under
    a headline 'Unsettled: ...' (its status is starting): the change says 'unsettled' there, as the headline does."""
    h = RunHistory()
    h.add(_report(1, "starting"))
    h.add(_report(2, "healthy"))
    jumped = _report(3, "starting")
    jumped["reading"]["words"] = "unsettled: the mean loss had come down to 0.0648 at training step 302, ..."
    h.add(jumped)
    assert h.status.changes == [[1, "starting", False, None], [2, "healthy", False, "starting"],
                                [3, "unsettled", False, "healthy"]]
