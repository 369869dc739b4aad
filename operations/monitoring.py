"""Operations of the yearly monitoring that are not a flow run: load and list submitted figures, list snapshots."""

from __future__ import annotations

from typing import Any

from monitoring.figures import ValuesLoadReport, list_values, load_values, parse_values_csv, registry_orgs
from monitoring.snapshots import list_snapshots
from operations.context import Context
from tasks.sweep import active_roadmaps


def load_figures(ctx: Context, *, text: str, source: str, sha256: str, dry_run: bool = False) -> ValuesLoadReport:
    """Check a CSV of submitted figures against the store's roadmaps and registry and load it in one transaction;
    RegistryError (nothing written) naming every bad row."""
    with ctx.transaction() as session:
        plans = {plan.id: plan for plan in active_roadmaps(session)}
        rows = parse_values_csv(text, source=source, plans=plans, orgs=registry_orgs(session))
        return load_values(session, rows, actor=ctx.actor, now=ctx.now, source=source, sha256=sha256,
                           dry_run=dry_run)  # fmt: skip


def figures(ctx: Context, *, roadmap: str | None = None, year: int | None = None, include_superseded: bool = False
            ) -> list[dict[str, Any]]:  # fmt: skip
    """The current submitted figures (with `include_superseded`, every figure with its load)."""
    with ctx.reading() as session:
        return list_values(session, roadmap=roadmap, year=year, include_superseded=include_superseded)


def snapshots(ctx: Context, *, roadmap: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """Every monitoring snapshot (of a roadmap, of a year), oldest first, with its headline counts."""
    with ctx.reading() as session:
        return list_snapshots(session, roadmap_id=roadmap, year=year)
