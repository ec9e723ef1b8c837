"""A net of 34 layers on the watch page (issue 17, V11 walk): past eight layers the history charts shade their lines
from the first layer to the last, and a key shows the ramp between the first and the last layer's names.
- Each colour of the ramp stands out from the chart's white by at least 3:1 (WCAG 2.1's contrast for graphics),
  computed here from the colour the browser draws; the middle layers' greens and yellows had about 1.6:1.
- At 420 px the key's two names are not cut mid-word: each is the full name or the whole dotted parts that tell
  the layers apart ("1: …layers.0…"); it read "1: model.layers.0.mlp.…" and "34: model.layers.33.m…"."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import write_run

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-loss').drawn?.x?.length > 0"
DEPTH = 34
NAMES = [f"model.layers.{k}.mlp.act" for k in range(DEPTH)]

# the ramp's colours as the browser parses them (a canvas's fillStyle reads back as #rrggbb)
COLOURS = """(async (counts) => {
  const { lineColour } = await import('/static/js/watch-charts.js');
  const ctx = document.createElement('canvas').getContext('2d');
  const parsed = (n, k) => { ctx.fillStyle = lineColour(k, n); return ctx.fillStyle; };
  return counts.map((n) => Array.from({ length: n }, (_, k) => parsed(n, k)));
})"""


def _contrast_on_white(hex_colour: str) -> float:
    """WCAG 2's contrast ratio of a #rrggbb colour against white."""
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def _whole_parts(drawn: str, k: int) -> bool:
    """Whether a key's name for layer k is '<k+1>: ' and then the full name, or pieces of it cut only at its dots."""
    prefix = f"{k + 1}: "
    if not drawn.startswith(prefix):
        return False
    full = NAMES[k].split(".")
    pieces = [p for p in drawn[len(prefix):].split("…") if p]
    for piece in pieces:
        parts = piece.split(".")
        if not any(full[i:i + len(parts)] == parts for i in range(len(full))):
            return False
    return bool(pieces)


@pytest.mark.browser
def test_the_ramp_colours_stand_out_from_the_white(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "deep.jsonl"
    write_run(log, NAMES, range(1, 20), loss=lambda s: 3.0 / s)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY)
        for colours in page.evaluate(COLOURS, [9, DEPTH, 100]):
            low = min(colours, key=_contrast_on_white)
            assert _contrast_on_white(low) >= 3.0, (len(colours), low, _contrast_on_white(low))
            assert len(set(colours)) >= len(colours) * 0.8  # still a ramp of distinct colours
        assert errors == []
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_the_ramp_key_names_are_cut_only_at_their_dots(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "deep.jsonl"
    write_run(log, NAMES, range(1, 20), loss=lambda s: 3.0 / s)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        for chart in ("watch-history", "watch-health"):
            first, last = page.evaluate(f"document.getElementById('{chart}').rampDrawn")
            assert _whole_parts(first, 0), first
            assert _whole_parts(last, DEPTH - 1), last
        shot(page, f"watch-v11-many-{width}", page.locator(".grid2.watch-charts"))
        assert errors == []
        context.close()
