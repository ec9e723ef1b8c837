"""A learner's path through the lab in real headless Chromium (Playwright, Debian's chromium)."""

from __future__ import annotations

import numpy as np
import pytest

from _browser import play_to_epoch
from web.conftest import shot

pytestmark = pytest.mark.browser
SECTIONS = ["why", "activations", "vanishing", "llm", "exercises"]


def open_lesson(page):
    page.goto(page.base + "/lesson")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)


def test_lesson_loads_every_section_without_errors_or_outside_requests(page):
    open_lesson(page)
    for sec in SECTIONS:
        loc = page.locator(f"#{sec}")
        loc.scroll_into_view_if_needed()
        assert loc.is_visible()
        shot(page, f"lesson-{sec}", loc)
    # each section's plot rendered
    assert page.locator("#collapse-surfaces canvas").count() == 4
    for chart in ("#pieces-chart", "#explorer-f", "#explorer-df", "#van-chart", "#gelu-chart", "#gates-chart"):
        assert page.locator(f"{chart} .main-svg").count() >= 1, chart
    assert page.locator("#explorer-cards .card").count() == 4
    # axis titles are drawn (Plotly.js 3+ ignores a bare string as a title)
    titles = {"#van-chart .g-ytitle": "relative to the output layer",
              "#gelu-chart .g-y2title": "quick − exact", "#gates-chart .g-xtitle": "gate input b",
              "#pieces-chart .g-ytitle": "output"}
    for sel, text in titles.items():
        assert page.locator(sel).text_content() == text, sel
    assert page.console_errors == []
    assert page.outside_requests == []


def test_deep_link_opens_the_section(page):
    page.goto(page.base + "/lesson#vanishing")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    box = page.locator("#vanishing").bounding_box()
    assert box["y"] < 400


def test_picking_an_activation_and_moving_a_slider_changes_the_plot(page):
    open_lesson(page)
    page.get_by_label("Leaky ReLU: negative_slope", exact=True).wait_for(state="attached")
    page.locator("#explorer-picks input[value=leaky_relu]").check()
    page.wait_for_function("document.querySelectorAll('#explorer-cards .card').length === 5")
    read = ("() => { const d = document.getElementById('explorer-f').data;"
            " return d.find(t => t.name === 'leaky_relu').y[0]; }")
    before = page.evaluate(read)
    slider = page.get_by_label("Leaky ReLU: negative_slope", exact=True)
    slider.fill("0.3")
    page.wait_for_function(f"({read})() !== {before}")
    after = page.evaluate(read)
    assert before == pytest.approx(-0.05) and after == pytest.approx(-1.5)  # f(-5) = alpha * -5
    assert "leaky_relu(negative_slope=0.3)" in page.url  # the parameter rides on its activation
    shot(page, "lesson-explorer-leaky", page.locator("#activations"))


def test_vanishing_depth_slider_redraws_with_more_layers(page):
    open_lesson(page)
    page.locator("#vanishing").scroll_into_view_if_needed()
    page.wait_for_function("document.getElementById('van-chart').data?.[0]?.x.length === 10")
    page.get_by_label("Depth (hidden layers)", exact=True).fill("20")
    page.wait_for_function("document.getElementById('van-chart').data[0].x.length === 20")
    assert "Vanishing" in page.locator("#van-reading").text_content()


def test_vanishing_chart_calls_only_a_true_bound_a_bound(page):
    """The default view: the measured ||dW|| ratio rises above (max f')^n near the output, so that line is labelled
    the activations' share; the dashed bound is on the signal, and the signal stays under it."""
    open_lesson(page)
    page.locator("#vanishing").scroll_into_view_if_needed()
    page.wait_for_function("document.getElementById('van-chart').data?.length === 4")
    traces = page.evaluate("document.getElementById('van-chart').data.map(t => ({name: t.name, y: t.y}))")
    by_name = {t["name"].split(":")[0].split(" (")[0]: t["y"] for t in traces}
    called_bound = [t["name"] for t in traces if "bound" in t["name"] and "not a bound" not in t["name"]]
    assert called_bound == ["bound on the signal: ∏ max|f′|·‖W‖₂"]
    share = next(t["y"] for t in traces if "not a bound" in t["name"])
    measured = by_name["‖dL/dW‖ measured"]
    assert any(m > s for m, s in zip(measured, share, strict=True))  # why it is not called a bound
    signal, bound = by_name["‖dL/dz‖ measured"], by_name["bound on the signal"]
    assert all(v <= b for v, b in zip(signal, bound, strict=True))
    reading = page.locator("#van-reading")
    assert reading.get_attribute("data-status") == "vanishing"
    assert "Try ReLU, GELU or SiLU instead of sigmoid" in reading.text_content()  # the remedy names what is there
    shot(page, "lesson-vanishing-bound", page.locator("#vanishing"))


def test_exercise_two_feedback_and_the_mark_persists_after_reload(page):
    open_lesson(page)
    page.get_by_label("Your name (for saved progress)").fill("browser-learner")
    page.get_by_label("Your name (for saved progress)").dispatch_event("change")
    card = page.locator("#exercise-ex2")
    card.scroll_into_view_if_needed()
    card.get_by_label("Exercise 2: gradient flow: gradient at layer 1 with sigmoid (0.2 per layer)").fill("0.2^19")
    card.get_by_label("Exercise 2: gradient flow: with ReLU (0.5 per layer)").fill("9.54e-7")
    card.get_by_role("button", name="Check").click()
    feedback = "document.querySelector('#exercise-ex2 [data-role=feedback]').textContent"
    page.wait_for_function(f"{feedback}.includes('19 factors')")
    card.get_by_label("Exercise 2: gradient flow: gradient at layer 1 with sigmoid (0.2 per layer)").fill("1.05e-14")
    card.get_by_role("button", name="Check").click()
    page.wait_for_function("document.querySelector('#exercise-ex2 [data-role=badge]').textContent === 'correct'")
    shot(page, "lesson-exercise2-correct", card)
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("document.querySelector('#exercise-ex2 [data-role=badge]').textContent === 'correct'")
    assert page.locator("#lesson-progress-text").text_content().startswith("1 /")


def test_hints_come_one_at_a_time_and_the_solution_on_request(page):
    open_lesson(page)
    card = page.locator("#exercise-ex1")
    card.get_by_role("button", name="Hint").click()
    page.wait_for_function("document.querySelector('#exercise-ex1 .hint')?.textContent.startsWith('Hint 1')")
    assert card.locator(".solution").count() == 0
    card.get_by_role("button", name="Show solution").click()
    page.wait_for_function("document.querySelector('#exercise-ex1 .solution') !== null")
    assert "subgradient" in card.locator(".solution").text_content()


@pytest.mark.parametrize("width,height", [(768, 1024), (1366, 768)], ids=["tablet", "laptop"])
@pytest.mark.parametrize("path", ["/lesson", "/playground"])
def test_pages_fit_a_tablet_and_a_laptop_without_sideways_scrolling(page, path, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(page.base + path)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    wider = page.evaluate("""() => [...document.querySelectorAll('body *')].filter((e) => {
        const r = e.getBoundingClientRect(); return r.width > 0 && r.right > innerWidth + 1; })
      .map((e) => `${e.tagName}#${e.id}.${e.className}`).slice(0, 5)""")
    assert wider == [] and page.evaluate("document.scrollingElement.scrollWidth") <= width


def test_lesson_controls_work_from_the_keyboard(page):
    open_lesson(page)
    depth = page.get_by_label("Depth (hidden layers)", exact=True)
    depth.focus()
    page.wait_for_function("document.getElementById('van-chart').data?.[0]?.x.length === 10")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('van-chart').data[0].x.length === 15")
    page.get_by_label("Activation for the deep network", exact=True).focus()
    page.keyboard.press("ArrowDown")  # the next activation in the list, chosen without a mouse
    page.wait_for_function("!document.getElementById('van-chart').data[0].name.includes('(sigmoid,')")


# --- the playground ------------------------------------------------------------------------

def open_playground(page, query=""):
    page.goto(page.base + "/playground" + query)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")


def epoch(page) -> int:
    return int(page.locator("#epoch").text_content().replace(",", ""))


def test_play_on_circle_with_tanh_learns(page):
    open_playground(page)
    page.get_by_label("Epochs per frame", exact=True).select_option("5")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('test-loss').textContent) < 0.1", timeout=60_000)
    assert epoch(page) > 0 and epoch(page) <= 600  # the bound on epochs
    page.get_by_role("button", name="Pause").click()
    # the numbers on a paused page belong to one frame: a point on the wrong side of 0 costs at least 0.5 in the
    # squared-error loss, so the test accuracy shown is at least 1 - 2 x the test loss shown
    loss, accuracy = page.evaluate("[document.getElementById('test-loss').textContent,"
                                   " document.getElementById('metrics').textContent]")  # one moment, both
    loss = float(loss)
    shown = float(accuracy.split("test ")[1].split("%")[0]) / 100
    assert shown >= 1 - 2 * loss - 1e-3, (loss, accuracy)
    shot(page, "playground-circle-tanh")
    # the gradient panel shows one value per hidden layer plus the output layer
    page.wait_for_function("document.getElementById('gradient-chart').drawn?.bars.length === 3")
    drawn = page.evaluate("document.getElementById('gradient-chart').drawn")
    assert drawn["categories"] == ["layer 1", "layer 2", "output"]
    assert all(v > 0 for v in drawn["bars"]) and drawn["line"][-1] == drawn["bars"][-1]
    # hovering a bar reads its numbers out
    page.locator("#gradient-chart").scroll_into_view_if_needed()
    box = page.locator("#gradient-chart").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    assert page.locator("#gradient-readout").text_content().startswith("layer 1 (tanh): measured")
    assert page.console_errors == [] and page.outside_requests == []


def test_a_stuck_relu_run_reads_no_gradient_never_healthy(page):
    """ReLU at lr 10 saturates the tanh output: every gradient is 0 and accuracy sits at 50%. It read "Healthy"."""
    open_playground(page, "?activations=relu&lr=10")
    play_to_epoch(page, 60)
    reading = page.locator("#gradient-reading")
    page.wait_for_function("document.getElementById('gradient-reading').dataset.status === 'no_gradient'")
    text = reading.text_content()
    assert text.startswith("No gradient: every weight's gradient is exactly 0") and "Lower the learning rate" in text
    assert "healthy" not in text.lower() and "failure" in reading.get_attribute("class")
    shot(page, "playground-stuck-relu")


def test_linear_activation_leaves_the_loss_high(page):
    open_playground(page, "?activations=identity")
    play_to_epoch(page, 200)
    assert float(page.locator("#test-loss").text_content()) > 0.3
    shot(page, "playground-circle-linear")


def test_url_state_restores_every_control(page):
    query = ("?dataset=xor&noise=20&train=70&batch=5&lr=0.1&layers=3,3,2&activations=relu&reg=l2&reg_rate=0.01"
             "&optimizer=adam&loss=cross-entropy&init=he_uniform&features=x1,x2,x1x2&hide=export,csv")
    open_playground(page, query)
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    assert page.get_by_label("Learning rate", exact=True).input_value() == "0.1"
    assert page.get_by_label("Activation", exact=True).input_value() == "relu"
    assert page.get_by_label("Regularisation", exact=True).input_value() == "l2"
    assert page.get_by_label("Optimiser", exact=True).input_value() == "adam"
    assert page.get_by_label("Loss", exact=True).input_value() == "cross-entropy"
    assert page.get_by_label("Initialisation", exact=True).input_value() == "he_uniform"
    assert page.get_by_label("Noise", exact=True).input_value() == "20"
    assert page.get_by_label("Batch size", exact=True).input_value() == "5"
    assert page.locator("#ctl-dataset button[aria-checked=true]").text_content() == "XOR"
    assert page.locator(".layer-col .neuron").count() == 3 + 3 + 2 + 1
    assert page.get_by_label("feature X₁X₂").is_checked()
    assert not page.locator("#ctl-export").is_visible() and not page.locator("#ctl-csv").is_visible()


def test_malformed_csv_shows_its_error_and_the_page_keeps_working(page, tmp_path):
    open_playground(page)
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n1,2,0\n3,oops,1\n")
    page.get_by_label("Upload CSV").set_input_files(str(bad))
    page.wait_for_function("document.getElementById('csv-error').textContent.includes('row 3, column x2')")
    page.get_by_role("button", name="Step").click()
    page.wait_for_function("document.getElementById('epoch').textContent !== ''")
    shot(page, "playground-bad-csv")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('epoch').textContent.replace(/,/g, '')) > 3")


def test_problem_type_switches_to_the_regression_sets(page):
    open_playground(page)
    page.get_by_label("Problem type").select_option("regression")
    page.wait_for_function("document.querySelector('#ctl-dataset button[aria-checked=true]').textContent === 'Plane'")
    assert "dataset=plane" in page.url
    assert not page.get_by_role("radio", name="data set Circle").is_visible()
    page.get_by_role("button", name="Step").click()
    page.wait_for_function("document.getElementById('test-loss').textContent !== '—'")
    page.wait_for_timeout(400)  # metrics refresh at 4 Hz
    assert page.locator("#metrics").text_content().strip() == ""  # no accuracy or confusion for regression


def test_a_regression_set_trains_on_mse_and_keeps_the_classification_choice(page):
    open_playground(page, "?dataset=plane&loss=cross-entropy")
    loss = page.get_by_label("Loss", exact=True)
    assert loss.is_disabled() and loss.input_value() == "mse"
    assert loss.locator("option:checked").text_content() == "MSE (linear output)"
    page.get_by_role("button", name="Step").click()
    page.wait_for_function("document.getElementById('test-loss').textContent !== '—'")
    assert not page.locator("#status").evaluate("el => el.classList.contains('error')")
    page.get_by_label("Problem type").select_option("classification")
    page.wait_for_function("!document.getElementById('loss').disabled")
    assert loss.input_value() == "cross-entropy" and "loss=cross-entropy" in page.url


def test_dead_unit_panel_matches_the_formula_and_runs_the_training_experiment(page):
    open_lesson(page)
    page.wait_for_function("document.getElementById('dead-result').textContent.includes('formula')")
    assert "formula 0.4755" in " ".join(page.locator("#dead-result").text_content().split())  # 1-(1-1/16)^10
    page.get_by_label("Units per layer N", exact=True).fill("2")
    page.get_by_label("Units per layer N", exact=True).dispatch_event("change")
    page.wait_for_function("document.getElementById('dead-result').textContent.includes('N = 2')")
    assert "formula 0.9437" in " ".join(page.locator("#dead-result").text_content().split())
    page.get_by_role("button", name="Train ReLU, Leaky ReLU, GELU and SiLU with large steps (Adam, learning rate 0.04)"
                     ).click()
    # the work runs as a job on the server, and the status line follows it step by step
    page.get_by_role("status").filter(has_text="of 6 steps").first.wait_for(timeout=30_000)
    page.wait_for_selector("#dead-trained table", timeout=60_000)
    assert page.locator("#dead-trained tbody tr").count() == 6
    shot(page, "lesson-dying-relu", page.locator("#dying"))


def test_gradient_history_chart_grows_while_training(page):
    open_playground(page, "?layers=8,8,8,8,8,8&activations=sigmoid")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("(document.getElementById('gradient-history').drawn?.x.length || 0) >= 10",
                           timeout=60_000)
    # six sigmoid layers read as vanishing on almost every frame; the ratio is measured, so an odd frame where the
    # output layer's own gradient dips can read healthy, and the test waits for the usual reading
    page.wait_for_function("document.getElementById('gradient-reading').textContent.startsWith('Vanishing')",
                           timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    traces = page.evaluate("document.getElementById('gradient-history').drawn.series.length")
    assert traces == 7  # six hidden layers and the output layer
    # hovering the history reads out one step's sampled norms, one per layer
    page.locator("#gradient-history").scroll_into_view_if_needed()
    box = page.locator("#gradient-history").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    readout = page.locator("#gradient-readout").text_content()
    assert readout.startswith("step ") and readout.count("layer ") == 6 and "output" in readout
    shot(page, "playground-deep-sigmoid")


def test_csv_with_three_inputs_trains_and_says_there_is_no_plane(page, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    rows = "\n".join(f"{a:.3f},{b:.3f},{c:.3f},{int(a * b + c > 0)}" for a, b, c in x)
    path = tmp_path / "three.csv"
    path.write_text(f"alpha,beta,gamma,label\n{rows}\n")
    open_playground(page)
    page.get_by_label("Upload CSV").set_input_files(str(path))
    page.wait_for_function("document.getElementById('csv-info').textContent.includes('200 rows')")
    page.wait_for_selector("[aria-label='feature gamma']")  # the CSV's own inputs feed the network
    page.get_by_label("Epochs per frame", exact=True).select_option("5")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("(document.getElementById('gradient-history').drawn?.x.length || 0) >= 20",
                           timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    assert page.locator("#network .layer-col").first.locator(".feature").count() == 3
    assert page.console_errors == []
    shot(page, "playground-csv-three-inputs")


def test_live_chart_log_axis_spans_the_decades_of_the_data(page):
    open_playground(page)
    got = page.evaluate("""async () => {
      const m = await import('/static/js/livechart.js');
      const a = m.logAxis([7.1e-6, 0.046, 0, -1, NaN, Infinity], 0, 100);
      const flat = m.logAxis([0.5, 0.5], 0, 100), empty = m.logAxis([], 0, 100);
      return { lo: a.lo, hi: a.hi, bottom: a.y(1e-6), top: a.y(0.1), mid: a.y(10 ** -3.5), ticks: a.ticks,
               flat: [flat.lo, flat.hi], empty: [empty.lo, empty.hi], label: m.power10(-12) };
    }""")
    assert (got["lo"], got["hi"]) == (-6, -1)  # 7.1e-6 and 0.046 lie in 10^-6 .. 10^-1; 0, -1, NaN, inf ignored
    assert got["bottom"] == pytest.approx(100) and got["top"] == pytest.approx(0) and got["mid"] == pytest.approx(50)
    assert got["ticks"] == [-6, -5, -4, -3, -2, -1]
    assert got["flat"] == [-1, 0] and got["empty"] == [-3, 0]
    assert got["label"] == "10⁻¹²"


def test_dead_and_saturated_counts_match_the_marked_neurons(page):
    open_playground(page, "?layers=8,8,8&activations=relu&lr=1&speed=5")
    page.get_by_label("Stop at epoch", exact=True).fill("300")
    page.get_by_label("Stop at epoch", exact=True).press("Tab")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.getElementById('status').textContent.includes('Stopped at epoch 300')",
                           timeout=60_000)
    columns = page.evaluate("""[...document.querySelectorAll('#network .layer-col')].filter(c => c.counts)
      .map(c => [c.querySelectorAll('.neuron.dead').length, c.querySelectorAll('.neuron.saturated').length,
                 c.counts.textContent])""")
    assert len(columns) == 3 and sum(d for d, _, _ in columns) >= 1  # ReLU at learning rate 1 kills units
    for dead, saturated, text in columns:  # each unit counted once, as it is marked
        # ReLU cannot saturate: its units under the threshold are counted as rarely active
        parts = (f"{dead} dead" if dead else "", f"{saturated} rarely active" if saturated else "")
        want = ", ".join(p for p in parts if p)
        assert text == want


def test_a_big_network_draws_its_strongest_links_and_says_so(page):
    open_playground(page)
    assert page.locator("#link-count").text_content() == ""  # the default network shows every link
    open_playground(page, "?layers=" + ",".join(["32"] * 8))
    # 2 inputs x 32 + 7 x 32 x 32 + 32 x 1 output = 7,264 links, more than the drawing budget
    page.wait_for_function("document.getElementById('link-count').textContent !== ''")
    assert page.locator("#link-count").text_content() == "showing the 1,200 strongest of 7,264 links"
    shot(page, "playground-8x32")


def test_a_change_while_training_never_shows_the_old_runs_frames(page):
    open_playground(page, "?speed=10")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('epoch').textContent.replace(/,/g, '')) > 300")
    # switch the activation (a restart: the new run waits at epoch 0) and watch the counter from that moment on
    page.evaluate("""() => { const select = document.getElementById('activation');
      select.value = 'relu'; select.dispatchEvent(new Event('change'));
      window.__epochs = [];
      new MutationObserver(() => window.__epochs.push(document.getElementById('epoch').textContent))
        .observe(document.getElementById('epoch'), { childList: true, characterData: true, subtree: true }); }""")
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    page.wait_for_timeout(300)
    shown = page.evaluate("window.__epochs")
    # the change empties the queue at once; anything drawn after it is the new run's first frame, never an old
    # frame that was still on its way
    assert shown and all(e == "0" for e in shown), shown


def test_teacher_page_shows_explained_slips_and_counts_the_rest(page):
    import httpx

    for who, answers in (("t1", ["0.2^19", "42"]), ("t2", ["0.2^19", "9.54e-7"]), ("t3", ["pear", "9.54e-7"])):
        httpx.post(page.base + "/api/exercises/ex2/check", json={"answers": answers, "learner": who}).raise_for_status()
    page.goto(page.base + "/teacher")
    page.wait_for_selector("#summary table")
    row = page.locator("#summary tr", has_text="ex2").text_content()
    assert "19 factors" in row and "pear" not in row
    assert "1 learner: a wrong answer the checker could not explain" in row  # counted by learner (brief C11 item 3)
    assert "1 learner: an answer the checker could not read" in row
    shot(page, "teacher-summary")


def test_api_docs_list_every_operation_offline(page):
    page.goto(page.base + "/docs")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    assert page.get_by_role("heading", name="POST /api/exercises/{key}/check").is_visible()
    assert "15,000,000" in page.locator("#dead_probability_api_demos_dead_probability_get").text_content()
    shot(page, "api-docs")
    page.goto(page.base + "/redoc")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    assert page.console_errors == [] and page.outside_requests == []


@pytest.fixture
def idle_lab(browser, tmp_path):
    """A page on a lab of its own whose playground closes a socket after 1.5 s of silence."""
    from actlab.web.app import create_app
    from web.conftest import serving

    with serving(create_app(db_path=tmp_path / "p.sqlite3", idle_seconds=1.5)) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        pg = context.new_page()
        pg.console_errors = []
        pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
        pg.base = base
        yield pg
        context.close()


def test_the_playground_reconnects_and_restores_its_run_from_the_address(idle_lab):
    page = idle_lab
    page.goto(page.base + "/playground?activations=relu&lr=0.1&layers=3,2")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    status = page.locator("#status")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Disconnected: the connection "
                           "was idle')", timeout=20_000)
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Reconnected')", timeout=20_000)
    assert "restored from the address" in status.text_content()
    assert page.get_by_label("Learning rate", exact=True).input_value() == "0.1"
    assert page.get_by_label("Activation", exact=True).input_value() == "relu"
    page.get_by_role("button", name="Play").click()  # the new session trains (playing, it is not idle)
    page.wait_for_function("Number(document.getElementById('epoch').textContent.replace(/,/g, '')) > 5",
                           timeout=30_000)
    assert page.console_errors == []
