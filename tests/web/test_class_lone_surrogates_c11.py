"""Lone surrogates (half an emoji: JSON "\\ud83d", which a broken paste can send) in a join name and in an answer
(issue 16, brief C11 item 10): Store.join failed with a UnicodeEncodeError on such a name; now it is refused with
the field named (the join API's model refuses it first, 422 on 'name'). An answer holding one is stored with U+FFFD
in its place, the same on both backends, and the check answers normally. Both store backends."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from actlab.errors import ConfigError
from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database

HALF = "\ud83d"


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, _ = Store(location).create_class("physics 2a")
        c = TestClient(create_app(db_path=location, allow_hosts=("testserver",)), base_url="http://testserver",
                       raise_server_exceptions=False)
        yield location, klass, c


def _post(c, path, body: dict):
    """JSON with the lone surrogate as the escape a browser sends (json.dumps writes it so)."""
    return c.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


def test_a_name_with_half_a_character_is_refused_naming_the_field(lab):
    location, klass, c = lab
    res = _post(c, "/api/class/join", {"code": klass.code, "name": f"Ana {HALF}"})
    assert res.status_code == 422 and res.json()["field"] == "name", res.text  # the API's model refuses it first
    with pytest.raises(ConfigError, match=r"a name cannot hold half of a character \(U\+D83D, a lone surrogate"):
        Store(location).join(klass.id, f"Ana {HALF}")
    # (a form cannot send one: a browser writes U+FFFD for it when it encodes the form)
    assert Store(location).learners(klass.id) == []


@pytest.mark.parametrize("answer", [HALF, f"0.5{HALF}", f"sigma{HALF}(0)"])
def test_an_answer_with_half_a_character_is_stored_with_a_replacement(lab, answer):
    location, klass, c = lab
    assert _post(c, "/api/class/join", {"code": klass.code, "name": "Ana"}).status_code == 200
    res = _post(c, "/api/exercises/ex5/check", {"answers": [answer]})
    assert res.status_code == 200, res.text
    (row,) = Store(location).graded_attempts(klass.id)
    assert row["answer"] == [answer.replace(HALF, "\ufffd")]
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in json.dumps(row, ensure_ascii=False))
