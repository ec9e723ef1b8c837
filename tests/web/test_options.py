"""GET /api/options: the lists the pages offer are the core's, the limits are this lab's, and the answer revalidates."""

from __future__ import annotations

from importlib import resources

from actlab import activations
from actlab.datasets import CLASSIFICATION, DATASETS, FEATURES, REGRESSION
from actlab.network import INITS
from actlab.optim import OPTIMIZERS, REGULARIZERS
from actlab.options import LEARNING_RATES, REG_RATES
from actlab.session import LOSSES


def names(rows):
    return tuple(r["name"] for r in rows)


def test_the_options_lists_are_the_cores(client):
    got = client.get("/api/options").json()
    assert names(got["activations"]) == tuple(activations.names())
    assert names(got["datasets"]) == DATASETS
    assert [r["name"] for r in got["datasets"] if r["task"] == "classification"] == list(CLASSIFICATION)
    assert [r["name"] for r in got["datasets"] if r["task"] == "regression"] == list(REGRESSION)
    assert names(got["features"]) == FEATURES
    assert names(got["initializers"]) == INITS and "normal" in INITS
    assert names(got["optimizers"]) == OPTIMIZERS
    assert names(got["losses"]) == LOSSES
    assert names(got["regularizers"]) == REGULARIZERS
    assert (tuple(got["learning_rates"]), tuple(got["reg_rates"])) == (LEARNING_RATES, REG_RATES)


def test_each_parameter_carries_the_registrys_default_interval_and_slider(client):
    by_name = {a["name"]: a for a in client.get("/api/options").json()["activations"]}
    for name in activations.names():
        record = activations.get(name)
        assert (by_name[name]["title"], by_name[name]["gated"]) == (record.title, record.is_gated)
        for key, spec in record.param_specs.items():
            got = by_name[name]["params"][key]
            assert (got["default"], got["allowed"]) == (spec.default, spec.interval())
    slope = by_name["leaky_relu"]["params"]["negative_slope"]
    assert slope["default"] == 0.01 and slope["allowed"].startswith("[0, 1]")
    assert slope["slider"]["min"] >= 0 and slope["slider"]["max"] <= 1 and slope["slider"]["step"] > 0


def lab_client(tmp_path, **limits):
    from fastapi.testclient import TestClient

    from actlab.web.app import create_app
    from actlab.web.settings import LabSettings

    settings = LabSettings(db=str(tmp_path / "p.sqlite3"), allow_hosts=("testserver",), **limits)
    return TestClient(create_app(settings))


def test_the_limits_are_this_labs(client, tmp_path):
    limits = client.get("/api/options").json()["limits"]
    assert limits == {"max_layers": 8, "max_width": 32, "max_points": 20_000}
    with lab_client(tmp_path, max_layers=12, max_width=64) as bigger:  # actlab lab --max-layers 12 --max-width 64
        assert bigger.get("/api/options").json()["limits"] == {"max_layers": 12, "max_width": 64, "max_points": 20_000}


def test_the_old_limits_endpoint_is_a_deprecated_alias_of_the_options_limits(client, tmp_path):
    assert client.get("/api/playground/limits").json() == client.get("/api/options").json()["limits"]
    with lab_client(tmp_path, max_layers=3, max_width=6) as small:
        assert small.get("/api/playground/limits").json() == {"max_layers": 3, "max_width": 6, "max_points": 20_000}
    operation = client.get("/openapi.json").json()["paths"]["/api/playground/limits"]["get"]
    assert operation["deprecated"] is True and "/api/options" in operation["description"]


def test_an_unchanged_answer_is_a_bodiless_304_and_a_changed_one_a_new_etag(client, tmp_path):
    first = client.get("/api/options")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache" and etag.startswith('"')
    again = client.get("/api/options", headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert client.get("/api/options", headers={"If-None-Match": '"stale"'}).status_code == 200
    with lab_client(tmp_path, max_layers=12) as other:  # another lab's limits: another answer
        changed = other.get("/api/options", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_options_is_read_only(client):
    assert client.post("/api/options").status_code == 405
    assert client.delete("/api/options").status_code == 405


def test_the_api_docs_list_the_options_operation(client):
    op = client.get("/openapi.json").json()["paths"]["/api/options"]
    assert set(op) == {"get"}
    assert "classification or regression" in op["get"]["description"]


def test_an_activation_registered_while_the_lab_runs_is_offered(client):
    from web._plugin_record import GROUP, NAME, register_scaled_tanh

    etag = client.get("/api/options").headers["etag"]
    with register_scaled_tanh():
        answer = client.get("/api/options", headers={"If-None-Match": etag})
        assert answer.status_code == 200  # the registry changed: the old copy is stale
        got = answer.json()
        row = next(a for a in got["activations"] if a["name"] == NAME)
        assert (row["group"], row["title"], row["gated"]) == (GROUP, "Scaled tanh (a test's)", False)
        assert row["params"]["scale"]["slider"] == {"min": 0.5, "max": 3.0, "step": 0.5}
        assert row["params"]["scale"]["allowed"].startswith("(0, 10]")
        assert got["activation_groups"][-1] == GROUP  # after the built-in groups
    assert NAME not in [a["name"] for a in client.get("/api/options").json()["activations"]]


def test_no_page_script_keeps_a_copy_of_a_core_list():
    js = resources.files("actlab") / "web" / "static" / "js"
    text = {p.name: p.read_text() for p in [*js.iterdir(), *(js / "views").iterdir()] if p.name.endswith(".js")}
    for name, source in text.items():
        assert '"xavier_uniform"' not in source, name  # the initialisers
        assert '"multi_gauss"' not in source, name  # the data sets
        assert '"momentum"' not in source, name  # the optimisers
        assert '"sin_x1"' not in source, name  # the features
        assert "GROUPS" not in source and "SLIDERS" not in source, name  # the explorer's tables
