"""The vendored Plotly.js bundle: unchanged since it was recorded, licensed, and able to draw what the pages ask.

The pages preload their ES modules (<link rel=modulepreload>) so the browser fetches them in one round; a module
missing from that list still works but loads late, so the lists are checked against the imports."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from actlab.web.app import PLOTLY_JS, STATIC

JS = STATIC / "js"
VENDOR = STATIC / "vendor"


def test_bundle_matches_the_recorded_checksum_and_version():
    readme = (VENDOR / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith(f"| {PLOTLY_JS.name} "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    version, digest = cells[3], cells[4]
    assert hashlib.sha256(PLOTLY_JS.read_bytes()).hexdigest() == digest
    assert re.search(rf"plotly\.js \(basic[^)]*\) v{re.escape(version)}\n", PLOTLY_JS.read_text()[:300])
    assert "MIT License" in (VENDOR / "LICENSE-plotly.js.txt").read_text()


def trace_types_asked_for() -> set[str]:
    """Trace types the front end names; a trace with no type is a scatter."""
    found = {"scatter"}
    for path in JS.rglob("*.js"):
        found |= set(re.findall(r'\btype:\s*"(scatter\w*|bar|pie|heatmap\w*|contour\w*|histogram\w*|box|violin|'
                                r'surface|mesh3d|scatter3d|image|table|indicator|sankey|sunburst|treemap)"',
                                path.read_text()))
    return found


def test_every_trace_type_the_pages_draw_is_in_the_bundle():
    text = PLOTLY_JS.read_text()
    for name in trace_types_asked_for():
        # each trace module registers itself with moduleType:"trace",name:"<type>"
        assert re.search(f'moduleType:"trace",name:"{name}"', text), f"{name} is not in {PLOTLY_JS.name}"


def test_a_trace_type_outside_the_bundle_would_be_caught():
    assert not re.search(r'moduleType:"trace",name:"heatmap"', PLOTLY_JS.read_text())


def imports_of(module: Path) -> set[Path]:
    out = set()
    for spec in re.findall(r'^import[^"\n]*"(\.[^"]+)"', module.read_text(), flags=re.M):
        target = (module.parent / spec).resolve()
        out |= {target} | imports_of(target)
    return out


@pytest.mark.parametrize("page,entry", [("lesson.html", "main.js"), ("playground.html", "playground.js"),
                                        ("teacher.html", "teacher.js")])
def test_pages_preload_every_module_they_import(page, entry):
    html = (STATIC / page).read_text()
    assert f'<script type="module" src="/static/js/{entry}">' in html
    preloaded = {(STATIC / href.removeprefix("/static/")).resolve()
                 for href in re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)}
    assert preloaded == imports_of(JS / entry)


def test_the_lesson_preloads_the_bundle_the_charts_load():
    url = f"/vendor/{PLOTLY_JS.name}"
    assert f'<link rel="preload" href="{url}" as="script">' in (STATIC / "lesson.html").read_text()
    assert f'const PLOTLY_URL = "{url}";' in (JS / "charts.js").read_text()
