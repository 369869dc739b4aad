"""Read a roadmap YAML file into a validated `Roadmap`, or say exactly what is wrong and where.

Every problem becomes a `PlanIssue` with the file, line and column, the field path and a message
that says what was expected and what was found. `load_plan` raises one `PlanError` carrying all the
issues of a file; it never returns a half-valid plan.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from models import plan as plan_models
from models.deadline import Period
from models.plan import Item, Roadmap
from models.ru import format_window

PLAN_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class PlanIssue:
    """One located problem in a plan file."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}:{self.column}: {field}{self.message}"


class PlanError(Exception):
    """A plan file that is not a valid roadmap; `issues` lists every problem found."""

    def __init__(self, issues: list[PlanIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


class _Constructor(RoundTripConstructor):
    """Reads a timestamp that no calendar has (2020-01-32, 25:61:00) as its text instead of failing.

    The YAML library raises a bare ValueError for such a scalar, with no line; as text it reaches the
    plan's validation, which names the field, its line and what was expected.
    """

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    return yaml


def read_yaml(text: str, name: str) -> Any:
    """Parse YAML keeping line marks; a syntax error becomes a located `PlanError`."""
    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        raise PlanError([PlanIssue(name, line, column, "", f"YAML syntax error: {problem}")]) from None
    except YAMLError as exc:
        raise PlanError([PlanIssue(name, 1, 1, "", f"YAML error: {exc}")]) from None


def locate(data: Any, loc: Iterable[Any], *, at_key: bool = False) -> tuple[int, int]:
    """Line and column (1-based) of the deepest node of `loc` that exists in the parsed YAML."""
    line, column = 1, 1
    node = data
    keys = list(loc)
    for index, key in enumerate(keys):
        if isinstance(node, CommentedMap) and key in node:
            last_scalar = (
                not at_key and index == len(keys) - 1 and not isinstance(node[key], CommentedMap | CommentedSeq)
            )
            # point at a scalar's value (what is wrong), at a collection's key (where it starts)
            pos = node.lc.value(key) if last_scalar else node.lc.key(key)
            line, column = pos[0] + 1, pos[1] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            pos = node.lc.item(key)
            line, column = pos[0] + 1, pos[1] + 1
            node = node[key]
        elif isinstance(node, CommentedMap) and isinstance(key, str) and node.lc.line is not None:
            # a missing key: point at the mapping that should hold it
            continue
        else:
            break
    return line, column


def _path(loc: Iterable[Any], data: Any) -> tuple[tuple[Any, ...], str]:
    """Keep only the parts of a pydantic location that exist in the document, and render them."""
    kept: list[Any] = []
    node = data
    for key in loc:
        if isinstance(node, dict) and isinstance(key, str) and key not in node:
            # a mapping key that failed validation (a target's year) comes back as text: find the real key
            key = next((k for k in node if str(k) == key), key)
        if isinstance(node, dict) and key in node:
            kept.append(key)
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            kept.append(key)
            node = node[key]
        elif isinstance(node, dict) and isinstance(key, str) and not key[:1].isupper() and "[" not in key:
            kept.append(key)  # a missing or unknown key under this mapping
            node = None
        else:
            continue  # pydantic's union tags such as 'list[str]' or 'function-after[...]'
    return tuple(kept), _render(kept)


def _render(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    text = str(value)
    kind = type(value).__name__
    kind = kind.removeprefix("Scalar").lower() if kind.startswith("Scalar") else kind  # ruamel's ScalarFloat
    return f"«{text[:60]}{'…' if len(text) > 60 else ''}» ({kind})"


def _message(error: ErrorDetails, model_fields: list[str] | None) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = f"; expected one of: {', '.join(model_fields)}" if model_fields else ""
        return f"unknown key{allowed}"
    if kind == "missing":
        return "required key is missing"
    text = str(error["msg"])
    if text.startswith("Value error, "):
        text = text[len("Value error, ") :]
    if kind in {"string_type", "int_type", "int_parsing", "float_type", "float_parsing", "date_type",
                "date_from_datetime_parsing", "date_parsing", "bool_type", "list_type", "dict_type",
                "model_type", "literal_error", "string_pattern_mismatch", "too_short", "greater_than_equal",
                "less_than_equal", "greater_than", "less_than", "finite_number", "int_from_float",
                "datetime_from_date_parsing", "date_from_datetime_inexact"}:  # fmt: skip
        text = f"{text[0].lower()}{text[1:]}; found {_describe(error.get('input'))}"
    return text


# The model behind each place in a plan, for listing the keys it accepts when a key is unknown.
# Sub-sections repeat "sections", so the path is folded before the look-up.
_MODEL_AT: dict[tuple[str, ...], type[BaseModel]] = {
    (): plan_models.Roadmap,
    ("order",): plan_models.Order,
    ("territory",): plan_models.Territory,
    ("period",): plan_models.PlanPeriod,
    ("stages",): plan_models.Stage,
    ("parties",): plan_models.Party,
    ("sections",): plan_models.Section,
    ("sections", "items"): plan_models.Item,
    ("sections", "items", "deadline"): plan_models.Deadline,
    ("sections", "items", "scope"): plan_models.PerOrganisation,
    ("cycle",): plan_models.Cycle,
    ("cycle", "steps"): plan_models.CycleStep,
    ("indicators",): plan_models.Indicator,
    ("indicators", "tolerance"): plan_models.Tolerance,
    ("item_target_tolerance",): plan_models.Tolerance,
    ("criteria",): plan_models.Criterion,
    ("criteria", "scale"): plan_models.Scale,
    ("criteria", "scale", "levels"): plan_models.ScaleLevel,
    ("notes",): plan_models.Note,
    ("reminders",): plan_models.ReminderPolicy,
    ("sections", "items", "reminders"): plan_models.ItemReminders,
}


def _fields_of(path: tuple[Any, ...]) -> list[str] | None:
    """The keys a model accepts at the mapping that holds an unknown key (for the error message)."""
    folded: list[str] = []
    for part in path[:-1]:
        if isinstance(part, int) or (part == "sections" and folded[-1:] == ["sections"]):
            continue
        folded.append(part)
    model = _MODEL_AT.get(tuple(folded))
    return list(model.model_fields) if model is not None else None


def _period_context(data: Any) -> Period | None:
    period = data.get("period") if isinstance(data, dict) else None
    if isinstance(period, dict) and isinstance(period.get("start"), date) and isinstance(period.get("end"), date):
        if period["start"] <= period["end"]:
            return Period(period["start"], period["end"], academic=period.get("academic") is True)
    return None


def check_references(roadmap: Roadmap) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-reference checks the field types cannot express: ids that must exist and be unique."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    parties: dict[str, int] = {}
    for i, party in enumerate(roadmap.parties):
        if party.id in parties:
            problems.append(
                (("parties", i, "id"), f"duplicate party id «{party.id}» (first at parties[{parties[party.id]}])")
            )
        parties.setdefault(party.id, i)
    for i, party in enumerate(roadmap.parties):
        for key in ("escalates_to", "body"):
            ref = getattr(party, key)
            if ref is not None and ref not in parties:
                problems.append((("parties", i, key), f"unknown party «{ref}»; known parties: {', '.join(parties)}"))

    seen_sections: dict[str, tuple[Any, ...]] = {}
    for path, section in roadmap.walk_sections():
        if section.number in seen_sections:
            problems.append(((*path, "number"), f"duplicate section number «{section.number}»"))
        seen_sections.setdefault(section.number, path)

    numbers: dict[str, tuple[Any, ...]] = {}
    for path, _, item in roadmap.walk_items():
        if item.number in numbers:
            first = _render(numbers[item.number])
            problems.append(((*path, "number"), f"duplicate item number «{item.number}» (first at {first})"))
        numbers.setdefault(item.number, path)

    for path, _, item in roadmap.walk_items():
        problems.extend(_check_responsible(path, item.party_ids, roadmap, item))
        for k, dep in enumerate(item.depends_on):
            if dep == item.number:
                problems.append(((*path, "depends_on", k), f"item {item.number} depends on itself"))
            elif dep not in numbers:
                problems.append(((*path, "depends_on", k), f"depends on item «{dep}», which is not in this roadmap"))
    problems.extend(_check_dependency_cycles(roadmap, numbers))

    if roadmap.cycle is not None:
        for k, step in enumerate(roadmap.cycle.steps):
            if step.responsible != "unassigned":
                for j, ref in enumerate(step.responsible):
                    if ref not in parties:
                        problems.append(
                            (
                                ("cycle", "steps", k, "responsible", j),
                                f"unknown party «{ref}»; known parties: {', '.join(parties)}",
                            )
                        )

    ids: dict[str, int] = {}
    for i, indicator in enumerate(roadmap.indicators):
        if indicator.id in ids:
            problems.append((("indicators", i, "id"), f"duplicate indicator id «{indicator.id}»"))
        ids.setdefault(indicator.id, i)
    crit: dict[str, int] = {}
    for i, criterion in enumerate(roadmap.criteria):
        if criterion.id in crit:
            problems.append((("criteria", i, "id"), f"duplicate criterion id «{criterion.id}»"))
        crit.setdefault(criterion.id, i)
    operator = roadmap.reminders.operator
    if operator is not None and operator not in parties:
        problems.append((("reminders", "operator"), f"unknown party «{operator}»; known parties: {', '.join(parties)}"))
    for path, _, item in roadmap.walk_items():
        problem = _outside_period(roadmap, item)
        if problem:
            problems.append(((*path, "deadline"), problem))
    for i, stage in enumerate(roadmap.stages):
        if stage.start < roadmap.period.start or stage.end > roadmap.period.end:
            problems.append(((("stages", i, "start")), "stage lies outside the roadmap period"))
    return problems


def _outside_period(roadmap: Roadmap, item: Item) -> str | None:
    """A deadline with a date outside the roadmap's period, unless the item says why (`outside_period`)."""
    deadline, period = item.deadline, roadmap.period
    bounds = [d for w in deadline.windows for d in (w.start, w.end)] + [deadline.start, deadline.end]
    if item.outside_period or all(d is None or period.start <= d <= period.end for d in bounds):
        return None
    return (
        f"the deadline ({format_window(deadline.start, deadline.end)}) lies outside the roadmap's period "
        f"({format_window(period.start, period.end)}): correct it, or say why in 'outside_period' "
        "(for example, as the source explains it)"
    )


def _check_responsible(
    path: tuple[Any, ...], refs: list[str], roadmap: Roadmap, item: Item
) -> list[tuple[tuple[Any, ...], str]]:
    problems = []
    known = {p.id: p for p in roadmap.parties}
    if not refs and item.responsible != "unassigned":
        problems.append(
            (
                (*path, "responsible"),
                "no responsible party: list party ids, or write 'unassigned' where the source names nobody",
            )
        )
    for j, ref in enumerate(refs):
        party = known.get(ref)
        if party is None:
            problems.append(((*path, "responsible", j), f"unknown party «{ref}»; known parties: {', '.join(known)}"))
        elif party.per_organisation and item.scope == "roadmap":
            problems.append(
                (
                    (*path, "responsible", j),
                    f"party «{ref}» is per organisation, so the item needs "
                    f"'scope: {{per_organisation: [{', '.join(party.org_kinds)}]}}'",
                )
            )
    return problems


def _check_dependency_cycles(
    roadmap: Roadmap, numbers: dict[str, tuple[Any, ...]]
) -> list[tuple[tuple[Any, ...], str]]:
    graph = {item.number: [d for d in item.depends_on if d in numbers and d != item.number] for item in roadmap.items}
    state: dict[str, int] = {}
    problems: list[tuple[tuple[Any, ...], str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in graph.get(node, []):
            if state.get(dep) == 1:
                loop = trail[trail.index(dep) :] + [dep] if dep in trail else [node, dep]
                problems.append(((*numbers[node], "depends_on"), f"dependency cycle: {' -> '.join(loop)}"))
            elif dep not in state:
                visit(dep, [*trail, dep])
        state[node] = 2

    for number in graph:
        if number not in state:
            visit(number, [number])
    return problems


def parse_plan(text: str, name: str) -> Roadmap:
    """Validate plan text; raise `PlanError` with every located issue."""
    data = read_yaml(text, name)
    if not isinstance(data, CommentedMap):
        raise PlanError(
            [PlanIssue(name, 1, 1, "", f"expected a mapping at the top of the file, found {_describe(data)}")]
        )
    try:
        roadmap = Roadmap.model_validate(data, context={"period": _period_context(data)})
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            path, rendered = _path(error["loc"], data)
            unknown_key = error["type"] == "extra_forbidden"
            line, column = locate(data, path, at_key=unknown_key)
            fields = _fields_of(path) if unknown_key else None
            issues.append(PlanIssue(name, line, column, rendered, _message(error, fields)))
        raise PlanError(_dedupe(issues)) from None
    problems = check_references(roadmap)
    if problems:
        issues = []
        for path, message in problems:
            line, column = locate(data, path)
            issues.append(PlanIssue(name, line, column, _render(path), message))
        raise PlanError(issues)
    return roadmap


def _dedupe(issues: list[PlanIssue]) -> list[PlanIssue]:
    seen: set[tuple[int, int, str, str]] = set()
    out = []
    for issue in sorted(issues, key=lambda i: (i.line, i.column)):
        key = (issue.line, issue.column, issue.field, issue.message)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


def load_plan(path: str | Path, cache_dir: Path | None = None) -> Roadmap:
    """Read and validate one plan file (through the parse cache in `cache_dir` when given: `roadmap sync`
    validates the file before Prefect starts and its flow reads it again, parsed once)."""
    return load_plan_text(path, cache_dir)[0]


def load_plan_text(path: str | Path, cache_dir: Path | None = None) -> tuple[Roadmap, str]:
    """The plan file validated, with the text it was read from (read once, so the two always agree)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError([PlanIssue(str(p), 0, 0, "", "no such file")]) from None
    except UnicodeDecodeError as exc:
        raise PlanError([PlanIssue(str(p), 1, 1, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except IsADirectoryError:
        raise PlanError([PlanIssue(str(p), 0, 0, "", "is a folder; give a .yaml file")]) from None
    return (parse_plan(text, str(p)) if cache_dir is None else parse_stored_plan(text, str(p), cache_dir)), text


def find_plans(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The plan files named by `paths`: files as given, folders searched for *.yaml and *.yml."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.suffix in PLAN_SUFFIXES and f.is_file())
        else:
            yield p


def _code_stamp() -> str:
    """What a cached parse depends on besides the text: the plan language's own code."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("plan.py", "deadline.py", "deadline.lark", "loader.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def parse_stored_plan(text: str, name: str, cache_dir: Path | None = None) -> Roadmap:
    """A plan's text (a stored version, or a file being synced) parsed through a cache kept in `cache_dir`.

    Parsing a region's plan takes ~0.1 s (YAML with line marks, the deadline grammar per item); a sweep
    of a region reads twenty of them in every run, each run a new process. The cache is keyed by the text
    and by the plan language's code, so a program that reads plans differently never uses an old entry;
    an unreadable entry is parsed again.
    """
    if cache_dir is None:
        return parse_plan(text, name)
    path = _cache_path(text, cache_dir)
    try:
        with path.open("rb") as f:
            cached = pickle.load(f)
        if isinstance(cached, Roadmap):
            return cached
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass
    roadmap = parse_plan(text, name)
    remember_plan(text, roadmap, cache_dir)
    return roadmap


def plan_cache() -> Path:
    """Where the store's plans are kept parsed: the data folder's cache/plans (ROADMAP_DATA_DIR).

    The settings are read afresh, not through get_settings()'s cache: a sync or a sweep called as a library
    function must not freeze the process's settings (a test, or a command, that sets ROADMAP_SMTP_URL after
    a sync would otherwise be told no SMTP server is configured)."""
    from models.settings import get_settings

    return get_settings.__wrapped__().data_dir / "cache" / "plans"


def remember_plan(text: str, roadmap: Roadmap, cache_dir: Path) -> None:
    """Keep `roadmap` (the plan parsed from `text`) in the cache, as `roadmap sync` does when it stores a
    version: the next sweep then reads it parsed (a cold parse of the five seed plans takes 1-1.5 s, most of a
    small region's sweep)."""
    path = _cache_path(text, cache_dir)
    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        with partial.open("wb") as f:
            pickle.dump(roadmap, f, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError:
        pass  # a read-only data folder: parse every time


def _cache_path(text: str, cache_dir: Path) -> Path:
    return cache_dir / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}-{_CODE_STAMP}.pickle"


_CODE_STAMP = _code_stamp()
