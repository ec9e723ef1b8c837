"""The lab's settings: one typed record (web/settings.py), read by the app factory, carried to workers as JSON."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from actlab.errors import ConfigError
from actlab.web.app import create_app
from actlab.web.serve import app_from_env
from actlab.web.settings import ENV_SETTINGS, LabSettings, limits, settings


def test_settings_survive_the_trip_to_a_worker(tmp_path, monkeypatch):
    """What actlab lab --workers puts in ACTLAB_SETTINGS is what each worker's app is built from."""
    chosen = LabSettings(db=str(tmp_path / "p.sqlite3"), host="127.0.0.1", port=8799, allow_hosts=("testserver",),
                         max_layers=12, max_width=64, max_sessions=5)
    monkeypatch.setenv(ENV_SETTINGS, chosen.to_json())
    app = app_from_env()
    assert settings(app) == chosen and limits(app).to_dict() == {"max_layers": 12, "max_width": 64}
    assert app.state.sessions.max_sessions == 5


def test_the_limits_reach_the_published_options_and_the_playground(tmp_path):
    app = create_app(LabSettings(db=str(tmp_path / "p.sqlite3"), allow_hosts=("testserver",), max_layers=3,
                                 max_width=6))
    with TestClient(app) as client:
        assert client.get("/api/options").json()["limits"] == {"max_layers": 3, "max_width": 6, "max_points": 20_000}
        with client.websocket_connect("/ws/playground") as ws:
            ws.send_text(json.dumps({"type": "init", "config": {"layers": [7]}}))
            error = json.loads(ws.receive_text())
            assert error["field"] == "layers" and "up to 3 hidden layers of 1 to 6 neurons" in error["message"]


def test_keyword_shorthands_replace_single_fields(tmp_path):
    app = create_app(LabSettings(max_layers=4), db_path=tmp_path / "p.sqlite3", allow_hosts=("testserver",))
    assert settings(app).db == str(tmp_path / "p.sqlite3") and settings(app).max_layers == 4


@pytest.mark.parametrize(("text", "field", "needle"), [
    ('{"max_layer": 3}', "max_layer", "unknown lab setting; allowed: db, host"),
    ('{"max_layers": 99}', "max_layers", "a whole number from 1 to 32"),
    ('{"port": 0}', "port", "1 to 65535"),
    ('{"allow_hosts": "a,b"}', "allow_hosts", "a list of host names"),
    ('{"idle_seconds": -1}', "idle_seconds", "above 0"),
    ('{max_layers: 3}', ENV_SETTINGS, "not valid JSON"),
    ('[1]', ENV_SETTINGS, "a JSON object"),
])
def test_bad_settings_name_the_field(text, field, needle):
    with pytest.raises(ConfigError) as err:
        LabSettings.from_json(text)
    assert err.value.field == field and needle in str(err.value)
