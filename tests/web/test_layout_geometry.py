"""Geometry in real Chromium at a phone, a tablet (both ways round) and a desktop: what the learner sees must not sit
on top of something else. Bounding boxes of chart titles, tick labels and legends, the playground's panels and
per-layer controls, and the census table's rows; and the log axis's tick labels read as decades."""

from __future__ import annotations

import re

import pytest

from web.conftest import shot

pytestmark = pytest.mark.browser
SIZES = [(390, 844), (768, 1024), (1024, 768), (1440, 900)]


def _open(page, path: str, width: int, height: int):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(page.base + path)
    page.wait_for_selector("body[data-ready=true]", timeout=90_000)


def _overlap(a, b) -> bool:
    """Two boxes [left, top, right, bottom] share more than a pixel's sliver."""
    return min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1


# Every text a Plotly chart draws (title, axis titles, tick labels: one group each) with its box in page pixels,
# the chart's own box, the trace names, and the page's legend under it.
CHART_TEXTS = """(el) => {
  const box = (e) => { const r = e.getBoundingClientRect();
                       return [r.left, r.top + scrollY, r.right, r.bottom + scrollY]; };
  const texts = {};
  for (const [group, sel] of [["title", ".g-gtitle text"], ["x title", ".g-xtitle text"], ["y title", ".g-ytitle text"],
                              ["y2 title", ".g-y2title text"], ["x ticks", ".xtick text"], ["y ticks", ".ytick text"],
                              ["y2 ticks", ".y2tick text"]]) {
    texts[group] = [...el.querySelectorAll(sel)].filter((t) => t.textContent && t.getBoundingClientRect().width)
      .map((t) => ({ text: t.textContent, box: box(t) }));
  }
  const legend = el.parentElement.querySelector(':scope > .chart-legend');
  return { id: el.id, chart: box(el), texts, traces: el.data.map((t) => t.name).filter(Boolean),
           legend: legend && !legend.hidden ? { box: box(legend),
             names: [...legend.querySelectorAll('button')].map((b) => b.textContent) } : null };
}"""


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_lesson_charts_keep_legends_titles_and_ticks_apart(page, width, height):
    _open(page, "/lesson", width, height)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 7")
    charts = [page.locator(f"#{i}").evaluate(CHART_TEXTS) for i in
              page.evaluate("[...document.querySelectorAll('.js-plotly-plot')].map((e) => e.id)")]
    problems = []
    for c in charts:
        groups = [(g, t) for g, ts in c["texts"].items() for t in ts]
        for i, (g1, t1) in enumerate(groups):
            if not (c["chart"][0] - 1 <= t1["box"][0] and t1["box"][2] <= c["chart"][2] + 1):
                problems.append(f"{c['id']}: {g1} {t1['text']!r} sticks out of the chart sideways")
            for g2, t2 in groups[i + 1:]:
                if g1 != g2 and _overlap(t1["box"], t2["box"]):
                    problems.append(f"{c['id']}: {g1} {t1['text']!r} overlaps {g2} {t2['text']!r} "
                                    f"({[round(v) for v in t1['box']]}, {[round(v) for v in t2['box']]})")
        if len(c["traces"]) > 1:  # every line named, in the page under the chart, clear of every text in it
            if c["legend"] is None or c["legend"]["names"] != c["traces"]:
                problems.append(f"{c['id']}: legend {c['legend'] and c['legend']['names']} for {c['traces']}")
            elif c["legend"]["box"][1] < c["chart"][3] - 1:
                problems.append(f"{c['id']}: the legend starts above the chart's bottom edge")
    assert problems == [], "\n".join(problems)
    assert {"van-chart", "gelu-chart", "gates-chart", "pieces-chart"} <= {c["id"] for c in charts}
    for name in ("van-chart", "gelu-chart", "gates-chart"):
        page.locator(f"#{name}").scroll_into_view_if_needed()
        shot(page, f"layout-{name}-{width}", page.locator(f"#{name}").locator(".."))


def test_a_legend_entry_hides_and_shows_its_line(page):
    _open(page, "/lesson", 1440, 900)
    gates = page.locator("#gates-chart")
    page.wait_for_function("document.getElementById('gates-chart').legendNames?.length === 4")
    entry = page.locator("#gates-chart + .chart-legend").get_by_role("button", name="reglu: g(b)")
    entry.click()
    assert entry.get_attribute("aria-pressed") == "false"
    assert gates.evaluate("(el) => el.data.map((t) => t.visible ?? true)") == [True, "legendonly", True, True]
    entry.press("Enter")  # the keyboard too
    assert entry.get_attribute("aria-pressed") == "true"
    assert gates.evaluate("(el) => el.data[1].visible") is True


DECADE = re.compile(r"^(1|10|10⁻?[¹²³⁴⁵⁶⁷⁸⁹][⁰¹²³⁴⁵⁶⁷⁸⁹]*)$")
SUPER = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def _exponent(label: str) -> int:
    return {"1": 0, "10": 1}[label] if label in ("1", "10") else int(label[2:].translate(SUPER))


@pytest.mark.parametrize(("query", "width"), [
    ("", 1440),                                         # sigmoid: ten decades
    ("?van_act=relu&van_init=he_normal&van_depth=3", 390),  # ReLU with He: within a decade of 1
    ("?van_act=tanh&van_init=xavier_normal&van_depth=4", 768),
])
def test_the_log_axis_is_labelled_in_decades(page, query, width):
    _open(page, "/lesson" + query, width, 900)
    page.wait_for_function("document.getElementById('van-chart').data?.length === 4")
    page.wait_for_timeout(300)
    ticks = page.locator("#van-chart").evaluate(
        "(el) => [...el.querySelectorAll('.ytick text')].map((t) => [t.textContent, t.getBoundingClientRect().top])")
    labels = [t for t, _ in sorted(ticks, key=lambda t: t[1])]  # top to bottom
    assert len(labels) >= 2 and all(DECADE.match(t) for t in labels), labels
    exponents = [_exponent(t) for t in labels]
    steps = {a - b for a, b in zip(exponents, exponents[1:], strict=False)}
    assert len(steps) == 1 and steps.pop() >= 1, labels  # falling by the same whole number of decades
    values = page.locator("#van-chart").evaluate("(el) => el.data.flatMap((t) => t.y).filter((v) => v > 0)")
    assert 10 ** min(exponents) <= min(values) and max(values) <= 10 ** max(exponents)  # every value within
    page.locator("#van-chart").scroll_into_view_if_needed()
    shot(page, f"layout-van-decades-{width}", page.locator("#van-chart").locator(".."))


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_census_rows_stay_short_and_inside_the_page(page, width, height):
    _open(page, "/lesson", width, height)
    census = page.locator("#census")
    census.scroll_into_view_if_needed()
    rows = census.evaluate("""(el) => [...el.querySelectorAll('tbody tr')].map((r) => {
        const b = r.getBoundingClientRect(); return [r.cells[0].textContent, b.height, b.left, b.right]; })""")
    assert len(rows) >= 10
    tall = [(name, round(h)) for name, h, _, _ in rows if h > min(260, height / 3)]
    assert tall == [], f"rows taller than a third of the {height} px window"
    assert all(0 <= left and right <= width for _, _, left, right in rows)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # every cell is still labelled with its column's name, in the table's semantics
    assert census.get_by_role("columnheader").all_text_contents()[:3] == ["model family", "year", "config"]
    shot(page, f"layout-census-{width}", census)


PANELS = """() => Object.fromEntries([["bar", "#run-controls"], ["data", "#data-panel"], ["net", ".pg-net"],
    ["out", ".pg-out"], ["export", ".pg-export"]].map(([k, sel]) => {
  const r = document.querySelector(sel).getBoundingClientRect();
  return [k, [r.left, r.top + scrollY, r.right, r.bottom + scrollY]]; }))"""


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_playground_data_controls_sit_under_the_run_bar(page, width, height):
    _open(page, "/playground", width, height)
    p = page.evaluate(PANELS)
    gap = p["data"][1] - p["bar"][3]
    assert 0 <= gap <= 40, f"the data panel starts {gap:.0f} px below the run bar"
    assert p["data"][1] <= p["out"][1], "the data controls are below the output"
    assert p["data"][1] < height, "the data controls are not on the first screen"
    names = list(p)
    clashes = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if _overlap(p[a], p[b])]
    assert clashes == []
    if width < 760:  # one column: data, then the output it makes, then the network
        assert p["data"][3] <= p["out"][1] <= p["net"][1]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"layout-playground-{width}")


def test_a_hidden_export_leaves_no_empty_region(page):
    _open(page, "/playground?hide=export", 390, 844)
    assert not page.locator(".pg-export").is_visible()
    assert page.get_by_role("region", name="Export").count() == 0


LONG_NAMES = "leaky_relu,gelu_tanh,hardsigmoid,softplus,hardswish,quick_gelu,relu6,sigmoid"
CONTROLS = """() => [...document.querySelectorAll('#network select, #network button, #network input')].map((e) => {
  const r = e.getBoundingClientRect();
  return [e.getAttribute('aria-label'), [r.left, r.top, r.right, r.bottom]]; })"""


# The chosen option's text, set in the select's own font, against the room inside it (less its drop-down arrow).
SELECT_TEXT_FITS = """(selects) => selects.flatMap((s) => {
  const probe = Object.assign(document.createElement('span'), { textContent: s.selectedOptions[0].text });
  probe.style.cssText = `position: absolute; white-space: pre; font: ${getComputedStyle(s).font}`;
  document.body.append(probe);
  const need = probe.getBoundingClientRect().width;
  probe.remove();
  return need + 18 <= s.clientWidth ? [] : [[s.value, Math.round(need), s.clientWidth]]; })"""


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("query", ["", f"?layers=8,8,8,8,8,8,8,8&activations={LONG_NAMES}"])
def test_per_layer_controls_do_not_overlap(page, query, width, height):
    _open(page, "/playground" + query, width, height)
    controls = page.evaluate(CONTROLS)
    assert len(controls) >= (7 + 3 * 8 if query else 7 + 3 * 2)  # 7 feature boxes; -, + and a select per layer
    clashes = [(a, b) for i, (a, ba) in enumerate(controls) for b, bb in controls[i + 1:] if _overlap(ba, bb)]
    assert clashes == []
    if query:
        selects = page.locator("#network select").evaluate_all("(s) => s.map((e) => e.value)")
        assert selects == LONG_NAMES.split(",")
    cut = page.locator("#network select").evaluate_all(SELECT_TEXT_FITS)
    assert cut == [], "the chosen activation's name is cut short"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"layout-network{'-8x8' if query else ''}-{width}", page.locator(".net-scroll"))


@pytest.mark.parametrize(("width", "height"), [SIZES[0], SIZES[3]])
def test_the_loss_chart_has_axes_and_a_legend(page, width, height):
    _open(page, "/playground", width, height)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('epoch').textContent.replace(/,/g, '')) >= 30",
                           timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(300)
    chart = page.locator("#loss-chart")
    drawn = chart.evaluate("(c) => ({ names: c.legendNames, axes: c.axisLabels, h: c.clientHeight, w: c.clientWidth })")
    assert drawn["names"] == ["test loss", "training loss"]
    ys = [float(v) for v in drawn["axes"]["y"]]
    assert ys[0] == 0 and len(ys) >= 2 and ys == sorted(ys)
    shown = max(float(page.locator("#test-loss").text_content()), float(page.locator("#train-loss").text_content()))
    assert ys[-1] >= shown  # the axis reaches the losses shown beside it
    assert drawn["axes"]["xName"] == "epoch" and drawn["axes"]["x"][0] == "0"
    assert int(drawn["axes"]["x"][1].replace(",", "")) >= 30
    assert drawn["h"] >= 120 and drawn["w"] >= 250
    shot(page, f"layout-loss-chart-{width}", page.locator(".pg-out"))


def test_with_every_data_control_hidden_the_panel_says_what_the_data_is(page):
    """A teacher's link that hides every data control leaves the panel saying which data the run uses (its set, noise,
    split and batch as the link gave them), not a "Data" heading over nothing; one visible control keeps the panel's
    controls and no such line."""
    hide = "problem,dataset,train,noise,batch,csv"
    _open(page, f"/playground?dataset=xor&noise=10&train=60&batch=5&hide={hide}", 1440, 900)
    panel = page.locator("#data-panel")
    assert panel.is_visible()
    line = page.locator("#data-fixed")
    assert line.is_visible()
    text = line.inner_text()
    assert "Exclusive or" in text or "XOR" in text, text
    assert "noise 10%" in text and "60% of the points" in text and "batches of 5" in text, text
    visible_controls = panel.locator("label:visible, #ctl-dataset:visible, #ctl-csv:visible")
    assert visible_controls.count() == 0
    shot(page, "layout-playground-data-hidden")
    _open(page, "/playground?dataset=xor&hide=problem,dataset,train,noise,csv", 1440, 900)
    assert not page.locator("#data-fixed").is_visible()
    assert page.locator("#ctl-batch").is_visible()
