"""A new activation, defined here and nowhere else, added through the extension point and found everywhere."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from actlab import activations
from actlab.activations import REGISTRY, Activation, Param, PluginWarning, Slider, TorchRecipe

# LeCun's scaled tanh, alpha tanh(beta x) (Efficient BackProp, 1998), with every property a record states. The
# same source is the plugin's module in test_an_installed_plugin_is_listed_by_another_process.
PLUGIN_SOURCE = textwrap.dedent('''
    import math

    import numpy as np

    from actlab.activations import Activation, Param, Slider, TorchRecipe


    def lecun_tanh(x, *, alpha, beta):
        return alpha * np.tanh(beta * x)


    def lecun_tanh_deriv(x, *, alpha, beta):
        t = np.tanh(beta * x)
        return alpha * beta * (1 - t * t)


    def _props(p):
        a, b = p["alpha"], p["beta"]
        return {"output_range": (-a, a), "saturates_at": (-a, a), "deriv_range": (0.0, a * b), "deriv_max": a * b}


    LECUN_TANH = Activation(
        name="lecun_tanh", fn=lecun_tanh, deriv=lecun_tanh_deriv, title="Scaled tanh (LeCun)",
        formula=r"\\alpha \\tanh(\\beta x)", deriv_formula=r"\\alpha\\beta\\,(1 - \\tanh^2(\\beta x))",
        output_range=(-1.7159, 1.7159), deriv_range=(0.0, 1.7159 * 2 / 3), deriv_max=1.7159 * 2 / 3,
        deriv_argmax=0.0, deriv_argmax_text="x = 0", output_closed=(False, False), deriv_closed=(False, True),
        zero_centred=True, monotonic=True, smoothness="C-inf", self_gated=False, year=1998,
        paper="LeCun, Bottou, Orr & Mueller, 1998 (Efficient BackProp)", used_in=("early convolutional nets",),
        hf_names=(), strength="With the defaults f(1) is about 1 and f(-1) about -1: unit targets stay off the tails.",
        weakness="Saturates like tanh.", group="Scaled",
        param_specs={"alpha": Param(1.7159, 0.0, 10.0, doc="output scale", slider=Slider(0.5, 3.0, 0.1)),
                     "beta": Param(2 / 3, 0.0, 10.0, doc="input scale", slider=Slider(0.1, 3.0, 0.1))},
        param_props=_props, saturates_at=(-1.7159, 1.7159),
        torch_recipe=TorchRecipe(expression="alpha * torch.tanh(beta * x)"),
    )
''')


def _plugin_record() -> Activation:
    scope: dict = {}
    exec(PLUGIN_SOURCE, scope)
    return scope["LECUN_TANH"]


@pytest.fixture
def lecun():
    record = activations.register(_plugin_record(), aliases=("scaled-tanh",))
    yield record
    activations.unregister("lecun_tanh")


def test_the_test_records_claims_hold(lecun):
    """Its derivative against central differences, its range and its derivative's maximum."""
    x = np.linspace(-6, 6, 1201)
    h = 1e-6
    np.testing.assert_allclose(lecun.derivative(x), (lecun(x + h) - lecun(x - h)) / (2 * h), rtol=1e-7, atol=1e-9)
    far = lecun(np.array([-1e3, 1e3]))
    np.testing.assert_allclose(far, lecun.output_range)
    assert float(lecun.derivative(0.0)) == pytest.approx(lecun.deriv_max)


def test_names_get_and_aliases_find_it(lecun):
    assert activations.names()[-1] == "lecun_tanh" and "lecun_tanh" in REGISTRY
    assert activations.get("Scaled-Tanh") is lecun
    bound = activations.get("lecun_tanh", alpha=1.0, beta=1.0)
    assert bound.output_range == (-1.0, 1.0) and bound.saturates_at == (-1.0, 1.0)
    np.testing.assert_allclose(bound(np.array([0.5])), np.tanh([0.5]))
    with pytest.raises(ValueError, match=r"lecun_tanh: parameter alpha=-1.0 is out of range"):
        activations.get("lecun_tanh", alpha=-1.0)


def test_actlab_list_shows_it(lecun):
    from actlab.cli import app

    res = CliRunner().invoke(app, ["list", "--json"], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    row = next(r for r in json.loads(res.stdout) if r["name"] == "lecun_tanh")
    assert row["group"] == "Scaled" and row["aliases"] == ["scaled_tanh"]
    assert row["param_specs"]["alpha"]["slider"] == {"min": 0.5, "max": 3.0, "step": 0.1}
    table = CliRunner().invoke(app, ["list"], env={"COLUMNS": "200"})
    assert "lecun_tanh" in table.stdout


def test_the_lab_serves_it(lecun, tmp_path):
    from fastapi.testclient import TestClient

    from actlab.web.app import create_app

    with TestClient(create_app(db_path=tmp_path / "p.sqlite3", allow_hosts=("testserver",))) as client:
        listed = client.get("/api/activations").json()
        assert "lecun_tanh" in [r["name"] for r in listed]
        one = client.get("/api/activations/lecun_tanh", params={"alpha": 1.0}).json()
        assert one["output_range"] == [-1.0, 1.0] and one["group"] == "Scaled"
        samples = client.get("/api/activations/scaled_tanh/samples", params={"x_min": -1, "x_max": 1, "n": 3}).json()
        np.testing.assert_allclose(samples["value"], lecun(np.array([-1.0, 0.0, 1.0])))


def test_the_list_the_lab_serves_follows_the_registry(tmp_path):
    """The lab describes the registry once per state of it: a record registered while it runs appears."""
    from fastapi.testclient import TestClient

    from actlab.web.app import create_app

    with TestClient(create_app(db_path=tmp_path / "p.sqlite3", allow_hosts=("testserver",))) as client:
        assert "lecun_tanh" not in [r["name"] for r in client.get("/api/activations").json()]
        activations.register(_plugin_record())
        try:
            assert "lecun_tanh" in [r["name"] for r in client.get("/api/activations").json()]
        finally:
            activations.unregister("lecun_tanh")
        assert "lecun_tanh" not in [r["name"] for r in client.get("/api/activations").json()]


def test_its_pytorch_export_runs_and_matches_actlab(lecun, rng):
    from conftest import require_torch

    torch = require_torch()
    from actlab.interop.torch import export_code, module_for, record_for

    record = activations.get("lecun_tanh", alpha=1.5, beta=0.8)
    x = rng.normal(scale=3.0, size=(32, 5))
    scope: dict = {}
    exec(export_code(record), scope)
    with torch.no_grad():
        for module in (module_for(record), scope["activation"]):
            np.testing.assert_allclose(module(torch.tensor(x)).numpy(), record(x), rtol=1e-13, atol=1e-15)
    back = record_for(module_for(record))
    assert back.name == "lecun_tanh" and dict(back.params) == {"alpha": 1.5, "beta": 0.8}


def test_a_network_using_it_exports_to_a_script_that_matches(lecun, rng):
    from conftest import require_torch

    torch = require_torch()
    from actlab.playground import EXPORT_FORMAT, EXPORT_VERSION, torch_script

    w0, b0, w1, b1 = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(3, 1)), rng.normal(size=1)
    data = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION,
            "network": {"layer_sizes": [2, 3, 1], "activations": [{"name": "lecun_tanh", "params": {"alpha": 2.0,
                                                                                                  "beta": 0.5}}],
                        "head": "regression", "features": None, "inputs": ["a", "b"],
                        "weights": [w0.tolist(), w1.tolist()], "biases": [b0.tolist(), b1.tolist()]}}
    scope: dict = {"__name__": "exported"}
    exec(torch_script(data), scope)
    x = rng.normal(size=(8, 2))
    want = activations.get("lecun_tanh", alpha=2.0, beta=0.5)(x @ w0 + b0) @ w1 + b1
    with torch.no_grad():
        np.testing.assert_allclose(scope["model"](torch.tensor(x)).numpy(), want, rtol=1e-12)


def test_a_playground_run_trains_with_one_of_its_parameters_set_and_exports(lecun):
    from conftest import require_torch

    torch = require_torch()
    from actlab.datasets import features
    from actlab.playground import PlaygroundSession, export_torch
    from actlab.session import RunConfig

    cfg = RunConfig(layers=(4,), activations=("lecun_tanh(alpha=2)",), features=("x1", "x2", "x1x2"))
    session = PlaygroundSession(cfg, grid=10)
    session.advance(3)
    assert dict(session.trainer.net.activations[0].params) == {"alpha": 2.0, "beta": 2 / 3}
    scope: dict = {"__name__": "exported"}
    exec(export_torch(session), scope)
    grid = np.array([[x, y] for x in (-4.0, 0.0, 4.0) for y in (-4.0, 0.0, 4.0)])
    with torch.no_grad():
        got = scope["predict"](torch.tensor(grid)).numpy()
    np.testing.assert_allclose(got, session.trainer.net.predict(features(grid, cfg.features)), rtol=1e-12)


# --- what register() refuses, and why ------------------------------------------------------------------

def _bad(**changes) -> Activation:
    return dataclasses.replace(_plugin_record(), **changes)


@pytest.mark.parametrize(("record", "aliases", "error", "words"), [
    ("not a record", (), TypeError, "an actlab Activation record is needed; got str"),
    (_bad(name="relu"), (), ValueError, "name 'relu' is a built-in activation"),
    (_bad(name="swish"), (), ValueError, "name 'swish' is already an alias of 'silu'"),
    (_bad(name="LecunTanh"), (), ValueError, "name 'LecunTanh' is not a registry key; allowed: lowercase"),
    (_plugin_record(), ("gelu_new",), ValueError, "alias 'gelu_new' is already an alias of 'gelu_tanh'"),
    (_plugin_record(), ("tanh",), ValueError, "alias 'tanh' is a built-in activation"),
    (_bad(fn="alpha * tanh(beta x)"), (), TypeError, "lecun_tanh.fn must be callable; got str"),
    (_bad(fn=lambda x, **p: x[:2]), (), ValueError, r"lecun_tanh.fn must return an array of shape \(8,\)"),
    (_bad(deriv=lambda x, **p: 1 / 0), (), ValueError, "lecun_tanh.deriv fails on a float64 array: ZeroDivisionError"),
    (_bad(group=" "), (), ValueError, "lecun_tanh.group must be a non-empty string"),
    (_bad(smoothness="smooth"), (), ValueError, "smoothness must be one of discontinuous, C0, C1, C-inf"),
    (_bad(param_specs={"alpha": Param(20.0, 0.0, 10.0), "beta": Param(1.0, 0.0, 10.0)}), (), ValueError,
     r"lecun_tanh: parameter alpha=20.0 is out of range; allowed: \(0, 10\)"),
    (_bad(param_specs={"alpha": Param(1.0, 0.0, 10.0, slider=Slider(0.0, 3.0, 0.1)), "beta": Param(1.0, 0.0, 10.0)}),
     (), ValueError, r"parameter alpha's slider end 0.0 is outside the allowed \(0, 10\)"),
    (_bad(torch_recipe=TorchRecipe(expression="gamma * torch.tanh(x)", kwargs=(("gamma", "gamma"),))), (),
     ValueError, r"torch_recipe names gamma, which are not its parameters \(alpha, beta\)"),
    (_bad(torch_recipe=TorchRecipe()), (), ValueError, "torch_recipe needs a torch.nn module or an expression"),
    (_bad(check_params=lambda p: (_ for _ in ()).throw(ValueError("lecun_tanh: alpha must exceed beta"))), (),
     ValueError, "alpha must exceed beta"),
])
def test_register_refuses_a_bad_record_and_says_why(record, aliases, error, words):
    before = activations.names()
    with pytest.raises(error, match=words):
        activations.register(record, aliases=aliases)
    assert activations.names() == before  # nothing half-registered


def test_built_in_records_cannot_be_unregistered():
    with pytest.raises(ValueError, match="'relu' is a built-in activation; only registered ones can be removed"):
        activations.unregister("relu")


# --- a plugin installed beside actlab ------------------------------------------------------------------

def _install_plugin(root: Path, entry_points: str) -> None:
    (root / "actlab_lecun").mkdir()
    (root / "actlab_lecun" / "__init__.py").write_text(PLUGIN_SOURCE)
    info = root / "actlab_lecun-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: actlab-lecun\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points)


def _actlab(root: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed `actlab` command in a fresh process that sees the plugin's folder on its path."""
    command = Path(sys.executable).with_name("actlab")
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"}
    return subprocess.run([str(command), *args], capture_output=True, text=True, env=env, timeout=120)


def test_an_installed_plugin_is_listed_by_another_process(tmp_path):
    _install_plugin(tmp_path, "[actlab.activations]\nlecun_tanh = actlab_lecun:LECUN_TANH\n")
    res = _actlab(tmp_path, "list", "--json")
    assert res.returncode == 0, res.stderr
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["lecun_tanh"]["group"] == "Scaled" and rows["lecun_tanh"]["saturates_at"] == [-1.7159, 1.7159]
    shown = _actlab(tmp_path, "eval", "lecun_tanh", "1", "--param", "alpha=2", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["value"] == [pytest.approx(2 * math.tanh(2 / 3))]


def test_a_broken_plugin_is_named_in_a_warning_and_the_rest_still_lists(tmp_path):
    _install_plugin(tmp_path, "[actlab.activations]\nlecun_tanh = actlab_lecun:LECUN_TANH\n"
                              "missing = actlab_lecun:NOT_THERE\n")
    res = _actlab(tmp_path, "list", "--json")
    assert res.returncode == 0, res.stderr
    assert "lecun_tanh" in [r["name"] for r in json.loads(res.stdout)]
    assert "the activation plugin 'missing' (actlab_lecun:NOT_THERE) was not loaded: AttributeError" in res.stderr
    assert PluginWarning.__name__ in res.stderr


def test_a_thread_that_reads_the_registry_while_plugins_load_waits_for_them(monkeypatch):
    """The lab answers requests on several threads: none may see the registry without the plugins' records."""
    import threading
    import time

    from actlab.activations import registry

    def slow_loader():
        time.sleep(0.3)
        activations.register(_plugin_record())
        assert "lecun_tanh" in activations.names()  # the loading thread may look the registry up

    monkeypatch.setitem(registry._plugins, "started", False)
    monkeypatch.setitem(registry._plugins, "done", False)
    monkeypatch.setitem(registry._plugins, "loader", slow_loader)
    seen: dict[str, list[str]] = {}
    first = threading.Thread(target=lambda: seen.setdefault("first", activations.names()))
    first.start()
    time.sleep(0.05)  # the first thread is inside the loader now
    try:
        seen["second"] = activations.names()
        first.join()
        assert "lecun_tanh" in seen["first"] and "lecun_tanh" in seen["second"]
    finally:
        first.join()
        activations.unregister("lecun_tanh")
