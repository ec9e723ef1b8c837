"""The join limit slows guessing without locking out a classroom behind one address (issue 16, walkthrough W4, brief
C6 item 4): ten wrong codes from one address no longer refuse learners typing the right code that a classmate at
that address has joined with; the same typo counts once; and the guessing bound holds: FAILURES_PER_MINUTE distinct
wrong codes a minute from one address, after which any code the address has not joined with, right or wrong, is
answered 429 (no oracle). Both store backends; every TestClient comes from one address, as a NAT'd classroom does."""

from __future__ import annotations

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
        store = Store(location)
        klass, _ = store.create_class("physics 2a")
        other, _ = store.create_class("chemistry 1")
        yield location, klass, other


def client_for(location) -> TestClient:
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",)))


def join(c: TestClient, code: str, name: str, rejoin_code: str | None = None):
    return c.post("/api/class/join", json={"code": code, "name": name, "rejoin_code": rejoin_code})


def wrong_codes(c: TestClient, klass, other, n: int) -> list[int]:
    codes = [w for w in WRONG if w not in (klass.code, other.code)]
    return [join(c, code, "x").status_code for code in codes[:n]]


def test_the_right_code_still_joins_after_classmates_typos(lab):
    location, klass, other = lab
    assert join(client_for(location), klass.code, "Ana").status_code == 200
    c = client_for(location)
    assert wrong_codes(c, klass, other, FAILURES_PER_MINUTE) == [404] * FAILURES_PER_MINUTE
    assert join(c, "ZZZZZZ", "x").status_code == 429  # the address is at its limit
    res = join(c, klass.code.lower(), "Bob")  # the right code, as a classmate types it
    assert res.status_code == 200, res.text
    assert [r.name for r in Store(location).learners(klass.id)] == ["Ana", "Bob"]


def test_the_same_typo_from_one_address_counts_once(lab):
    location, klass, other = lab
    c = client_for(location)
    typo = next(w for w in WRONG if w not in (klass.code, other.code))
    assert [join(c, typo, f"L{i}").status_code for i in range(FAILURES_PER_MINUTE + 5)] == [404] * (
        FAILURES_PER_MINUTE + 5)
    assert join(c, klass.code, "Ana").status_code == 200  # nobody joined yet from here, and still not limited


def test_the_guessing_bound_holds_for_codes_not_joined_from_the_address(lab):
    location, klass, other = lab
    assert join(client_for(location), klass.code, "Ana").status_code == 200
    c = client_for(location)
    wrong_codes(c, klass, other, FAILURES_PER_MINUTE)
    res = join(c, other.code, "Eve")  # a right code nobody here has joined with: no different from a wrong one
    assert res.status_code == 429 and "Retry-After" in res.headers, res.text
    assert "A class code someone at this address joined with in the last hour still works" in res.json()["detail"]
    assert join(c, WRONG[-1], "Eve").status_code == 429
    assert Store(location).learners(other.id) == []


def test_a_rejoin_code_is_held_to_the_limit_even_with_a_known_class_code(lab):
    location, klass, other = lab
    assert join(client_for(location), klass.code, "Ana").status_code == 200
    c = client_for(location)
    wrong_codes(c, klass, other, FAILURES_PER_MINUTE)
    # wrong class codes do not count against rejoin codes (brief C2 item 3), which have their own limit
    statuses = [join(c, klass.code, "Ana", "ZZZZZZ").status_code for _ in range(FAILURES_PER_MINUTE + 1)]
    assert statuses == [403] * FAILURES_PER_MINUTE + [429]  # guessing Ana's rejoin code stays bounded
