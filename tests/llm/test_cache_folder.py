"""Where actlab.llm caches dequantised weights is a parameter: the CLI and the lab pass it, actlab.llm reads no
environment variable (web.settings.llm_cache_location is the one place $ACTLAB_CACHE and $XDG_CACHE_HOME are read)."""

from __future__ import annotations

import ast
import importlib.util
import json
import pkgutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import actlab.llm
from actlab.cli import app
from actlab.errors import ConfigError
from actlab.llm import _cache
from actlab.llm.gguf_file import read_llama
from actlab.web.settings import LabSettings, llm_cache_location
from tests.test_architecture import _reads_environment


def test_no_module_of_actlab_llm_reads_the_environment():
    found = {}
    for info in pkgutil.iter_modules(actlab.llm.__path__, "actlab.llm."):
        origin = importlib.util.find_spec(info.name).origin
        if reads := _reads_environment(ast.parse(Path(origin).read_text(encoding="utf-8"))):
            found[info.name] = reads
    assert found == {}


def test_the_cache_goes_where_it_is_told(tiny_gguf, tmp_path):
    _cache.use_folder(tmp_path / "mine")
    first, second = read_llama(tiny_gguf.path), read_llama(tiny_gguf.path)
    assert not first.loaded_from_cache and second.loaded_from_cache
    assert [p.name.split("-")[0] for p in (tmp_path / "mine" / "llm").iterdir()] == ["gguf"]


def test_no_folder_means_no_cache(tiny_gguf, tmp_path):
    _cache.use_folder(None)
    assert _cache.cache_root() is None
    first, second = read_llama(tiny_gguf.path), read_llama(tiny_gguf.path)
    assert not first.loaded_from_cache and not second.loaded_from_cache
    assert not any(tmp_path.rglob("meta.json"))


def test_unset_the_cache_is_under_the_home_folder(monkeypatch):
    monkeypatch.setattr(_cache, "_root", _cache._UNSET)
    assert _cache.cache_root() == Path.home() / ".cache" / "actlab"


@pytest.mark.parametrize(("folder", "environ", "want"), [
    ("/given", {"ACTLAB_CACHE": "/env", "XDG_CACHE_HOME": "/xdg"}, "/given"),
    (None, {"ACTLAB_CACHE": "/env", "XDG_CACHE_HOME": "/xdg"}, "/env"),
    (None, {"ACTLAB_CACHE": "", "XDG_CACHE_HOME": "/xdg"}, "/xdg/actlab"),
    (None, {}, str(Path.home() / ".cache" / "actlab")),
])
def test_the_cli_and_the_lab_choose_the_folder_in_this_order(folder, environ, want):
    assert llm_cache_location(folder, environ) == Path(want)


def test_the_cli_option_and_its_variable_reach_actlab_llm(tiny_as_smollm2, tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["llm", "inspect", "--backend", "numpy", "--json", "--cache-dir", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["perplexity"] > 1
    assert _cache.cache_root() == tmp_path / "a" and any((tmp_path / "a" / "llm").iterdir())
    res = runner.invoke(app, ["llm", "swap", "--to", "relu", "--backend", "numpy", "--json"],
                        env={"ACTLAB_CACHE": str(tmp_path / "b")})
    assert res.exit_code == 0, res.output
    assert _cache.cache_root() == tmp_path / "b"


def test_the_lab_setting_reaches_actlab_llm(private_cache, tmp_path):
    from actlab.web.app import create_app

    create_app(LabSettings(llm_cache=str(tmp_path / "lab")), db_path=tmp_path / "progress.sqlite3")
    assert _cache.cache_root() == tmp_path / "lab"
    assert LabSettings.from_json(json.dumps({"llm_cache": "/srv/cache"})).llm_cache == "/srv/cache"


def test_a_cache_setting_that_is_not_a_path_names_the_field():
    with pytest.raises(ConfigError, match="llm_cache: a path or URL"):
        LabSettings(llm_cache=42)
