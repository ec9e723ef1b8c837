"""The core imports only NumPy, SciPy and the standard library, and its modules import each other without a cycle.

The core is every module of the package that is not a face (cli*, web, interop, torch, plots, llm), found with
pkgutil, so a new module is covered the day it is added."""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
import subprocess
import sys

import actlab

# the faces on top of the core: everything else in the package is core and is imported below
FACES = ("actlab.cli", "actlab.web", "actlab.interop", "actlab.torch", "actlab.plots", "actlab.llm")
ALL = ["actlab"] + sorted(m.name for m in pkgutil.walk_packages(actlab.__path__, "actlab."))
CORE = [m for m in ALL if not m.startswith(FACES)]
FORBIDDEN = ["fastapi", "starlette", "uvicorn", "typer", "rich", "torch", "plotly", "matplotlib"]


def test_core_imports_no_interface_or_torch_module():
    code = (
        "import importlib, sys\n"
        f"for m in {CORE!r}:\n"
        "    importlib.import_module(m)\n"
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
        f"print(sorted(m for m in {CORE!r} if m not in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "[]"], out.stdout  # none forbidden, and every core module imported


def test_every_core_module_is_checked():
    assert {"actlab.session", "actlab.playground", "actlab.readings", "actlab.monitor_log", "actlab.training",
            "actlab.store", "actlab.exercises.checker", "actlab.exercises.service", "actlab._json"} <= set(CORE)
    assert not any(m.startswith(FACES) for m in CORE)


def _is_package(name: str) -> bool:
    return importlib.util.find_spec(name).submodule_search_locations is not None


def imports_of(name: str) -> set[str]:
    """The package's modules that ``name`` imports, at the top or inside a function (a lazy import is still an
    arrow), leaving out ``if TYPE_CHECKING:`` blocks, which never run."""
    spec = importlib.util.find_spec(name)
    tree = ast.parse(open(spec.origin, encoding="utf-8").read())
    package = name if _is_package(name) else name.rpartition(".")[0]
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" in ast.unparse(node.test):
                for child in node.orelse:
                    self.visit(child)
            else:
                self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(a.name for a in node.names if a.name.split(".")[0] == "actlab")

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "actlab":
                return
            submodules = {f"{module}.{a.name}" for a in node.names} & set(ALL)
            found.update(submodules)
            if len(submodules) < len(node.names):  # some names are attributes of ``module`` itself
                found.add(module)

    Visitor().visit(tree)
    found.discard(name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def unit(name: str) -> str:
    """A module's unit for the layering: a subpackage (actlab.exercises) is one unit, a top-level module another."""
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else name


MODULE_GRAPH = {m: {d for d in imports_of(m) if d in CORE} for m in CORE}


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_reader_sees_lazy_relative_and_package_imports():
    deps = imports_of("actlab.exercises.bank")
    assert {"actlab.activations", "actlab.exercises.checker", "actlab.network"} <= deps  # network: inside a function
    assert "actlab.activations.functions" in imports_of("actlab.activations.registry")
    assert "actlab.activations" not in imports_of("actlab.activations.registry")  # `from . import functions`


def test_no_import_cycle_among_core_modules():
    """A lazy import inside a function is an arrow too: it hides a cycle without removing it. Break one by moving
    what both modules need into a third that imports neither, or by passing it in as a parameter."""
    assert cycles(MODULE_GRAPH) == []


def test_no_import_cycle_among_core_packages():
    """The store re-grades with the checker, so the exercises package must not import the store (it did: a
    store <-> exercises cycle); exercises.service takes any object with the store's two recording methods."""
    units: dict[str, set[str]] = {}
    for m, deps in MODULE_GRAPH.items():
        units.setdefault(unit(m), set()).update(unit(d) for d in deps if unit(d) != unit(m))
    assert cycles(units) == []
    assert "actlab.store" not in units["actlab.exercises"]


# the faces may read the environment (the CLI's options, the lab's settings); the core takes parameters
READS_ENV_ALLOWED = ("actlab.cli", "actlab.web", "actlab.interop", "actlab.torch")


def _reads_environment(tree: ast.AST) -> list[str]:
    """Each place a module reads os.environ or calls os.getenv / os.putenv (by any name it imported them as)."""
    names = {"environ", "getenv", "environb", "getenvb"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names and isinstance(node.value, ast.Name):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(a.name in names for a in node.names):
            found.append(f"line {node.lineno}: from os import {', '.join(a.name for a in node.names)}")
    return found


def test_no_core_module_reads_the_environment():
    readers = {}
    for name in ALL:
        if name.startswith(READS_ENV_ALLOWED):
            continue
        spec = importlib.util.find_spec(name)
        tree = ast.parse(open(spec.origin, encoding="utf-8").read(), spec.origin)
        if found := _reads_environment(tree):
            readers[name] = found
    assert readers == {}, readers


def test_the_environment_check_finds_each_way_of_reading_it():
    code = "import os\nfrom os import getenv\na = os.environ.get('X')\nb = os.getenv('Y')\nc = getenv('Z')\n"
    assert sorted(_reads_environment(ast.parse(code))) == ["line 2: from os import getenv", "line 3: os.environ",
                                                           "line 4: os.getenv"]
    assert _reads_environment(ast.parse("import os\np = os.path.join('a', 'b')\n")) == []
