"""PUT /api/class/teacher/playground says what the save changed (issue 16, brief C7 item 3): each setting with its old
and new value, and each pin made or taken off, whether the body replaces what is saved (the API's default) or merges
over it; an empty list only when nothing changed. A replacing save answered "changes": [] whatever it changed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def teacher(request, tmp_path):
    with database(request.param, tmp_path) as location:
        _, token = Store(location).create_class("physics 2a")
        client = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def _put(client, **body) -> list[str]:
    res = client.put("/api/class/teacher/playground", json=body)
    assert res.status_code == 200, res.text
    return res.json()["changes"]


@pytest.mark.parametrize("merge", [False, True])
def test_a_save_lists_what_it_changed_and_nothing_when_nothing_did(teacher, merge):
    assert _put(teacher, config={"dataset": "xor", "lr": 0.03}, pinned=["lr"], merge=merge) == [
        "dataset: (not set) -> xor", "lr: (not set) -> 0.03", "pinned: lr"]
    assert _put(teacher, config={"dataset": "xor", "lr": 0.03}, pinned=["lr"], merge=merge) == []  # the same again
    assert _put(teacher, config={"dataset": "xor", "lr": 0.1}, pinned=["dataset"], merge=merge) == [
        "lr: 0.03 -> 0.1", "pinned: dataset", "unpinned: lr"]
    assert _put(teacher, link="/playground?dataset=xor&lr=0.1", pinned=["dataset"], merge=merge) == []


def test_replacing_names_a_setting_it_drops(teacher):
    _put(teacher, config={"dataset": "xor", "lr": 0.03}, pinned=[])
    assert _put(teacher, config={"dataset": "xor"}, pinned=[]) == ["lr: 0.03 -> (not set)"]
    assert teacher.get("/api/class/playground").json()["config"] == {"dataset": "xor"}

# The Save's pin notes: "X is ticked but the link does not give it" only when the teacher sent a link or values that
# leave X out. The teacher's page sends link: null when its link box is untouched (the box shows the saved setup),
# and the note then named every pinned setting though nothing was left out (found by helper C8).


def _notes(client, **body) -> list[str]:
    res = client.put("/api/class/teacher/playground", json={"merge": True, **body})
    assert res.status_code == 200, res.text
    return res.json()["pin_notes"]


def test_saving_the_ticks_as_they_are_makes_no_note(teacher):
    assert _notes(teacher, config={"dataset": "xor", "lr": 0.1}, pinned=["dataset", "lr"]) == []
    assert _notes(teacher, link=None, config={}, pinned=["dataset", "lr"]) == []  # the page's untouched Save
    assert teacher.get("/api/class/playground").json()["config"] == {"dataset": "xor", "lr": 0.1}


def test_a_link_that_leaves_a_ticked_setting_out_is_still_named(teacher):
    _notes(teacher, config={"dataset": "xor", "lr": 0.1}, pinned=["dataset", "lr"])
    notes = _notes(teacher, link="/playground?dataset=circle", pinned=["dataset", "lr"])
    assert notes == ["lr is ticked but the link does not give it: kept at its saved value 0.1"]
    notes = _notes(teacher, link="/playground?dataset=circle", pinned=["dataset", "lr", "batch_size"])
    said = {n.split(" is ticked")[0]: n for n in notes}
    assert sorted(said) == ["batch_size", "lr"], notes
    assert "pinned at its default" in said["batch_size"] and "kept at its saved value 0.1" in said["lr"]
