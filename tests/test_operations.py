"""Each operation called directly, as every face calls it: a Context with a fixed clock and actor on a real store
(a SQLite file and a PostgreSQL schema), one behaviour each."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from models.db import session_scope
from models.settings import Settings
from models.store import AuditEvent, Milestone
from notifications.dispatch import RecordingNotifier
from operations.audit import audit_log
from operations.context import Actor, Clock, Context
from operations.milestones import (
    complete_milestone,
    milestone_view,
    reopen_milestone,
    schedule_with_previous,
    status_view,
)
from operations.monitoring import figures, load_figures, snapshots
from operations.outbox import outbox_overview
from operations.registry import list_organisations, load_registry
from operations.reports import execution_report
from operations.sweep import check_scope
from tasks.registry import decode_csv, load_orgs, parse_orgs_csv
from tasks.status import StatusFilter
from tasks.sweep import SweepScopeError
from tests.helpers.sechenovsky import PLAN, REGISTRY, sweep, sync
from tests.helpers.sechenovsky import load_registry as load_sample_registry

NOW = datetime(2020, 5, 27, 9, tzinfo=UTC)
CURATOR = Actor("ivanova", "test", "tests/test_operations.py")
ROADMAP = "sechenovsky-2020"


@pytest.fixture
def ctx(engine, tmp_path):
    return Context(engine=engine, actor=CURATOR, clock=Clock(NOW), settings=Settings(data_dir=tmp_path))


@pytest.fixture
def store(ctx):
    load_sample_registry(ctx.engine)
    sync(ctx.engine, PLAN.read_text(encoding="utf-8"))
    return ctx


def milestone_id(ctx: Context, item: str, org: str = "") -> int:
    with session_scope(ctx.engine, readonly=True) as session:
        return session.execute(
            select(Milestone.id).where(Milestone.item_number == item, Milestone.org_id == org)
        ).scalar_one()


def test_status_counts_every_milestone_once_as_of_the_day_given(store):
    with status_view(store, f=StatusFilter(roadmap=ROADMAP, include_all=True), as_of=date(2020, 5, 27)) as view:
        rows = list(view.rows)
        total = sum(view.counts["counts"].values())
    assert view.as_of == date(2020, 5, 27) and total == len(rows) > 0


def test_complete_then_reopen_records_the_actor_in_the_audit_events(store):
    m = milestone_id(store, "1.2", "sech-oo-01")
    receipt = complete_milestone(store, milestone_id=m, evidence="Приказ ОО № 15 от 25.05.2020", by="oo_head",
                                 at=datetime(2020, 5, 25, 11, tzinfo=UTC))  # fmt: skip
    assert (receipt.by, receipt.late_days) == ("oo_head", 0)
    reopened = reopen_milestone(store, milestone_id=m, reason="не тот приказ", by="oo_head")
    assert reopened.status != "done"
    events = [(e.action, e.actor, e.actor_via) for e in audit_log(store, milestone=m)]
    assert events[-2:] == [("milestone.completed", "ivanova", "test"), ("milestone.reopened", "ivanova", "test")]
    assert [line.action for line in milestone_view(store, m).history][-2:] == ["milestone.completed",
                                                                                "milestone.reopened"]  # fmt: skip


def test_schedule_gives_a_waiting_milestone_its_window(store):
    with session_scope(store.engine, readonly=True) as session:
        waiting = session.execute(select(Milestone).where(Milestone.status == "waiting-for-date")).scalars().first()
    assert waiting is not None
    done, was = schedule_with_previous(store, milestone_id=waiting.id, window="с 1 по 15 октября 2020 г.",
                                       by="operator")  # fmt: skip
    assert was is None and (done.window_start, done.window_end) == (date(2020, 10, 1), date(2020, 10, 15))


def test_a_registry_load_is_recorded_by_the_actor(ctx):
    path = REGISTRY / "sechenovsky-orgs.csv"
    data = path.read_bytes()
    rows = parse_orgs_csv(decode_csv(data, source=str(path)), source=str(path))
    report, _ = load_registry(ctx, rows, source=str(path), sha256=hashlib.sha256(data).hexdigest(), load=load_orgs)
    assert len(report.added) == len(list_organisations(ctx, include_inactive=True)) > 0
    with session_scope(ctx.engine, readonly=True) as session:
        actors = set(session.execute(select(AuditEvent.actor)).scalars())
    assert actors == {"ivanova"}


def test_the_sweep_scope_refuses_a_roadmap_the_store_does_not_hold(store):
    check_scope(store, roadmaps=[ROADMAP], timezones=None)
    with pytest.raises(SweepScopeError, match="no roadmap «nope» in the store"):
        check_scope(store, roadmaps=["nope"], timezones=None)


def test_the_outbox_lists_what_a_sweep_sent(store):
    _decided, _dispatch = sweep(store.engine, date(2020, 5, 25), RecordingNotifier())
    seen = outbox_overview(store, state="all", limit=0)
    assert seen["counts"].get("sent", 0) > 0 and len(seen["messages"]) == sum(seen["counts"].values())


def test_the_execution_report_covers_every_milestone_of_the_roadmap(store):
    report, found = execution_report(store, roadmap_id=ROADMAP, org_id=None, as_of=date(2020, 5, 27))
    with session_scope(store.engine, readonly=True) as session:
        held = len(session.execute(select(Milestone.id).where(Milestone.roadmap_id == ROADMAP)).all())
    assert len(report.rows) == held and found.ok and report.history_ok


def test_monitoring_figures_load_and_no_snapshot_before_a_run(store):
    path = REGISTRY / "sechenovsky-indicators.csv"
    data = path.read_bytes()
    loaded = load_figures(store, text=decode_csv(data, source=str(path)), source=str(path),
                          sha256=hashlib.sha256(data).hexdigest())  # fmt: skip
    assert len(figures(store, roadmap=ROADMAP)) == len(loaded.added) > 0
    assert snapshots(store, roadmap=ROADMAP) == []


def test_the_party_a_command_acts_as_and_the_name_of_a_scheduled_run():
    # the CLI's party: --by, else ROADMAP_ACTOR, else the operator; a Prefect run: its flow's name and its run
    assert Actor.party_from_cli("oo_head", Settings(actor="ivanova")) == "oo_head"
    assert Actor.party_from_cli(None, Settings(actor="ivanova")) == "ivanova"
    assert Actor.party_from_cli(None, Settings(actor="")) == "operator"
    run = Actor.scheduled("3f2a", name="sync")
    assert (run.name, run.via, run.detail) == ("sync", "schedule", "flow run 3f2a")
    given = Actor.named_for_run("operator", "3f2a")
    assert (given.name, given.via, given.detail) == ("operator", "schedule",
                                                      "flow run 3f2a; the name was given as a parameter")  # fmt: skip
