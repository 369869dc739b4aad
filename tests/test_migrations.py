"""Schema migrations: a store of the previous release upgrades in place and keeps every row.

Each test runs on SQLite and on PostgreSQL (the `db_url` fixture). The old store is written with plain
SQLAlchemy Core against the tables as revision 0001 left them, the way the previous release wrote
them; the checks read it back through the current models, the way this release reads it.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from audit.chain import GENESIS, event_hash, verify_chain
from models.db import StoreError, make_engine, open_store, session_scope, shipped_head, store_revision
from models.migrations import (
    MIGRATIONS_DIR,
    _script,
    current_revision,
    downgrade_to,
    head_revision,
    known_revisions,
    upgrade_to,
    upgrade_to_head,
)
from models.store import (
    AuditEvent,
    AuditHead,
    Contact,
    DeadlineChange,
    Milestone,
    Organisation,
    PlanItem,
    RoadmapRecord,
    RoadmapVersion,
)

PREVIOUS = "0001_initial"
HEAD = "0013_outbox_history_index"
REVISIONS = {PREVIOUS, "0002_deadline_changes", "0003_outbox_of_reminders", "0004_completions_with_evidence",
             "0005_monitoring_of_indicators", "0006_outbox_claims", "0007_web_users", "0008_scheduled_windows",
             "0009_oktmo_of_organisations", "0010_mentorship_cycle", "0011_signed_audit_checkpoints",
             "0012_sweep_and_claim_indexes", HEAD}  # fmt: skip

T0 = datetime(2020, 3, 2, 9, 30, tzinfo=UTC)
T1 = datetime(2020, 5, 20, 14, 5, 7, 250000, tzinfo=UTC)

# The previous release's rows, column by column, as it wrote them.
OLD_ROWS: dict[str, list[dict[str, Any]]] = {
    "roadmap": [
        {
            "id": "sechenovsky-2020",
            "title": "Дорожная карта по внедрению целевой модели наставничества",
            "level": "municipality",
            "region": "Нижегородская область",
            "municipality": "Сеченовский муниципальный район",
            "timezone": "Europe/Moscow",
            "active": True,
            "current_version": 1,
            "created_at": T0,
            "updated_at": T1,
        }
    ],
    "roadmap_version": [
        {
            "id": 1,
            "roadmap_id": "sechenovsky-2020",
            "version": 1,
            "content_hash": "a" * 64,
            "yaml_text": "id: sechenovsky-2020\ntitle: «Дорожная карта»\n",
            "source_path": "roadmaps/sechenovsky-2020.yaml",
            "loaded_at": T0,
            "loaded_by": "operator",
            "note": "первая загрузка",
            "diff": {"added": ["1.1", "1.2"], "changed": {"1.3": ["deadline"]}},
        }
    ],
    "plan_item": [
        {
            "id": 1,
            "roadmap_id": "sechenovsky-2020",
            "number": "1.1",
            "section": "1",
            "position": 0,
            "title": "Разработка и утверждение дорожной карты",
            "result": "Приказ",
            "deadline_text": "до 29.05.2020",
            "deadline_kind": "window",
            "responsible": ["uo"],
            "scope": [],
            "depends_on": [],
            "version": 1,
            "retired_version": None,
        }
    ],
    "organisation": [
        {
            "id": "oo1",
            "name": "МБОУ «Школа № 1»",
            "kind": "ОО",
            "municipality": "Сеченовский муниципальный район",
            "region": "Нижегородская область",
            "timezone": None,
            "curator_email": "curator@school1.example",
            "head_email": None,
            "curator_url": None,
            "head_url": "https://school1.example/head",
            "active": True,
            "updated_at": T0,
        }
    ],
    "contact": [
        {
            "id": 1,
            "party": "uo",
            "roadmap_id": "",
            "name": "Управление образования",
            "email": "uo@example.ru",
            "url": None,
            "updated_at": T0,
        }
    ],
    "milestone": [
        {
            "id": 1,
            "roadmap_id": "sechenovsky-2020",
            "item_number": "1.1",
            "org_id": "",
            "occurrence": "",
            "kind": "window",
            "window_start": date(2020, 1, 1),
            "window_end": date(2020, 5, 29),
            "timezone": "Europe/Moscow",
            "status": "done",
            "responsible": ["uo"],
            "created_version": 1,
            "updated_version": 1,
            "done_at": T1,
            "done_by": "operator",
            "evidence": "Приказ УО № 12 от 20.05.2020",
            "done_version": 1,
            "retired_version": None,
            "retired_reason": None,
        },
        {
            "id": 2,
            "roadmap_id": "sechenovsky-2020",
            "item_number": "1.2",
            "org_id": "oo1",
            "occurrence": "2021",
            "kind": "yearly",
            "window_start": None,
            "window_end": None,
            "timezone": "Europe/Moscow",
            "status": "waiting-for-date",
            "responsible": ["oo", "uo"],
            "created_version": 1,
            "updated_version": 1,
            "done_at": None,
            "done_by": None,
            "evidence": None,
            "done_version": None,
            "retired_version": None,
            "retired_reason": None,
        },
    ],
}

# Columns later revisions added to the previous release's tables, with the value an upgraded row gets.
ADDED_COLUMNS: dict[str, dict[str, Any]] = {
    "milestone": {"scheduled_at": None, "scheduled_by": None, "schedule_text": None},  # 0006
    "organisation": {"oktmo": None},  # 0007
}

MODELS: dict[str, type[SQLModel]] = {
    "roadmap": RoadmapRecord,
    "roadmap_version": RoadmapVersion,
    "plan_item": PlanItem,
    "organisation": Organisation,
    "contact": Contact,
    "milestone": Milestone,
}


def audit_rows() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Two chained audit events and the head after them, hashed as the chain hashes them."""
    events: list[dict[str, Any]] = []
    prev = GENESIS
    for seq, (at, action, subject, payload) in enumerate(
        [
            (T0, "roadmap.loaded", "sechenovsky-2020", {"version": 1, "note": "первая загрузка"}),
            (T1, "milestone.done", "sechenovsky-2020/1.1", {"evidence": "Приказ УО № 12 от 20.05.2020"}),
        ],
        start=1,
    ):
        digest = event_hash(
            seq=seq, at_utc=at, actor="operator", action=action, subject=subject, payload=payload, prev_hash=prev
        )
        events.append(
            {
                "seq": seq,
                "at_utc": at,
                "at_local": at.astimezone(ZoneInfo("Europe/Moscow")).isoformat(timespec="seconds"),
                "actor": "operator",
                "action": action,
                "subject": subject,
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return events, {"id": 1, "seq": len(events), "hash": prev}


def old_table(connection: sa.Connection, name: str) -> sa.Table:
    """The table as it is in the database now (reflected), not as the current models declare it."""
    table = sa.Table(name, sa.MetaData(), autoload_with=connection)
    # reflection gives SQLite's JSON columns as JSON already; say it for every backend, so dicts and
    # lists are written as JSON text the way the previous release's models wrote them
    for column in table.columns:
        if column.name in {"diff", "responsible", "scope", "depends_on", "payload"}:
            column.type = sa.JSON()
        elif isinstance(column.type, sa.DateTime):
            column.type = sa.DateTime(timezone=True)
    return table


def build_previous_release_store(url: str) -> None:
    """A store at revision 0001 holding a row or two in every table, written as the old program did."""
    engine = make_engine(url)
    try:
        upgrade_to(engine, PREVIOUS)
        events, head = audit_rows()
        with engine.begin() as connection:
            for name, rows in [*OLD_ROWS.items(), ("audit_event", events), ("audit_head", [head])]:
                connection.execute(sa.insert(old_table(connection, name)), rows)
    finally:
        engine.dispose()


def schema_differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def schema_of(engine: Engine) -> dict[str, Any]:
    """Every table's columns (name, type, nullable) and index names, as the database reports them."""
    inspector = sa.inspect(engine)
    return {
        table: (
            [(column["name"], str(column["type"]), column["nullable"]) for column in inspector.get_columns(table)],
            sorted(index["name"] for index in inspector.get_indexes(table)),
        )
        for table in inspector.get_table_names()
    }


def index_names(engine: Engine, table: str) -> set[str]:
    return {index["name"] for index in sa.inspect(engine).get_indexes(table)}


def test_the_revisions_form_one_line_and_their_files_are_named_after_them():
    assert head_revision() == HEAD
    assert known_revisions() == REVISIONS
    files = {path.stem for path in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py")}
    assert files == REVISIONS


def test_the_revisions_are_numbered_in_their_order_so_the_newest_file_names_the_head():
    # a read-only open of a store at head compares its version table with shipped_head() and imports no alembic
    chain = [script.revision for script in reversed(list(_script().walk_revisions()))]
    assert chain == sorted(REVISIONS)
    assert shipped_head() == head_revision() == HEAD


def test_a_previous_release_store_upgrades_in_place_and_keeps_every_row(db_url: str):
    build_previous_release_store(db_url)
    old = make_engine(db_url)
    assert current_revision(old) == PREVIOUS
    assert "deadline_change" not in sa.inspect(old).get_table_names()
    assert "ix_milestone_status_end" not in index_names(old, "milestone")
    old.dispose()

    engine = open_store(db_url)  # what the new program does first
    try:
        assert store_revision(engine) == HEAD
        assert "ix_milestone_status_end" in index_names(engine, "milestone")
        with session_scope(engine) as session:
            for table, rows in OLD_ROWS.items():
                model = MODELS[table]
                stored = [record.model_dump() for record in session.exec(select(model))]
                expected = [{**row, **ADDED_COLUMNS.get(table, {})} for row in rows]
                assert sorted(stored, key=lambda row: row["id"]) == expected, table
            events, head = audit_rows()
            stored_events = session.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()
            # events of the previous release say nothing of how their actor was identified; their hash never did
            legacy = {"actor_via": None, "actor_detail": None}
            assert [event.model_dump() for event in stored_events] == [event | legacy for event in events]
            assert session.get(AuditHead, 1).model_dump() == head
            assert verify_chain(session).ok

            # the new table works, on a milestone of the old store
            session.add(
                DeadlineChange(
                    milestone_id=1,
                    version=2,
                    old_start=date(2020, 1, 1),
                    old_end=date(2020, 5, 29),
                    new_start=date(2020, 1, 1),
                    new_end=date(2020, 6, 5),
                    old_responsible=["uo"],
                    new_responsible=["uo", "toipkro"],
                    changed_at=T1,
                )
            )
        with session_scope(engine) as session:
            change = session.exec(select(DeadlineChange)).one()
            assert (change.milestone_id, change.new_end, change.changed_at) == (1, date(2020, 6, 5), T1)
            assert change.new_responsible == ["uo", "toipkro"] and change.notified_at is None
            # the query the new index serves
            done_by_june = select(Milestone.id).where(
                Milestone.status == "done", Milestone.window_end <= date(2020, 6, 1)
            )
            assert session.exec(done_by_june).all() == [1]
    finally:
        engine.dispose()


def test_opening_a_store_at_head_again_changes_nothing(engine: Engine, db_url: str):
    assert current_revision(engine) == HEAD
    before = schema_of(engine)
    upgrade_to_head(engine)
    again = open_store(db_url)
    try:
        assert current_revision(again) == HEAD
        with again.connect() as connection:
            assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD]
        assert schema_of(again) == before
    finally:
        again.dispose()


def test_the_migrated_schema_is_exactly_what_the_models_declare(engine: Engine):
    assert schema_differences(engine) == []


def test_downgrading_to_the_previous_release_and_upgrading_again_is_clean(engine: Engine):
    downgrade_to(engine, PREVIOUS)
    assert current_revision(engine) == PREVIOUS
    assert "deadline_change" not in sa.inspect(engine).get_table_names()
    assert "ix_milestone_status_end" not in index_names(engine, "milestone")
    upgrade_to_head(engine)
    assert current_revision(engine) == HEAD
    assert schema_differences(engine) == []


def test_a_failed_upgrade_leaves_the_store_as_it_was(db_url: str):
    build_previous_release_store(db_url)
    engine = make_engine(db_url)
    try:
        # an index already holding the name 0002 wants makes the upgrade fail half-way, after it has
        # created the deadline_change table
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE INDEX ix_milestone_status_end ON roadmap (level)")
        with pytest.raises(StoreError, match="cannot open the store at"):
            open_store(db_url)
        assert current_revision(engine) == PREVIOUS
        assert "deadline_change" not in sa.inspect(engine).get_table_names()
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM milestone")).scalar_one() == 2
    finally:
        engine.dispose()


def test_a_store_from_a_newer_program_is_refused_and_left_alone(engine: Engine, db_url: str):
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    with pytest.raises(StoreError) as raised:
        open_store(db_url)
    message = str(raised.value)
    assert message.startswith("the store at ")
    assert message.endswith(
        f"is at schema revision 0099_from_the_future, newer than this program knows (head {HEAD}): upgrade the program"
    )
    assert "roadmap:roadmap@" not in message  # the password is hidden
    assert current_revision(engine) == "0099_from_the_future"


def test_a_database_with_store_tables_but_no_revision_is_refused_with_the_fix(db_url: str):
    bare = make_engine(db_url)
    try:
        SQLModel.metadata.create_all(bare)
        with pytest.raises(
            StoreError,
            match=r"has tables \(.*audit_checkpoint, audit_event, .*\) but no schema revision.*move it aside",
        ):
            open_store(db_url)
    finally:
        bare.dispose()


def test_two_programs_opening_a_new_store_at_once_both_succeed(db_url: str, backend: str):
    if backend == "sqlite":
        # an empty database file, already in WAL mode: two connections switching a brand-new file to
        # WAL at the same moment is make_engine's race, not the migrations'
        first = make_engine(db_url)
        with first.connect():
            pass
        first.dispose()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def open_it() -> None:
        try:
            barrier.wait()
            open_store(db_url).dispose()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_the_migrations_ship_with_the_package():
    # setuptools installs what pyproject.toml lists; a revision left out would leave installed stores behind
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    packages = config["tool"]["setuptools"]["packages"]
    assert {"models.migrations", "models.migrations.versions"} <= set(packages)
    assert "migrations/*.mako" in config["tool"]["setuptools"]["package-data"]["models"]
