"""RunHistory keeps a series per place, so a log whose reports keep naming new places must not grow every point and
the place list without end (the watch page's memory per request is bounded by the history's caps)."""

from actlab.run_history import MAX_PLACES, RunHistory


def _report(step: int, names: list[str]) -> dict:
    return {"step": step, "loss": 1.0, "layers": [{"name": n, "act_grad_norm": 0.5, "dead": 0, "saturated": 0,
                                                   "dormant": 0, "width": 4} for n in names]}


def test_a_log_naming_a_new_place_on_every_report_keeps_at_most_max_places_series():
    h = RunHistory()
    extra = 300
    for step in range(1, MAX_PLACES + extra + 1):
        h.add(_report(step, ["fixed", f"new{step}"]))
    assert len(h.places) == MAX_PLACES and len(h.last_ran) == MAX_PLACES
    assert h.dropped_places == extra + 1  # 'fixed' takes one slot: new1 .. new1023 fit, the rest do not
    newest = h.recent[-1]
    assert len(newest["grads"]) == MAX_PLACES
    # the place named on every report keeps its own series to the end
    assert newest["grads"][0] == 0.5 and h.last_ran["fixed"] == MAX_PLACES + extra


def test_places_under_the_cap_each_keep_their_series():
    h = RunHistory()
    h.add(_report(1, ["a", "b", "c"]))
    h.add(_report(2, ["a", "c"]))  # 'b' did not run: its entry is None, 'c' stays on its own series
    p = h.recent[-1]
    assert h.places == ["a", "b", "c"] and p["grads"] == [0.5, None, 0.5] and h.dropped_places == 0
