"""Submitted figures: a CSV of indicator values, item counts and criteria answers, checked whole, then loaded.

Header (any order, case-insensitive, `,` or `;` between cells, UTF-8 as for the registry):
`roadmap,indicator,year,org,numerator,denominator,value,source,submitted_by`.

- `indicator` addresses what the figure is for: a plan indicator by its id (`mentees_10_19`), an
  item's yearly target as `item:NUMBER` (`item:1.3`, Tomsk), a criterion as `criterion:ID` or
  `criterion:NUMBER` (`criterion:young_teacher_retention`, `criterion:4`).
- `org` is an organisation id of the registry, inside the roadmap's territory. A УО's figure is its
  municipality's figure; an empty `org` is the roadmap's whole territory (the region, or the
  municipality of a municipal roadmap).
- A share (unit %) takes `numerator` and `denominator` (numerator not above denominator, denominator
  above 0), so that it adds up: municipality and region are sums of numerators and denominators,
  never averages of percentages. A share given as `value` alone (0-100) is accepted only for the
  whole territory. A count (ед.) takes `value`. A categorical criterion takes its answer in `value`,
  one of its scale's levels («имеется»; case and spacing do not matter).
- Numbers may use a decimal comma («12,5») and spaces between thousands; none may be negative.
- `year`: a year of the roadmap's period, or one for which the indicator or item has a target
  (Sechenovsky's period is 2020 but its indicators run to 2024). `submitted_by` is required.

A file with any bad row is refused whole, every problem named as `FILE:LINE: COLUMN: MESSAGE`.
A load runs in the caller's transaction with one audit event (`indicators.loaded`). A row for the same
(roadmap, indicator, year, org) as a current figure supersedes it: the old row gets `superseded_at`
and `superseded_by_load` and stays; an identical row changes nothing. Nothing is ever deleted, so a
monitoring snapshot can name the loads whose figures it used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from audit.chain import ActorLike, identify, record_event
from models.plan import Roadmap
from models.store import AuditHead, IndicatorLoad, IndicatorValue, Organisation
from models.territory import in_territory
from monitoring.measures import CRITERION_PREFIX, ITEM_PREFIX, Measure, measure_index, measures, valid_years, year_span

# the registry's CSV reading: the same header, delimiter, quoting and located-issue rules
from tasks.registry import _parse, _Row

VALUE_COLUMNS = ("roadmap", "indicator", "year", "org", "numerator", "denominator", "value", "source", "submitted_by")


@dataclass(frozen=True)
class OrgInfo:
    id: str
    kind: str
    municipality: str
    region: str
    oktmo: str | None = None


def registry_orgs(session: Session) -> dict[str, OrgInfo]:
    """Every organisation of the registry (active or not: a figure may be for a year it was active)."""
    query = select(col(Organisation.id), col(Organisation.kind), col(Organisation.municipality),
                   col(Organisation.region), col(Organisation.oktmo))  # fmt: skip
    return {row.id: OrgInfo(*row) for row in session.execute(query)}


@dataclass(frozen=True)
class ValueRow:
    """One submitted figure as checked: what for, whose, the numbers, who vouches for it."""

    roadmap: str
    kind: str
    key: str
    address: str
    year: int
    org_id: str
    level: str
    municipality: str
    numerator: float | None
    denominator: float | None
    value: float | None
    answer: str | None
    source: str | None
    submitted_by: str
    line: int = field(default=0, compare=False)

    @property
    def ident(self) -> tuple[str, str, str, int, str]:
        return (self.roadmap, self.kind, self.key, self.year, self.org_id)

    @property
    def label(self) -> str:
        return f"{self.roadmap} {self.address} {self.year} {self.org_id or '(territory)'}"

    def figures(self) -> tuple[Any, ...]:
        return (self.numerator, self.denominator, self.value, self.answer, self.source, self.submitted_by)


NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")


def parse_number(text: str) -> float:
    """«12», «12,5», «12.5», «1 234»; ValueError otherwise (negative numbers included)."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text)
    if not NUMBER.match(cleaned):
        raise ValueError(text)
    return float(cleaned.replace(",", "."))


def _number(row: _Row, column: str) -> float | None:
    raw = row.cells.get(column, "").strip()
    if not raw:
        return None
    try:
        number = parse_number(raw)
    except ValueError:
        what = "0 or more" if raw.lstrip().startswith("-") else "a number such as 12 or 12,5"
        row.fail(column, f"expected {what}, found «{raw}»")
        return None
    return number if math.isfinite(number) else None


def _norm(label: str) -> str:
    return re.sub(r"\s*,\s*", ", ", " ".join(label.split())).casefold()


def _territory(plan: Roadmap) -> str:
    t = plan.territory
    return f"{t.municipality}, {t.region}" if t.municipality else t.region


def _read_value(
    row: _Row, plans: Mapping[str, Roadmap], orgs: Mapping[str, OrgInfo], index: Mapping[str, dict[str, Measure]]
) -> ValueRow:
    roadmap_id = row.text("roadmap", required=True, max_len=100)
    plan = plans.get(roadmap_id)
    if roadmap_id and plan is None:
        known = ", ".join(sorted(plans)) or "none yet"
        row.fail("roadmap", f"expected a roadmap of the store ({known}), found «{roadmap_id}»; "
                            "load its plan first with `roadmap sync PLAN`")  # fmt: skip
    address = row.text("indicator", required=True, max_len=120)
    measure = index[plan.id].get(address) if plan and address else None
    if plan and address and measure is None:
        row.fail("indicator", _unknown_measure(plan, address))

    year = 0
    raw_year = row.text("year", required=True)
    if raw_year:
        if not re.fullmatch(r"\d{4}", raw_year):
            row.fail("year", f"expected a year such as 2021, found «{raw_year}»")
        else:
            year = int(raw_year)
            if plan is not None and year not in valid_years(plan, measure):
                period = year_span(valid_years(plan))
                extra = sorted(set(valid_years(plan, measure)) - set(valid_years(plan)))
                targets = (
                    f" or one with a target of {address} ({year_span(valid_years(plan, measure))})" if extra else ""
                )
                row.fail("year", f"expected a year inside the period of {plan.id} ({period}){targets}, found {year}")

    org_id = row.text("org", max_len=100)
    level, municipality = (plan.level if plan else "region"), ((plan.territory.municipality or "") if plan else "")
    if org_id:
        info = orgs.get(org_id)
        if info is None:
            row.fail("org", f"unknown organisation «{org_id}»: expected an id of the registry (see `roadmap orgs "
                            "list`), or an empty cell for the whole territory")  # fmt: skip
        else:
            level = "municipality" if info.kind == "УО" else "organisation"
            municipality = info.municipality
            t = plan.territory if plan else None
            inside = t is None or in_territory(region=t.region, municipality=t.municipality, oktmo=t.oktmo,
                                               org_region=info.region, org_municipality=info.municipality,
                                               org_oktmo=info.oktmo)  # fmt: skip
            if plan and not inside:
                row.fail("org", f"organisation «{org_id}» is in {info.municipality}, {info.region}: outside the "
                                f"territory of {plan.id} ({_territory(plan)})")  # fmt: skip
    top = not org_id or (plan is not None and plan.level == "municipality" and level == "municipality")

    numerator, denominator = _number(row, "numerator"), _number(row, "denominator")
    raw_value = row.cells.get("value", "").strip()
    value: float | None = None
    answer: str | None = None
    if measure is not None and measure.categorical:
        answer = _answer(row, measure, raw_value)
    elif measure is not None:
        value = _number(row, "value")
        _check_numbers(row, measure, numerator, denominator, value, raw_value, top=top)
    return ValueRow(
        roadmap=roadmap_id, kind=measure.kind if measure else "", key=measure.key if measure else "",
        address=measure.address if measure else address, year=year, org_id=org_id, level=level,
        municipality=municipality, numerator=numerator, denominator=denominator, value=value, answer=answer,
        source=row.text("source") or None, submitted_by=row.text("submitted_by", required=True, max_len=200),
        line=row.line,
    )  # fmt: skip


def _unknown_measure(plan: Roadmap, address: str) -> str:
    ms = measures(plan)
    groups = [
        ("an indicator id", [m.address for m in ms if m.kind == "indicator"]),
        ("an item with targets", [m.address for m in ms if m.kind == "item"]),
        ("a criterion", [m.address for m in ms if m.kind == "criterion"]),
    ]
    known = "; ".join(f"{what} ({', '.join(names)})" for what, names in groups if names)
    return f"expected {known or 'nothing: the plan has no indicators, item targets or criteria'}, found «{address}»"


def _answer(row: _Row, measure: Measure, raw: str) -> str | None:
    assert measure.scale is not None
    labels = [level.label for level in measure.scale.levels]
    if row.cells.get("numerator") or row.cells.get("denominator"):
        row.fail("numerator", f"{measure.address} is answered in value with one of its levels, "
                              "not with numerator and denominator")  # fmt: skip
    if not raw:
        row.fail("value", f"expected one of {', '.join(f'«{x}»' for x in labels)}, found an empty cell")
        return None
    for label in labels:
        if _norm(label) == _norm(raw):
            return label
    row.fail("value", f"expected one of {', '.join(f'«{x}»' for x in labels)} ({measure.address}), found «{raw}»")
    return None


def _check_numbers(
    row: _Row, measure: Measure, numerator: float | None, denominator: float | None, value: float | None,
    raw_value: str, *, top: bool,
) -> None:  # fmt: skip
    has_ratio = numerator is not None or denominator is not None or bool(row.cells.get("numerator")) or bool(
        row.cells.get("denominator"))  # fmt: skip
    if not measure.percent:
        if has_ratio:
            row.fail("numerator", f"{measure.address} is a count ({measure.unit}): give it in value, "
                                  "not as numerator and denominator")  # fmt: skip
        elif not raw_value:
            row.fail("value", f"expected the count ({measure.unit}) in value, found an empty cell")
        return
    if has_ratio and raw_value:
        row.fail("value", "expected numerator and denominator, or value, not both (the share is computed from them)")
    elif not has_ratio and not raw_value:
        row.fail("value", "expected numerator and denominator (or value for the whole territory), found all empty")
    elif has_ratio:
        if not row.cells.get("numerator"):
            row.fail("numerator", "expected numerator and denominator together, found only the denominator")
        elif not row.cells.get("denominator"):
            row.fail("denominator", "expected numerator and denominator together, found only the numerator")
        elif numerator is not None and denominator is not None:
            if denominator <= 0:
                row.fail("denominator", f"expected a denominator above 0, found «{row.cells['denominator']}»")
            elif numerator > denominator:
                row.fail("numerator", f"numerator {_plain(numerator)} is above denominator {_plain(denominator)} "
                                      "(a share cannot exceed 100 %)")  # fmt: skip
    elif value is not None:
        if value > 100:
            row.fail("value", f"expected a share from 0 to 100 (%), found «{raw_value}»")
        elif not top:
            row.fail("value", "a share below the whole territory needs numerator and denominator, so that it adds "
                              "up to the municipality and the region; value alone is for an empty org")  # fmt: skip


def _plain(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def parse_values_csv(
    text: str, *, source: str, plans: Mapping[str, Roadmap], orgs: Mapping[str, OrgInfo]
) -> list[ValueRow]:
    """Every figure of a values file, or RegistryError with every problem located (see the module docstring)."""
    index = {plan_id: measure_index(plan) for plan_id, plan in plans.items()}
    return _parse(
        text, source=source, required=VALUE_COLUMNS, optional=(),
        read=lambda row: _read_value(row, plans, orgs, index),
        key=lambda r: (r.roadmap, r.kind, r.key, str(r.year or ""), r.org_id or "(territory)"),
        what=lambda r: f"figure for {r.address} {r.year} {r.org_id or '(whole territory)'} in {r.roadmap}",
    )  # fmt: skip


# -- loading ---------------------------------------------------------------------------------------


@dataclass
class ValuesLoadReport:
    """What a load did (or, in a dry run, would do)."""

    source: str
    sha256: str
    dry_run: bool
    roadmaps: list[str]
    load_id: int | None = None
    added: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "superseded": len(self.superseded), "unchanged": self.unchanged}

    def lines(self) -> list[str]:
        c = self.counts()
        total = c["added"] + c["unchanged"]
        would = "would be " if self.dry_run else ""
        head = f"{self.source}: {total} figure{'' if total == 1 else 's'} for {', '.join(self.roadmaps)}: "
        if c["added"]:
            new = c["added"] - c["superseded"]
            head += f"{new} {would}added, {c['superseded']} {would}corrected, {c['unchanged']} unchanged"
        else:
            head += f"nothing to change ({c['unchanged']} unchanged)"
        out = [head + (" — dry run, nothing written" if self.dry_run else f" (load {self.load_id})")]
        verb = "would supersede" if self.dry_run else "superseded"
        out += [f"  {verb} {label} (the earlier figure stays in the history)" for label in self.superseded]
        return out


def _columns(row: ValueRow) -> dict[str, Any]:
    return {
        "line": row.line, "roadmap_id": row.roadmap, "kind": row.kind, "key": row.key, "year": row.year,
        "org_id": row.org_id, "level": row.level, "municipality": row.municipality, "numerator": row.numerator,
        "denominator": row.denominator, "value": row.value, "answer": row.answer, "source": row.source,
        "submitted_by": row.submitted_by,
    }  # fmt: skip


_STORED = tuple(col(getattr(IndicatorValue, name)) for name in (
    "id", "roadmap_id", "kind", "key", "year", "org_id", "numerator", "denominator", "value", "answer", "source",
    "submitted_by"))  # fmt: skip


def load_values(
    session: Session, rows: Sequence[ValueRow], *, actor: ActorLike, now: datetime, source: str, sha256: str,
    dry_run: bool = False,
) -> ValuesLoadReport:  # fmt: skip
    """Add the figures in the caller's transaction, superseding current ones for the same key; one audit event."""
    roadmaps = sorted({r.roadmap for r in rows})
    report = ValuesLoadReport(source, sha256, dry_run, roadmaps)
    if not dry_run:
        # take the audit head's lock first: two loads of the same figures queue up, so exactly one
        # current row per key survives (SQLite's BEGIN IMMEDIATE already serialises writers)
        session.execute(select(col(AuditHead.id)).where(col(AuditHead.id) == 1).with_for_update()).first()
    query = select(*_STORED).where(
        col(IndicatorValue.roadmap_id).in_(roadmaps), col(IndicatorValue.year).in_(sorted({r.year for r in rows})),
        col(IndicatorValue.superseded_at).is_(None),
    )  # fmt: skip
    current = {(s.roadmap_id, s.kind, s.key, s.year, s.org_id): s for s in session.execute(query)}
    inserts: list[dict[str, Any]] = []
    supersede: list[int] = []
    for row in rows:
        old = current.get(row.ident)
        if old is not None and (old.numerator, old.denominator, old.value, old.answer, old.source,
                                old.submitted_by) == row.figures():  # fmt: skip
            report.unchanged += 1
            continue
        report.added.append(row.label)
        inserts.append(_columns(row))
        if old is not None:
            supersede.append(old.id)
            report.superseded.append(row.label)
    if dry_run:
        return report
    load = IndicatorLoad(source=source, sha256=sha256, loaded_at=now, loaded_by=identify(actor)[0], roadmaps=roadmaps,
                         added=len(inserts), superseded=len(supersede), unchanged=report.unchanged)  # fmt: skip
    session.add(load)
    session.flush()
    report.load_id = load.id
    if supersede:
        session.execute(update(IndicatorValue), [
            {"id": i, "superseded_at": now, "superseded_by_load": load.id} for i in supersede])  # fmt: skip
    if inserts:
        session.execute(insert(IndicatorValue), [{**r, "load_id": load.id} for r in inserts])
    record_event(
        session, actor=actor, action="indicators.loaded", subject=source, at=now,
        payload={"file": source, "sha256": sha256, "load_id": load.id, "roadmaps": roadmaps, **report.counts(),
                 "superseded_keys": report.superseded},
    )  # fmt: skip
    return report


# -- listing ---------------------------------------------------------------------------------------


def list_values(
    session: Session, *, roadmap: str | None = None, year: int | None = None, include_superseded: bool = False
) -> list[dict[str, Any]]:
    """The figures in the load header's columns (so a CSV listing loads back), current ones unless asked."""
    order = ("roadmap_id", "year", "kind", "key", "org_id", "id")
    query = select(IndicatorValue).order_by(*(col(getattr(IndicatorValue, name)) for name in order))
    if roadmap is not None:
        query = query.where(col(IndicatorValue.roadmap_id) == roadmap)
    if year is not None:
        query = query.where(col(IndicatorValue.year) == year)
    if not include_superseded:
        query = query.where(col(IndicatorValue.superseded_at).is_(None))
    out = []
    for v in session.execute(query).scalars():
        prefix = {"item": ITEM_PREFIX, "criterion": CRITERION_PREFIX}.get(v.kind, "")
        row = {
            "roadmap": v.roadmap_id, "indicator": prefix + v.key, "year": v.year, "org": v.org_id,
            "numerator": _plain(v.numerator), "denominator": _plain(v.denominator),
            "value": v.answer if v.answer is not None else _plain(v.value), "source": v.source or "",
            "submitted_by": v.submitted_by,
        }  # fmt: skip
        if include_superseded:
            row |= {"load": v.load_id, "superseded_at": v.superseded_at.isoformat() if v.superseded_at else "",
                    "superseded_by_load": v.superseded_by_load or ""}  # fmt: skip
        out.append(row)
    return out
