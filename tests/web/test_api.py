"""Every endpoint, good and bad input: numbers come from the core, errors are 4xx with clear words."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab import activations, experiments


def test_root_redirects_to_the_lesson(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] == "/lesson"


@pytest.mark.parametrize("path", ["/lesson", "/playground", "/teacher", "/static/js/main.js", "/favicon.ico"])
def test_pages_and_assets_are_served(client, path):
    assert client.get(path).status_code == 200


def test_plotly_is_served_from_the_package_compressed_once(client):
    from actlab.web.app import PLOTLY_JS

    raw = PLOTLY_JS.read_bytes()
    r = client.get("/vendor/plotly-basic.min.js")  # httpx asks for gzip and decodes it
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip" and r.content == raw
    assert r.headers["content-type"].startswith("text/javascript") and "max-age" in r.headers["cache-control"]
    plain = client.get("/vendor/plotly-basic.min.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers and plain.content == raw


def test_openapi_schema_lists_the_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/activations/{name}/samples" in paths and "/api/exercises/{key}/check" in paths


def test_activation_list_has_every_entry_with_mathml(client):
    rows = client.get("/api/activations").json()
    assert [r["name"] for r in rows] == activations.names()
    assert all(r["formula_mathml"].startswith("<math") for r in rows)


def test_samples_equal_the_registry(client):
    r = client.get("/api/activations/silu/samples", params={"beta": 2, "x_min": -3, "x_max": 3, "n": 7}).json()
    act = activations.get("silu", beta=2.0)
    x = np.linspace(-3, 3, 7)
    assert r["x"] == x.tolist()
    np.testing.assert_array_equal(r["value"], act(x))
    np.testing.assert_array_equal(r["derivative"], act.derivative(x))


def test_samples_of_a_gated_unit_show_the_gate(client):
    r = client.get("/api/activations/swiglu/samples", params={"x_min": -1, "x_max": 1, "n": 3}).json()
    np.testing.assert_allclose(r["value"], activations.get("silu")(np.array([-1.0, 0.0, 1.0])))


def test_alias_resolves_in_the_api(client):
    assert client.get("/api/activations/gelu_new").json()["name"] == "gelu_tanh"


@pytest.mark.parametrize(("path", "params", "status", "needle"), [
    ("/api/activations/nope", {}, 404, "Valid names"),
    ("/api/activations/nope/samples", {}, 404, "unknown activation"),
    ("/api/activations/leaky_relu/samples", {"negative_slope": 5}, 422, "out of range"),
    ("/api/activations/leaky_relu/samples", {"negative_slope": "abc"}, 422, "not a number"),
    ("/api/activations/relu/samples", {"alpha": 1}, 422, "not a parameter"),
    ("/api/activations/relu/samples", {"n": 10**7}, 422, "n:"),
    ("/api/activations/relu/samples", {"x_min": 3, "x_max": 1}, 422, "x_min"),
    ("/api/activations/relu/samples", {"x_min": "nan"}, 422, "x_min: Input should be a finite number"),
    ("/api/activations/relu/samples", {"x_max": "inf"}, 422, "x_max: Input should be a finite number"),
    ("/api/demos/vanishing", {"activation": "nope"}, 404, "unknown activation"),
    ("/api/demos/vanishing", {"depth": 500}, 422, "depth"),
    ("/api/demos/vanishing", {"init": "glorot"}, 422, "init"),
    ("/api/progress", {}, 422, "learner"),
])
def test_bad_input_is_a_4xx_with_a_clear_message(client, path, params, status, needle):
    r = client.get(path, params=params)
    assert r.status_code == status and needle in r.json()["detail"]


def test_conventions_match_the_registry(client):
    c = client.get("/api/conventions").json()
    assert c["relu_deriv_at_zero"] == 0.0 and c["relu_subgradient_at_zero"] == [0.0, 1.0]
    gap = activations.gelu_gap("gelu_tanh")
    assert c["gelu_gaps"][0]["max_abs_error"] == gap.max_abs_error


def test_vanishing_demo_numbers(client):
    d = client.get("/api/demos/vanishing", params={"activation": "sigmoid", "depth": 6, "width": 16}).json()
    assert d["lesson"]["sigmoid_10_layers"] == 0.25**10
    want = experiments.measure_flow("sigmoid", 6, 16, "xavier_normal", seeds=5, n=64)
    np.testing.assert_allclose(d["flow"]["ratio_to_last"], want.ratio_to_last, rtol=1e-12)
    np.testing.assert_allclose(d["flow"]["deriv_product_to_last"], 0.25 ** np.arange(6, 0, -1), rtol=1e-12)
    # the line called a bound bounds the measured signal at every layer
    flow = d["flow"]
    assert all(r <= b for r, b in zip(flow["signal_ratio_to_last"], flow["signal_bound_to_last"], strict=True))
    assert d["flow"]["reading"]["status"] == "vanishing" and d["flow"]["reading"]["remedy"]


def test_dead_probability_endpoint(client):
    d = client.get("/api/demos/dead-probability", params={"width": 2, "depth": 10, "trials": 4000}).json()
    assert math.isclose(d["formula"], 1 - (1 - 0.25) ** 10)


def test_census_endpoint(client):
    rows = client.get("/api/demos/census").json()
    assert {r["family"]: r["activation"] for r in rows}["Llama"] == "silu"


def test_exercise_check_records_and_progress_returns_it(client):
    r = client.post("/api/exercises/ex2/check", json={"answers": ["0.2^19", "9.54e-7"], "learner": "ana"}).json()
    assert r["status"] == "partly_correct" and "19 factors" in r["parts"][0]["feedback"]
    client.post("/api/exercises/ex2/check", json={"answers": ["1.05e-14", "9.54e-7"], "learner": "ana"})
    rows = client.get("/api/progress", params={"learner": "ana"}).json()
    assert rows[0]["exercise"] == "ex2" and rows[0]["best_status"] == "correct" and rows[0]["attempts"] == 2
    summary = client.get("/api/class-summary").json()
    assert summary[0]["attempts"] == 2


def test_hint_and_solution(client):
    h = client.post("/api/exercises/ex2/hint", json={"level": 9}).json()
    assert h["level"] == h["of"] == 3
    assert "1.05e-14" in client.post("/api/exercises/ex2/solution", json={}).json()["text"]


def test_hint_of_an_unknown_exercise_is_a_404_naming_the_valid_keys(client):
    r = client.post("/api/exercises/ex99/hint", json={})
    assert r.status_code == 404 and "valid: ex1" in r.json()["detail"]


@pytest.mark.parametrize("body", [{"answers": "1.0"}, {"answers": [1, 2]}, {"answers": ["1"] * 50},
                                  {"answers": ["1"], "learner": "x" * 100}, {"answers": ["1"], "learner": "a\u0000"}])
def test_malformed_check_bodies_are_4xx(client, body):
    r = client.post("/api/exercises/ex1/check", json=body)
    assert 400 <= r.status_code < 500 and r.json()["detail"]


def test_huge_answer_is_a_verdict_not_an_error(client):
    r = client.post("/api/exercises/ex5/check", json={"answers": ["9" * 200_000]})
    assert r.status_code == 200 and r.json()["status"] == "unreadable"


def test_oversized_body_is_refused(client):
    r = client.post("/api/exercises/ex5/check", content=b"x" * (7 * 1024 * 1024),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_no_endpoint_answers_500_to_garbage(client):
    for path in ["/api/activations/%00", "/api/activations/relu/samples?n=-1", "/api/exercises/%20/check"]:
        r = client.get(path) if "check" not in path else client.post(path, json={})
        assert r.status_code < 500


def test_the_lesson_receives_the_relu_outline_and_each_kinks_height(client):
    p = client.get("/api/demos/linear-collapse").json()["pieces"]
    res = experiments.count_pieces(seed=0)
    ox, oy = res.outline()
    assert p["x"] == ox.tolist() and p["y"] == oy.tolist() and p["n_pieces"] == res.n_pieces
    assert p["kink_y"] == [float(res.y[np.searchsorted(res.x, k)]) for k in res.kinks]


def test_an_unreadable_body_is_a_documented_400_in_words(client):
    r = client.post("/api/exercises/ex1/check", content=b"\x80", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "UTF-8 JSON" in r.json()["detail"]
    r = client.post("/api/exercises/ex1/check", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "body" and "not valid JSON" in r.json()["detail"]
    assert "400" in client.get("/openapi.json").json()["paths"]["/api/exercises/{key}/check"]["post"]["responses"]


def test_a_422_matches_its_published_schema(client):
    spec = client.get("/openapi.json").json()
    documented = spec["paths"]["/api/activations/{name}/samples"]["get"]["responses"]["422"]
    assert documented["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Problem"
    body = client.get("/api/activations/relu/samples", params={"n": "many"}).json()
    assert isinstance(body["detail"], str) and body["field"] == "n"


def test_api_docs_are_our_own_page_with_nothing_from_elsewhere(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert client.get("/redoc", follow_redirects=False).headers["location"] == "/docs"
