"""The playground's drawing at the edges of what a learner can set: eight layers of 32 at a desktop and a phone
width, one layer of one neuron, sliders at both ends, a learning rate of 10 whose gradients vanish, and a run
that diverges. Each test looks at what is on the canvas (pixels, the chart's own note and where it sits) or at the
boxes the page lays out, not at the code that draws them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

EIGHT_BY_32 = "layers=" + ",".join(["32"] * 8)
MARGIN_LEFT = 44  # livechart.js MARGIN.l: the y axis's labels sit left of it

# how many of a neuron's inner pixels the network canvas has painted (a thumbnail is opaque over the whole box)
PAINTED = """(el) => {
  const root = document.getElementById('network'), canvas = root.querySelector('canvas.links');
  const r = el.getBoundingClientRect(), box = root.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
  const x0 = parseFloat(canvas.style.left) || 0, y0 = parseFloat(canvas.style.top) || 0;
  const x = (r.left - box.left + el.clientLeft - x0) * dpr, y = (r.top - box.top + el.clientTop - y0) * dpr;
  const w = Math.floor(el.clientWidth * dpr), h = Math.floor(el.clientHeight * dpr);
  const outside = x < 0 || y < 0 || x + w > canvas.width || y + h > canvas.height;
  if (outside) return { painted: 0, total: w * h, outside };
  const px = canvas.getContext('2d').getImageData(Math.round(x), Math.round(y), w, h).data;
  let painted = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] > 200) painted++;
  return { painted, total: w * h, outside: false };
}"""

CHART = "(c) => ({ note: c.emptyNote ?? null, box: c.noteBox ?? null, width: c.clientWidth })"


def open_playground(pg, query: str) -> None:
    pg.goto(f"{pg.base}/playground?{query}")
    pg.wait_for_selector("body[data-ready=true]", timeout=90_000)
    pg.wait_for_function("document.getElementById('status').textContent.includes('Ready')", timeout=90_000)


def play_epochs(pg, epochs: int) -> None:
    pg.get_by_role("button", name="Play").click()
    pg.wait_for_function(f"Number(document.getElementById('epoch').textContent.replace(/,/g, '')) >= {epochs}",
                         timeout=90_000)
    pg.get_by_role("button", name="Pause").click()
    pg.wait_for_timeout(800)


def test_eight_layers_of_32_fit_the_panel_at_1280_and_every_neuron_is_drawn_where_it_is_seen(page):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_playground(page, EIGHT_BY_32)
    play_epochs(page, 3)
    fit = page.evaluate("""() => {
      const box = document.querySelector('.net-scroll'), clip = box.getBoundingClientRect();
      const cols = [...document.querySelectorAll('#network > .layer-col')];
      return { over: box.scrollWidth - box.clientWidth, cols: cols.length,
               outside: cols.filter((c) => c.getBoundingClientRect().right > clip.right + 1).length,
               note: (document.querySelector('.net-hidden:not([hidden])') || {}).textContent || '' };
    }""")
    assert fit["cols"] == 10  # the inputs, eight hidden layers, the output
    assert fit["over"] <= 1 and fit["outside"] == 0, fit  # layers 6 to 8 were beyond the panel's right edge
    assert fit["note"] == ""  # nothing out of sight, nothing to say
    # the last neuron of every layer, scrolled into the window (a paused drawing is drawn again on a scroll)
    for layer in (1, 4, 8):
        neuron = page.locator("#network > .layer-col").nth(layer).locator(".neuron").nth(31)
        neuron.scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        seen = neuron.evaluate(PAINTED)
        assert not seen["outside"] and seen["painted"] > 0.9 * seen["total"], (layer, seen)
    assert not page.console_errors, page.console_errors


def test_on_a_phone_the_layers_out_of_sight_are_named_above_the_drawing(page):
    page.set_viewport_size({"width": 390, "height": 844})
    open_playground(page, EIGHT_BY_32)
    note = page.locator(".net-hidden")
    assert note.is_visible()
    text = note.text_content()
    assert text.startswith("Scroll the drawing sideways to see layers ") and text.endswith("–8 and the output."), text
    assert note.bounding_box()["y"] < page.locator("#network").bounding_box()["y"]  # above: the scrollbar is far below
    page.evaluate("(() => { const s = document.querySelector('.net-scroll'); s.scrollLeft = s.scrollWidth; })()")
    page.wait_for_function("document.querySelector('.net-hidden').textContent.includes('the inputs')")
    assert "the output" not in note.text_content()
    assert not page.console_errors, page.console_errors


def test_one_layer_of_one_neuron_is_drawn_with_its_thumbnail_and_links(page):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_playground(page, "layers=1")
    play_epochs(page, 2)
    neurons = page.locator("#network > .layer-col").nth(1).locator(".neuron")
    assert neurons.count() == 1
    seen = neurons.first.evaluate(PAINTED)
    assert seen["painted"] > 0.9 * seen["total"], seen
    assert page.locator("#link-count").text_content() == "" or "3" in page.locator("#link-count").text_content()
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("end", ["min", "max"])
def test_the_data_sliders_at_either_end_still_train_and_draw(page, end):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_playground(page, "")
    for slider in ("train_fraction", "noise", "batch_size"):
        page.evaluate("""([id, end]) => { const s = document.getElementById(id);
          s.value = end === 'min' ? s.min : s.max; s.dispatchEvent(new Event('input', { bubbles: true }));
          s.dispatchEvent(new Event('change', { bubbles: true })); }""", [slider, end])
        page.wait_for_timeout(300)
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')", timeout=90_000)
    play_epochs(page, 2)
    assert page.locator("#train-loss").text_content() not in ("", "—")
    seen = page.locator("#network > .layer-col").nth(1).locator(".neuron").first.evaluate(PAINTED)
    assert seen["painted"] > 0.9 * seen["total"], seen
    assert not page.console_errors, page.console_errors


def test_gradient_charts_say_why_they_have_no_bar(page):
    """Exactly-zero gradients (a dead ReLU network) and overflowed ones cannot stand on a log axis: the bar chart
    says which, inside the plot, instead of showing empty axes."""
    page.goto(page.base + "/playground")
    page.wait_for_selector("body[data-ready=true]", timeout=90_000)
    notes = page.evaluate("""async () => {
      const { mount } = await import('/static/js/views/gradient-flow.js');
      const chart = document.createElement('canvas'), history = document.createElement('canvas');
      for (const c of [chart, history]) { c.style.width = '600px'; c.style.height = '200px'; document.body.append(c); }
      const { notation } = await (await fetch('/api/options')).json();  // the core's notation, as the page reads it
      const view = mount(null, { chart, reading: document.createElement('p'), historyChart: history,
                                 readout: document.createElement('p'), notation });
      const layer = (norm) => ({ grad_norm: norm, activation: 'relu' });
      const header = (norm, last) => ({ layers: [layer(norm), layer(norm)],
        last_grad_norm: last, share_norms: [last, last], diagnosis: null, grad_history: [[10, norm, norm, last]] });
      const seen = [];
      for (const [norm, last] of [[0.2, 0.5], [0, 0], [null, null], ['inf', 'inf'], [0, 1e300]]) {
        view.reset(); view.record(header(norm, last)); view.draw(true);
        seen.push([chart.emptyNote ?? null, history.emptyNote ?? null, chart.noteBox && chart.noteBox.left]);
      }
      return seen;
    }""")
    assert notes[0][:2] == [None, None]
    assert notes[1][:2] == ["Every gradient is exactly 0: no bar to draw on a log scale",
                            # P19: the history draws its zeros on a "0" row and says so (it said nothing was drawn)
                            "Every sampled gradient has been exactly 0 since step 10: the lines lie on the 0 row "
                            "(a log scale has no 0)"]
    assert notes[2][0] == notes[3][0] == "No gradient is a finite number (the run overflowed): no bar to draw"
    assert notes[4][:2] == [None, None]  # one bar stands (the output's): the chart draws it, no note
    assert all(n[2] >= MARGIN_LEFT for n in notes[1:4])  # inside the plot, right of the axis's labels


def test_a_dead_relu_run_at_lr_10_says_so_on_its_gradient_chart(page):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_playground(page, "lr=10&activations=relu")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.getElementById('gradient-reading').textContent.startsWith('No gradient')",
                           timeout=90_000)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(800)
    drawn = page.locator("#gradient-chart").evaluate(CHART)
    assert drawn["note"] == "Every gradient is exactly 0: no bar to draw on a log scale"
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_after_divergence_the_loss_chart_says_so_inside_its_plot(page, width, height):
    """A run that diverges in its first epoch has one finite loss: the chart's note says the run diverged (no
    evaluation to come will draw a curve) and wraps inside the plot instead of running over the y axis's labels."""
    page.set_viewport_size({"width": width, "height": height})
    open_playground(page, "dataset=plane&activations=linear&lr=10")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.getElementById('status').textContent.toLowerCase().includes('diverged')",
                           timeout=90_000)
    page.wait_for_timeout(800)
    drawn = page.locator("#loss-chart").evaluate(CHART)
    assert drawn["note"].startswith("Diverged at step ") and drawn["note"].endswith(": too few for a curve")
    assert drawn["box"]["left"] >= MARGIN_LEFT and drawn["box"]["right"] <= drawn["width"], drawn
    assert not page.console_errors, page.console_errors
