"""The notice after the yearly monitoring: the headline of a snapshot queued for the operator and the coordinators.

`queue_monitoring_notice` writes, in the caller's transaction (the snapshot's own), one outbox row of kind
"monitoring" per recipient under the key `monitoring:SNAPSHOT_ID`; with the recipient the key is unique,
so queueing the same snapshot again queues nothing twice, while a later snapshot (corrected figures)
is a notice of its own. Recipients:
- the roadmap's operator (`reminders.operator`) through its contact; a per-organisation operator has no
  one address and is skipped (its УО, if it is one, hear as coordinators);
- the municipal coordinators: the head contact of every active УО of the roadmap's region (for a
  municipal roadmap, of its municipality); for a regional roadmap each also gets its own
  municipality's rows.
An address reached twice (the operator's contact is also a УО's head) gets one row, with every
municipality it coordinates. A recipient without a contact is kept in the outbox as `no-contact` and
reported, as the sweep does. The payload holds everything the message needs (notifications/notice.py),
and the dispatcher sends it as a message of its own, apart from the reminder digests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from audit.chain import ActorLike, record_event
from audit.checkpoints import checkpoint_summary, latest_signed
from models.addresses import is_email, mask_url
from models.plan import Roadmap
from models.store import Organisation, OutboxMessage
from models.territory import in_territory
from monitoring.measures import measure_address
from monitoring.snapshots import SnapshotReport
from notifications.notice import MONITORING, Municipality, Notice, NoticeRow
from outbox.queue import NO_CONTACT, queue
from tasks.registry import Address, contacts_for, head_addresses

COORDINATOR_KIND = "УО"


def notice_key(snapshot_id: int) -> str:
    """The outbox key of a snapshot's notice (one row per recipient under it)."""
    return f"{MONITORING}:{snapshot_id}"


@dataclass(frozen=True)
class Recipient:
    """Someone to tell: the operator (a party id) or a coordinator (a УО's id), with where to reach them."""

    party: str
    label: str  # how the report names it
    addresses: tuple[Address, ...]
    municipality: str | None = None  # whose own figures it gets (a coordinator of a regional roadmap)


@dataclass
class NoticeReport:
    """What queueing a snapshot's notice did: new rows, rows it already had, who could not be reached."""

    roadmap_id: str
    snapshot_id: int
    queued: int = 0  # new rows to send
    already: int = 0  # rows this snapshot's notice already had (queued before: not twice)
    recipients: list[str] = field(default_factory=list)  # the new rows' addresses, URLs masked
    no_contact: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.roadmap_id}: monitoring notice of snapshot {self.snapshot_id} queued for "
               f"{self.queued} {_recipients(self.queued)}"]  # fmt: skip
        if self.already:
            out.append(f"  already queued for {self.already} {_recipients(self.already)}: not queued twice")
        out += [f"  {note}" for note in self.skipped]
        out += [f"  no contact in the registry for {who}: notice kept in the outbox as {NO_CONTACT}"
                for who in self.no_contact]  # fmt: skip
        return out


def _recipients(n: int) -> str:
    return "recipient" if n == 1 else "recipients"


def coordinators(session: Session, plan: Roadmap) -> list[Organisation]:
    """The active УО of the roadmap's territory (its region; for a municipal roadmap, its municipality), matched
    as the sync matches organisations (by ОКТМО, or by name in any official spelling)."""
    query = select(Organisation).where(
        col(Organisation.kind) == COORDINATOR_KIND, col(Organisation.active).is_(True)
    )  # fmt: skip
    t = plan.territory
    municipality = t.municipality if plan.level != "region" else None
    return [
        org
        for org in session.execute(query.order_by(col(Organisation.municipality), col(Organisation.id))).scalars()
        if in_territory(
            region=t.region,
            municipality=municipality,
            oktmo=t.oktmo,
            org_region=org.region,
            org_municipality=org.municipality,
            org_oktmo=org.oktmo,
        )  # fmt: skip
    ]


def notice_recipients(session: Session, plan: Roadmap) -> tuple[list[Recipient], list[str]]:
    """The operator, then each coordinator (addresses may be empty: no contact); and who was skipped, and why."""
    out: list[Recipient] = []
    skipped: list[str] = []
    operator = plan.reminders.operator
    if operator is None:
        skipped.append("the plan names no operator (reminders.operator): only the coordinators are told")
    elif plan.party(operator).per_organisation:
        skipped.append(f"the operator «{operator}» is a party of each organisation, with no one address: "
                       "only the coordinators are told")  # fmt: skip
    else:
        addresses = contacts_for(session, roadmap=plan, party_id=operator, org_id=None)
        out.append(Recipient(operator, f"{operator} (operator)", tuple(addresses)))
    regional = plan.level == "region"
    for org in coordinators(session, plan):
        out.append(Recipient(org.id, f"{org.id} (municipal coordinator, {org.municipality})",
                             tuple(head_addresses(org)), org.municipality if regional else None))  # fmt: skip
    return out, skipped


def notice_row(result: dict[str, Any]) -> NoticeRow:
    """A snapshot's result row (or a summary's headline entry) as the notice shows it."""
    differs = result["differs"] if "differs" in result else bool(result.get("detail", {}).get("differs"))
    return NoticeRow(
        address=measure_address(result["kind"], result["key"]), kind=result["kind"], name=result["name"],
        unit=result["unit"], target=result["target"], actual=result["actual"], computed=result["computed"],
        submitted=result["submitted"], verdict=result["verdict"], verdict_text=result["verdict_text"],
        score=result["score"], differs=differs,
    )  # fmt: skip


def municipality_rows(report: SnapshotReport, municipality: str) -> Municipality:
    """A municipality's own rows of the snapshot (level "municipality"), in the snapshot's order."""
    rows = [r for r in report.rows if r["level"] == "municipality" and r["scope"] == municipality]
    return Municipality(municipality, tuple(notice_row(r) for r in rows))


def build_notice(
    plan: Roadmap,
    report: SnapshotReport,
    *,
    addressee: str,
    municipalities: list[str],
    report_path: str = "",
    checkpoint: dict[str, Any] | None = None,
) -> Notice:
    """The notice of one snapshot for one addressee, with the rows of the municipalities it coordinates (and the
    path of the snapshot's HTML report, attached to e-mail when the file is there at send time)."""
    s = report.summary
    taken_on = datetime.fromisoformat(s["taken_at"]).astimezone(ZoneInfo(plan.timezone)).date()
    return Notice(
        roadmap_id=plan.id, roadmap_title=s["title"], territory=s["territory"], level=s["level"], year=s["year"],
        run=s["run"], snapshot_id=report.snapshot_id, taken_on=taken_on, counts=dict(s["counts"]),
        headline=tuple(notice_row(h) for h in s["headline"]),
        lower_differences=sum(1 for d in s["differences"] if d["level"] != s["level"]), addressee=addressee,
        municipalities=tuple(municipality_rows(report, m) for m in municipalities), report=report_path,
        checkpoint=checkpoint,
    )  # fmt: skip


def _shown(target: str) -> str:
    return target if is_email(target) or target.startswith(f"({NO_CONTACT})") else mask_url(target)


@dataclass
class _Addressee:
    party: str
    name: str
    municipalities: list[str] = field(default_factory=list)


def _addressees(recipients: list[Recipient]) -> tuple[dict[str, _Addressee], list[str]]:
    """One entry per address (the first recipient's name and party; every municipality), and who has none."""
    by_target: dict[str, _Addressee] = {}
    missing: list[str] = []
    for recipient in recipients:
        addresses = list(recipient.addresses)
        if not addresses:
            missing.append(recipient.label)
            addresses = [Address("email", f"({NO_CONTACT}) {recipient.party}", "")]
        for address in addresses:
            entry = by_target.setdefault(address.target, _Addressee(recipient.party, address.name))
            if recipient.municipality and recipient.municipality not in entry.municipalities:
                entry.municipalities.append(recipient.municipality)
    return by_target, missing


def queue_monitoring_notice(
    session: Session,
    *,
    plan: Roadmap,
    report: SnapshotReport,
    now: datetime,
    actor: ActorLike = "monitor",
    report_path: str = "",
) -> NoticeReport:
    """Queue the snapshot's notice once per recipient in the caller's transaction, with one audit event when new.

    Queueing the same snapshot again adds nothing (the rows are keyed by snapshot and recipient).
    """
    key = notice_key(report.snapshot_id)
    out = NoticeReport(plan.id, report.snapshot_id)
    recipients, out.skipped = notice_recipients(session, plan)
    by_target, out.no_contact = _addressees(recipients)
    existing = set(session.execute(select(col(OutboxMessage.recipient)).where(col(OutboxMessage.key) == key)).scalars())
    due_on = now.astimezone(ZoneInfo(plan.timezone)).date()
    checkpoint = checkpoint_summary(latest_signed(session), plan.timezone)
    rows = []
    for target, who in by_target.items():
        placeholder = target.startswith(f"({NO_CONTACT})")
        if target in existing:
            out.already += 0 if placeholder else 1
            continue
        notice = build_notice(plan, report, addressee=who.name, municipalities=who.municipalities,
                              report_path=report_path, checkpoint=checkpoint)  # fmt: skip
        rows.append({
            "key": key, "recipient": target, "party": who.party, "milestone_id": None, "roadmap_id": plan.id,
            "kind": MONITORING, "stage": report.summary["run"], "due_on": due_on, "payload": notice.payload(),
            "state": NO_CONTACT if placeholder else "pending", "attempts": 0, "created_at": now,
        })  # fmt: skip
        if not placeholder:
            out.queued += 1
            out.recipients.append(_shown(target))
    if rows:
        queue(session, rows)
        record_event(
            session, actor=actor, action="monitoring.notice.queued", subject=f"roadmap/{plan.id}",
            timezone=plan.timezone, at=now,
            payload={"snapshot_id": report.snapshot_id, "key": key, "recipients": out.recipients,
                     "no_contact": out.no_contact},
        )  # fmt: skip
    return out
