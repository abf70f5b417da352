"""Architecture and code-quality contracts, checked with the project's own tools.

Each check is a function tested twice: on the code, and on a planted violation (a temp dir or a
crafted graph), so that a check that could never fail would be seen.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PACKAGES = ("assistant", "ui")
MAX_LINES = 400  # past this a module holds two ideas (STYLE.md)
MAX_TOP_MODULES = 8  # at the top of assistant/, besides __init__ and __main__


def test_the_core_never_imports_qt_or_the_ui() -> None:
    result = subprocess.run([str(BIN / "lint-imports")], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


def test_ruff_finds_nothing() -> None:
    result = subprocess.run([str(BIN / "ruff"), "check", "assistant", "ui", "tests", "scripts",
                             "tasks.py"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_core() -> None:
    """``[tool.mypy]`` in pyproject.toml says what is checked and how strictly."""
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


def test_mypy_as_configured_reports_a_planted_error(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("def half(n: int) -> int:\n    return n / 2\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mypy", "--config-file",
                             str(ROOT / "pyproject.toml"), str(planted)], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Incompatible return value type (got "float", expected "int")' in result.stdout


# -- module size ---------------------------------------------------------------------------


def long_modules(folders: Iterable[Path], limit: int = MAX_LINES) -> list[str]:
    """Every ``.py`` file under ``folders`` with more than ``limit`` lines, with its count."""
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            with path.open(encoding="utf-8") as source:
                lines = sum(1 for _ in source)
            if lines > limit:
                found.append(f"{path.relative_to(folder.parent)}: {lines} lines")
    return found


def test_no_module_is_over_400_lines() -> None:
    assert long_modules(ROOT / package for package in PACKAGES) == []


def test_the_size_check_finds_a_long_module(tmp_path: Path) -> None:
    package = tmp_path / "planted"
    (package / "inner").mkdir(parents=True)
    (package / "short.py").write_text("x = 1\n" * MAX_LINES, encoding="utf-8")
    (package / "inner" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    assert long_modules([package]) == [f"planted/inner/long.py: {MAX_LINES + 1} lines"]


# -- the top of assistant/ -----------------------------------------------------------------


def top_modules(package: Path) -> list[str]:
    """The modules directly in ``package`` (not in its subpackages), besides ``__init__`` and
    ``__main__``."""
    return sorted(path.stem for path in package.glob("*.py")
                  if path.stem not in ("__init__", "__main__"))


def test_the_core_keeps_its_modules_in_packages() -> None:
    top = top_modules(ROOT / "assistant")
    assert len(top) <= MAX_TOP_MODULES, top


def test_the_top_check_counts_modules_not_packages(tmp_path: Path) -> None:
    for name in ("__init__", "__main__", *(f"m{n}" for n in range(MAX_TOP_MODULES + 1))):
        (tmp_path / f"{name}.py").write_text("", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.py").write_text("", encoding="utf-8")
    assert len(top_modules(tmp_path)) == MAX_TOP_MODULES + 1


# -- import cycles -------------------------------------------------------------------------


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of ``graph`` (module -> modules it imports),
    iteratively (no recursion limit); each component sorted, the list sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            child = next(edges, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return sorted(components)


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a loop."""
    return [component for component in strongly_connected(graph) if len(component) > 1]


def module_graph(*packages: str) -> dict[str, set[str]]:
    """Which of the packages' modules each imports: grimp's defaults, so function-level (lazy)
    imports and those under ``if TYPE_CHECKING:`` count too."""
    graph = grimp.build_graph(*packages, cache_dir=None)  # no cache: a planted one is fresh
    return {module: set(graph.find_modules_directly_imported_by(module))
            for module in graph.modules}


def test_no_import_cycle_in_the_core_or_the_window() -> None:
    cycles = import_cycles(module_graph(*PACKAGES))
    assert cycles == [], "modules that import each other:\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles)


def test_the_cycle_check_finds_loops_in_a_crafted_graph() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"a", "f"},
             "f": {"e"}, "g": {"g"}}
    assert import_cycles(graph) == [["a", "b", "c"], ["e", "f"]]
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    chain = {f"m{n}": {f"m{n + 1}"} for n in range(5000)}  # deep: no recursion limit
    assert import_cycles({**chain, "m5000": {"m0"}}) == [sorted(f"m{n}" for n in range(5001))]


def test_the_cycle_check_sees_a_lazy_import(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "planted_cycle"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "first.py").write_text("import planted_cycle.second\n", encoding="utf-8")
    (package / "second.py").write_text(
        "def later() -> None:\n    from planted_cycle import first  # noqa: F401\n",
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(module_graph("planted_cycle")) == [
        ["planted_cycle.first", "planted_cycle.second"]]
