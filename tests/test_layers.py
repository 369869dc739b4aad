"""The layering of docs/architecture.md holds: read from the imports and calls of the code itself (ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FACES = ("cli", "web", "flows")
BELOW_FACES = ("models", "tasks", "monitoring", "reports", "mentorship", "outbox", "audit", "notifications", "importer",
               "operations")  # fmt: skip
PROJECT = (*FACES, *BELOW_FACES, "service")
QUERY_BUILDERS = {"select", "update", "insert", "delete", "text", "func", "and_", "or_", "case"}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imports(path: Path) -> list[tuple[str, set[str]]]:
    """(module, names imported from it) of every import in a file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, set()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, {alias.name for alias in node.names}))
    return found


def where(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_models_import_no_other_package_of_the_project():
    bad = [f"{where(p)}: {m}" for p in modules("models") for m, _ in imports(p)
           if m.split(".")[0] in PROJECT and m.split(".")[0] != "models"]  # fmt: skip
    assert bad == []


@pytest.mark.parametrize("package", BELOW_FACES)
def test_nothing_below_the_faces_imports_a_face(package):
    bad = [f"{where(p)}: {m}" for p in modules(package) for m, _ in imports(p) if m.split(".")[0] in FACES]
    assert bad == []


def test_only_the_flows_the_service_and_the_flow_runner_import_prefect():
    allowed = {"cli/runner.py"}
    bad = [f"{where(p)}: {m}" for pkg in PROJECT if pkg not in ("flows", "service") for p in modules(pkg)
           for m, _ in imports(p) if m.split(".")[0] == "prefect" and where(p) not in allowed]  # fmt: skip
    assert bad == []


@pytest.mark.parametrize("face", ("cli", "web"))
def test_the_command_and_the_pages_build_no_queries(face):
    bad = [f"{where(p)}: {m} {sorted(names & QUERY_BUILDERS)}" for p in modules(face) for m, names in imports(p)
           if m.split(".")[0] in ("sqlalchemy", "sqlmodel") and names & QUERY_BUILDERS]  # fmt: skip
    assert bad == []


def test_the_command_opens_no_store_session_and_imports_no_sqlalchemy():
    # the commands reach the store only through operations (a Context from cli_context): no session of their own
    bad = [f"{where(p)}: {m} {sorted(names)}" for p in modules("cli") for m, names in imports(p)
           if m.split(".")[0] in ("sqlalchemy", "sqlmodel")
           or (m == "models.db" and "session_scope" in names)]  # fmt: skip
    assert bad == []


def _reads_the_clock(node: ast.AST) -> bool:
    # date.today(), datetime.now(...), datetime.today(), datetime.utcnow()
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in {("date", "today"), ("datetime", "now"),
                                                         ("datetime", "today"), ("datetime", "utcnow")})  # fmt: skip


def test_only_the_faces_and_the_clock_read_the_clock():
    allowed = {"operations/context.py"}
    bad = []
    for package in BELOW_FACES:
        for path in modules(package):
            if where(path) in allowed:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            bad += [f"{where(path)}:{n.lineno}" for n in ast.walk(tree) if _reads_the_clock(n)]
    assert bad == []
