"""Rejoining a class: a rejoin code belongs to one learner. A wrong code for a taken name and a code sent with a
name nobody has are each refused with words that say which of the two happened (both backends), and both count
as failed tries against the address's limit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, _ = Store(location).create_class("physics 2a")
        yield location, klass


def client_for(location) -> TestClient:
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",)))


def join(c: TestClient, code: str, name: str, rejoin_code: str | None = None):
    return c.post("/api/class/join", json={"code": code, "name": name, "rejoin_code": rejoin_code})


def test_a_wrong_rejoin_code_for_a_taken_name_says_the_code_is_wrong(lab):
    location, klass = lab
    ana = join(client_for(location), klass.code, "Ana").json()
    wrong = "22222" + ("3" if ana["rejoin_code"][-1] != "3" else "4")
    res = join(client_for(location), klass.code, "Ana", wrong)
    assert res.status_code == 403, res.text
    detail = res.json()["detail"]
    assert "rejoin_code" in detail and "not the one" in detail and "Ana" in detail
    assert "choose another name" not in detail  # the old words sent a returning learner off to a new name


def test_a_new_name_with_another_learners_rejoin_code_is_refused(lab):
    location, klass = lab
    ana = join(client_for(location), klass.code, "Ana").json()
    res = join(client_for(location), klass.code, "Bob", ana["rejoin_code"])
    assert res.status_code == 422, res.text
    detail = res.json()["detail"]
    assert "rejoin_code" in detail and "Bob" in detail and "leave the rejoin code empty" in detail
    assert "Ana" not in detail  # the code's owner is not told to whoever holds the code
    store = Store(location)
    assert [learner.name for learner in store.learners(klass.id)] == ["Ana"]  # no learner was made
    assert join(client_for(location), klass.code, "Bob").status_code == 200  # without the code, Bob joins


def test_a_new_name_with_a_made_up_rejoin_code_is_refused_too(lab):
    location, klass = lab
    res = join(client_for(location), klass.code, "Cleo", "ABCDEF")
    assert res.status_code == 422 and "leave the rejoin code empty" in res.json()["detail"]
    assert Store(location).learners(klass.id) == []


def test_the_join_form_shows_the_specific_words(lab):
    location, klass = lab
    ana = join(client_for(location), klass.code, "Ana").json()
    c = client_for(location)
    page = c.get("/join")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    res = c.post("/join", data={"code": klass.code, "name": "Bob", "rejoin_code": ana["rejoin_code"], "csrf": csrf})
    assert res.status_code == 422 and "leave the rejoin code empty" in res.text


def test_wrong_rejoin_codes_count_as_failed_tries(lab):
    location, klass = lab
    join(client_for(location), klass.code, "Ana")
    c = client_for(location)
    statuses = [join(c, klass.code, "Ana", "ZZZZZZ").status_code for _ in range(5)]
    statuses += [join(c, klass.code, f"New{i}", "ZZZZZZ").status_code for i in range(5)]
    assert statuses == [403] * 5 + [422] * 5
    assert join(c, klass.code, "Ana", "ZZZZZZ").status_code == 429  # ten failures from this address: the limit holds
    assert join(c, klass.code, "Dan").status_code == 200  # a new name with the class code Ana joined with from here
