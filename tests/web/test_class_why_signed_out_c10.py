"""The class gate's public answer to "why is this learner's cookie no longer let in?" (issue 16, brief C10 item 4):
routes/classroom.why_signed_out, which the gate, the join page and the playground's open-socket re-check all ask.
The playground called the gate module's private _learner_note_for; it now calls the public function, and nothing
outside the gate module uses a private name of it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import HTTPConnection

import actlab.web.routes as routes
from actlab.store import Store
from actlab.web.app import create_app
from actlab.web.deps import LEARNER_COOKIE
from actlab.web.routes.classroom import FORGOTTEN_REASON, why_signed_out
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        store = Store(location)
        klass, _ = store.create_class("physics 2a")
        app = create_app(db_path=location, allow_hosts=("testserver",))
        yield app, store, klass


def _joined(app, klass, name: str) -> HTTPConnection:
    """A request carrying the cookie ``name`` got at joining."""
    client = TestClient(app)
    assert client.post("/api/class/join", json={"code": klass.code, "name": name}).status_code == 200
    cookie = f"{LEARNER_COOKIE}={client.cookies[LEARNER_COOKIE]}"
    return HTTPConnection({"type": "http", "headers": [(b"cookie", cookie.encode())]})


def test_it_says_why_for_each_way_out_and_nothing_for_a_learner_still_in(lab):
    app, store, klass = lab
    ana, ben, cy, dee = (_joined(app, klass, n) for n in ("Ana", "Ben", "Cy", "Dee"))
    assert why_signed_out(app, ana) is None  # still let in
    assert why_signed_out(app, HTTPConnection({"type": "http", "headers": []})) is None  # no cookie
    forged = HTTPConnection({"type": "http", "headers": [(b"cookie", f"{LEARNER_COOKIE}=l.1.1v1.00ff".encode())]})
    assert why_signed_out(app, forged) is None
    store.merge(klass.id, "Ben", "Ana")
    merged = why_signed_out(app, ben)
    assert merged.status == 401 and "merged the name Ben into Ana" in merged.detail
    store.forget(klass.id, "Cy")
    assert why_signed_out(app, cy).reason == FORGOTTEN_REASON
    store.new_rejoin_code(klass.id, "Dee")
    fresh = why_signed_out(app, dee)
    assert fresh.status == 401 and "new rejoin code" in fresh.detail and "Dee" in fresh.detail
    store.set_archived(klass.id)
    closed = why_signed_out(app, ana)
    assert closed.status == 409 and "physics 2a, was archived" in closed.detail


def test_no_other_module_reaches_into_the_gates_private_names():
    """playground.py's socket re-check used gate._learner_note_for."""
    folder = Path(routes.__file__).parent
    private = []
    for path in folder.glob("*.py"):
        if path.name == "classroom.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        gate_names = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                      for alias in node.names if alias.name == "classroom" and node.module in (None, "")}
        private += [f"{path.name}: {node.value.id}.{node.attr}" for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in gate_names and node.attr.startswith("_")]
    assert private == []
