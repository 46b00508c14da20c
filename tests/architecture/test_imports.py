"""The shape of the code: apps import downwards only, and each shared helper lives where its name says."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "config", "units", "workdays", "spreadsheets", "surveys", "imports", "reports", "ledger", "outreach", "respond",
    "sampling", "opendoor", "backups", "assessment", "dashboard",
    "demo",
]  # fmt: skip


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (a lazy import is still a dependency)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _app_files(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def _imports_by_app() -> dict[str, set[str]]:
    return {app: set().union(*(_imported_modules(p) for p in _app_files(app))) for app in APPS if (ROOT / app).is_dir()}


def _app_graph() -> dict[str, set[str]]:
    return {
        app: {name.split(".")[0] for name in names if name.split(".")[0] in APPS} - {app}
        for app, names in _imports_by_app().items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (as a path that returns to its start), or None."""
    done: set[str] = set()

    def visit(app: str, path: list[str]) -> list[str] | None:
        if app in path:
            return path[path.index(app) :] + [app]
        if app in done:
            return None
        for other in sorted(graph.get(app, ())):
            found = visit(other, [*path, app])
            if found:
                return found
        done.add(app)
        return None

    return next((c for app in sorted(graph) if (c := visit(app, []))), None)


def test_no_app_imports_another_in_a_loop():
    assert _cycle(_app_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("higher", ["outreach", "imports", "reports", "ledger", "respond", "sampling"])
def test_surveys_announces_and_never_imports_a_higher_app(higher):
    assert higher not in _app_graph()["surveys"]


def test_units_is_the_ground_floor():
    assert _app_graph()["units"] <= {"spreadsheets", "config"}


def test_outreach_takes_only_models_and_services_from_the_ledger():
    used = {name for name in _imports_by_app()["outreach"] if name.split(".")[0] == "ledger"}
    modules = {".".join(name.split(".")[:2]) for name in used}
    assert modules <= {"ledger", "ledger.models", "ledger.services"}, sorted(used)


def test_working_days_stand_on_the_units_alone():
    assert _app_graph()["workdays"] <= {"config", "units"}


def test_open_door_takes_only_models_and_services_from_the_ledger():
    used = {name for name in _imports_by_app()["opendoor"] if name.split(".")[0] == "ledger"}
    modules = {".".join(name.split(".")[:2]) for name in used}
    assert modules <= {"ledger", "ledger.models", "ledger.services"}, sorted(used)
