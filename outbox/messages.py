"""What outbox rows become: one message per recipient and family, a digest of reminders or the monitoring
notices, rendered from the rows' compact payloads and the texts of the store.

A reminder row keeps what identifies the reminder (milestone, kind, dates, party, addressee); the long
texts (the roadmap's title, the item's title and expected result) are read from the store when the
message is rendered, once per batch, instead of being copied into every row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.addresses import is_email, mask_url
from models.store import PlanItem, RoadmapRecord
from notifications.digest import Digest, DigestEntry, render
from notifications.notice import attachments, render_notices
from outbox.claims import FAMILIES, MONITORING, family, pending

LinkFor = Callable[[int, str], str]  # (milestone id, recipient) -> a signed link to the milestone's page
TEXT_KEYS = ("roadmap_title", "title", "result")


def shown(recipient: str) -> str:
    """A recipient as output and the audit chain show it: an address, or a URL masked."""
    return recipient if is_email(recipient) else mask_url(recipient)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def with_texts(session: Session, payloads: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The payloads with the texts of their roadmaps and items filled in (rows written before payloads were
    compact carry their own and keep them)."""
    rows = list(payloads)
    needed = [p for p in rows if p.get("kind") != MONITORING and not all(k in p for k in TEXT_KEYS)]
    needs = {id(p) for p in needed}
    if not needed:
        return rows
    roadmap_ids = {p["roadmap_id"] for p in needed}
    pairs = {(p["roadmap_id"], p["item"]) for p in needed}
    titles = dict(session.execute(select(col(RoadmapRecord.id), col(RoadmapRecord.title))
                                  .where(col(RoadmapRecord.id).in_(roadmap_ids))).tuples().all())  # fmt: skip
    items = {
        (r, n): (t, res)
        for r, n, t, res in session.execute(
            select(col(PlanItem.roadmap_id), col(PlanItem.number), col(PlanItem.title), col(PlanItem.result))
            .where(tuple_(col(PlanItem.roadmap_id), col(PlanItem.number)).in_(list(pairs)))
        ).tuples()
    }  # fmt: skip
    out = []
    for p in rows:
        if id(p) in needs:
            title, result = items.get((p["roadmap_id"], p["item"]), (p["item"], None))
            p = {"roadmap_title": titles.get(p["roadmap_id"], p["roadmap_id"]), "title": title, "result": result} | p
        out.append(p)
    return out


def entry_from(payload: dict[str, Any]) -> DigestEntry:
    return DigestEntry(
        kind=payload["kind"], milestone_id=payload["milestone_id"], roadmap_id=payload["roadmap_id"],
        roadmap_title=payload["roadmap_title"], item=payload["item"], title=payload["title"],
        org_name=payload.get("org_name"), start=_date(payload.get("start")), end=_date(payload.get("end")),
        result=payload.get("result"), occurrence=payload.get("occurrence") or "",
        responsible=payload.get("responsible", ""), old_start=_date(payload.get("old_start")),
        old_end=_date(payload.get("old_end")), note=payload.get("note"), party=payload.get("party") or "",
    )  # fmt: skip


def build_digest(
    recipient: str, payloads: list[dict[str, Any]], now: datetime, as_of: date | None = None,
    link_for: LinkFor | None = None,
) -> Digest:  # fmt: skip
    """The digest for one recipient, dated `as_of` or today in the roadmaps' time zone; with `link_for`,
    each entry carries a signed link to its milestone's page instead of the commands."""
    zone = ZoneInfo(payloads[0].get("timezone") or "Europe/Moscow")
    # one reminder per milestone and kind: a retried row and a fresh one must not both show
    unique = {(p["milestone_id"], p["kind"]): p for p in payloads}
    name = next((p["addressee"] for p in payloads if p.get("addressee")), "")
    entries = [entry_from(p) for p in unique.values()]
    digest = Digest(recipient, name, as_of or now.astimezone(zone).date(), entries)
    if link_for is not None:
        digest.links = {e.milestone_id: link_for(e.milestone_id, recipient) for e in entries}
        digest.site = link_for(0, recipient).split("/m/", 1)[0]
    return digest


def files_for(recipient: str, kind_family: str, payloads: list[dict[str, Any]]) -> list[str]:
    """What one message attaches: an e-mailed notice its report files that exist; anything else nothing."""
    return attachments(payloads) if kind_family == MONITORING and is_email(recipient) else []


def render_group(
    recipient: str, kind_family: str, payloads: list[dict[str, Any]], now: datetime, as_of: date | None = None,
    link_for: LinkFor | None = None,
) -> tuple[str, str, str]:  # fmt: skip
    """(subject, text, HTML) of one message: the recipient's monitoring notices, or its reminder digest."""
    if kind_family == MONITORING:
        return render_notices(payloads, attached=files_for(recipient, kind_family, payloads))
    return render(build_digest(recipient, payloads, now, as_of, link_for))


def preview(
    engine: Engine, groups: dict[str, list[dict[str, Any]]], now: datetime, as_of: date | None = None,
    link_for: LinkFor | None = None,
) -> list[tuple[str, str, str]]:  # fmt: skip
    """(recipient, subject, text) of the messages a dry run would send: per recipient, its digest, then its notice."""
    from models.db import session_scope

    out = []
    with session_scope(engine, readonly=True) as session:
        for recipient, payloads in sorted(groups.items()):
            for name in FAMILIES:
                mine = [p for p in payloads if family(p["kind"]) == name]
                if mine:
                    subject, text, _html = render_group(recipient, name, with_texts(session, mine), now, as_of,
                                                        link_for)  # fmt: skip
                    out.append((shown(recipient), subject, text))
    return out


def dry_run_groups(
    engine: Engine, decided: list[list[dict[str, Any]]], *, now: datetime
) -> dict[str, list[dict[str, Any]]]:
    """What a dry run would send, by recipient: the rows already waiting in the outbox plus the ones just decided."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (recipient, _family), rows in pending(engine, now=now).items():
        groups[recipient] += [row.payload for row in rows]
    for decided_rows in decided:
        for row in decided_rows:
            if row["state"] == "pending":
                groups[row["recipient"]].append(row["payload"])
    return dict(groups)
