"""Before the first frame the loss chart is not a blank box: it has its axes, its legend and a short note saying
how to start; the note goes once there are losses to draw."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CHART = """(c) => {
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let inked = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
  return { note: c.emptyNote ?? null, names: c.legendNames ?? null, axes: c.axisLabels ?? null, inked };
}"""


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1440, 900)])
def test_the_loss_chart_before_any_frame_has_axes_and_says_how_to_start(page, width, height):
    page.route_web_socket("**/ws/playground**", lambda ws: None)  # the socket opens; no frame ever comes
    page.set_viewport_size({"width": width, "height": height})
    page.goto(page.base + "/playground")
    page.wait_for_selector("body[data-ready=true]", timeout=90_000)
    page.wait_for_timeout(500)
    drawn = page.locator("#loss-chart").evaluate(CHART)
    assert drawn["note"] == "Press Play to train"
    assert drawn["names"] == ["test loss", "training loss"]
    assert drawn["axes"]["xName"] == "epoch" and drawn["axes"]["y"][0] == "0"
    assert drawn["inked"] > 500  # axes, tick labels, legend and the note are on the canvas


def test_the_note_stays_over_the_first_frame_and_goes_once_a_line_is_drawn(page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(page.base + "/playground")
    page.wait_for_selector("body[data-ready=true]", timeout=90_000)
    page.wait_for_function("document.getElementById('test-loss').textContent !== '—'", timeout=60_000)
    assert page.locator("#loss-chart").evaluate(CHART)["note"] == "Press Play to train"  # one point: no line yet
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('epoch').textContent.replace(/,/g, '')) >= 3",
                           timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    assert page.locator("#loss-chart").evaluate(CHART)["note"] is None


def test_a_run_that_trains_before_its_second_evaluation_does_not_say_press_play(page):
    """A big network's first evaluation stands for many frames (evaluated_step stays 0 while step grows): the
    chart has one point, and its note says training is under way, not how to start it."""
    page.goto(page.base + "/playground")
    page.wait_for_selector("body[data-ready=true]", timeout=90_000)
    notes = page.evaluate("""async () => {
      const { mount } = await import('/static/js/views/training.js');
      const canvas = document.createElement('canvas');
      canvas.width = 300; canvas.height = 150;
      document.body.append(canvas);
      const view = mount(canvas.parentElement, { canvas, trainOut: document.createElement('span'),
        testOut: document.createElement('span'), metrics: document.createElement('div') });
      const frame = (step) => ({ step, epoch: 0, evaluated_step: 0, updates_per_epoch: 20, train_loss: 0.7,
                                 test_loss: 0.7, test_accuracy: null });
      const seen = [];
      for (const step of [0, 1, 5]) {
        view.record(frame(step)); view.draw(frame(step), true); seen.push(canvas.emptyNote ?? null);
      }
      view.reset(); seen.push(canvas.emptyNote ?? null);
      return seen;
    }""")
    assert notes == ["Press Play to train", "Training: the curve starts at the next evaluation",
                     "Training: the curve starts at the next evaluation", "Press Play to train"]
