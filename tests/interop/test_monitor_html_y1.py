"""The notebook's face of a report says what its text says (issue 17, W29 walkthrough finding 5): the HTML table had no
mean or std, no step, none of the layers' words (the 'gone silent' line that explains '41 (39 silent)'), and read
'healthy: healthy: ...'. Reference: str(report), line by line, against the HTML's own text (tags dropped, entities
read), on the silent-layer run of test_monitor_silent_layer_y1 and on a diverged one."""

from __future__ import annotations

import html
import re

from conftest import require_torch

torch = require_torch()

from interop.test_monitor_silent_layer_y1 import _run  # noqa: E402


def _text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _words(s: str) -> str:
    return " ".join(s.split())


def test_every_line_of_the_text_is_in_the_html():
    seen, _ = _run(kill=True)
    for report in (seen[301], seen[1]):
        text, page = str(report), report._repr_html_()
        got = _words(_text_of(page))
        lines = text.splitlines()
        assert lines[0] in got  # the step the report is of
        for line in lines[3:]:  # the table's rows, its legends, the layers' words, the reading and the notes
            if set(line.strip()) <= {"-"}:
                continue
            body = line.split(": ", 1)[1] if re.match(r"\s*(status|reading|remedy|also|note): ", line) else line
            assert _words(body) in got or all(cell in got for cell in line.split()), line
        for title in ("mean", "std", "dead", "sat", "dorm", "weights"):
            assert f"<th>{title}</th>" in page
        assert f"{report.status.value}: {report.status.value}:" not in got
    row = seen[301].layers[1]
    page = _words(_text_of(seen[301]._repr_html_()))
    assert row.silent >= 32 and f"({row.silent} silent)" in page and _words(row.words) in page
