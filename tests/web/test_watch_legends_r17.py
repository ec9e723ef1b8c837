"""The watch page's legends (issue 17, R17 items 4 and 5).

4: the unit-health legend said dead units "gave no gradient on any of the last sampled batches" and never how many;
the log's layers carry `window`, the batches the count covers. 5: the line charts' keys cut a TransformerEncoder's
"encoder.layers.0.linear1:gelu" to "1: …layers.0…", dropping the place's own name at 1280 px; now they keep the
end of the name where it fits, at 1280 and 420 px. The references are the log's own fields, written here."""

from __future__ import annotations

import re

import pytest

from actlab.web.app import create_app
from web._watch_fields_m19 import write_fields

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-history').keysDrawn?.length > 0"
TRANSFORMER = [f"encoder.layers.{k}.linear1:gelu" for k in range(4)]


def _log(path, names, windows):
    write_fields(path, names, range(1, 6), window=windows)


def _open(browser, tmp_path, names, windows, width, name):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    _log(log, names, windows)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        got = page.evaluate("""() => ({
          legend: document.getElementById('watch-dead-window')?.closest('p')?.textContent
            ?? [...document.querySelectorAll('p')].map((p) => p.textContent).find((t) => t.includes('Dead units')),
          history: document.getElementById('watch-history').keysDrawn.map((k) => k.label),
          health: document.getElementById('watch-health').keysDrawn.map((k) => k.label),
          width: document.getElementById('watch-history').clientWidth,
          rights: document.getElementById('watch-history').keysDrawn.map((k) => k.right) })""")
        shot(page, f"watch-r17-{name}-{width}", page.locator("#watch-history"))
        context.close()
    assert errors == []
    got["legend"] = " ".join(got["legend"].split())
    return got


@pytest.mark.browser
@pytest.mark.parametrize("window", [1, 40, 100])
def test_the_dead_legend_says_how_many_sampled_batches_the_count_covers(browser, tmp_path, window):
    got = _open(browser, tmp_path, ["l0", "l1"], [window, window], 1280, f"window-{window}")
    said = re.search(r"no gradient on any of the last (\d+) sampled batch(es)?\b", got["legend"])
    assert said is not None, got["legend"]
    assert int(said.group(1)) == window and (said.group(2) is None) == (window == 1)


@pytest.mark.browser
def test_the_dead_legend_gives_both_counts_where_a_layer_was_called_dead_on_fewer(browser, tmp_path):
    got = _open(browser, tmp_path, ["l0", "l1", "l2"], [100, 5, 100], 1280, "window-mixed")
    said = re.search(r"no gradient on any of the last (\d+) sampled batches \(([^)]*)\)", got["legend"])
    assert said is not None, got["legend"]
    assert int(said.group(1)) == 100 and re.search(r"\b5\b", said.group(2)), said.group(2)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_a_transformers_keys_keep_the_layer_number_and_the_place_name(browser, tmp_path, width):
    got = _open(browser, tmp_path, TRANSFORMER, [1] * 4, width, "transformer")
    for chart in ("history", "health"):
        labels = got[chart][:4]
        assert len(labels) == 4, got[chart]
        for k, label in enumerate(labels):
            number, _, name = label.partition(": ")
            assert number == str(k + 1), label
            # what tells the layers apart (their index) and what the place is (its end), as in the log's names
            assert TRANSFORMER[k].endswith(name.lstrip("…")), (label, TRANSFORMER[k])
            assert f"{k}.linear1:gelu" in name, label
    assert all(right <= got["width"] for right in got["rights"])  # every key inside the chart
