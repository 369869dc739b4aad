"""Flow: pair formation for one organisation and academic year (the curator's "who mentors whom" step).

It only orchestrates: one coarse task runs the `propose_pairs` operation (the matching, the explanation,
the stored proposal) and a second publishes the proposal's summary as a Prefect artifact. Acceptance is
the curator's decision and stays outside the flow (`roadmap pairs accept`, the web page).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.prefect_tasks import flow_store
from operations import mentorship
from operations.context import Actor, Clock, Context, Via

propose_pairs_task = task(name="propose-pairs", cache_policy=NO_CACHE)(mentorship.propose_pairs)


@task(name="publish-pairs-summary", cache_policy=NO_CACHE)
def publish_pairs_summary(proposal: dict[str, Any]) -> None:
    s = proposal["summary"]
    lines = [
        f"## Pairs proposed for {proposal['org']}, {proposal['academic_year']} (proposal {proposal['proposal']})",
        "",
        f"- mentees matched: {s['matched']} of {s['mentees']}; unmatched: {s['unmatched']}",
        f"- mentors used: {s['mentors_used']} of {s['mentors']}; pairs and groups: {s['groups']}",
        f"- total fit (requests met): {s['total_fit']}; mentees per mentor: {proposal['max_mentees']} at most",
    ]
    create_markdown_artifact(
        key=f"pairs-{proposal['org']}-{proposal['year']}".lower().replace("_", "-"),
        markdown="\n".join(lines),
        description="Pair formation proposal",
    )


def _run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return f"form pairs {params.get('org')} {params.get('year')}"


@flow(name="form-pairs", flow_run_name=_run_name)
def form_pairs(
    org: str, year: int, max_mentees: int = mentorship.DEFAULT_MAX_MENTEES, db: str | None = None,
    actor: str | None = None, via: Via = "schedule", now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Propose pairs and groups for `org`'s mentees of academic year `year`/`year + 1`; returns the proposal
    ({"proposal", "pairs": [{"mentor", "mentees", "form", "reasons"}], "unmatched": [{"mentee", "reason"}], …})."""
    from prefect.runtime import flow_run

    settings, engine = flow_store(db)
    who = Actor(actor, via, f"flow run {flow_run.id}") if actor else Actor.scheduled(str(flow_run.id))
    ctx = Context(engine, who, Clock.at(now) if now else Clock(), settings)
    try:
        proposal = propose_pairs_task(ctx, org=org, year=year, max_mentees=max_mentees)
        publish_pairs_summary(proposal)
        return proposal
    finally:
        engine.dispose()
