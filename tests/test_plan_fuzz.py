"""Impossible dates, times and numbers in every date- and number-typed field of every seed plan.

Each mutation must be refused by `roadmap validate` as a user mistake: exit 2, a message located at
`FILE:LINE:` (the line of the value that was changed), and no traceback. A field is a place in the
plan's shape (e.g. `indicators[*].targets.<year>`); its first occurrence in each plan is mutated,
with every impossible value of its type, so the fields of all five plans are covered without
validating thousands of copies.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from typer.testing import CliRunner

from cli.main import app
from models.loader import find_plans, read_yaml

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(find_plans([ROOT / "roadmaps"]))

# dates of no calendar, and times where a day is expected or that no clock shows
IMPOSSIBLE_DATES = (
    "2020-01-32",
    "2021-02-29",
    "2020-13-01",
    "2020-00-10",
    "2020-06-01T25:61:00",
    "2020-06-31 12:00:00",
)
# no plan number (a target, a tolerance, a count of days, a scale bound) is negative, infinite or not a number
IMPOSSIBLE_NUMBERS = ("-1", ".nan", ".inf", "-.inf", "1e999", "12,5", "двенадцать", "9" * 25)
# years that a target cannot be for
IMPOSSIBLE_YEARS = ("-1", "99999", "2020.5", "двадцать")


def _fields(data: Any) -> dict[tuple[str, ...], tuple[str, int, int]]:
    """The first occurrence of every date- and number-typed field: folded path -> (kind, line, column) (0-based)."""
    found: dict[tuple[str, ...], tuple[str, int, int]] = {}

    def scalar_kind(value: Any) -> str | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, date):
            return "date"
        if isinstance(value, int | float):
            return "number"
        return None

    def visit(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                here = (*path, "<year>" if isinstance(key, int) else str(key))
                if isinstance(key, int) and not isinstance(key, bool) and here + ("[key]",) not in found:
                    line, column = node.lc.key(key)
                    found[here + ("[key]",)] = ("year", line, column)
                kind = scalar_kind(value)
                if kind and here not in found:
                    line, column = node.lc.value(key)
                    found[here] = (kind, line, column)
                visit(value, here)
        elif isinstance(node, CommentedSeq):
            for index, value in enumerate(node):
                kind = scalar_kind(value)
                if kind and (*path, "[*]") not in found:
                    line, column = node.lc.item(index)
                    found[(*path, "[*]")] = (kind, line, column)
                visit(value, (*path, "[*]"))

    visit(data, ())
    return found


def _replace(text: str, line: int, column: int, value: str) -> str:
    """The text with the scalar token at (line, column) (0-based) replaced by `value`.

    The seeds write dates and numbers as plain tokens (no spaces, no times), so a token ends at a
    space, a comma, a closing bracket, a comment or (for a key) the colon.
    """
    lines = text.split("\n")
    row = lines[line]
    token = re.match(r"[^,}\]\s#:]+", row[column:])
    assert token, f"no scalar at {line + 1}:{column + 1}: {row!r}"
    lines[line] = row[:column] + value + row[column + len(token.group(0)) :]
    return "\n".join(lines)


def _cases() -> list[Any]:
    cases = []
    for plan in SEEDS:
        text = plan.read_text(encoding="utf-8")
        for path, (kind, line, column) in _fields(read_yaml(text, str(plan))).items():
            values = {"date": IMPOSSIBLE_DATES, "number": IMPOSSIBLE_NUMBERS, "year": IMPOSSIBLE_YEARS}[kind]
            cases.append(pytest.param(plan, path, line, column, values, id=f"{plan.stem}:{'.'.join(path)}"))
    return cases


def test_every_seed_plan_has_date_and_number_fields_to_mutate():
    kinds = {kind for plan in SEEDS for kind, _l, _c in _fields(read_yaml(plan.read_text("utf-8"), "p")).values()}
    assert len(SEEDS) == 5 and kinds == {"date", "number", "year"}


@pytest.mark.parametrize(("plan", "path", "line", "column", "values"), _cases())
def test_an_impossible_value_is_a_located_refusal(tmp_path, plan, path, line, column, values):
    original = plan.read_text(encoding="utf-8")
    runner = CliRunner()
    for value in values:
        mutated = tmp_path / plan.name
        mutated.write_text(_replace(original, line, column, value), encoding="utf-8")
        result = runner.invoke(app, ["validate", str(mutated)])
        where = f"{'.'.join(path)} = {value}"
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{where}: {type(result.exception).__name__}: {result.exception}"
        )
        assert result.exit_code == 2, f"{where} was accepted: {result.output}"
        assert "Traceback" not in result.output, where
        located = [m for m in result.stderr.splitlines() if m.startswith(f"{mutated}:{line + 1}:")]
        assert located, f"{where}: no message located at line {line + 1}:\n{result.stderr}"
