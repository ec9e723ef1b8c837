"""The join form shows a refusal as an error in plain words (issue 16, brief C2 item 8): it began with the field's
internal name ("name: 'Nia' is taken ...", "rejoin_code: that is not the one ...") in small grey text. The API's
detail keeps the field for scripts. Both store backends."""

from __future__ import annotations

import re

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


def _message(location, code: str, name: str, rejoin_code: str = "") -> tuple[int, str, str]:
    c = TestClient(create_app(db_path=location, allow_hosts=("testserver",)), base_url="http://testserver")
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/join").text).group(1)
    res = c.post("/join", data={"code": code, "name": name, "rejoin_code": rejoin_code, "csrf": csrf},
                 headers={"Origin": "http://testserver"})
    found = re.search(r'<p class="status-line ([a-z]*)" role="alert">([^<]*)</p>', res.text)
    return res.status_code, found.group(1), found.group(2)


def test_join_form_refusals_are_errors_in_plain_words(lab):
    location, klass = lab
    Store(location).join(klass.id, "Nia")
    cases = [(klass.code, "Nia", "", 409, "&#x27;Nia&#x27; is taken in this class"),
             (klass.code, "Nia", "ZZZZZZ", 403, "That is not the one &#x27;Nia&#x27; was shown"),
             (klass.code, "Omar", "ZZZZZZ", 422, "Nobody named &#x27;Omar&#x27; has joined this class"),
             (klass.code, "Zo\u00eb\tB", "", 422, "A name cannot hold a tab"),
             ("ZZZZZZ", "Omar", "", 404, "No open class has that code")]
    for code, name, rejoin, status, start in cases:
        got_status, css, text = _message(location, code, name, rejoin)
        assert got_status == status and css == "error", (name, got_status, css, text)
        assert text.startswith(start), text
        assert not re.match(r"^[a-z_]+: ", text), text


def test_the_api_keeps_the_field_in_its_detail(lab):
    location, klass = lab
    Store(location).join(klass.id, "Nia")
    c = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    res = c.post("/api/class/join", json={"code": klass.code, "name": "Nia"})
    assert res.status_code == 409 and res.json()["detail"].startswith("name: ")
