"""W27 (walkthrough W26, finding 5): units that have gone silent (on in most of their batches, then off on every
point since, not yet counted dead) are counted apart from the rarely active ones in every face: the report's table,
its HTML, the log (LayerStats.silent) and the watch page's table, where "2 rarely active" stood beside words saying
1 rarely active and 1 gone silent. Checked against a direct count of the units on before the kill and off since."""

import json
import math
import re

import pytest

from conftest import require_torch

torch = require_torch()

from actlab.interop._monitor_base import DEAD_EVIDENCE  # noqa: E402
from actlab.log_format import check_record  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402
from interop.test_monitor_died_mid_run_m20 import RARE, _model  # noqa: E402

# m20's model: units 0-3 rarely active (on where x0 > 2.576), units 4-15 on for about half of the samples, so on in
# every batch of 32
KILLED = slice(RARE, RARE + 2)
KILL = 31


def _run(tmp_path=None):
    """Reports after each step (every=1), and per step the direct count of units on in most batches before the kill
    and off on every batch since it: the units gone silent, until counted dead."""
    model = _model()
    on = []
    model[1].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    mon = Monitor(model, every=1, chance_loss=math.log(3), log=None if tmp_path is None else tmp_path / "w.jsonl")
    gen = torch.Generator().manual_seed(1)
    out = []
    for step in range(1, KILL + DEAD_EVIDENCE + 3):
        if step == KILL:
            with torch.no_grad():
                model[0].bias[KILLED] = -100.0
        monitored_step(mon, model, torch.randn(32, 4, generator=gen), torch.randint(0, 3, (32,), generator=gen))
        model.zero_grad()
        seen = torch.stack(on)
        before, since = seen[:KILL - 1], seen[KILL - 1:]
        silent = int(((before.float().mean(0) > 0.5) & ~since.any(0)).sum()) if len(since) else 0
        out.append((step, mon.report(), silent))
    mon.close()
    return out, mon


def test_units_gone_silent_are_counted_apart_from_the_rarely_active_ones():
    runs, _ = _run()
    said = 0
    for step, report, direct in runs:
        row = report.layers[0]
        if step < KILL:
            assert row.silent == 0
            continue
        if row.dead:  # counted dead: no longer silent
            assert row.silent == 0 and row.dead >= 2
            continue
        assert direct == 2  # the premise: both killed units were on in most batches before, off since
        # the monitor calls them silent once their silence has odds under SILENT_ODDS (2 off batches here)
        assert row.silent in (0, direct), (step, row)
        if not row.silent:
            continue
        assert row.saturated >= row.silent
        rare = row.saturated - row.silent
        # the words say the rarely active and the silent units apart, with the same counts as the table
        # (by index: the killed ones, and the rarely active ones by theirs)
        assert re.search(rf"2 of 16 units \(by index: {RARE}, {RARE + 1}\) were on in \d+% or more of their sampled "
                         "batches before", row.words), row.words
        assert row.silent_units == (RARE, RARE + 1), row
        if rare:
            assert row.saturated_units == tuple(range(rare)), row
        if rare:
            assert f"{rare} of 16 units rarely active" in row.words, row.words
        else:
            assert "rarely active" not in row.words, row.words
        text = str(report)
        assert f"{row.saturated} (2 silent)" in text.splitlines()[3], text
        assert "sat (n silent): n of those units were on before" in text
        assert f"<td>{row.saturated} (2 silent)</td>" in report._repr_html_()
        said += 1
    assert said >= 1  # the case was seen: a step with the killed units silent and not yet dead


def test_the_log_holds_the_silent_count_and_passes_its_check(tmp_path):
    runs, mon = _run(tmp_path)
    lines = [json.loads(line) for line in (tmp_path / "w.jsonl").read_text().splitlines()]
    reports = [r for r in lines if "layers" in r and "step" in r]
    by_step = {r["step"]: r for r in reports}
    for step, report, _ in runs:
        logged = by_step[step]["layers"][0]
        assert logged["silent"] == report.layers[0].silent
        check_record(by_step[step])
    assert any(r["layers"][0]["silent"] for r in reports)


@pytest.mark.browser
def test_the_watch_page_says_the_silent_units_apart(browser, tmp_path):
    from actlab.web.app import create_app
    from web._watch_page import open_watch
    from web.conftest import serving

    runs, _ = _run(tmp_path)
    log = tmp_path / "w.jsonl"
    # the page shows the latest report: keep the log up to the first step with silent units
    step = next(s for s, r, _ in runs if r.layers[0].silent)
    row = next(r for s, r, _ in runs if s == step).layers[0]
    kept = [line for line in log.read_text().splitlines()
            if json.loads(line).get("step", 0) <= step and "event" not in json.loads(line)]
    log.write_text("\n".join(kept) + "\n")
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.querySelector('#watch-table table') !== null")
        head = page.locator("#watch-table thead th").all_text_contents()
        cells = page.locator("#watch-table tbody tr").nth(0).locator("td").all_text_contents()
        rare = row.saturated - row.silent
        want = (f"{rare} rarely active, " if rare else "") + f"{row.silent} gone silent"
        assert cells[head.index("saturated / rarely active")] == want
        # the unit-health chart's readout at that step says them apart too (W27 helper: '16 saturated or rarely
        # active' where 15 of them had gone silent)
        page.locator("#watch-health-measure").select_option("saturated")
        page.locator("#watch-health").focus()
        page.keyboard.press("End")
        said = page.locator("#watch-readout").text_content()
        assert (f"Step {step}, layer 1 ('1 (ReLU)'): {row.saturated} of 16 units saturated or rarely active "
                f"({round(100 * row.saturated / 16)}%) ({row.silent} of them gone silent); ") in said, said
        assert not errors
        context.close()
