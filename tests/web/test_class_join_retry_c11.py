"""A join whose reply is lost can be sent again (issue 16, brief C11 item 4): the request reached the server and made
the learner, but no cookie was set and the code was never seen; sending the same join form again (its nonce, the
form's CSRF value, or the API's nonce) within store.JOIN_RETRY_SECONDS gets the same learner, their cookie and the
same rejoin code, instead of 'the name is taken ... give the rejoin code'. Both store backends."""

from __future__ import annotations

import re
import secrets

import pytest
from fastapi.testclient import TestClient

from actlab import store as store_module
from actlab.store import Store
from actlab.web.app import create_app
from actlab.web.deps import LEARNER_COOKIE
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, _ = Store(location).create_class("physics 2a")
        yield location, klass


def _client(location):
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",)), base_url="http://testserver")


def test_the_store_gives_the_same_learner_and_code_to_the_same_nonce(lab):
    location, klass = lab
    store = Store(location)
    nonce = secrets.token_urlsafe(24)
    first, code = store.join(klass.id, "Sam", nonce=nonce)
    again, code_again = store.join(klass.id, " sam ", nonce=nonce)  # the same form, the name as typed
    assert (again.id, again.name, code_again) == (first.id, "Sam", code)
    assert len(store.learners(klass.id)) == 1
    with pytest.raises(Exception, match="is taken in this class"):
        store.join(klass.id, "Sam", nonce=secrets.token_urlsafe(24))  # another form: the name is taken
    with pytest.raises(Exception, match="is taken in this class"):
        store.join(klass.id, "Sam")


def test_the_retry_ends_with_its_window_or_a_new_code(lab, monkeypatch):
    location, klass = lab
    store = Store(location)
    nonce, other = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    store.join(klass.id, "Sam", nonce=nonce)
    store.join(klass.id, "Ida", nonce=other)
    store.new_rejoin_code(klass.id, "Ida")  # the teacher made a new code: the old one is not handed out again
    with pytest.raises(Exception, match="is taken in this class"):
        store.join(klass.id, "Ida", nonce=other)
    later = store_module.time.time() + store_module.JOIN_RETRY_SECONDS + 1
    monkeypatch.setattr(store_module.time, "time", lambda: later)
    with pytest.raises(Exception, match="is taken in this class"):
        store.join(klass.id, "Sam", nonce=nonce)
    store.join(klass.id, "Zed", nonce=secrets.token_urlsafe(24))  # a join clears the expired replies
    assert store.db.execute("SELECT COUNT(*) FROM join_replies")[0][0] == 1


def test_the_join_form_sent_again_after_a_lost_reply_lets_the_learner_in(lab):
    location, klass = lab
    c = _client(location)
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/join").text).group(1)
    form = {"code": klass.code, "name": "Sam", "rejoin_code": "", "csrf": csrf}
    first = c.post("/join", data=form, headers={"Origin": "http://testserver"})
    assert first.status_code == 200 and "Welcome, Sam" in first.text, first.text
    code = re.search(r"<strong id=\"rejoin-code\">([^<]+)</strong>", first.text).group(1)
    c.cookies.delete(LEARNER_COOKIE)  # the reply was lost: the browser never got the cookie
    again = c.post("/join", data=form, headers={"Origin": "http://testserver"})
    assert again.status_code == 200 and "Welcome, Sam" in again.text and code in again.text, again.text
    assert LEARNER_COOKIE in again.cookies
    assert c.get("/api/class/me").json()["learner"] == "Sam"


def test_the_join_api_with_a_nonce_is_retry_safe(lab):
    location, klass = lab
    nonce = secrets.token_urlsafe(24)
    body = {"code": klass.code, "name": "Sam", "nonce": nonce}
    first = _client(location).post("/api/class/join", json=body)
    assert first.status_code == 200, first.text
    again = _client(location).post("/api/class/join", json=body)  # another client: no cookie from the first
    assert again.status_code == 200 and again.json()["rejoin_code"] == first.json()["rejoin_code"], again.text
    other = _client(location).post("/api/class/join", json={**body, "nonce": secrets.token_urlsafe(24)})
    assert other.status_code == 409 and "is taken" in other.json()["detail"], other.text
