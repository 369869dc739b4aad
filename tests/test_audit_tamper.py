"""The tamper matrix: someone with write access to the store, against `roadmap audit verify`, on SQLite and PostgreSQL.

Each class of forgery is applied to a store with history (a plan synced, milestones completed, two
signed checkpoints), then `roadmap audit verify` runs as each reader would:
- the operator: ROADMAP_AUDIT_KEY set (the stored checkpoints and the record kept beside the key);
- an auditor: no key, `--checkpoint FILE`, the latest checkpoint exported to them;
- the store alone: no key, no file (what anyone can check with nothing held outside the store).
The operator and the auditor find every class (exit 1, naming it). The store alone cannot tell a
consistent older copy, or a history re-signed with a key of the forger's own, from the real one:
those two are asserted as undetected there, as the README says.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

from audit.chain import GENESIS, event_hash, head
from audit.checkpoints import sign_checkpoint
from audit.keys import generate_key
from cli.main import app
from models.db import session_scope
from models.settings import Settings, get_settings
from models.store import AuditCheckpoint, AuditEvent, AuditHead, AuditKey, Completion, Milestone
from operations import audit as audit_ops
from operations.context import Actor, Clock, Context
from tasks.complete import CompletionRequest, complete
from tasks.sweep import active_roadmaps
from tests.helpers.sechenovsky import PLAN, load_registry, sync

T0 = datetime(2020, 5, 20, 9, tzinfo=UTC)
OPERATOR = Actor("operator", "test", "tests/test_audit_tamper.py")
CURATOR = Actor("ivanova", "test", "tests/test_audit_tamper.py")


@dataclass
class History:
    """A store with history, what was held outside it, and an older copy of it."""

    engine: Engine
    url: str
    key: Path
    exported: Path  # the latest checkpoint, as the auditors hold it
    older: dict[str, list[dict[str, Any]]]  # every row of every table, before the last completion
    done: list[int]  # milestones completed, oldest first
    open_id: int  # a milestone still open
    folder: Path


def _ctx(history_engine: Engine, key: Path | None, folder: Path, at: datetime) -> Context:
    settings = Settings(data_dir=folder, audit_key=key)
    return Context(engine=history_engine, actor=OPERATOR, clock=Clock(at), settings=settings)


def _milestones(engine: Engine, item: str) -> list[int]:
    with session_scope(engine, readonly=True) as session:
        return list(session.execute(
            select(Milestone.id).where(Milestone.item_number == item).order_by(Milestone.id)).scalars())  # fmt: skip


def _complete(engine: Engine, milestone_id: int, evidence: str, at: datetime) -> None:
    with session_scope(engine, readonly=True) as session:
        plan = active_roadmaps(session)[0]
    with session_scope(engine) as session:
        complete(session, roadmap=plan, request=CompletionRequest(milestone_id, evidence, "oo_head", at), now=at,
                 recorded_by=CURATOR, version=1)  # fmt: skip


def copy_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table: what a copy of the store is."""
    with session_scope(engine, readonly=True) as session:
        return {t.name: [dict(r._mapping) for r in session.execute(select(t))] for t in SQLModel.metadata.sorted_tables}


def restore_rows(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Replace the whole store's content with a copy's (as restoring an older backup over it would)."""
    with session_scope(engine) as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            session.execute(delete(table))
        for table in SQLModel.metadata.sorted_tables:
            if rows[table.name]:
                session.execute(insert(table), rows[table.name])


@pytest.fixture
def history(engine: Engine, db_url: str, tmp_path: Path) -> History:
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    key = tmp_path / "keys" / "audit.key"
    generate_key(key)
    first, second, third = _milestones(engine, "1.2")[:3]
    _complete(engine, first, "Приказ ОО № 15 от 20.05.2020", T0)
    audit_ops.checkpoint(_ctx(engine, key, tmp_path, T0))
    older = copy_rows(engine)
    later = T0 + timedelta(days=3)
    _complete(engine, second, "Приказ ОО № 16 от 23.05.2020", later)
    latest = audit_ops.checkpoint(_ctx(engine, key, tmp_path, later))
    exported = tmp_path / "held" / "checkpoint.json"
    exported.parent.mkdir()
    audit_ops.write_checkpoint_file(latest, exported)
    return History(engine, db_url, key, exported, older, [first, second], third, tmp_path)


def run_verify(h: History, mode: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """`roadmap audit verify` as the operator (key set), an auditor (--checkpoint FILE) or with the store alone."""
    if mode == "operator":
        monkeypatch.setenv("ROADMAP_AUDIT_KEY", str(h.key))
    else:
        monkeypatch.delenv("ROADMAP_AUDIT_KEY", raising=False)
    get_settings.cache_clear()
    args = ["audit", "verify", "--db", h.url] + (["--checkpoint", str(h.exported)] if mode == "auditor" else [])
    result = CliRunner().invoke(app, args)
    get_settings.cache_clear()
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


# -- what a forger with write access does ----------------------------------------------------------------------


def rechain(session: Session, since: int) -> None:
    """Recompute the hash of every event from `since` on, and the head: what anyone without the key can do."""
    prev = GENESIS
    if since > 1:
        prev = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == since - 1)).scalar_one()
    query = select(AuditEvent).where(AuditEvent.seq >= since).order_by(AuditEvent.seq)
    events = session.execute(query.execution_options(populate_existing=True)).scalars()  # as stored now
    last = since - 1
    for e in list(events):
        digest = event_hash(seq=e.seq, at_utc=e.at_utc, actor=e.actor, action=e.action, subject=e.subject,
                            payload=e.payload, prev_hash=prev, via=e.actor_via, detail=e.actor_detail)  # fmt: skip
        session.execute(update(AuditEvent).where(AuditEvent.seq == e.seq).values(prev_hash=prev, hash=digest))
        prev, last = digest, e.seq
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=last, hash=prev))


def renumber(session: Session, since: int, delta: int) -> None:
    """Move events from `since` on by `delta` positions (in two steps: the primary key is checked row by row)."""
    session.execute(update(AuditEvent).where(AuditEvent.seq >= since).values(seq=-AuditEvent.seq))
    session.execute(update(AuditEvent).where(AuditEvent.seq < 0).values(seq=-AuditEvent.seq + delta))


def completion_event(session: Session, milestone_id: int) -> AuditEvent:
    query = select(AuditEvent).where(
        AuditEvent.action == "milestone.completed", AuditEvent.subject == f"milestone/{milestone_id}"
    )
    return session.execute(query).scalar_one()


def forged_completion(seq: int, prev: str, milestone_id: int) -> dict[str, Any]:
    payload = {"milestone": milestone_id, "roadmap": "sechenovsky-2020", "evidence": "Приказ № 99 (выдуман)",
               "set": {"status": "done", "done_by": "oo_head", "evidence": "Приказ № 99 (выдуман)"}}  # fmt: skip
    at = T0 + timedelta(days=5)
    digest = event_hash(seq=seq, at_utc=at, actor="ivanova", action="milestone.completed",
                        subject=f"milestone/{milestone_id}", payload=payload, prev_hash=prev, via="cli",
                        detail="OS user ivanova on host school-pc")  # fmt: skip
    return {"seq": seq, "at_utc": at, "at_local": at.isoformat(), "actor": "ivanova", "actor_via": "cli",
            "actor_detail": "OS user ivanova on host school-pc", "action": "milestone.completed",
            "subject": f"milestone/{milestone_id}", "payload": payload, "prev_hash": prev, "hash": digest}  # fmt: skip


def edit_event_leaving_its_hash(h: History, session: Session) -> None:
    event = completion_event(session, h.done[0])
    payload = {**event.payload, "evidence": "Приказ № 1 (подменён)"}
    session.execute(update(AuditEvent).where(AuditEvent.seq == event.seq).values(payload=payload))


def edit_event_and_recompute_every_hash(h: History, session: Session) -> None:
    event = completion_event(session, h.done[0])
    payload = {**event.payload, "evidence": "Приказ № 1 (подменён)"}
    payload["set"] = {**payload["set"], "evidence": "Приказ № 1 (подменён)"}
    payload["completion"] = {**payload["completion"], "evidence": "Приказ № 1 (подменён)"}
    session.execute(update(AuditEvent).where(AuditEvent.seq == event.seq).values(payload=payload))
    session.execute(update(Milestone).where(Milestone.id == h.done[0]).values(evidence="Приказ № 1 (подменён)"))
    forged = "Приказ № 1 (подменён)"
    session.execute(update(Completion).where(Completion.milestone_id == h.done[0]).values(evidence=forged))
    rechain(session, event.seq)


def delete_event_and_recompute(h: History, session: Session) -> None:
    event = completion_event(session, h.done[0])
    session.execute(delete(AuditEvent).where(AuditEvent.seq == event.seq))
    renumber(session, event.seq + 1, -1)
    rechain(session, event.seq)


def insert_event_and_recompute(h: History, session: Session) -> None:
    target = completion_event(session, h.done[0]).seq
    renumber(session, target, +1)
    prev = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == target - 1)).scalar_one()
    session.execute(insert(AuditEvent).values(**forged_completion(target, prev, h.open_id)))
    rechain(session, target)


def append_forged_event_with_correct_hash(h: History, session: Session) -> None:
    seq, prev = head(session)
    session.execute(insert(AuditEvent).values(**forged_completion(seq + 1, prev, h.open_id)))
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq + 1, hash=forged_completion(
        seq + 1, prev, h.open_id)["hash"]))  # fmt: skip


def truncate_tail_and_move_head(h: History, session: Session) -> None:
    cut = completion_event(session, h.done[1]).seq
    session.execute(delete(AuditEvent).where(AuditEvent.seq >= cut))
    prev = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == cut - 1)).scalar_one()
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=cut - 1, hash=prev))


def edit_milestone_row(h: History, session: Session) -> None:
    session.execute(update(Milestone).where(Milestone.id == h.open_id).values(
        status="done", done_by="oo_head", evidence="Приказ № 99 (выдуман)", done_at=T0))  # fmt: skip


def edit_completion_row(h: History, session: Session) -> None:
    session.execute(update(Completion).where(Completion.milestone_id == h.done[0]).values(evidence="Отчёт (подменён)"))
    session.execute(update(Milestone).where(Milestone.id == h.done[0]).values(evidence="Отчёт (подменён)"))


def re_sign_rewritten_history_with_own_key(h: History, session: Session) -> None:
    """Rewrite an event, recompute the chain, drop the real checkpoints and sign anew with a key of one's own."""
    edit_event_and_recompute_every_hash(h, session)
    session.execute(delete(AuditCheckpoint))
    session.execute(delete(AuditKey))
    forger = generate_key(h.folder / "forger" / "key")
    sign_checkpoint(session, key=forger, actor="forger", at=T0 + timedelta(days=4))


Tamper = Callable[[History, Session], None]
# class -> (the forgery (None: an older copy of the store replaces it), what the operator's and the auditor's
# verify name, whether the store alone shows it)
MATRIX: dict[str, tuple[Tamper | None, str, bool]] = {
    "edit an event (hash left as it was)":
        (edit_event_leaving_its_hash, "its content does not match its hash", True),
    "edit an event, recompute every hash after it":
        (edit_event_and_recompute_every_hash, "the chain no longer extends it", True),
    "delete an event, renumber and recompute":
        (delete_event_and_recompute, "the chain no longer extends it", True),
    "insert an event, renumber and recompute":
        (insert_event_and_recompute, "the chain no longer extends it", True),
    "append a forged event with a correct hash":
        (append_forged_event_with_correct_hash, "done by the events", True),
    "truncate the tail and move the head":
        (truncate_tail_and_move_head, "events were deleted at the end", True),
    "edit a milestone row": (edit_milestone_row, "status done in the table", True),
    "edit a completion row": (edit_completion_row, "evidence Отчёт (подменён) in the table", True),
    "replace the store with an older copy": (None, "the store was replaced by an older copy", False),
    "re-sign a rewritten history with another key":
        (re_sign_rewritten_history_with_own_key, "which no trusted key introduced", False),
}  # fmt: skip


def test_an_untouched_store_verifies_for_every_reader(history: History, monkeypatch: pytest.MonkeyPatch):
    for mode in ("operator", "auditor", "store"):
        code, out, err = run_verify(history, mode, monkeypatch)
        assert (code, err) == (0, ""), (mode, out, err)
        assert out.startswith("audit chain intact: ")
        assert "state: " in out and "match the events" in out
    code, out, _ = run_verify(history, "operator", monkeypatch)
    assert "checkpoints: 2 stored (all hold), 2 recorded beside the key (all hold)" in out


@pytest.mark.parametrize("name", list(MATRIX))
def test_each_forgery_is_found_and_named(history: History, name: str, monkeypatch: pytest.MonkeyPatch):
    tamper, words, store_alone_finds_it = MATRIX[name]
    if tamper is None:
        restore_rows(history.engine, history.older)
    else:
        with session_scope(history.engine) as session:
            tamper(history, session)
    named = {}
    for mode in ("operator", "auditor"):
        code, out, err = run_verify(history, mode, monkeypatch)
        assert code == 1, (mode, out, err)
        assert words in err, (mode, err)
        assert err.rstrip().splitlines()[-1].startswith("verification failed: ")
        named[mode] = next(line for line in err.splitlines() if words in line)
    code, out, err = run_verify(history, "store", monkeypatch)
    assert (code == 1) is store_alone_finds_it, (out, err)
    # `pytest -s -k forgery` prints the matrix
    print(
        f"\n{name} | {history.engine.dialect.name} | operator: {named['operator']} | auditor: {named['auditor']} "
        f"| store alone: {'exit 1' if code else 'exit 0'}"
    )


def test_a_forged_append_that_also_edits_the_tables_shows_as_not_yet_checkpointed(
    history: History, monkeypatch: pytest.MonkeyPatch
):
    # the one forgery the chain alone cannot refute: an event after the last checkpoint whose table change
    # was made too; verify lists it as not yet vouched for by any checkpoint, with who it claims acted
    with session_scope(history.engine) as session:
        append_forged_event_with_correct_hash(history, session)
        edit_milestone_row(history, session)
        session.execute(update(Milestone).where(Milestone.id == history.open_id).values(
            evidence="Приказ № 99 (выдуман)", done_at=None))  # fmt: skip
    code, out, err = run_verify(history, "operator", monkeypatch)
    assert (code, err) == (0, "")  # nothing in the store contradicts it
    assert "not yet checkpointed: 1 events" in out
    with session_scope(history.engine, readonly=True) as session:
        forged = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert (forged.actor_via, forged.actor_detail) == ("cli", "OS user ivanova on host school-pc")
    # its receipt cannot be proved: no signed checkpoint covers it
    get_settings.cache_clear()
    proved = CliRunner().invoke(app, ["audit", "prove", f"{forged.seq}:{forged.hash}", "--db", history.url])
    assert proved.exit_code == 1 and "is not yet in a signed checkpoint" in proved.stderr


def test_an_exported_checkpoint_file_that_was_edited_is_refused_naming_it(
    history: History, monkeypatch: pytest.MonkeyPatch
):
    data = json.loads(history.exported.read_text(encoding="utf-8"))
    data["size"] += 5
    history.exported.write_text(json.dumps(data), encoding="utf-8")
    code, _out, err = run_verify(history, "auditor", monkeypatch)
    assert code == 2
    assert err.strip() == (f"error: {history.exported}: its field size ({data['size']}) differs from what was signed "
                           f"({data['size'] - 5})")  # fmt: skip
