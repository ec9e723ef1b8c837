"""Hostile origins: a foreign Host, a foreign Origin on a write or a socket, and GETs that must not write."""

from __future__ import annotations

import pytest
from starlette.websockets import WebSocketDisconnect

from actlab.web.guard import Guard, is_loopback
from web.conftest import run_async

FOREIGN = "http://evil.example"


@pytest.mark.parametrize("path", ["/teacher", "/lesson", "/api/class-summary", "/api/progress?learner=ana",
                                  "/openapi.json", "/static/js/main.js"])
def test_a_foreign_host_is_refused_with_a_way_to_allow_it(client, path):
    r = client.get(path, headers={"host": "evil.example"})
    assert r.status_code == 403
    detail = r.json()["detail"]
    assert "'evil.example'" in detail and "--allow-host evil.example" in detail and "127.0.0.1" in detail


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "LOCALHOST:8765"])
def test_loopback_names_are_answered(client, host):
    assert client.get("/api/conventions", headers={"host": host}).status_code == 200


def test_a_name_given_with_allow_host_is_answered_on_the_lab_port_only():
    guard = Guard(None, hosts=("127.0.0.1", "lab.school.example"), port=8765)
    assert guard.host_problem("lab.school.example:8765") is None
    assert guard.host_problem("127.0.0.1:8765") is None
    # another port is refused, and the message names the port, not the flag the teacher already used (C5 item 6)
    assert "on port 8765" in guard.host_problem("lab.school.example:9000")
    assert guard.host_problem("[::1") is not None and guard.host_problem("x:y") is not None


# A refused socket is closed before the handshake (the server answers 403) with code 1008, its reason in one line of
# the server's log (test_guard_socket_log.py), not in a body: uvicorn logs an error for every refusal with a body.
def test_a_foreign_host_cannot_open_a_playground(client):
    with pytest.raises(WebSocketDisconnect) as denied:
        with client.websocket_connect("ws://evil.example/ws/playground"):
            pass
    assert denied.value.code == 1008


def test_a_foreign_origin_cannot_open_a_playground(client):
    with pytest.raises(WebSocketDisconnect) as denied:
        with client.websocket_connect("/ws/playground", headers={"origin": FOREIGN}):
            pass
    assert denied.value.code == 1008


def test_the_labs_own_origin_opens_a_playground(client):
    with client.websocket_connect("/ws/playground", headers={"origin": "http://testserver"}) as ws:
        ws.send_json({"type": "pause"})
        assert ws.receive_json()["type"] == "error"  # no run yet: the socket is open and answering


def test_a_foreign_origin_multipart_upload_is_refused_and_stores_nothing(client):
    app = client.app
    r = client.post("/api/playground/csv", files={"file": ("d.csv", b"x1,x2,label\n0,1,a\n1,0,b\n", "text/csv")},
                    headers={"origin": FOREIGN})
    assert r.status_code == 403 and "Origin 'http://evil.example'" in r.json()["detail"]
    assert not app.state.sessions._uploads


@pytest.mark.parametrize("headers", [{"origin": FOREIGN}, {"origin": "null"}, {"referer": FOREIGN + "/page"},
                                     {"origin": "http://testserver.evil.example"}])
def test_a_foreign_page_cannot_write_progress(client, headers):
    r = client.post("/api/exercises/ex1/check", json={"answers": ["1"], "learner": "ana"}, headers=headers)
    assert r.status_code == 403
    assert not any(row["attempts"] for row in client.get("/api/progress", params={"learner": "ana"}).json())


def test_the_labs_own_page_can_write(client):
    for headers in ({"origin": "http://testserver"}, {"referer": "http://testserver/lesson"}):
        r = client.post("/api/exercises/ex1/check", json={"answers": ["1"], "learner": "ana"}, headers=headers)
        assert r.status_code == 200


@pytest.mark.parametrize("path", ["/api/exercises/ex2/solution?learner=ana", "/api/exercises/ex2/hint?learner=ana"])
def test_a_get_never_writes(client, path):
    assert client.get(path).status_code == 405
    rows = client.get("/api/progress", params={"learner": "ana"}).json()
    assert not any(row["hints_seen"] or row["solution_seen"] for row in rows)


def test_every_get_route_in_the_schema_is_read_only():
    from actlab.web.routes import exercises

    writers = {"/exercises/{key}/check", "/exercises/{key}/hint", "/exercises/{key}/solution"}
    for route in exercises.router.routes:
        if route.path in writers:
            assert route.methods == {"POST"}


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.3.2.1", True), ("::1", True),
                                                ("[::1]", True), ("localhost", True), ("0.0.0.0", False),
                                                ("192.168.1.4", False), ("lab.example", False)])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_a_real_server_refuses_a_foreign_host_and_a_foreign_socket(live_server):
    """The same checks through uvicorn on loopback, as a browser meets them."""

    import httpx
    import websockets

    assert httpx.get(live_server + "/api/conventions", headers={"host": "evil.example"}).status_code == 403
    assert httpx.get(live_server + "/api/conventions").status_code == 200
    url = live_server.replace("http", "ws") + "/ws/playground"

    async def open_with(origin):
        async with websockets.connect(url, origin=origin) as ws:
            await ws.send('{"type": "pause"}')
            return await ws.recv()

    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        run_async(open_with("http://evil.example"))
    assert refused.value.response.status_code == 403
    assert "send 'init'" in run_async(open_with(live_server))  # the lab's own origin gets in
