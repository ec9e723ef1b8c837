"""The rejoin codes' limit slows guessing without locking out a right code (issue 16, brief C9 item 3, teacher
walkthrough W8). Ten wrong rejoin codes from one address (a classroom behind one NAT) refused the right rejoin code
from it for a minute ("Too many wrong rejoin codes from this address in the last minute; wait 47 s"). Now, at the
limit, a code is still checked for a name that got fewer than REJOIN_TRIES_PER_NAME wrong codes from the address
in the minute: the right one gets in, a wrong one is refused with 429 and counts; past that the name's codes are
refused unchecked, so guessing one learner's code stays bounded. Both store backends; one address."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from actlab.web.routes.classroom import FAILURES_PER_MINUTE, REJOIN_TRIES_PER_NAME
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    """(location, class, {name: rejoin code}) for eleven learners who joined."""
    with database(request.param, tmp_path) as location:
        store = Store(location)
        klass, _ = store.create_class("physics 2a")
        codes = {name: store.join(klass.id, name)[1] for name in ["Zoë", *(f"L{i}" for i in range(10))]}
        yield location, klass, codes


def client_for(location) -> TestClient:
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",)))


def join(c: TestClient, code: str, name: str, rejoin_code: str | None = None):
    return c.post("/api/class/join", json={"code": code, "name": name, "rejoin_code": rejoin_code})


def wrong(code: str) -> str:
    return "22222" + ("3" if code[-1] != "3" else "4")


def test_the_right_rejoin_code_gets_in_after_classmates_wrong_ones(lab):
    location, klass, codes = lab
    c = client_for(location)
    typos = [join(c, klass.code, f"L{i}", wrong(codes[f"L{i}"])).status_code for i in range(FAILURES_PER_MINUTE)]
    assert typos == [403] * FAILURES_PER_MINUTE
    # the address is at its limit: a wrong code is refused as before, with the wait
    res = join(c, klass.code, "Zoë", wrong(codes["Zoë"]))
    assert res.status_code == 429 and "Too many wrong rejoin codes from this address" in res.json()["detail"]
    res = join(c, klass.code, "zoë", codes["Zoë"].lower())  # her own code, typed in lower case
    assert res.status_code == 200 and res.json()["learner"] == "Zoë", res.text


def test_guessing_one_name_stays_bounded_at_the_limit(lab):
    location, klass, codes = lab
    c = client_for(location)
    assert [join(c, klass.code, "Zoë", wrong(codes["Zoë"])).status_code
            for _ in range(FAILURES_PER_MINUTE)] == [403] * FAILURES_PER_MINUTE
    # Zoë's name got more than REJOIN_TRIES_PER_NAME wrong codes: from here even her right code waits
    res = join(c, klass.code, "Zoë", codes["Zoë"])
    assert res.status_code == 429 and "wait" in res.json()["detail"], res.text
    # another name gets REJOIN_TRIES_PER_NAME checked tries at the limit, then none
    l0 = [join(c, klass.code, "L0", wrong(codes["L0"])).status_code for _ in range(REJOIN_TRIES_PER_NAME)]
    assert l0 == [429] * REJOIN_TRIES_PER_NAME
    assert join(c, klass.code, "L0", codes["L0"]).status_code == 429  # spent: refused unchecked
    assert join(c, klass.code, "L1", codes["L1"]).status_code == 200  # a name with tries left: checked
    # the count of checked wrong codes per name at the limit is the named bound, and nothing more was stored
    store = Store(location)
    assert len(store.recent_failures("rejoin:name", f"testclient {klass.id} l0", 60)) == REJOIN_TRIES_PER_NAME
    assert REJOIN_TRIES_PER_NAME == 3 and FAILURES_PER_MINUTE == 10
