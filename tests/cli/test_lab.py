"""actlab lab: loopback unless --allow-remote, and the host names it answers to."""

from __future__ import annotations

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from actlab.cli import app

runner = CliRunner()


@pytest.fixture
def served(monkeypatch, tmp_path):
    """The uvicorn configs `actlab lab` would serve, instead of serving them."""
    configs = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: configs.append(self.config))
    monkeypatch.setattr("actlab.cli.lab._one_blas_thread", lambda: None)  # process-wide: not in the test process
    for name in ("ACTLAB_DB", "ACTLAB_MAX_LAYERS", "ACTLAB_MAX_WIDTH"):  # the command sets them: restored after
        monkeypatch.setenv(name, "")
    return configs


def run(*args: str):
    return runner.invoke(app, ["lab", "--no-browser", "--db", "/dev/null", *args], env={"COLUMNS": "200"})


def test_a_non_loopback_bind_is_refused_without_allow_remote(served):
    res = run("--host", "0.0.0.0")
    assert res.exit_code == 2 and "--allow-remote" in res.stderr and not served


def test_allow_remote_warns_what_others_can_reach_and_lists_the_names(served, tmp_path):
    res = runner.invoke(app, ["lab", "--no-browser", "--db", str(tmp_path / "p.sqlite3"), "--host", "0.0.0.0",
                              "--port", "8800", "--allow-remote", "--allow-host", "lab.school.example"],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stdout
    assert "warning" in res.stdout and "progress" in res.stdout and "lab.school.example" in res.stdout
    (config,) = served
    assert config.host == "0.0.0.0"
    with TestClient(config.app, base_url="http://lab.school.example:8800") as client:
        assert client.get("/api/conventions").status_code == 200
        assert client.get("/api/conventions", headers={"host": "lab.school.example:9999"}).status_code == 403
        assert client.get("/api/conventions", headers={"host": "other.example:8800"}).status_code == 403


def test_a_loopback_bind_starts_without_a_warning(served, tmp_path):
    res = runner.invoke(app, ["lab", "--no-browser", "--db", str(tmp_path / "p.sqlite3")], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "warning" not in res.stdout and len(served) == 1


@pytest.mark.parametrize("name", ["http://lab.example", "lab.example:80", "a b"])
def test_allow_host_takes_a_bare_name(served, name):
    res = run("--allow-host", name)
    assert res.exit_code == 2 and "--allow-host takes" in res.stderr and not served


def test_llm_cache_sets_where_the_lessons_model_keeps_its_weights(served, tmp_path, monkeypatch):
    from actlab.llm import _cache

    monkeypatch.setattr(_cache, "_root", _cache._UNSET)  # the process-wide folder, restored after the test
    monkeypatch.setenv("ACTLAB_CACHE", str(tmp_path / "from-env"))
    res = runner.invoke(app, ["lab", "--no-browser", "--db", str(tmp_path / "p.sqlite3"), "--llm-cache",
                              str(tmp_path / "weights")], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stdout
    assert _cache.cache_root() == tmp_path / "weights"  # the option wins over the variable
    res = runner.invoke(app, ["lab", "--no-browser", "--db", str(tmp_path / "p.sqlite3")], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and _cache.cache_root() == tmp_path / "from-env"
