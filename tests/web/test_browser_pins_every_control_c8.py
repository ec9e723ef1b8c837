"""Every control a class's learner can see on the playground works with the class's pins (issue 16, brief C8 item 3).
With the data set pinned, "Problem type" stayed on the page and choosing it asked for another data set, which the
lab refused. A control whose choices depend on a pinned setting must hide with it or stay consistent with it. The
test tries every visible control of the page (each select, slider, box and button of the run bar, the data panel
and the network drawing) under several sets of pins and asserts that none is answered with an error."""

from __future__ import annotations

import json

import pytest

from _browser import shot
from web._class_pages import class_lab, learner_page

pytestmark = pytest.mark.browser

# the controls a learner can reach: visible, enabled, in the run bar, the data panel or the network drawing
CONTROLS = """() => [...document.querySelectorAll(
    '#run-controls select, #run-controls input, #run-controls button, #data-panel select, #data-panel input, '
    + '#data-panel button, .net-controls button, #network select, #network input, #network button')]
  .filter((el) => el.offsetParent !== null && !el.disabled && el.type !== 'file')"""

# Use control number i of CONTROLS as a learner would (another option, another slider value, a click); returns its
# name, or null when the page has fewer controls now
USE = CONTROLS.replace("() =>", "(i) => { const all =", 1) + """;
  const el = all[i];
  if (!el) return null;
  const name = el.id || el.getAttribute('aria-label') || el.textContent.trim() || el.tagName;
  if (el.tagName === 'SELECT') {
    const other = [...el.options].find((o) => !o.disabled && o.value !== el.value);
    if (!other) return name + ' (one choice)';
    el.value = other.value;
    el.dispatchEvent(new Event('change', { bubbles: true }));
    return `${name} = ${other.value}`;
  }
  if (el.type === 'range') {
    el.value = Number(el.value) === Number(el.max) ? el.min : el.max;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
    return `${name} = ${el.value}`;
  }
  if (el.type === 'number') {
    el.value = el.id === 'target_loss' ? '0.05' : '300';
    el.dispatchEvent(new Event('change', { bubbles: true }));
    return `${name} = ${el.value}`;
  }
  el.click();
  return name + ' clicked';
}"""

PIN_SETS = {
    "data set": {"config": {"dataset": "circle"}, "pinned": ["dataset"]},
    "regression data set": {"config": {"dataset": "plane"}, "pinned": ["dataset"]},
    "data panel": {"config": {"dataset": "xor", "noise": 0.1, "train_fraction": 0.6, "batch_size": 20},
                   "pinned": ["dataset", "noise", "train_fraction", "batch_size"]},
    "loss": {"config": {"loss": "cross-entropy"}, "pinned": ["loss"]},
    "features and layers": {"config": {"features": ["x1", "x2", "x1x2"], "layers": [3]},
                            "pinned": ["features", "layers"]},
    "one activation per layer": {"config": {"layers": [4, 2], "activations": ["relu", "tanh"]},
                                 "pinned": ["activations"]},
    "rates and optimiser": {"config": {"lr": 0.1, "optimizer": "adam", "reg": "l2", "reg_rate": 0.001},
                            "pinned": ["lr", "optimizer", "reg", "reg_rate"]},
    "data seed and points": {"config": {"seed": 7, "n_points": 300}, "pinned": ["seed", "n_points"]},
    "run controls and init": {"config": {"epochs_per_frame": 5, "stop_epoch": 200, "target_loss": 0.1,
                                         "init": "he_normal"},
                              "pinned": ["epochs_per_frame", "stop_epoch", "target_loss", "init"]},
    "activations for every layer": {"config": {"activations": ["relu"]}, "pinned": ["activations"]},
}


@pytest.mark.parametrize("pins", PIN_SETS, ids=list(PIN_SETS))
def test_no_visible_control_is_refused_under_the_class_pins(browser, tmp_path, pins):
    with class_lab(tmp_path, playground=PIN_SETS[pins]) as (base, klass, _):
        context, page = learner_page(browser, base, klass.code, "/playground")
        errors: list[str] = []

        def on_socket(ws):
            def on_text(payload):
                if isinstance(payload, str) and json.loads(payload).get("type") == "error":
                    errors.append(json.loads(payload).get("message", ""))
            ws.on("framereceived", on_text)

        page.on("websocket", on_socket)
        page.reload()  # the listener sees the socket from its start
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        page.wait_for_function("!document.getElementById('status').textContent.startsWith('Connecting')")
        refused = []
        count = page.evaluate(f"({CONTROLS})().length")
        for i in range(count):
            before = len(errors)
            used = page.evaluate(f"({USE})({i})")
            if used is None:
                continue
            page.wait_for_timeout(350)  # the server's answer to a reset arrives within this on loopback
            status = page.locator("#status")
            is_error = "error" in (status.get_attribute("class") or "")
            if len(errors) > before or is_error:
                refused.append(f"{used}: {errors[before:] or status.inner_text()}")
                page.evaluate("document.getElementById('status').classList.remove('error')")
        shot(page, f"c8-pins-every-control-{pins.replace(' ', '-')}")
        assert refused == [], refused
        context.close()


REGRESSION_CSV = "x1,x2,y\n" + "".join(f"{i / 10},{(i % 7) / 7},{i * 0.37:.3f}\n" for i in range(40))
THREE_CLASSES_CSV = "x1,x2,label\n" + "".join(f"{i / 10},{(i % 7) / 7},{i % 3}\n" for i in range(40))
TWO_CLASSES_CSV = "x1,x2,label\n" + "".join(f"{i / 10},{(i % 7) / 7},{i % 2}\n" for i in range(40))


@pytest.mark.parametrize(("loss", "misfit", "words"), [
    ("cross-entropy", REGRESSION_CSV, "This CSV has a number to predict and would train on MSE, but your teacher "
                                      "pinned the loss at cross-entropy: it cannot be used here."),
    ("mse", THREE_CLASSES_CSV, "This CSV has 3 classes and would train on cross-entropy, but your teacher pinned the "
                               "loss at MSE: it cannot be used here."),
])
def test_a_csv_the_pinned_loss_cannot_train_is_said_at_the_upload(browser, tmp_path, loss, misfit, words):
    with class_lab(tmp_path, playground={"config": {"loss": loss}, "pinned": ["loss"]}) as (base, klass, _):
        context, page = learner_page(browser, base, klass.code, "/playground")
        page.wait_for_function("!document.getElementById('status').textContent.startsWith('Connecting')")
        assert "Your teacher pinned the loss" in page.locator("#csv-pin-note").inner_text()
        (tmp_path / "misfit.csv").write_text(misfit)
        page.set_input_files("#csv", str(tmp_path / "misfit.csv"))
        page.wait_for_function("document.getElementById('csv-error').textContent !== ''")
        assert words in page.locator("#csv-error").inner_text()
        assert "pinned by your teacher" not in page.locator("#status").inner_text()  # no run was sent and refused
        shot(page, f"c8-csv-misfit-{loss}", page.locator("#data-panel"))
        (tmp_path / "fits.csv").write_text(TWO_CLASSES_CSV)  # two classes train on either loss
        page.set_input_files("#csv", str(tmp_path / "fits.csv"))
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Ready')")
        assert page.locator("#csv-error").inner_text() == ""
        context.close()
