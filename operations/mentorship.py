"""The curator's actions of the mentorship cycle (issue 17), each taking a Context and owning its transaction.

Every face calls these: the CLI (`roadmap participants|pairs|meetings|feedback|reflection …`), the
`form_pairs` flow, and the curator's web pages to come. They parse nothing from the command line and
print nothing; a file's text comes in with its name, so a refused file names its lines. Refusals are
`RegistryError` (a file's problems, each located) and `MentorshipError` / `CompletionError` (the
message says the fix); on any of them nothing is written.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mentorship.meetings import CycleReport, load_feedback, load_meetings, load_reflection
from mentorship.pairs import AcceptReport, accept, list_pairs, make_proposal, parse_pairs_csv
from mentorship.participants import (
    ParticipantsReport,
    list_participants,
    parse_participants_csv,
    registry,
)
from mentorship.participants import (
    load_participants as load_rows,
)
from mentorship.steps import step_milestones
from mentorship.vocabulary import DEFAULT_MAX_MENTEES
from models.plan import Roadmap
from models.store import Milestone
from operations.context import Context
from operations.milestones import plan_of


def load_participants(ctx: Context, *, text: str, source: str, dry_run: bool = False) -> ParticipantsReport:
    """Load the bases of mentees and mentors from a CSV file's text, whole or not at all."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with ctx.transaction() as session:
        rows = parse_participants_csv(text, source=source, orgs=registry(session))
        return load_rows(session, rows, actor=ctx.actor.name, now=ctx.now, source=source, sha256=sha, dry_run=dry_run)


def participants(ctx: Context, *, org: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """The bases as loaded (pseudonymous ids only)."""
    with ctx.reading() as session:
        return list_participants(session, org=org, year=year)


def propose_pairs(ctx: Context, *, org: str, year: int, max_mentees: int = DEFAULT_MAX_MENTEES) -> dict[str, Any]:
    """Propose pairs and groups for the organisation's mentees still without a mentor; the proposal is kept."""
    with ctx.transaction() as session:
        return make_proposal(session, org=org, year=year, limit=max_mentees, now=ctx.now, actor=ctx.actor.name)


def accept_pairs(
    ctx: Context, *, org: str, year: int, by: str, proposal_id: int | None = None, text: str | None = None,
    source: str | None = None, max_mentees: int | None = None,
) -> AcceptReport:  # fmt: skip
    """Accept a proposal (the latest unless `proposal_id`) or an edited list (`text` of a CSV); complete the step.

    `by` is the party the completion is recorded for (a curator, one above, or the operator).
    """
    rows = parse_pairs_csv(text, source=source or "pairs") if text is not None else None
    with ctx.transaction() as session:
        return accept(session, org=org, year=year, by=by, now=ctx.now, recorded_by=ctx.actor.describe(),
                      files_dir=ctx.settings.data_dir / "files", proposal_id=proposal_id, rows=rows, source=source,
                      limit=max_mentees)  # fmt: skip


def pairs(ctx: Context, *, org: str, year: int) -> list[dict[str, Any]]:
    """The organisation's pairs and groups of the academic year, one row per mentee."""
    with ctx.reading() as session:
        return list_pairs(session, org=org, year=year)


def record_meetings(ctx: Context, *, text: str, source: str) -> CycleReport:
    """Record the pairs' meetings (dates ahead are planned meetings) from a CSV file's text."""
    with ctx.transaction() as session:
        return load_meetings(session, text, source=source, now=ctx.now, actor=ctx.actor.name)


def record_feedback(ctx: Context, *, text: str, source: str, timezone: str = "Europe/Moscow") -> CycleReport:
    """Record feedback after meetings that took place (as of today in `timezone`)."""
    with ctx.transaction() as session:
        return load_feedback(session, text, source=source, now=ctx.now, actor=ctx.actor.name,
                             today=ctx.clock.today(timezone))  # fmt: skip


def record_reflection(ctx: Context, *, text: str, source: str, by: str, timezone: str = "Europe/Moscow") -> CycleReport:
    """Record reflections, close the pairs whose reflection is complete, complete the closing step when all are."""
    with ctx.transaction() as session:
        return load_reflection(session, text, source=source, now=ctx.now, actor=ctx.actor.describe(),
                               today=ctx.clock.today(timezone), by=by)  # fmt: skip


def pair_steps(ctx: Context, *, org: str, year: int) -> list[tuple[Milestone, Roadmap]]:
    """The organisation's pair-formation milestones of the academic year with their plans: what accepting
    pairs completes, and whose responsible parties decide who may accept them."""
    with ctx.reading() as session:
        out = []
        for step in step_milestones(session, org=org, year=year, step="pairs"):
            milestone = session.get(Milestone, step.id)
            if milestone is not None:
                out.append((milestone, plan_of(session, step.roadmap_id)[0]))
        return out
