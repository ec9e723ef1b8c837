"""The playground's Reset, Step and a three-class CSV, as a learner meets them (headless Chromium)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from web.conftest import shot

pytestmark = pytest.mark.browser
# class 0 orange, 1 blue, 2 bluish green: charts.js's CLASS_COLOURS
CLASS_RGB = np.array([[230, 159, 0], [0, 114, 178], [0, 158, 115]], dtype=float)


def open_playground(page, query=""):
    page.goto(page.base + "/playground" + query)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")


def exported_weights(page) -> list:
    with page.expect_download() as download:
        page.get_by_role("button", name="Weights as JSON").click()
    return json.loads(open(download.value.path()).read())["network"]["weights"]


def three_blobs(path, rng) -> None:
    lines = ["x1,x2,label"]
    for label, centre in zip("abc", [(-3.0, -3.0), (3.0, -3.0), (0.0, 3.0)], strict=True):
        lines += [f"{x:.3f},{y:.3f},{label}" for x, y in rng.normal(centre, 0.4, size=(40, 2))]
    path.write_text("\n".join(lines) + "\n")


def colour_class(page, x: float, y: float) -> int:
    """The class whose colour most pixels near the plane point (x, y) of the output canvas have (white skipped)."""
    size = page.evaluate("document.getElementById('output-surface').width")
    px, py = round((x + 6) / 12 * size), round((6 - y) / 12 * size)
    data = page.evaluate(f"Array.from(document.getElementById('output-surface').getContext('2d')"
                         f".getImageData({px - 7}, {py - 7}, 15, 15).data)")
    rgb = np.array(data, dtype=float).reshape(-1, 4)[:, :3]
    away = 255 - rgb  # a pale tint of colour c is 255 + (c - 255) a: its direction from white is c's
    away = away[np.linalg.norm(away, axis=1) > 30]
    dirs = away / np.linalg.norm(away, axis=1, keepdims=True)
    ref = (255 - CLASS_RGB) / np.linalg.norm(255 - CLASS_RGB, axis=1, keepdims=True)
    return int(np.bincount(np.argmax(dirs @ ref.T, axis=1), minlength=3).argmax())


def test_step_counts_reset_draws_new_weights_and_the_link_keeps_them(page):
    open_playground(page)
    initial = exported_weights(page)
    page.get_by_role("button", name="Step").click()
    page.wait_for_function("document.getElementById('step-count').textContent === '1'")
    assert page.locator("#epoch").text_content() == "0"  # one minibatch is not an epoch, but it is counted
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("document.getElementById('step-count').textContent === '0'")
    assert "wseed=" in page.url
    fresh = exported_weights(page)
    assert fresh != initial  # "New weights": a new seed, not the same start again
    link = page.url
    open_playground(page, link[len(page.base) + len("/playground"):])
    assert exported_weights(page) == fresh  # the link reproduces the run
    assert page.console_errors == []


def test_a_three_class_csv_trains_on_its_own_classes_in_their_own_colours(page, tmp_path):
    open_playground(page)  # the default loss is MSE, which has one output: three classes need cross-entropy
    csv = tmp_path / "three.csv"
    three_blobs(csv, np.random.default_rng(7))
    page.get_by_label("Upload CSV").set_input_files(str(csv))
    page.wait_for_function("document.getElementById('csv-info').textContent.includes('classes a, b, c')")
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    loss = page.get_by_label("Loss", exact=True)
    assert loss.input_value() == "cross-entropy" and loss.is_disabled()
    assert not page.locator("#status.error").count()
    page.get_by_label("Epochs per frame", exact=True).select_option("10")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('epoch').textContent.replace(/,/g, '')) >= 60",
                           timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(300)  # the last queued frame is drawn
    assert [colour_class(page, x, y) for x, y in [(-3, -3), (3, -3), (0, 3)]] == [0, 1, 2]
    assert page.locator("#metrics table.confusion tr").count() == 4  # a header and three classes
    assert " ".join(page.locator("#class-legend").text_content().split()) == "Classes: ● a ● b ● c"
    shot(page, "playground-three-classes")
    assert page.console_errors == []
