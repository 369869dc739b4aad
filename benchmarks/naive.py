"""The naive sweep the design rules out: one Prefect task per milestone (`python -m benchmarks naive`).

Each task opens a session, reads its milestone, judges it by the day (planned → due when its window has
opened, → overdue when it has ended) and writes the status back when it changed; it queues no reminder
and sends nothing, so it does less than the real sweep: the ratio it gives is a lower bound.
"""

from __future__ import annotations

import random
from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from sqlalchemy import select
from sqlalchemy.engine import Engine

from models.db import open_store, session_scope
from models.store import Milestone
from service.timings import mark


@task(name="judge-one-milestone", cache_policy=NO_CACHE)
def judge_one(engine: Engine, milestone_id: int, day: date) -> bool:
    with session_scope(engine) as session:
        m = session.get(Milestone, milestone_id)
        assert m is not None
        status = m.status
        if status == "planned" and m.window_start is not None and m.window_start <= day:
            status = "due"
        if status in ("planned", "due") and m.window_end is not None and m.window_end < day:
            status = "overdue"
        if status != m.status:
            m.status = status
        return status in ("due", "overdue")


@flow(name="naive-sweep", task_runner=ThreadPoolTaskRunner(max_workers=4))  # as many as the store's pool serves
def naive_sweep(db: str, ids: list[int], day: date) -> int:
    mark("flow-start")
    engine = open_store(db)
    try:
        futures = [judge_one.submit(engine, i, day) for i in ids]
        return sum(bool(f.result()) for f in futures)
    finally:
        engine.dispose()
        mark("flow-end")


def sample_ids(db: str, size: int, seed: int) -> list[int]:
    engine = open_store(db, readonly=True)
    try:
        with session_scope(engine, readonly=True) as session:
            ids = list(session.execute(select(Milestone.id).order_by(Milestone.id)).scalars())
    finally:
        engine.dispose()
    return sorted(random.Random(seed).sample(ids, min(size, len(ids))))


def main(db: str, size: int, seed: int, day: date) -> None:
    ids = sample_ids(db, size, seed)
    due = naive_sweep(db=db, ids=ids, day=day)
    print(f"naive sweep: {len(ids)} milestones, {due} due or overdue")
