"""A right credential is not a guess (issue 16, brief C2 item 3): after a run of wrong teacher tokens from one
address the right token still logs in, and after ten wrong class codes a learner who rejoins with the right class
code and the right rejoin code gets in. The wrong ones are still limited, and the limit still gives no oracle: over
it, a right class code without a rejoin code, or with a wrong one, is answered as a wrong code would be, and every
wrong rejoin code counts against its own limit. Both store backends; every TestClient comes from one address."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from actlab.web.routes.classroom import FAILURES_PER_MINUTE
from databases import BACKENDS, database

WRONG = ["AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE", "FFFFFF", "GGGGGG", "HHHHHH", "JJJJJJ", "KKKKKK",
         "MMMMMM", "NNNNNN"]


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, token = Store(location).create_class("physics 2a")
        yield location, klass, token


def client(location, address: str = "10.0.0.1") -> TestClient:
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",)), base_url="http://testserver",
                      client=(address, 50000))


def join(c: TestClient, code: str, name: str, rejoin_code: str | None = None):
    return c.post("/api/class/join", json={"code": code, "name": name, "rejoin_code": rejoin_code})


def login(c: TestClient, token: str):
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/teacher/login").text).group(1)
    return c.post("/teacher/login", data={"token": token, "csrf": csrf}, headers={"Origin": "http://testserver"},
                  follow_redirects=False)


def test_the_right_teacher_token_logs_in_after_wrong_ones_from_the_address(lab):
    location, _, token = lab
    c = client(location)
    statuses = [login(c, f"wrong-{i}").status_code for i in range(FAILURES_PER_MINUTE + 1)]
    assert statuses == [401] * FAILURES_PER_MINUTE + [429]  # wrong tokens are still limited
    assert "wrong teacher tokens" in login(c, "wrong-again").text
    res = login(c, token)
    assert res.status_code == 303 and res.headers["location"] == "/teacher", res.text
    assert c.get("/api/class/teacher/learners").status_code == 200


def _over_the_class_code_limit(location, klass) -> tuple[TestClient, str]:
    """A client at its class-code limit (a classmate's typos), and Ana's rejoin code (she joined at home)."""
    code = join(client(location, "10.9.9.9"), klass.code, "Ana").json()["rejoin_code"]
    c = client(location)
    wrong = [w for w in WRONG if w != klass.code][:FAILURES_PER_MINUTE]
    assert [join(c, w, "x").status_code for w in wrong] == [404] * FAILURES_PER_MINUTE
    return c, code


def test_a_learner_rejoins_with_the_right_codes_after_wrong_class_codes_from_the_address(lab):
    location, klass, _ = lab
    c, code = _over_the_class_code_limit(location, klass)
    res = join(c, klass.code, "Ana", code)
    assert res.status_code == 200 and res.json()["learner"] == "Ana", res.text
    assert [r.name for r in Store(location).learners(klass.id)] == ["Ana"]


def test_over_the_limit_a_right_class_code_alone_or_with_a_wrong_rejoin_code_tells_nothing(lab):
    location, klass, _ = lab
    c, code = _over_the_class_code_limit(location, klass)
    wrong_rejoin = "22222" + ("3" if code[-1] != "3" else "4")
    answers = [join(c, klass.code, "Bob"), join(c, "ZZZZZZ", "Bob"), join(c, klass.code, "Ana", wrong_rejoin),
               join(c, "ZZZZZZ", "Ana", wrong_rejoin)]
    assert [r.status_code for r in answers] == [429] * 4
    assert len({r.json()["detail"].split(";")[0] for r in answers}) == 1  # the same words, right code or not
    detail = answers[0].json()["detail"]
    assert "wrong class codes" in detail
    assert "rejoin now with the class code, their name and their rejoin code" in detail
    # each wrong rejoin code counted: the pair is no easier to guess than the rejoin code alone
    for _ in range(FAILURES_PER_MINUTE - 2):
        assert join(c, klass.code, "Ana", wrong_rejoin).status_code == 429
    res = join(c, klass.code, "Ana", code)
    assert res.status_code == 429 and "wrong rejoin codes" in res.json()["detail"], res.text
    assert [r.name for r in Store(location).learners(klass.id)] == ["Ana"]
