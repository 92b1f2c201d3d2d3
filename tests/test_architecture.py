"""The layers import in one direction only: no circle through runner, report and planner.

The import graph is read from the source with ``ast`` (every ``import`` anywhere in a
module, also inside functions, since a lazy import is still a dependency; only imports
under ``if TYPE_CHECKING:`` are left out). Importing a module also runs its packages'
``__init__`` files, so those count as its imports too.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import zsa_sim

ROOT = Path(zsa_sim.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in ROOT.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(name: str) -> str | None:
    """The longest project module that ``name`` (module or module.attribute) names."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _with_packages(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & set(MODULES)


@cache
def direct_imports(module: str) -> frozenset[str]:
    """Project modules that ``module`` imports (and their packages)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    skipped = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node)
        for stmt in node.body
        for child in ast.walk(stmt)
    }
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        for name in names:
            resolved = _resolve(name) if name.startswith("zsa_sim") else None
            if resolved:
                found |= _with_packages(resolved)
    found.discard(module)
    return frozenset(found)


def reachable(start: str) -> set[str]:
    """Every project module importing ``start`` may import, directly or not."""
    seen: set[str] = set()
    todo = [start, *(_with_packages(start) - {start})]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(direct_imports(module) - seen)
    seen.discard(start)
    return seen


def _in(package: str) -> list[str]:
    return sorted(m for m in MODULES if m == package or m.startswith(package + "."))


def test_the_graph_reader_sees_known_imports() -> None:
    # a check of the checker: the CLI's run command does reach the runner
    assert "zsa_sim.experiment.runner" in reachable("zsa_sim.cli.run_commands")
    assert "zsa_sim.report.build" in reachable("zsa_sim.pipeline")
    # a lazy import inside a function counts (evaluate imports the runner in a method)
    assert "zsa_sim.experiment.runner" in reachable("zsa_sim.planning.planner")


def test_the_report_reads_results_and_imports_neither_runner_nor_planner() -> None:
    forbidden = {
        "zsa_sim.experiment.runner",
        "zsa_sim.planning.planner",
        "zsa_sim.planning.evaluate",
        "zsa_sim.pipeline",
        "zsa_sim.cli",
    }
    for module in _in("zsa_sim.report"):
        assert not reachable(module) & forbidden, module


def test_the_experiment_and_the_engine_never_import_the_report() -> None:
    for package in ("zsa_sim.experiment", "zsa_sim.engine", "zsa_sim.bpmn", "zsa_sim.scenario"):
        for module in _in(package):
            found = {m for m in reachable(module) if m.startswith("zsa_sim.report")}
            assert not found, (module, found)


def test_only_the_cli_imports_the_cli() -> None:
    for module in MODULES:
        if not module.startswith("zsa_sim.cli") and module != "zsa_sim.__main__":
            assert not any(m.startswith("zsa_sim.cli") for m in direct_imports(module)), module


def test_no_module_imports_itself_through_others() -> None:
    """No import circle between modules (packages' __init__ files left aside)."""
    plain = [m for m in MODULES if MODULES[m].name != "__init__.py"]
    circles = [m for m in plain if m in reachable(m)]
    assert circles == []
