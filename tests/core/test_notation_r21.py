"""R21 item 2: one notation for the weight gradient's norm. Most faces wrote ‖dL/dW‖; the Frame's table (a notebook's
and print()'s), the vanishing experiment's table (actlab demo vanishing), the lesson's caption and the vanishing
chart's legend wrote ‖dW‖. The notation and its description live once in the core (reading_record.GRAD_NORM,
SIGNAL_NORM, NOTATION); the Python faces read them there and the pages from GET /api/options. The reference for the
description: the norm the instruments report is the root sum of squares of the backward pass's dW.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from actlab import experiments, instruments
from actlab.cli import app
from actlab.options import options
from actlab.reading_record import GRAD_NORM, NOTATION, SIGNAL_NORM
from actlab.session import RunConfig, build_trainer

runner = CliRunner()
STATIC = Path(__file__).resolve().parents[2] / "src" / "actlab" / "web" / "static"


def _flat(text: str) -> str:
    return re.sub(r"[│┃\s]+", " ", text)


def test_the_notation_is_what_the_instruments_measure():
    """‖dL/dW‖ is the root sum of squares of dL/dW, as NOTATION says: against the engine's own backward pass."""
    t = build_trainer(RunConfig(n_points=100, layers=(4, 2)))
    x, y = t.x_train[:10], t.y_train[:10]
    out, trace = t.net.forward(x)
    grads = t.net.backward(trace, y)
    norms = instruments.grad_norms(grads)
    assert norms.tolist() == pytest.approx([math.sqrt(float((g ** 2).sum())) for g in grads.dW], rel=1e-12)
    assert GRAD_NORM == "‖dL/dW‖" and SIGNAL_NORM == "‖dL/dz‖"
    assert NOTATION.startswith(f"{GRAD_NORM}: a layer's weight gradient") and "root sum of squares" in NOTATION


def test_the_frame_table_and_the_vanishing_table_write_it():
    frame = next(iter(build_trainer(RunConfig(n_points=100)).frames(1)))
    text = str(frame)
    assert f"{GRAD_NORM} / output's" in text and "‖dW‖" not in text
    html = frame._repr_html_()
    assert GRAD_NORM in html and "‖dW‖" not in html
    result = experiments.vanishing()
    assert "‖dW‖" not in str(result)
    flow = str(result.flows[0])
    assert f"{GRAD_NORM} / output's" in flow and f"{SIGNAL_NORM} / output's" in flow and "‖dW‖" not in flow


def test_the_cli_tables_and_their_note_write_it_and_quote_the_description():
    res = runner.invoke(app, ["train", "--epochs", "1", "--n-points", "100"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    text = _flat(res.output)
    assert NOTATION in text and GRAD_NORM in text and "‖dW‖" not in text
    demo = runner.invoke(app, ["demo", "vanishing"], env={"COLUMNS": "200"})
    assert demo.exit_code == 0, demo.output
    assert "‖dW‖" not in demo.output and GRAD_NORM in demo.output


def test_the_pages_get_the_notation_and_no_page_spells_it_another_way():
    served = options()["notation"]  # it carries the meaning of "saturated" too (R21 item 1)
    assert {k: served[k] for k in ("grad_norm", "signal_norm", "description")} == {
        "grad_norm": GRAD_NORM, "signal_norm": SIGNAL_NORM, "description": NOTATION}
    for path in [STATIC / "lesson.html", STATIC / "playground.html", *(STATIC / "js").rglob("*.js")]:
        assert "‖dW‖" not in path.read_text(), path
    # the two views that name the norms take them from the options, not from a copy of their own
    for view in ("gradient-flow.js", "vanishing.js"):
        src = (STATIC / "js" / "views" / view).read_text()
        code = "\n".join(line for line in src.splitlines() if not line.lstrip().startswith("//"))
        assert "‖dL/dW‖" not in code and "‖dL/dz‖" not in code, view


@pytest.mark.browser
def test_the_playground_table_and_the_lesson_legend_show_the_cores_notation(page):
    from _browser import open_playground, shot

    open_playground(page)
    # the rows come with the first drawn frame, which may follow "Ready"; the note is there from the start
    page.wait_for_function("document.querySelectorAll('#gradient-ratios tbody tr').length > 0", timeout=60_000)
    heads = page.locator("#gradient-ratios th[scope=col]").all_text_contents()
    assert heads[1:3] == [GRAD_NORM, f"{GRAD_NORM} vs output"] and heads[3].startswith(f"{SIGNAL_NORM} vs output")
    note = page.locator("#gradient-ratios p").text_content()
    assert note.startswith(NOTATION)
    shot(page, "r21-notation-playground", page.locator("#gradient-ratios"))
    page.goto(page.base + "/lesson#vanishing")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("document.getElementById('van-chart').data?.length === 4")
    names = page.evaluate("document.getElementById('van-chart').data.map(t => t.name)")
    assert names[0].startswith(f"{GRAD_NORM} measured") and names[1].startswith(f"{SIGNAL_NORM} measured")
    assert not any("‖dW‖" in n for n in names)
    assert "‖dW‖" not in page.locator("#vanishing").text_content()
    shot(page, "r21-notation-lesson", page.locator("#vanishing"))
    assert page.console_errors == []

