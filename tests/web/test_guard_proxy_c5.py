"""The lab behind a TLS proxy (the README's course setup): `actlab lab --allow-host lab.school.example` answers a
Host of lab.school.example with no port or a standard one (80, 443), as proxies forward it, and its pages' writes
and sockets (Origin https://lab.school.example) pass; loopback names still need the lab's own port, and any other
name is refused as before. A refused port says what is wrong with the port, never to add the --allow-host the
teacher already gave (issue 16, walkthrough W4 item 6)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from actlab.web.app import create_app
from actlab.web.guard import Guard

PORT = 8765
NAME = "lab.school.example"


@pytest.fixture
def lab(tmp_path):
    app = create_app(db_path=tmp_path / "p.sqlite3", port=PORT, allow_hosts=(NAME,))
    with TestClient(app, base_url=f"http://{NAME}") as c:
        yield c


@pytest.mark.parametrize("host", [NAME, f"{NAME}:443", f"{NAME}:80", f"{NAME}:{PORT}", "LAB.School.Example"])
def test_an_allowed_name_is_answered_as_a_proxy_forwards_it(lab, host):
    r = lab.get("/api/conventions", headers={"host": host})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("host", [NAME, f"{NAME}:443"])
def test_the_pages_writes_through_the_proxy_pass_the_origin_check(lab, host):
    r = lab.post("/api/options/check", json={"lr": 0.1},
                 headers={"host": host, "origin": f"https://{NAME}", "referer": f"https://{NAME}/playground"})
    assert r.status_code == 200, r.text


def test_a_playground_socket_opens_through_the_proxy(lab):
    tab = lab.post("/api/playground/tab", headers={"host": NAME, "origin": f"https://{NAME}"}).json()["tab"]
    with lab.websocket_connect(f"/ws/playground?tab={tab}", headers={"host": NAME, "origin": f"https://{NAME}"}) as ws:
        ws.send_json({"type": "pause"})
        assert ws.receive_json()["type"] == "error"  # no run yet: the socket is open and answering


def test_a_foreign_origin_is_still_refused_through_the_proxy(lab):
    r = lab.post("/api/options/check", json={}, headers={"host": NAME, "origin": "https://evil.example"})
    assert r.status_code == 403
    with pytest.raises(WebSocketDisconnect) as denied:  # closed before the handshake: the server answers 403
        with lab.websocket_connect("/ws/playground", headers={"host": NAME, "origin": f"https://{NAME}.evil.example"}):
            pass
    assert denied.value.code == 1008


@pytest.mark.parametrize(("host", "words"), [
    (f"{NAME}:9000", f"the lab answers to {NAME}, but on port {PORT}, or with no port or port 80 or 443"),
    ("127.0.0.1", f"names this machine on port 80, but the lab listens on port {PORT}: open http://127.0.0.1:{PORT}/"),
    ("127.0.0.1:443", f"on port 443, but the lab listens on port {PORT}"),
    ("localhost", f"open http://localhost:{PORT}/"),
])
def test_a_wrong_port_is_refused_without_sending_the_teacher_to_the_flag(lab, host, words):
    r = lab.get("/api/conventions", headers={"host": host})
    assert r.status_code == 403
    detail = r.json()["detail"]
    assert words in detail and "--allow-host" not in detail, detail


@pytest.mark.parametrize("host", ["evil.example", "evil.example:443", f"{NAME}.evil.example", f"x{NAME}"])
def test_any_other_name_is_refused_and_told_about_the_flag(lab, host):
    r = lab.get("/api/conventions", headers={"host": host})
    assert r.status_code == 403 and "--allow-host" in r.json()["detail"]


def test_the_bound_address_and_loopback_names_follow_the_same_rules():
    guard = Guard(None, hosts=("127.0.0.1", "localhost", "[::1]", "192.168.1.5", NAME), port=PORT)
    assert guard.host_problem("192.168.1.5") is None  # a proxy on the school network forwarding the address
    assert guard.host_problem(f"[::1]:{PORT}") is None
    assert guard.host_problem("[::1]:443") is not None and guard.host_problem("localhost:80") is not None


def test_a_refused_name_hears_every_way_the_lab_is_reached(lab):
    detail = lab.get("/api/conventions", headers={"host": "evil.example"}).json()["detail"]
    assert f"{NAME}:{PORT}" in detail and f"({NAME} also with no port, or 80 or 443, as a proxy forwards it)" in detail
