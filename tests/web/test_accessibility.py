"""WCAG 2.2 AA checks in real Chromium: axe-core (vendored, tests/web/vendor) on every page at phone, tablet and
desktop widths, no sideways scrolling, the skip link, keyboard paths, target sizes, legends and text equivalents."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import recording_page
from web.conftest import shot

pytestmark = pytest.mark.browser
AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js").read_text(encoding="utf-8")
WIDTHS = [(390, 844), (768, 1024), (1440, 900)]
BLOCKING = ("serious", "critical")


def _open(page, path: str, width: int, height: int):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(page.base + path)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)


def _axe_failures(page) -> list[str]:
    page.add_script_tag(content=AXE)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}" for v in result["violations"]
            if v["impact"] in BLOCKING or v["id"] == "region"]


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _play(page, epochs: int = 20):
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"Number(document.getElementById('epoch').textContent.replace(/,/g, '')) >= {epochs}",
                           timeout=60_000)


@pytest.mark.parametrize(("width", "height"), WIDTHS)
@pytest.mark.parametrize("path", ["/lesson", "/teacher", "/playground", "/playground?layers=8,8,8,8,8,8,8,8",
                                  "/papers"])
def test_pages_have_no_serious_violation_and_no_sideways_scroll(page, path, width, height):
    _open(page, path, width, height)
    assert _axe_failures(page) == []
    assert _page_width(page) <= width, f"{path} is {_page_width(page)} px wide at {width}"
    shot(page, f"a11y-{path.strip('/').split('?')[0]}{'-8x8' if '8,8' in path else ''}-{width}")
    assert page.console_errors == [] and page.outside_requests == []


@pytest.mark.parametrize(("width", "height"), [WIDTHS[0], WIDTHS[2]])
def test_a_training_playground_stays_clean(page, width, height):
    _open(page, "/playground", width, height)
    _play(page)
    page.get_by_role("button", name="Pause").click()
    assert _axe_failures(page) == []
    assert _page_width(page) <= width


def test_the_lesson_after_answering_keeps_its_contrast(page):
    _open(page, "/lesson", 1440, 900)
    card = page.locator("#exercise-ex1")
    card.scroll_into_view_if_needed()
    for field, answer in zip(card.locator("input").all()[:3], ("1", "0", "undefined"), strict=True):
        field.fill(answer)
    card.get_by_role("button", name="Check").click()
    page.wait_for_selector("#exercise-ex1 .badge.correct")
    card = page.locator("#exercise-ex5")
    card.locator("input").first.fill("0.3")  # a wrong answer: the red marks need their contrast too
    card.get_by_role("button", name="Check").click()
    page.wait_for_selector("#exercise-ex5 .badge.incorrect")
    assert _axe_failures(page) == []
    shot(page, "a11y-lesson-answered", page.locator("#exercises"))


def test_skip_link_is_the_first_tab_stop_and_the_first_exercise_is_ten_tabs_away(page):
    _open(page, "/lesson", 1440, 900)
    page.keyboard.press("Tab")
    first = page.evaluate("[document.activeElement.className, document.activeElement.textContent]")
    assert first == ["skip-link", "Skip to the lesson"]
    presses = 1
    while page.evaluate("document.activeElement.getAttribute('href')") != "#exercises":
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 10, "the exercises link is more than 10 Tab presses down"
    page.keyboard.press("Enter")
    while not page.evaluate("!!document.activeElement.closest('#exercises input, #exercises textarea')"):
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 10, f"the first exercise's field is more than 10 Tab presses from the top ({presses})"


def test_arrow_keys_move_the_data_set_choice(page):
    _open(page, "/playground", 1440, 900)
    circle = page.get_by_role("radio", name="data set Circle")
    circle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("new URL(location.href).searchParams.get('dataset') === 'xor'")
    assert page.evaluate("document.activeElement.getAttribute('aria-checked')") == "true"
    assert page.get_by_role("radio", name="data set XOR").get_attribute("tabindex") == "0"
    assert circle.get_attribute("tabindex") == "-1"  # one Tab stop for the group
    page.keyboard.press("ArrowLeft")  # back to the default, which the address leaves out
    page.wait_for_function("!new URL(location.href).searchParams.has('dataset')")
    assert circle.get_attribute("aria-checked") == "true"


def test_touch_targets_are_at_least_24_px(page):
    _open(page, "/playground", 390, 844)
    sizes = page.evaluate("""[...document.querySelectorAll(
        '#network input[type=checkbox], #network .head button, input[type=range], input[type=checkbox]')]
        .filter(e => e.offsetParent !== null)
        .map(e => { const r = e.getBoundingClientRect();
                    return [e.getAttribute('aria-label') || e.id, r.width, r.height]; })""")
    assert sizes and all(w >= 24 and h >= 24 for _, w, h in sizes), [s for s in sizes if s[1] < 24 or s[2] < 24]


def test_the_gradient_history_legend_names_every_layer(page):
    _open(page, "/playground?layers=8,8,8,8,8,8,8,8&activations=tanh", 1440, 900)
    _play(page, 30)
    page.wait_for_function("(document.getElementById('gradient-history').legendNames || []).length === 9")
    names = page.evaluate("document.getElementById('gradient-history').legendNames")
    assert names == [f"layer {i}" for i in range(1, 9)] + ["output"]
    shot(page, "a11y-playground-8x8-legend", page.locator("#gradient-history"))


def test_text_equivalents_change_with_the_pictures(page):
    _open(page, "/playground", 1440, 900)
    _play(page, 5)
    surface = page.locator("#output-surface").get_attribute("aria-label")
    page.wait_for_function("Number(document.getElementById('epoch').textContent.replace(/,/g, '')) >= 60",
                           timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    later = page.locator("#output-surface").get_attribute("aria-label")
    assert surface != later and "accuracy" in later and "epoch" in later
    shown = page.locator("#metrics").text_content()
    assert later.split("test accuracy ")[1].split("%")[0] == str(round(float(shown.split("test ")[1].split("%")[0])))
    gradient = page.locator("#gradient-chart").get_attribute("aria-label")
    status = page.locator("#gradient-reading").get_attribute("data-status")  # both from the frame drawn last
    assert status.replace("_", " ") in gradient.lower() and "layer 1" in gradient


def test_a_link_to_an_uploaded_csv_says_the_upload_is_gone(page):
    _open(page, "/playground?dataset=csv", 1440, 900)
    assert "upload the file again" in page.locator("#csv-error").text_content()
    assert "dataset=csv" not in page.url


def test_the_papers_page_shows_every_stored_claim_with_its_verdict(page):
    from actlab.experiments import papers

    _open(page, "/lesson", 1440, 900)
    page.get_by_role("link", name="Papers →").click()
    page.wait_for_selector("body[data-ready=true]")
    headings = page.locator("#papers-claims h3").all_text_contents()
    stored = papers.stored_table()["claims"]
    assert len(headings) == len(stored) >= 6
    assert {h.split(" · ")[0] for h in headings} == {c["name"] for c in stored}
    assert "claims from the last full run" in page.locator("#papers-status").text_content()
    shot(page, "papers", page.locator("main"))


# --- class mode (issue 16): the join and login forms, the joined page, and the teacher's page with learners ------

SIZES = [(390, 844), (768, 1024), (1024, 768), (1440, 900)]


@pytest.fixture(scope="module")
def class_lab(tmp_path_factory):
    """A lab in class mode (its store holds a class) on loopback, two learners with answers: (base URL, code,
    teacher token)."""
    import httpx

    from _browser import serving
    from actlab.store import Store
    from actlab.web.app import create_app

    db = tmp_path_factory.mktemp("class") / "progress.sqlite3"
    klass, token = Store(db).create_class("physics 2a")
    with serving(create_app(db_path=db)) as base:
        for name, answer in (("Ana", "1.05e-14"), ("Bob", "0.2^19")):
            with httpx.Client(base_url=base, headers={"Origin": base}) as client:
                assert client.post("/api/class/join", json={"code": klass.code, "name": name}).status_code == 200
                sent = client.post("/api/exercises/ex2/check", json={"answers": [answer, "9.54e-7"], "learner": name})
                assert sent.status_code == 200, sent.text
        yield base, klass.code, token


@pytest.fixture
def class_page(browser, class_lab):
    """A page of its own for the class lab (the suite's page fixture lets through only the shared live server),
    with the same records: console errors and requests that leave the lab."""
    with recording_page(browser, class_lab[0]) as pg:
        yield pg


def _open_form(page, url: str, width: int, height: int):
    page.set_viewport_size({"width": width, "height": height})
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    page.wait_for_load_state("load")


def _teacher_logs_in(page, base: str, token: str):
    page.goto(base + "/teacher/login")
    page.get_by_label("Teacher token").fill(token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_selector("#learners tr[data-learner=Bob]")
    page.wait_for_selector("#summary tr[data-exercise=ex2]")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_class_mode_pages_have_no_serious_violation_and_no_sideways_scroll(class_page, class_lab, width, height):
    page = class_page
    base, code, token = class_lab
    checked = []
    for path in ("/teacher/login", "/join", f"/join?code={code}"):  # the last: the link a teacher hands out
        _open_form(page, base + path, width, height)
        checked.append((path, _axe_failures(page), _page_width(page)))
        shot(page, f"a11y-class{path.split('?')[0].replace('/', '-')}-{width}")
    page.get_by_label("Your name").fill(f"Learner at {width} px")  # send the form; then the page it leads to
    page.get_by_role("button", name="Join").click()
    page.wait_for_selector("#rejoin-code")
    checked.append(("/join (joined)", _axe_failures(page), _page_width(page)))
    shot(page, f"a11y-class-joined-{width}")
    _teacher_logs_in(page, base, token)
    page.set_viewport_size({"width": width, "height": height})
    checked.append(("/teacher (class)", _axe_failures(page), _page_width(page)))
    shot(page, f"a11y-class-teacher-{width}")
    assert [(p, f) for p, f, _ in checked if f] == []
    assert [(p, w) for p, _, w in checked if w > width] == [], f"wider than the {width} px window"
    assert page.console_errors == [] and page.outside_requests == []


# the playground's panels in the order a screen reader and the Tab key meet them, and in the order they appear
# down a phone's single column
PANEL_ORDER = """() => [...document.querySelectorAll('main.pg > *')].filter((el) => el.offsetParent !== null)
  .map((el) => [el.getAttribute('aria-label'), el.getBoundingClientRect().top])"""


def test_the_playground_reads_in_the_order_a_phone_shows_it(page):
    _open(page, "/playground", 390, 844)
    panels = page.evaluate(PANEL_ORDER)
    dom = [name for name, _ in panels]
    on_screen = [name for name, _ in sorted(panels, key=lambda p: p[1])]
    assert dom == on_screen, f"reading order {dom}, but the phone shows {on_screen}"
    assert on_screen[:3] == ["Data", "Output", "Network"]  # the data, the picture it makes, then the network
