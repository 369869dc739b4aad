"""Completion with evidence, reopening, bulk CSV, concurrency, and an audit chain that shows tampering."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text, update

from audit.chain import verify_chain
from models.db import session_scope
from models.store import AuditEvent, Completion, Milestone, OutboxMessage
from notifications.dispatch import RecordingNotifier
from tasks.complete import (
    CompletionError,
    CompletionRequest,
    complete,
    complete_many,
    parse_completions_csv,
    reopen,
    store_file,
)
from tasks.sweep import active_roadmaps
from tests.helpers.sechenovsky import PLAN, load_registry, sweep, sync

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2020, 5, 27, 9, tzinfo=UTC)


@pytest.fixture
def store(engine):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    return engine


def milestone_of(engine, item: str, org: str = "") -> Milestone:
    with session_scope(engine, readonly=True) as session:
        return session.execute(
            select(Milestone).where(Milestone.item_number == item, Milestone.org_id == org)
        ).scalar_one()


def plan(engine):
    with session_scope(engine) as session:
        return active_roadmaps(session)[0]


def do(engine, milestone_id: int, by: str, evidence: str = "Приказ № 1", **kw):  # noqa: ANN003
    stored = kw.pop("stored", None)
    roadmap = plan(engine)  # read before the write transaction: SQLite allows one writer at a time
    with session_scope(engine) as session:
        return complete(session, roadmap=roadmap, request=CompletionRequest(milestone_id, evidence, by, **kw),
                        now=NOW, recorded_by="tester", stored=stored, version=1)  # fmt: skip


def chain_ok(engine) -> bool:
    with session_scope(engine) as session:
        return verify_chain(session).ok


def test_the_responsible_party_completes_with_evidence_and_it_is_audited(store):
    m = milestone_of(store, "1.2", "sech-oo-01")
    done = do(store, m.id, "oo_head", "Приказ ОО № 15 от 25.05.2020", doc_number="15", doc_date=date(2020, 5, 25),
              at=datetime(2020, 5, 25, 14, 0))  # fmt: skip
    assert done.done_by == "oo_head" and done.doc_number == "15" and done.plan_version == 1
    after = milestone_of(store, "1.2", "sech-oo-01")
    assert after.status == "done" and after.evidence == "Приказ ОО № 15 от 25.05.2020" and after.done_version == 1
    with session_scope(store) as session:
        event = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()  # type: ignore[union-attr]
    assert event.action == "milestone.completed" and event.subject == f"milestone/{m.id}"
    assert event.payload["evidence"] == "Приказ ОО № 15 от 25.05.2020" and event.payload["late_days"] == 0
    assert chain_ok(store)


def test_a_party_above_or_the_operator_may_complete_anyone_else_is_refused(store):
    m1, m2, m3 = (milestone_of(store, "1.2", f"sech-oo-0{i}") for i in (1, 2, 3))
    do(store, m1.id, "uo")  # the department is above the head of the school
    do(store, m2.id, "operator")
    with pytest.raises(CompletionError) as err:
        do(store, m3.id, "oo_curator")
    assert str(err.value) == (
        f"oo_curator may not complete milestone {m3.id} (sechenovsky-2020 item 1.2): "
        "it is for oo_head, the parties above them (uo) or the operator"
    )
    assert milestone_of(store, "1.2", "sech-oo-03").status != "done"


def test_done_and_retired_milestones_are_refused_with_the_reason(store):
    m = milestone_of(store, "1.2", "sech-oo-01")
    do(store, m.id, "oo_head", "Приказ № 7", at=datetime(2020, 5, 20, 10))
    with pytest.raises(CompletionError, match=f"milestone {m.id} is already done on 2020-05-20 by oo_head: Приказ № 7; "
                                               f"to correct it: roadmap reopen {m.id}"):  # fmt: skip
        do(store, m.id, "oo_head")
    other = milestone_of(store, "1.13", "sech-oo-01")
    with session_scope(store) as session:
        session.execute(update(Milestone).where(Milestone.id == other.id)
                        .values(status="retired", retired_reason="item 1.13 is not in version 2"))  # fmt: skip
    with pytest.raises(CompletionError, match="is retired \\(item 1.13 is not in version 2\\): there is nothing"):
        do(store, other.id, "oo")


def test_reopen_is_audited_and_keeps_the_first_completion(store):
    m = milestone_of(store, "1.2", "sech-oo-01")
    do(store, m.id, "oo_head", "не тот приказ")
    roadmap = plan(store)
    with session_scope(store) as session:
        reopen(session, roadmap=roadmap, milestone_id=m.id, reason="приложен не тот приказ", by="uo", now=NOW,
               recorded_by="tester")  # fmt: skip
    assert milestone_of(store, "1.2", "sech-oo-01").status == "planned"
    do(store, m.id, "oo_head", "Приказ ОО № 15")
    with session_scope(store) as session:
        history = (
            session.execute(select(Completion).where(Completion.milestone_id == m.id).order_by(Completion.id))
            .scalars()
            .all()
        )
        actions = (
            session.execute(select(AuditEvent.action).where(AuditEvent.subject == f"milestone/{m.id}")).scalars().all()
        )
    assert [c.evidence for c in history] == ["не тот приказ", "Приказ ОО № 15"]
    assert history[0].reopen_reason == "приложен не тот приказ" and history[1].reopened_at is None
    assert actions == ["milestone.created", "milestone.completed", "milestone.reopened", "milestone.completed"]
    assert chain_ok(store)


def test_an_attached_file_is_stored_once_by_its_content_hash(store, tmp_path):
    doc = tmp_path / "prikaz.pdf"
    doc.write_bytes(b"%PDF-1.4 sample")
    files = tmp_path / "files"
    stored = store_file(doc, files)
    sha = hashlib.sha256(b"%PDF-1.4 sample").hexdigest()
    assert stored.sha256 == sha and stored.size == 15 and (files / sha[:2] / sha).read_bytes() == b"%PDF-1.4 sample"
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(b"%PDF-1.4 sample")
    assert store_file(copy, files).sha256 == sha and len(list(files.rglob("*"))) == 2  # one folder, one file
    done = do(store, milestone_of(store, "1.2", "sech-oo-01").id, "oo_head", stored=stored)
    assert (done.file_sha256, done.file_name, done.file_size) == (sha, "prikaz.pdf", 15)


def test_bulk_completion_from_csv_and_a_bad_file_refused_whole(store, tmp_path):
    good = tmp_path / "done.csv"
    good.write_text("organisation,item,occurrence,evidence,date,by\n"
                    "sech-oo-01,1.2,,Приказ ОО № 1,2020-05-20,oo_head\n"
                    "sech-oo-02,1.2,,Приказ ОО № 2,2020-06-01,oo_head\n"
                    ",1.1,,Приказ УО № 12,2020-05-22,uo\n", encoding="utf-8")  # fmt: skip
    roadmap = plan(store)
    with session_scope(store) as session:
        rows = parse_completions_csv(session, good.read_text(encoding="utf-8"), source=str(good), roadmap=roadmap)
        # recorded after the last date of the file: a completion in the future is refused
        later = datetime(2020, 6, 2, 9, tzinfo=UTC)
        assert complete_many(session, roadmap=roadmap, rows=rows, source=str(good), now=later, recorded_by="t",
                             version=1) == 3  # fmt: skip
    assert milestone_of(store, "1.2", "sech-oo-02").done_at.date() == date(2020, 6, 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("organisation,item,occurrence,evidence,date,by\n"
                   "sech-oo-03,1.2,,Приказ,2020-05-20,oo_head\n"
                   "sech-oo-04,9.9,,Приказ,2020-05-20,oo_head\n"
                   "sech-oo-05,1.2,,Приказ,20.05.2020,oo_head\n", encoding="utf-8")  # fmt: skip
    with session_scope(store) as session, pytest.raises(CompletionError) as err:
        parse_completions_csv(session, bad.read_text(encoding="utf-8"), source=str(bad), roadmap=roadmap)
    assert str(err.value).splitlines() == [
        f"{bad}:3: no milestone of sechenovsky-2020 for organisation «sech-oo-04», item «9.9», occurrence «»",
        f"{bad}:4: date: expected YYYY-MM-DD, found «'20.05.2020'»",
        f"{bad}: 2 problems; nothing was recorded",
    ]
    refused = tmp_path / "refused.csv"
    refused.write_text("organisation,item,occurrence,evidence,date,by\n"
                       "sech-oo-03,1.2,,Приказ,2020-05-20,oo_head\n"
                       "sech-oo-01,1.2,,Приказ,2020-05-20,oo_head\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(CompletionError) as err, session_scope(store) as session:
        rows = parse_completions_csv(session, refused.read_text(encoding="utf-8"), source=str(refused), roadmap=roadmap)
        complete_many(session, roadmap=roadmap, rows=rows, source=str(refused), now=NOW, recorded_by="t", version=1)
    assert f"{refused}:3: milestone" in str(err.value) and "is already done" in str(err.value)
    assert str(err.value).endswith(f"{refused}: 1 refused; nothing was recorded")
    assert milestone_of(store, "1.2", "sech-oo-03").status != "done"  # the good line was not recorded either
    assert chain_ok(store)


CHILD = """
import sys
from datetime import UTC, datetime
from models.db import open_store, session_scope
from tasks.complete import CompletionError, CompletionRequest, complete
from tasks.sweep import active_roadmaps
engine = open_store(sys.argv[1])
with session_scope(engine) as session:
    plan = active_roadmaps(session)[0]
try:
    with session_scope(engine) as session:
        complete(session, roadmap=plan, request=CompletionRequest(int(sys.argv[2]), sys.argv[3], "oo_head"),
                 now=datetime.now(UTC), recorded_by=sys.argv[3], version=1)
    print("won")
except CompletionError as exc:
    print("refused:", exc)
    sys.exit(2)
"""


def test_two_processes_completing_the_same_milestone_one_wins_the_other_is_told(store, db_url):
    m = milestone_of(store, "1.2", "sech-oo-01")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, db_url, str(m.id), f"Приказ от {who}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for who in ("first", "second")
    ]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    codes = sorted(code for _out, _err, code in results)
    assert codes == [0, 2], results
    loser = next(out for out, _err, code in results if code == 2)
    assert "already done" in loser or "was completed by someone else first" in loser
    with session_scope(store) as session:
        completions = session.execute(select(Completion).where(Completion.milestone_id == m.id)).scalars().all()
        assert len(completions) == 1
        assert verify_chain(session).ok


def test_the_sweep_stops_reminding_of_a_milestone_once_done(store):
    m = milestone_of(store, "1.2", "sech-oo-01")
    do(store, m.id, "oo_head")
    sweep(store, date(2020, 5, 25), RecordingNotifier())
    other = milestone_of(store, "1.2", "sech-oo-02")
    with session_scope(store) as session:
        assert not session.execute(select(OutboxMessage).where(OutboxMessage.milestone_id == m.id)).scalars().all()
        assert session.execute(select(OutboxMessage).where(OutboxMessage.milestone_id == other.id)).scalars().all()


def test_tampering_with_the_audit_chain_is_found_and_named(store):
    do(store, milestone_of(store, "1.2", "sech-oo-01").id, "oo_head")
    do(store, milestone_of(store, "1.2", "sech-oo-02").id, "oo_head")
    with session_scope(store) as session:
        assert verify_chain(session).ok
        seqs = session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq)).scalars().all()
        target = seqs[1]
        original = session.get(AuditEvent, target).payload
    assert len(seqs) >= 3

    with session_scope(store) as session:  # alter one payload
        session.execute(update(AuditEvent).where(AuditEvent.seq == target).values(payload={**original, "version": 99}))
    with session_scope(store) as session:
        report = verify_chain(session)
    assert (report.ok, report.first_broken) == (False, target) and "altered" in report.reason
    with session_scope(store) as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == target).values(payload=original))
        assert verify_chain(session).ok

    with session_scope(store) as session:  # delete one row
        row = session.get(AuditEvent, target)
        saved = {c: getattr(row, c) for c in ("seq", "at_utc", "at_local", "actor", "action", "subject", "payload",
                                              "prev_hash", "hash", "actor_via", "actor_detail")}  # fmt: skip
        session.execute(delete(AuditEvent).where(AuditEvent.seq == target))
    with session_scope(store) as session:
        report = verify_chain(session)
    assert (report.ok, report.first_broken) == (False, target) and "missing" in report.reason
    with session_scope(store) as session:
        session.execute(insert(AuditEvent).values(**saved))
        assert verify_chain(session).ok

    with session_scope(store) as session:  # insert a forged row at the end
        last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()  # type: ignore[union-attr]
        session.execute(insert(AuditEvent).values(seq=last.seq + 1, at_utc=NOW, at_local="x", actor="forger",
                                                  action="milestone.completed", subject="milestone/1", payload={},
                                                  prev_hash=last.hash, hash="f" * 64))  # fmt: skip
    with session_scope(store) as session:
        report = verify_chain(session)
    assert (report.ok, report.first_broken) == (False, last.seq + 1)

    with session_scope(store) as session:
        session.execute(text("DELETE FROM audit_event WHERE actor = 'forger'"))
        assert verify_chain(session).ok


def test_cli_complete_reopen_and_audit(store, db_url, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app
    from models.settings import get_settings

    monkeypatch.setenv("ROADMAP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    m = milestone_of(store, "1.2", "sech-oo-01")
    doc = tmp_path / "prikaz.txt"
    doc.write_text("Приказ № 15", encoding="utf-8")
    ok = runner.invoke(app, ["complete", str(m.id), "--evidence", "Приказ ОО № 15 от 02.06.2020", "--by", "oo_head",
                             "--at", "2020-06-02T10:00", "--file", str(doc), "--db", db_url])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    first, *receipt = ok.stdout.strip().splitlines()
    assert first == f"milestone {m.id} (sechenovsky-2020 item 1.2 for sech-oo-01) done by oo_head, late by 4 days"
    assert receipt[0].startswith("receipt: event ")  # no key configured: the receipt says it is not yet signed
    assert receipt[1] == "  not yet in a signed checkpoint: the next one (after the next scheduled run) will cover it"
    assert list((tmp_path / "data" / "files").rglob("*")), "the file was stored"
    again = runner.invoke(app, ["complete", str(m.id), "--evidence", "x", "--by", "oo_head", "--db", db_url])
    assert again.exit_code == 2 and "error: milestone" in again.stderr and "is already done" in again.stderr
    nobody = runner.invoke(app, ["complete", "999999", "--evidence", "x", "--db", db_url])
    assert nobody.exit_code == 2 and "no milestone 999999 in the store" in nobody.stderr
    reopened = runner.invoke(app, ["reopen", str(m.id), "--reason", "не тот приказ", "--by", "uo", "--db", db_url])
    assert reopened.exit_code == 0 and f"milestone {m.id} reopened" in reopened.stdout
    verify = runner.invoke(app, ["audit", "verify", "--db", db_url])
    assert verify.exit_code == 0 and verify.stdout.startswith("audit chain intact:")
    log = runner.invoke(app, ["audit", "log", "--milestone", str(m.id), "--format", "json", "--db", db_url])
    import json

    events = json.loads(log.stdout)
    assert [e["action"] for e in events] == ["milestone.created", "milestone.completed", "milestone.reopened"]
    events = events[1:]  # the milestone's creation by the sync comes first
    assert events[0]["payload"]["file"]["name"] == "prikaz.txt" and events[0]["payload"]["late_days"] == 4
    with session_scope(store) as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == events[0]["seq"]).values(actor="someone else"))
    broken = runner.invoke(app, ["audit", "verify", "--db", db_url])
    assert broken.exit_code == 1
    assert (
        f"audit chain broken at event {events[0]['seq']}: its content does not match its hash (altered)"
        in broken.stderr
    )
    get_settings.cache_clear()
