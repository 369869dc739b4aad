"""Text and JSON renderings of plans for the CLI (no logic beyond presentation)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.deadline import Deadline
    from models.plan import Item, Roadmap


def accepted_forms() -> tuple[str, ...]:
    from models.deadline import ACCEPTED_FORMS

    return ACCEPTED_FORMS


def _scope(item: Item) -> str | list[str]:
    return "roadmap" if item.scope == "roadmap" else list(item.scope.per_organisation)


def deadline_words(deadline: Deadline) -> str:
    """How a parsed deadline reads in the summary: kind and window(s) in Russian dates."""
    from models.ru import format_window

    kind = deadline.kind
    if kind in ("yearly", "windows") or (kind == "alternatives" and len(deadline.windows) > 1):
        inner = "; ".join(format_window(w.start, w.end) for w in deadline.windows) or "по годам периода"
        return f"{kind}: {inner}"
    if kind == "continuous":
        every = f", check-in every {deadline.review_months} mo" if deadline.review_months else ""
        return f"continuous: {format_window(deadline.start, deadline.end)}{every}"
    if kind in ("on_demand", "separate_schedule", "external", "unspecified"):
        bound = f" within {format_window(deadline.start, deadline.end)}" if deadline.end else ""
        return f"{kind} (waits for a date){bound}"
    return f"{kind}: {format_window(deadline.start, deadline.end)}"


def plan_json(roadmap: Roadmap) -> dict[str, Any]:
    """The stable JSON form of a plan (see `roadmap show --help`)."""
    return {
        "id": roadmap.id,
        "title": roadmap.title,
        "level": roadmap.level,
        "timezone": roadmap.timezone,
        "period": {"start": roadmap.period.start.isoformat(), "end": roadmap.period.end.isoformat()},
        "parties": [
            {"id": p.id, "kind": p.kind, "name": p.name, "per_organisation": p.per_organisation}
            for p in roadmap.parties
        ],
        "items": [
            {
                "number": item.number,
                "title": item.title,
                "section": section.number,
                "deadline": item.deadline.as_json(),
                "responsible": item.party_ids,
                "unassigned": item.unassigned,
                "result": item.result,
                "scope": _scope(item),
                "depends_on": item.depends_on,
                "targets": {str(y): v for y, v in (item.targets or {}).items()},
            }
            for _, section, item in roadmap.walk_items()
        ],
        "indicators": [
            {"id": ind.id, "name": ind.name, "unit": ind.unit, "targets": {str(y): v for y, v in ind.targets.items()}}
            for ind in roadmap.indicators
        ],
        "criteria": [{"id": c.id, "name": c.name, "scale": c.scale.kind} for c in roadmap.criteria],
    }


def plan_summary(roadmap: Roadmap, file: Path) -> str:
    """A short block per plan: what it is and what it holds."""
    from models.ru import format_window

    items = roadmap.items
    kinds = Counter(item.deadline.kind for item in items)
    waiting = sum(1 for item in items if item.deadline.waits_for_date)
    unassigned = sum(1 for item in items if item.unassigned)
    per_org = sum(1 for item in items if item.scope != "roadmap")
    lines = [
        f"ok {file}",
        f"  {roadmap.id}: {roadmap.title}",
        f"  {roadmap.issuer}; order № {roadmap.order.number or '—'} of {roadmap.order.date or '—'}",
        f"  level {roadmap.level}, {roadmap.territory.region}"
        + (f", {roadmap.territory.municipality}" if roadmap.territory.municipality else "")
        + f"; time zone {roadmap.timezone}; period {format_window(roadmap.period.start, roadmap.period.end)}",
        f"  {len(roadmap.sections)} sections, {len(items)} items ({per_org} per organisation), "
        f"{len(roadmap.parties)} parties, {len(roadmap.indicators)} indicators, {len(roadmap.criteria)} criteria",
        "  deadlines: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
        f"  waiting for a date: {waiting}; unassigned: {unassigned}; notes on the source: {len(roadmap.notes)}",
    ]
    return "\n".join(lines)


def plan_text(roadmap: Roadmap) -> str:
    """A readable listing of the whole plan."""
    from models.ru import format_window

    parties = {p.id: p for p in roadmap.parties}
    out = [
        roadmap.title,
        f"{roadmap.issuer}; order № {roadmap.order.number or '—'} of {roadmap.order.date or '—'}",
        f"id {roadmap.id}; {roadmap.level}; {roadmap.timezone}; "
        f"period {format_window(roadmap.period.start, roadmap.period.end)}",
        "",
    ]
    if roadmap.stages:
        out.append("Stages:")
        out += [f"  {s.number}. {s.name}: {format_window(s.start, s.end)}" for s in roadmap.stages]
        out.append("")
    if roadmap.parties:
        out.append("Parties:")
        for p in roadmap.parties:
            extra = f" ({', '.join(p.org_kinds)}, per organisation)" if p.per_organisation else ""
            up = f" -> {p.escalates_to}" if p.escalates_to else ""
            out.append(f"  {p.id}: {p.kind} {p.name}{extra}{up}")
        out.append("")
    current = None
    for _, section, item in roadmap.walk_items():
        if section is not current:
            out.append(f"{section.number}. {section.title}")
            current = section
        who = "unassigned" if item.unassigned else ", ".join(parties[r].name for r in item.party_ids)
        scope = "" if item.scope == "roadmap" else f" [each {', '.join(item.scope.per_organisation)}]"
        out.append(f"  {item.number}  {item.title}")
        out.append(f"        срок: «{item.deadline.text or '—'}» -> {deadline_words(item.deadline)}")
        out.append(f"        ответственные: {who}{scope}")
        if item.result:
            out.append(f"        результат: {item.result}")
        if item.depends_on:
            out.append(f"        после: {', '.join(item.depends_on)}")
        if item.targets:
            out.append("        цели: " + "; ".join(f"{y}: {v:g}" for y, v in item.targets.items()))
    if roadmap.cycle:
        out += ["", f"Cycle: {roadmap.cycle.title} (each academic year)"]
        out += [f"  {s.number}. {s.title}" for s in roadmap.cycle.steps]
    if roadmap.indicators:
        out += ["", "Indicators:"]
        for ind in roadmap.indicators:
            targets = "; ".join(f"{y}: {v:g}" for y, v in ind.targets.items())
            out.append(f"  {ind.number or ind.id}. {ind.name} [{ind.unit}] — {targets}")
    if roadmap.criteria:
        out += ["", "Criteria:"]
        out += [f"  {c.number or c.id}. {c.name} — {c.scale.kind}: {c.scale.text}" for c in roadmap.criteria]
    if roadmap.notes:
        out += ["", "Notes on the source:"]
        out += [f"  - {n.about}: {n.text}" for n in roadmap.notes]
    return "\n".join(out)
