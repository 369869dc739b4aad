"""Signing keys, checkpoints, rotation, receipts and proofs, and who acted, as the operator and a curator meet them.

Every test uses a real store (SQLite and PostgreSQL) and real key files; refusals are checked word for word.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from audit.checkpoints import sign_checkpoint, stored_checkpoints
from audit.keys import generate_key, load_key
from cli.main import app
from models.db import session_scope
from models.settings import Settings, get_settings
from models.store import AuditCheckpoint, AuditEvent, Milestone
from operations import audit as audit_ops
from operations.context import Actor, Clock, Context
from tests.helpers.sechenovsky import PLAN, load_registry, sync
from tests.test_audit_tamper import rechain

T0 = datetime(2020, 5, 20, 9, tzinfo=UTC)
OPERATOR = Actor("operator", "test", "tests/test_audit_keys.py")
runner = CliRunner()


@pytest.fixture
def store(engine: Engine) -> Engine:
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    return engine


def ctx(engine: Engine, key: Path | None, folder: Path, at: datetime = T0) -> Context:
    return Context(engine=engine, actor=OPERATOR, clock=Clock(at), settings=Settings(data_dir=folder, audit_key=key))


def cli(monkeypatch: pytest.MonkeyPatch, args: list[str], key: Path | None = None):  # noqa: ANN201
    if key is None:
        monkeypatch.delenv("ROADMAP_AUDIT_KEY", raising=False)
    else:
        monkeypatch.setenv("ROADMAP_AUDIT_KEY", str(key))
    get_settings.cache_clear()
    result = runner.invoke(app, args)
    get_settings.cache_clear()
    return result


def first_open(engine: Engine, item: str = "1.2") -> int:
    with session_scope(engine, readonly=True) as session:
        return session.execute(
            select(Milestone.id).where(Milestone.item_number == item, Milestone.status != "done").order_by(Milestone.id)
        ).scalars().first()  # fmt: skip


# -- keys -------------------------------------------------------------------------------------------------


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites_one(tmp_path, monkeypatch):
    key = tmp_path / "keys" / "audit.key"
    made = cli(monkeypatch, ["audit", "keygen", "-o", str(key)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    loaded = load_key(key)
    assert made.stdout.splitlines()[1] == f"key id: {loaded.key_id}"
    assert f"public key (Ed25519, base64): {loaded.public.b64}" in made.stdout
    assert (tmp_path / "keys" / "audit.key.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    before = key.read_bytes()
    again = cli(monkeypatch, ["audit", "keygen", "-o", str(key)])
    assert again.exit_code == 2 and key.read_bytes() == before
    assert again.stderr.strip() == (
        f"error: {key}: a file is already there; a signing key is never overwritten (choose another -o, or move "
        "the old key aside: checkpoints it signed need its public half to be verified)"
    )


def test_an_unusable_key_is_refused_naming_the_file_and_the_fix(store, db_url, tmp_path, monkeypatch):
    missing = tmp_path / "nowhere.key"
    result = cli(monkeypatch, ["audit", "checkpoint", "--db", db_url], key=missing)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: ROADMAP_AUDIT_KEY: no key file at {missing} (make one with: roadmap audit keygen -o {missing})"
    )
    key = tmp_path / "audit.key"
    generate_key(key)
    os.chmod(key, 0o644)
    result = cli(monkeypatch, ["audit", "checkpoint", "--db", db_url], key=key)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: ROADMAP_AUDIT_KEY: the key file {key} is readable by others (mode 0644); "
        f"make it private: chmod 600 {key}"
    )
    garbage = tmp_path / "garbage.key"
    garbage.write_text("not a key")
    garbage.chmod(0o600)
    result = cli(monkeypatch, ["audit", "checkpoint", "--db", db_url], key=garbage)
    assert result.exit_code == 2 and result.stderr.strip() == (
        f"error: ROADMAP_AUDIT_KEY: {garbage} is not an Ed25519 private key in PEM (unreadable); "
        "make one with: roadmap audit keygen"
    )
    with session_scope(store, readonly=True) as session:
        assert session.execute(select(AuditCheckpoint)).first() is None  # nothing was signed


def test_without_a_key_nothing_fails_and_verify_says_the_chain_is_unsigned(store, db_url, monkeypatch):
    result = cli(monkeypatch, ["audit", "verify", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "checkpoints: none; the chain is unsigned (set ROADMAP_AUDIT_KEY, see roadmap audit keygen)" in result.stdout
    refused = cli(monkeypatch, ["audit", "checkpoint", "--db", db_url])
    assert refused.exit_code == 2 and refused.stderr.strip() == (
        "error: no signing key: set ROADMAP_AUDIT_KEY to a key file (make one with: roadmap audit keygen)"
    )


def test_checkpoint_exports_what_was_signed_and_verify_checks_the_file(store, db_url, tmp_path, monkeypatch):
    key = tmp_path / "audit.key"
    generate_key(key)
    out = tmp_path / "held" / "cp.json"
    out.parent.mkdir()
    made = cli(monkeypatch, ["audit", "checkpoint", "-o", str(out), "--db", db_url], key=key)
    assert made.exit_code == 0, made.output
    data = json.loads(out.read_text(encoding="utf-8"))
    with session_scope(store, readonly=True) as session:
        count = session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())).scalars().first()
    assert data["size"] == count and data["statement"].startswith("roadmap-engine audit checkpoint v1\nsize ")
    assert data["signatures"][0]["key_id"] == load_key(key).key_id
    assert made.stdout.startswith(f"checkpoint: events 1-{count} signed ")
    held = cli(monkeypatch, ["audit", "verify", "--checkpoint", str(out), "--db", db_url])
    assert held.exit_code == 0, held.output
    assert f"held ({out}) (all hold)" in held.stdout
    not_json = tmp_path / "x.json"
    not_json.write_text("{")
    bad = cli(monkeypatch, ["audit", "verify", "--checkpoint", str(not_json), "--db", db_url])
    assert bad.exit_code == 2 and bad.stderr.startswith(f"error: {not_json}: not a checkpoint file (JSON expected)")


def test_a_rewritten_history_is_never_signed_over(store, tmp_path):
    key = tmp_path / "audit.key"
    generate_key(key)
    audit_ops.checkpoint(ctx(store, key, tmp_path))
    with session_scope(store) as session:
        first = session.execute(select(AuditEvent).where(AuditEvent.seq == 3)).scalar_one()
        session.execute(AuditEvent.__table__.update().where(AuditEvent.seq == 3).values(
            payload={**first.payload, "note": "переписано"}))  # fmt: skip
        rechain(session, 3)
    from audit.checkpoints import CheckpointError

    with pytest.raises(CheckpointError, match=r"refusing to sign: the chain no longer extends stored checkpoint 1 "):
        audit_ops.checkpoint(ctx(store, key, tmp_path, T0 + timedelta(hours=1)))


# -- rotation --------------------------------------------------------------------------------------------------


def test_a_new_key_takes_over_countersigned_and_the_old_one_may_not_sign_after(store, db_url, tmp_path, monkeypatch):
    old, new = tmp_path / "old.key", tmp_path / "new.key"
    generate_key(old)
    generate_key(new)
    held = tmp_path / "held.json"
    audit_ops.write_checkpoint_file(audit_ops.checkpoint(ctx(store, old, tmp_path)), held)
    rotated = cli(monkeypatch, ["audit", "rotate", str(new), "--db", db_url], key=old)
    assert rotated.exit_code == 0, rotated.output
    old_id, new_id = load_key(old).key_id, load_key(new).key_id
    assert rotated.stdout.splitlines()[0].startswith(f"key {new_id} takes over from key {old_id} at event ")
    first = first_open(store)
    later = cli(monkeypatch, ["complete", str(first), "--evidence", "Приказ № 3", "--by", "oo_head", "--db", db_url],
                key=new)  # fmt: skip
    assert later.exit_code == 0 and "signed in the checkpoint of event" in later.stdout
    # the operator (new key), and an auditor holding a checkpoint of the old key, both follow the rotation
    for key, extra in ((new, []), (None, ["--checkpoint", str(held)])):
        result = cli(monkeypatch, ["audit", "verify", "--db", db_url, *extra], key=key)
        assert result.exit_code == 0, result.output
        assert f"key {new_id} took over from key {old_id} at event" in result.stdout
    # the rotated-out key signing afterwards is refused by every verifier
    with session_scope(store) as session:
        sign_checkpoint(session, key=load_key(old), actor="someone with the old key", at=T0 + timedelta(days=9))
    result = cli(monkeypatch, ["audit", "verify", "--db", db_url], key=new)
    assert result.exit_code == 1
    assert f"stored checkpoint 4: signed by key {old_id} after it was rotated out at event" in result.stderr


def test_a_rotation_not_countersigned_by_the_key_in_use_is_not_trusted(store, db_url, tmp_path, monkeypatch):
    real, forger, stranger = tmp_path / "real.key", tmp_path / "forger.key", tmp_path / "stranger.key"
    for k in (real, forger, stranger):
        generate_key(k)
    audit_ops.checkpoint(ctx(store, real, tmp_path))
    # a "rotation" naming the real key as the previous one, but countersigned by another key
    with session_scope(store) as session:
        signed = sign_checkpoint(session, key=load_key(forger), actor="forger", at=T0 + timedelta(days=1),
                                 previous=load_key(stranger))  # fmt: skip
        session.execute(AuditCheckpoint.__table__.update().where(AuditCheckpoint.id == 2).values(
            previous_key_id=load_key(real).key_id,
            statement=signed.text.replace(load_key(stranger).key_id, load_key(real).key_id)))  # fmt: skip
    result = cli(monkeypatch, ["audit", "verify", "--db", db_url], key=real)
    assert result.exit_code == 1
    assert "stored checkpoint 2: " in result.stderr


# -- receipts and proofs -----------------------------------------------------------------------------------------


def test_a_completion_gives_a_receipt_whose_proof_checks_without_the_store(store, db_url, tmp_path, monkeypatch):
    key = tmp_path / "audit.key"
    generate_key(key)
    milestone = first_open(store)
    done = cli(monkeypatch, ["complete", str(milestone), "--evidence", "Приказ ОО № 15", "--by", "oo_head",
                             "--db", db_url], key=key)  # fmt: skip
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[1].startswith("receipt: event ")
    token = lines[3].split("roadmap audit prove ")[1]
    seq = int(token.split(":")[0])
    assert lines[2].startswith(f"  signed in the checkpoint of event {seq} (")  # signed at once: a key is set
    proof_file = tmp_path / "proof.json"
    proved = cli(monkeypatch, ["audit", "prove", token, "-o", str(proof_file), "--db", db_url])
    assert proved.exit_code == 0, proved.output
    assert proved.stdout.startswith(f"event {seq}: milestone.completed milestone/{milestone} at ")
    assert "inclusion path: " in proved.stdout
    proof = json.loads(proof_file.read_text(encoding="utf-8"))
    assert proof["event"]["payload"]["evidence"] == "Приказ ОО № 15" and proof["leaf_index"] == seq - 1
    # the proof is checked from the file alone (an unreachable store does not matter)
    offline = cli(monkeypatch, ["audit", "prove", str(proof_file), "--db", f"sqlite:///{tmp_path / 'other.db'}"])
    assert offline.exit_code == 0 and "checked from the proof file alone (the store was not read)" in offline.stdout
    proof["event"]["payload"]["evidence"] = "Приказ ОО № 16"
    proof_file.write_text(json.dumps(proof, ensure_ascii=False), encoding="utf-8")
    bent = cli(monkeypatch, ["audit", "prove", str(proof_file), "--db", db_url])
    assert bent.exit_code == 1
    assert bent.stderr.strip() == f"not proved: {proof_file}: event {seq}'s content does not match its hash"


def test_a_receipt_is_not_proved_when_its_event_was_rewritten_or_is_unknown(store, db_url, tmp_path, monkeypatch):
    key = tmp_path / "audit.key"
    generate_key(key)
    audit_ops.checkpoint(ctx(store, key, tmp_path))
    with session_scope(store, readonly=True) as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.seq == 7)).scalar_one()
    with session_scope(store) as session:
        session.execute(AuditEvent.__table__.update().where(AuditEvent.seq == 7).values(
            payload={**event.payload, "note": "x"}))  # fmt: skip
        rechain(session, 7)
    rewritten = cli(monkeypatch, ["audit", "prove", f"7:{event.hash}", "--db", db_url], key=key)
    assert rewritten.exit_code == 1
    assert "the event was rewritten after the receipt was given" in rewritten.stderr
    unknown = cli(monkeypatch, ["audit", "prove", f"99999:{'a' * 64}", "--db", db_url])
    assert unknown.exit_code == 1 and "event 99999 is not in the store's chain" in unknown.stderr
    malformed = cli(monkeypatch, ["audit", "prove", "7:abc", "--db", db_url])
    assert malformed.exit_code == 1 and malformed.stderr.strip() == (
        "not proved: receipt «7:abc»: expected EVENT:HASH as roadmap complete prints it (e.g. 1234:9f2c…, "
        "64 hex digits), or a proof file"
    )


# -- who acted, honestly -------------------------------------------------------------------------------------------


def test_every_event_says_how_its_actor_was_identified(store, db_url, tmp_path, monkeypatch):
    milestone = first_open(store)
    monkeypatch.setenv("ROADMAP_ACTOR", "ivanova")
    done = cli(monkeypatch, ["complete", str(milestone), "--evidence", "Приказ № 4", "--by", "oo_head",
                             "--db", db_url])  # fmt: skip
    assert done.exit_code == 0, done.output
    log = cli(monkeypatch, ["audit", "log", "--milestone", str(milestone), "--format", "json", "--db", db_url])
    completed = json.loads(log.stdout)[-1]
    import getpass
    import socket

    # ROADMAP_ACTOR is a claim: the event keeps it as the name beside what the system knew (OS user, host)
    assert (completed["actor"], completed["via"]) == ("ivanova", "cli")
    assert completed["detail"] == f"OS user {getpass.getuser()} on host {socket.gethostname()}"
    # the task given only a name (as the tests' helpers do) is recorded as unstated, never as more
    with session_scope(store, readonly=True) as session:
        created = session.execute(select(AuditEvent).where(AuditEvent.action == "milestone.created")).scalars().first()
    assert (created.actor, created.actor_via, created.actor_detail) == ("operator", "unstated", "")


@pytest.mark.usefixtures("prefect_harness")
def test_a_flow_signs_what_it_appended_and_names_its_run(store, db_url, tmp_path, monkeypatch):
    from flows.sync import sync_roadmap

    key = tmp_path / "audit.key"
    generate_key(key)
    monkeypatch.setenv("ROADMAP_AUDIT_KEY", str(key))
    get_settings.cache_clear()
    amended = tmp_path / "plan.yaml"
    amended.write_text(PLAN.read_text(encoding="utf-8") + "\n# уточнение\n", encoding="utf-8")  # a new version
    # run as a deployment runs it: no actor given, the flow run identifies it
    result = sync_roadmap(plan=str(amended), db=db_url, note="уточнение")
    assert result["checkpoint"] is not None
    assert result["lines"][-1].startswith("audit checkpoint: events 1-") and load_key(key).key_id in result["lines"][-1]
    with session_scope(store, readonly=True) as session:
        amended_event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "roadmap.amended")).scalar_one()  # fmt: skip
        [checkpoint], _ = stored_checkpoints(session)
    assert amended_event.actor_via == "schedule" and amended_event.actor_detail.startswith("flow run ")
    assert checkpoint.statement.size >= amended_event.seq
    # a run that appends nothing signs nothing more
    again = sync_roadmap(plan=str(amended), db=db_url)
    assert again["checkpoint"] is None
    get_settings.cache_clear()


# -- a store from before state events ----------------------------------------------------------------------------


def test_a_store_from_before_state_events_is_baselined_once(store, db_url, monkeypatch):
    # what an upgraded store looks like: milestones whose creation no event recorded
    with session_scope(store) as session:
        session.execute(delete(AuditEvent).where(AuditEvent.action.like("milestone.%")))
        remaining = session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq)).scalars().all()
        for position, seq in enumerate(remaining, start=1):
            session.execute(AuditEvent.__table__.update().where(AuditEvent.seq == seq).values(seq=position))
        rechain(session, 1)
        count = len(session.execute(select(Milestone.id)).all())
    before = cli(monkeypatch, ["audit", "verify", "--db", db_url])
    assert before.exit_code == 1
    assert before.stderr.splitlines()[0] == (
        f"{count} milestones have no history of their state: the store predates state events (revision 0007); "
        "record their state as found with: roadmap audit baseline"
    )
    done = cli(monkeypatch, ["audit", "baseline", "--db", db_url])
    assert done.exit_code == 0 and done.stdout.startswith(f"baseline: the state of {count} milestones recorded")
    after = cli(monkeypatch, ["audit", "verify", "--db", db_url])
    assert after.exit_code == 0, after.output
    again = cli(monkeypatch, ["audit", "baseline", "--db", db_url])
    assert again.exit_code == 2 and again.stderr.startswith("error: the history was baselined already (event ")
