"""The task functions wrapped as Prefect tasks (coarse: one per roadmap, never one per milestone).

Sessions are passed in by the flow, so results are never cached across runs (NO_CACHE) and nothing
here is hashed or persisted by Prefect.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from models.loader import load_plan
from models.plan import Roadmap
from tasks.sync import SyncReport, summary_markdown, sync_plan


@task(name="load-plan", cache_policy=NO_CACHE)
def load_plan_file(path: str) -> tuple[Roadmap, str]:
    """Validate the plan file and return it with its text as loaded."""
    roadmap = load_plan(path)
    return roadmap, Path(path).read_text(encoding="utf-8")


sync_plan_task = task(sync_plan, name="sync-plan", cache_policy=NO_CACHE)


@task(name="publish-sync-summary", cache_policy=NO_CACHE)
def publish_sync_summary(report: SyncReport) -> None:
    create_markdown_artifact(
        key=f"sync-{report.roadmap_id}".lower().replace("_", "-"),
        markdown=summary_markdown(report),
        description=f"Sync of {report.roadmap_id}",
    )
