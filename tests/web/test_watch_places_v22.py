"""The watch page where places ran on some sampled steps only (W21 finding 3, an MoE whose experts stop getting
tokens): every line drawn has a name, each place keeps its own series (the gradients the log gives it, not the next
layer's), and the latest-step table says which places did not run on that step and when each last ran. The
references are the log's own fields, written here."""

from __future__ import annotations

import pytest

from actlab.monitor_log import LogTail
from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-history').keysDrawn?.length > 0"
PLACES = ["act0", "experts.0.1", "experts.1.1", "experts.2.1", "experts.3.1"]  # expert 3 never runs
RAN = {"experts.0.1": 6, "experts.1.1": 9}  # the last step each of these experts ran on; act0 and expert 2 always


def _ran(step: int) -> list[str]:
    return [n for n in PLACES[:4] if RAN.get(n, 12) >= step]


def _write(path) -> None:
    """Steps 1-12; each layer's |dL/da| is 10 * its place's index + step / 100, so a series that took another
    place's numbers shows it."""
    reports = []
    for step in range(1, 13):
        r = report(step, _ran(step))
        for layer in r["layers"]:
            layer["act_grad_norm"] = 10 * PLACES.index(layer["name"]) + step / 100
        reports.append(r)
    path.write_text(lines(header(PLACES), *reports))


def test_each_place_keeps_its_own_series(tmp_path):
    log = tmp_path / "moe.jsonl"
    _write(log)
    tail = LogTail(log)
    tail.poll()
    history = tail.history
    assert history.places == PLACES
    assert history.last_ran == {"act0": 12, "experts.0.1": 6, "experts.1.1": 9, "experts.2.1": 12}
    by_step = {p["step"]: p["grads"] for p in history.recent}
    for step, grads in by_step.items():
        want = [10 * k + step / 100 if n in _ran(step) else None for k, n in enumerate(PLACES)]
        assert grads == pytest.approx(want), step  # at faa7e5d step 10's expert 2 was drawn on expert 1's line


@pytest.mark.browser
def test_every_line_is_named_and_the_table_says_what_did_not_run(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "moe.jsonl"
    _write(log)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 1280)
        got = page.evaluate("""() => ({
          history: document.getElementById('watch-history').keysDrawn.map((k) => k.label),
          health: document.getElementById('watch-health').keysDrawn.map((k) => k.label),
          rows: [...document.querySelectorAll('#watch-table tbody tr')].map((r) =>
            [...r.cells].map((c) => c.textContent)) })""")
        shot(page, "watch-v22-places", page.locator("#watch-history"))
        shot(page, "watch-v22-places-table", page.locator("#watch-table"))
        context.close()
    assert errors == []
    # every series has a key with its place's name (at faa7e5d: "3:", "4:" with no name)
    for chart in ("history", "health"):
        labels = [k for k in got[chart] if ": " in k]
        assert len(labels) >= 4, got[chart]
        for label in labels:
            number, _, name = label.partition(": ")
            assert name.strip(), label
            place = PLACES[int(number) - 1]
            if place == "experts.3.1":  # a place no report named says so on its key (W89 walkthrough finding 10)
                assert name.endswith(" (has not run)"), label
                name = name.removesuffix(" (has not run)")
            assert place.endswith(name.lstrip("…")), label
    assert [r[0] for r in got["rows"]] == PLACES  # in the charts' order (at faa7e5d: act0 and experts.2.1 only)
    rows = {r[0]: r for r in got["rows"]}
    assert rows["experts.0.1"][1] == "did not run on step 12: it last ran on training step 6 (a sampled one)"
    assert rows["experts.1.1"][1] == "did not run on step 12: it last ran on training step 9 (a sampled one)"
    assert rows["experts.3.1"][1] == "has not run on any sampled step read so far"
    assert rows["act0"][3] == "0.12" and rows["experts.2.1"][3] == "30.1", got["rows"]  # 10 * 3 + 12 / 100
