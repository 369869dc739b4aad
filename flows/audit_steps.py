"""What every flow that appends audit events does around its work: say who runs it, and sign what it appended.

A flow is a face of its own when a deployment starts it: the run is what identifies it (Actor.scheduled,
with the flow run's id); when the CLI runs it, the CLI's actor (OS user and host) is passed in. A name
given as a deployment parameter is recorded as given, beside the run, never as more.

After the work, when ROADMAP_AUDIT_KEY is set and the run appended events, a checkpoint signs the
chain (operations.audit.checkpoint_after_run). A checkpoint that is refused (the history was rewritten
since the last one) does not undo the run's work: the run ends failed with the reason (CheckpointRefused).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine

from audit.checkpoints import CheckpointError, Signed
from models.settings import get_settings
from monitoring.view import MonitoringReport
from operations.audit import chain_length, checkpoint_after_run, signing_key, stamp
from operations.context import Actor, Clock, Context
from reports.execution_view import ExecutionReport


class CheckpointRefused(Exception):
    """The run's work is done and recorded, but its events could not be signed; `result` is what it returns."""

    def __init__(self, line: str, result: Any = None) -> None:
        super().__init__(line)
        self.result = result


def run_actor(actor: Actor | str | None, *, default: str) -> Actor:
    """Who runs this flow: the face's actor, else the Prefect run itself (with a name given as a parameter)."""
    if isinstance(actor, Actor):
        return actor
    from prefect.runtime import flow_run

    run = str(flow_run.id or "outside a flow run")
    if actor:
        return Actor.named_for_run(actor, run)
    return Actor.scheduled(run, name=default)


def _context(engine: Engine, actor: Actor, now: datetime) -> Context:
    return Context(engine=engine, actor=actor, clock=Clock.at(now), settings=get_settings())


@task(name="audit-chain-length", cache_policy=NO_CACHE)
def audit_start(engine: Engine, *, actor: Actor, now: datetime) -> int:
    """The chain's length before the run; a configured signing key that cannot be used refuses the run here."""
    context = _context(engine, actor, now)
    signing_key(context.settings)
    return chain_length(context)


@task(name="verify-audit-history", cache_policy=NO_CACHE)
def stamp_history(engine: Engine, report: ExecutionReport | MonitoringReport, *, actor: Actor, now: datetime) -> None:
    """Verify the store and write into the report the history it was built against (loudly when it fails)."""
    stamp(_context(engine, actor, now), report)


@task(name="sign-audit-checkpoint", cache_policy=NO_CACHE)
def audit_finish(engine: Engine, *, since: int, actor: Actor, now: datetime) -> tuple[Signed | None, str]:
    """Sign what the run appended (when a key is configured): (the checkpoint or None, a line to print)."""
    try:
        signed = checkpoint_after_run(_context(engine, actor, now), since=since)
    except CheckpointError as exc:
        return None, f"audit checkpoint refused: {exc}"
    if signed is None:
        return None, ""
    s = signed.statement
    return signed, f"audit checkpoint: events 1-{s.size} signed by key {s.key_id}"
