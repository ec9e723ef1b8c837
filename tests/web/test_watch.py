"""actlab watch: a monitor log read as it grows, over the API and in the browser."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from actlab.monitor_log import LOG_FORMAT, LogTail
from actlab.web.app import create_app
from web.conftest import serving, shot


def _report(step: int) -> dict:
    return {"step": step, "layers": [{"name": "1", "act_grad_norm": 0.1 * step}], "reading": {"status": "flowing"}}


def _write(path, *objs, end="\n"):
    with path.open("a") as fh:
        fh.write("".join(json.dumps(o) + "\n" for o in objs[:-1]) + json.dumps(objs[-1]) + end)


def _client(log) -> TestClient:
    return TestClient(create_app(db_path=log.parent / "p.sqlite3", watch_log=log, allow_hosts=("testserver",)))


def test_watch_follows_the_log_as_it_grows_and_waits_for_half_written_lines(tmp_path):
    log = tmp_path / "run.jsonl"
    client = _client(log)
    assert client.get("/api/watch").json()["total"] == 0  # no file yet: the page waits
    _write(log, {"format": LOG_FORMAT, "layers": ["1"]}, _report(1), _report(2))
    first = client.get("/api/watch").json()
    assert first["header"]["layers"] == ["1"] and [r["step"] for r in first["points"]] == [1, 2]
    assert first["next"] == 2 and first["latest"]["step"] == 2
    with log.open("a") as fh:
        fh.write(json.dumps(_report(3))[:20])  # the writer is mid-line
    assert client.get("/api/watch", params={"since": 2}).json()["points"] == []
    with log.open("a") as fh:
        fh.write(json.dumps(_report(3))[20:] + "\n")
    again = client.get("/api/watch", params={"since": 2}).json()
    assert [r["step"] for r in again["points"]] == [3] and again["next"] == 3


def test_watch_answers_at_most_its_byte_budget_of_points_and_reads_the_rest_on_the_next_call(tmp_path, monkeypatch):
    from actlab.web.routes import watch

    monkeypatch.setattr(watch, "MAX_POINT_BYTES", 10_000)  # about 100 points of one layer
    log = tmp_path / "run.jsonl"
    _write(log, {"format": LOG_FORMAT, "layers": ["1"]}, *[_report(i) for i in range(450)])
    client = _client(log)
    got, since, answers = [], 0, 0
    while True:
        data = client.get("/api/watch", params={"since": since}).json()
        if not data["points"]:
            break
        answers += 1
        assert len(json.dumps(data["points"], separators=(",", ":"))) <= 10_000
        got += [r["step"] for r in data["points"]]
        since = data["next"]
    assert got == list(range(450)) and answers >= 4


def test_a_restarted_log_is_read_from_its_new_start(tmp_path):
    log = tmp_path / "run.jsonl"
    tail = LogTail(log)
    _write(log, {"format": LOG_FORMAT, "layers": ["1"]}, *[_report(i) for i in range(5)])
    assert tail.poll() == 5
    log.write_text(json.dumps({"format": LOG_FORMAT, "layers": ["a", "b"]}) + "\n" + json.dumps(_report(9)) + "\n")
    tail.poll()
    assert tail.header["layers"] == ["a", "b"] and [r["step"] for r in tail.reports] == [9]


def test_the_watched_file_is_fixed_at_start_and_no_request_names_another(tmp_path):
    log = tmp_path / "run.jsonl"
    _write(log, {"format": LOG_FORMAT, "layers": ["1"]}, _report(1))
    data = _client(log).get("/api/watch", params={"path": "/etc/passwd", "file": "/etc/passwd"}).json()
    assert data["path"] == "run.jsonl" and data["total"] == 1


def test_a_lab_without_a_log_says_how_to_start_one(tmp_path):
    client = TestClient(create_app(db_path=tmp_path / "p.sqlite3", allow_hosts=("testserver",)))
    res = client.get("/api/watch")
    assert res.status_code == 404 and "actlab watch FILE" in res.json()["detail"]


@pytest.mark.browser
def test_the_watch_page_shows_a_torch_run_live(browser, tmp_path):
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)).double()
    with torch.no_grad():
        model[2].bias[:4] = -1e3  # four units of the second layer can never switch on
    log = tmp_path / "runs" / "exp.jsonl"
    mon = Monitor(model, every=1, window=10, log=log)

    def train(n):
        for _ in range(n):
            with mon.step() as s:
                loss = model(torch.randn(32, 4, dtype=torch.float64)).pow(2).mean()
                loss.backward()
                s.loss = loss
            model.zero_grad()

    train(3)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/watch")
        page.wait_for_function("document.getElementById('watch-source').textContent.includes('3 sampled steps')")
        train(4)  # the page follows the log as the run goes on
        page.wait_for_function("document.getElementById('watch-source').textContent.includes('7 sampled steps')",
                               timeout=15_000)
        rows = page.locator("#watch-table tbody tr")
        assert rows.count() == 2
        cells = rows.nth(1).locator("td").all_text_contents()
        head = page.locator("#watch-table thead th").all_text_contents()
        dead = head.index("dead")
        # an nn.Sequential's index carries its class in the table, as in the charts (R15)
        assert cells[0] == f"3 ({type(model[3]).__name__})"
        assert cells[dead] == str(mon.report().layers[1].dead) and int(cells[dead]) >= 4
        assert page.locator("#watch-reading").get_attribute("data-status") == mon.report().reading.status
        assert page.evaluate("document.getElementById('watch-history').drawn.x.length") == 7
        shot(page, "watch-torch-run")
        assert errors == []
        context.close()
