"""Operations of the daily sweep that a face runs before starting the flow."""

from __future__ import annotations

from operations.context import Context
from tasks.sweep import check_sweep_scope


def check_scope(ctx: Context, *, roadmaps: list[str] | None, timezones: list[str] | None) -> list[str]:
    """Refuse (SweepScopeError) a --roadmap or --timezone that names nothing in the store; what to say otherwise."""
    with ctx.reading() as session:
        return check_sweep_scope(session, roadmaps=roadmaps, timezones=timezones)
