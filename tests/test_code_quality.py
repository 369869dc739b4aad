"""The code reads as the style guide asks: ruff finds nothing, ruff format would change nothing, mypy finds nothing.

The tools are the versions pinned in pyproject.toml's test extras, run from this interpreter's environment.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PACKAGES = ("audit", "models", "outbox", "tasks", "flows", "cli", "notifications", "operations", "service", "importer",
            "web", "mentorship", "monitoring", "reports")  # fmt: skip


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = BIN / tool
    if not exe.exists():
        pytest.fail(f"{tool} is not installed beside {sys.executable}: pip install -e '.[test]'", pytrace=False)
    return subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_ruff_finds_nothing():
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout[-4000:]


def test_ruff_format_would_change_nothing():
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout[-4000:]


def test_mypy_finds_nothing(tmp_path):
    result = run("mypy", "--cache-dir", str(tmp_path / "mypy-cache"), *PACKAGES)
    assert result.returncode == 0, result.stdout[-4000:]
    assert result.stdout.startswith("Success: no issues found")
