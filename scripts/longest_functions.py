"""List the longest functions of the project's own code (not tests, benchmarks or migrations), and count its modules.

Used to measure a restructuring before and after: `python scripts/longest_functions.py [N]`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"tests", "benchmarks", "scripts", ".venv", "migrations"}


def modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if not SKIP.intersection(p.relative_to(ROOT).parts))


def functions(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            found.append((length, f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"))
    return found


def main() -> None:
    most = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    paths = modules()
    every = sorted((f for p in paths for f in functions(p)), reverse=True)
    print(f"modules: {len(paths)}")
    for length, where in every[:most]:
        print(f"{length:4d}  {where}")


if __name__ == "__main__":
    main()
