"""The audit operations every face calls: sign a checkpoint, rotate the key, verify, prove a receipt, baseline.

Each takes the operation's context (store, actor, clock, settings) and owns its transaction. The
signing key is read only through the settings (ROADMAP_AUDIT_KEY); without one nothing fails: no
checkpoint is written and verification says the chain is unsigned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import col

from audit.chain import audit_events, head, record_event
from audit.checkpoints import CheckpointError, Signed, checkpoint_summary, sign_checkpoint, stored_checkpoints
from audit.keys import AuditKeyError, SigningKey, load_key, remember, remembered
from audit.proofs import Proof, ProofError, Receipt, appended_since, prove, read_proof, receipt
from audit.replay import baseline_events
from audit.verify import Provenance, VerifyReport, verify_store
from models.addresses import is_email, mask_url
from models.settings import Settings
from models.store import AuditCheckpoint, AuditEvent
from monitoring.view import MonitoringReport
from notifications.auditor import AuditorMessage
from operations.context import Context
from reports.execution_view import ExecutionReport
from tasks.status import check_filters

SHOWN_TO_AUDITOR = 20  # problems listed in the auditor's message (verify lists them all)


def signing_key(settings: Settings) -> SigningKey | None:
    """The configured signing key, or None when ROADMAP_AUDIT_KEY is not set (AuditKeyError when it is unusable)."""
    return load_key(settings.audit_key) if settings.audit_key is not None else None


def store_label(ctx: Context) -> str:
    """The store as the record beside the key names it: its URL without the password."""
    return ctx.engine.url.render_as_string(hide_password=True)


def _held(ctx: Context, key: SigningKey | None) -> list[Signed]:
    """The checkpoints of this store recorded beside the key (outside the store)."""
    if key is None:
        return []
    out = []
    for where, data in remembered(key.path, store=store_label(ctx)):
        try:
            out.append(Signed.from_json(data, where))
        except CheckpointError as exc:
            raise AuditKeyError(str(exc)) from None
    return out


def read_checkpoint_file(path: Path) -> Signed:
    """An exported checkpoint (what `roadmap audit checkpoint -o FILE` writes and auditors hold)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path}: not a checkpoint file (JSON expected): {exc}") from None
    return Signed.from_json(data, str(path))


def write_checkpoint_file(signed: Signed, path: Path) -> None:
    """Write the exported checkpoint whole or not at all."""
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(signed.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def checkpoint(ctx: Context, *, key: SigningKey | None = None, previous: SigningKey | None = None) -> Signed:
    """Sign the chain as it stands (with the configured key unless one is given), store the checkpoint and
    record it beside the key. CheckpointError when there is nothing to sign or the history was rewritten."""
    key = key or signing_key(ctx.settings)
    if key is None:
        raise AuditKeyError("no signing key: set ROADMAP_AUDIT_KEY to a key file (make one with: roadmap audit keygen)")
    with ctx.transaction() as session:
        stored, _unreadable = stored_checkpoints(session)
        known = [c for c in stored if c.problem() is None] + _held(ctx, key) + _held(ctx, previous)
        signed = sign_checkpoint(session, key=key, actor=ctx.actor, at=ctx.now, known=known, previous=previous)
    for k in (key, previous):
        if k is not None:
            remember(k.path, signed.to_json(), store=store_label(ctx))
    return signed


def checkpoint_after_run(ctx: Context, *, since: int) -> Signed | None:
    """After a run that appended events (the chain grew past `since`), sign them when a key is configured."""
    key = signing_key(ctx.settings)
    if key is None:
        return None
    with ctx.reading() as session:
        size, _hash = head(session)
        latest = session.execute(select(func.max(col(AuditCheckpoint.size)))).scalar_one()
    if size <= since or (latest is not None and latest >= size):
        return None
    return checkpoint(ctx, key=key)


def chain_length(ctx: Context) -> int:
    """How many events the chain has now (a run compares it with the length at its end)."""
    with ctx.reading() as session:
        return head(session)[0]


def audit_log(
    ctx: Context, *, roadmap: str | None = None, org: str | None = None, milestone: int | None = None,
    since: date | None = None, until: date | None = None,
) -> list[AuditEvent]:  # fmt: skip
    """The events about a roadmap, an organisation, a milestone, between two dates (inclusive, UTC), in chain order;
    FilterError naming what the store holds when a filter names nothing."""
    with ctx.reading() as session:
        check_filters(session, roadmap=roadmap, org=org, milestone=milestone)
        return audit_events(
            session, roadmap=roadmap, org=org, milestone=milestone,
            since=datetime.combine(since, datetime.min.time(), tzinfo=UTC) if since else None,
            until=datetime.combine(until, datetime.max.time(), tzinfo=UTC) if until else None,
        )  # fmt: skip


def rotate(ctx: Context, *, new_key: Path) -> Signed:
    """Hand over to a new key: a checkpoint signed by the new key that names the configured one, countersigned by it."""
    old = signing_key(ctx.settings)
    if old is None:
        raise AuditKeyError("rotation needs the key in use: set ROADMAP_AUDIT_KEY to it, and give the new key's file")
    new = load_key(new_key, variable="the new key")
    if new.key_id == old.key_id:
        raise AuditKeyError(f"{new_key} is the key in use ({old.key_id}); make a new one with: roadmap audit keygen")
    return checkpoint(ctx, key=new, previous=old)


def verify(ctx: Context, *, held: Path | None = None) -> VerifyReport:
    """Verify the store: the chain, the stored checkpoints, those recorded beside the configured key and one
    held outside (`held`), and the tables against the events."""
    key = signing_key(ctx.settings)
    external = _held(ctx, key) + ([read_checkpoint_file(held)] if held is not None else [])
    with ctx.reading() as session:
        return verify_store(session, pinned=[key.public] if key else [], external=external)


def provenance(ctx: Context) -> Provenance:
    """What a report says about the history it was built from (verification run now)."""
    return Provenance.of(verify(ctx))


def stamp(ctx: Context, report: ExecutionReport | MonitoringReport) -> Provenance:
    """Verify the store and set what the report states about its history: the chain position and checkpoint
    it was built against, or, loudly, that verification failed."""
    found = provenance(ctx)
    report.history, report.history_ok = found.text(report.timezone), found.ok
    return found


@dataclass(frozen=True)
class Receipts:
    """The receipts of what an action just recorded: (subject, receipt) each; a warning when they are unsigned."""

    receipts: list[tuple[str, Receipt]]
    warning: str = ""


def receipts_since(ctx: Context, *, since: int, action: str) -> Receipts:
    """Sign what was recorded after position `since` (when a key is configured) and give its receipts.

    A key that cannot be used, or a refused checkpoint, does not undo the recorded action: it is said."""
    warning = ""
    try:
        checkpoint_after_run(ctx, since=since)
    except (AuditKeyError, CheckpointError) as exc:
        warning = f"warning: recorded, but not signed: {exc}"
    with ctx.reading() as session:
        found = appended_since(session, since=since, action=action)
        return Receipts([(subject, receipt(session, appended)) for subject, appended in found], warning)


@dataclass(frozen=True)
class Proved:
    proof: Proof
    offline: bool  # checked from a proof file alone, without the store


def prove_receipt(ctx: Context, receipt: str, *, held: Path | None = None) -> Proved:
    """Prove a receipt against the latest signed checkpoint covering it (or the held one); a proof file given
    as the receipt is checked on its own, without the store."""
    path = Path(receipt)
    if path.is_file():
        proof = read_proof(path)
        if proof is not None:
            trouble = proof.problem()
            if trouble:
                raise ProofError(f"{path}: {trouble}")
            return Proved(proof, offline=True)
    parsed = Receipt.parse(receipt)
    key = signing_key(ctx.settings)
    with ctx.reading() as session:
        stored, _unreadable = stored_checkpoints(session)
        checkpoints = [read_checkpoint_file(held)] if held is not None else stored + _held(ctx, key)
        return Proved(prove(session, parsed, checkpoints=checkpoints), offline=False)


def auditor_message(ctx: Context, *, zone: str = "Europe/Moscow") -> tuple[AuditorMessage, Path | None]:
    """What the weekly message to the auditor says: the store verified now, the chain signed first when it grew
    and verification passed (never over a failed one), and the latest checkpoint exported to a file to attach."""
    report = verify(ctx)
    latest = report.latest
    if report.ok:
        latest = checkpoint_after_run(ctx, since=0) or latest
    summary: dict[str, object] | None = None
    file = None
    if latest is not None:
        summary = {**(checkpoint_summary(latest, zone) or {}), "public_key": latest.public_key.b64}
        folder = ctx.settings.data_dir / "audit"
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / f"checkpoint-{latest.statement.size}.json"
        write_checkpoint_file(latest, file)
    checked = ctx.now.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")
    message = AuditorMessage(report.events, report.ok, summary, checked, report.problems()[:SHOWN_TO_AUDITOR],
                             file.name if file else "")  # fmt: skip
    return message, file


def record_auditor_message(ctx: Context, *, recipient: str, message: AuditorMessage) -> None:
    """The message to the auditor, recorded in the history (the address masked when it is a URL)."""
    shown = recipient if is_email(recipient) else mask_url(recipient)
    size = message.checkpoint["size"] if message.checkpoint else None
    with ctx.transaction() as session:
        record_event(session, actor=ctx.actor, action="audit.checkpoint.sent", subject="auditor", at=ctx.now,
                     payload={"recipient": shown, "events": message.events, "verified": message.verified,
                              "checkpoint": size})  # fmt: skip


def baseline(ctx: Context) -> int:
    """Record, once, the state of every milestone and completion as found, for a store that predates state
    events; returns how many milestones it recorded. CheckpointError when the history already carries state."""
    with ctx.transaction() as session:
        return baseline_events(session, actor=ctx.actor, at=ctx.now)
