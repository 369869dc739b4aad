"""`roadmap status` stays a light command (issue 15): it imports the store's tables and the status queries, not
Prefect, the mentorship matching (scipy, numpy), the report writers (openpyxl), the notifiers (apprise), alembic
(a store at this program's schema opens without it) or the plan language; and importing the command line itself
loads no store module, so `roadmap --help`, `when`, `validate` start without SQLAlchemy.

Each check runs a fresh interpreter (`sys.modules` of this test process holds everything the other tests imported)
and reads what it imported; how long that takes is the benchmark's to say (/work/notes and docs), not a test's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from models.db import open_store

ROOT = Path(__file__).resolve().parent.parent
# what a status read must never import
NOT_FOR_STATUS = ("prefect", "scipy", "numpy", "openpyxl", "apprise", "alembic", "lark", "fastapi", "jinja2",
                  "cryptography", "docx", "pdfplumber", "holidays")  # fmt: skip
# what importing the command line must not import either: the store's modules come with the command that opens it
NOT_FOR_THE_COMMAND_LINE = (*NOT_FOR_STATUS, "sqlalchemy", "sqlmodel", "models.store", "operations.milestones")

RUN_AND_LIST = """
import json, sys
from cli.main import app
args = json.loads(sys.argv[1])
if args:
    try:
        app(args, standalone_mode=False)
    except SystemExit:
        pass
print("IMPORTED " + json.dumps(sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)))
"""


def imported(args: list[str], watch: tuple[str, ...], tmp_path: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ROADMAP_"))}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "ROADMAP_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run([sys.executable, "-c", RUN_AND_LIST, json.dumps(args), json.dumps(watch)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    line = next(line for line in proc.stdout.splitlines() if line.startswith("IMPORTED "))
    return list(json.loads(line.removeprefix("IMPORTED ")))


def test_importing_the_command_line_loads_no_store_module_and_no_heavy_library(tmp_path):
    assert imported([], NOT_FOR_THE_COMMAND_LINE, tmp_path) == []


def test_status_on_a_store_at_this_programs_schema_imports_none_of_the_heavy_libraries(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    open_store(url).dispose()  # a store at head, as any command that writes leaves it
    for args in (["status", "--as-of", "2020-06-01"], ["status", "--format", "json"], ["status", "--format", "csv"]):
        assert imported([*args, "--db", url], NOT_FOR_STATUS, tmp_path) == [], args
