"""Milestone state as the events tell it: what each state event carries, what the events replay to, and
where the tables differ from it.

Every change of a milestone's state is an event whose payload says what changed: `set` holds the new
values of the milestone's columns (`MILESTONE_FIELDS`), `completion` a completion row as recorded,
`reopened` the marks a reopen put on one. The actions are milestone.created (and .baseline, a store's
state taken as found when it predates state events), .moved (the window), .reassigned (who is
responsible), .replanned (kind, zone or status only), .scheduled, .completed, .reopened, .retired,
.reactivated. Plan versions replay from roadmap.version.loaded / roadmap.amended (content hash, note,
who loaded it).

`planned`, `due` and `overdue` are one state here: the sweep moves between them by the calendar (the
window against the local date), not by anyone's action, so the events say "open" and the table's
status may be any of the three.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Text, cast, select
from sqlmodel import Session, col

from audit.chain import ActorLike, NewEvent, StoredEvent, append_events, as_utc
from models.store import AuditEvent, Completion, Milestone, RoadmapRecord, RoadmapVersion

MILESTONE_FIELDS = (
    "roadmap_id", "item_number", "org_id", "occurrence", "kind", "window_start", "window_end", "timezone", "status",
    "responsible", "created_version", "updated_version", "done_at", "done_by", "evidence", "done_version",
    "retired_version", "retired_reason", "scheduled_at", "scheduled_by", "schedule_text",
)  # fmt: skip
COMPLETION_FIELDS = (
    "milestone_id", "done_at", "done_by", "recorded_at", "recorded_by", "evidence", "doc_number", "doc_date",
    "file_sha256", "file_name", "file_size", "plan_version", "reopened_at", "reopened_by", "reopen_reason",
)  # fmt: skip
OPEN = ("planned", "due", "overdue")
VERSION_ACTIONS = ("roadmap.version.loaded", "roadmap.amended")
STATE_ACTIONS = (
    "milestone.created", "milestone.baseline", "milestone.moved", "milestone.reassigned", "milestone.replanned",
    "milestone.scheduled", "milestone.completed", "milestone.reopened", "milestone.retired", "milestone.reactivated",
)  # fmt: skip
SHOWN_LIMIT = 50  # differences named one by one; the rest are counted


def jsonable(value: Any) -> Any:
    """A column value as events carry it: dates ISO, moments in UTC to the microsecond, lists as lists."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def state_set(values: dict[str, Any]) -> dict[str, Any]:
    return {k: jsonable(v) for k, v in values.items()}


def native(value: Any) -> Any:
    """A value of JSON's own types only (nested dates, tuples and keys converted), so it is hashed as stored."""
    if isinstance(value, dict):
        return {str(k): native(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [native(v) for v in value]
    return jsonable(value)


def milestone_event(
    action: str,
    milestone_id: int,
    *,
    roadmap: str,
    item: str,
    org: str,
    values: dict[str, Any],
    timezone: str,
    extra: dict[str, Any] | None = None,
) -> NewEvent:
    """A milestone state event: what changed (`set`), and the roadmap, item and organisation to find it by."""
    payload: dict[str, Any] = {"milestone": milestone_id, "roadmap": roadmap, "item": item, "org": org or None}
    if extra:
        payload.update(native(extra))
    payload["set"] = state_set(values)
    return NewEvent(action, f"milestone/{milestone_id}", payload, timezone, native=True)


def completion_values(row: Completion) -> dict[str, Any]:
    return {name: jsonable(getattr(row, name)) for name in COMPLETION_FIELDS}


# -- replay ------------------------------------------------------------------------------------------------


@dataclass
class Replayed:
    """Milestones, completions and plan versions as the events build them, and events that make no sense."""

    milestones: dict[int, dict[str, Any]] = field(default_factory=dict)
    created_at_event: dict[int, int] = field(default_factory=dict)
    completions: dict[int, dict[str, Any]] = field(default_factory=dict)
    versions: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    state_events: int = 0
    baseline_at: int | None = None  # the event of the first baseline, if the store was baselined

    def apply(self, event: StoredEvent) -> None:
        action, payload = event.action, event.payload
        if action in VERSION_ACTIONS:
            roadmap = event.subject.removeprefix("roadmap/")
            self.versions[(roadmap, int(payload.get("version") or 0))] = {
                "content_hash": payload.get("content_hash"), "note": payload.get("note"), "by": event.actor,
                "seq": event.seq,
            }  # fmt: skip
            return
        if not action.startswith("milestone.") or not isinstance(payload, dict):
            return
        values = payload.get("set")
        if values is None and action == "milestone.scheduled" and "end" in payload:
            # a schedule event that names the window but not as `set`: the same change
            values = {"window_start": payload.get("start"), "window_end": payload["end"], "status": "planned"}
        if values is None:
            return  # an event from before state events (revision 0007): the baseline stands for it
        milestone_id = payload.get("milestone")
        if milestone_id is None:
            milestone_id = int(event.subject.removeprefix("milestone/"))
        self.state_events += 1
        if action in ("milestone.created", "milestone.baseline"):
            if milestone_id in self.milestones:
                self.problems.append(f"event {event.seq} ({action}) creates milestone {milestone_id} again "
                                     f"(event {self.created_at_event[milestone_id]} created it)")  # fmt: skip
                return
            if action == "milestone.baseline" and self.baseline_at is None:
                self.baseline_at = event.seq
            self.milestones[milestone_id] = dict.fromkeys(MILESTONE_FIELDS) | values
            self.created_at_event[milestone_id] = event.seq
            for completion in payload.get("completions") or []:
                self.completions[int(completion["id"])] = {k: completion.get(k) for k in COMPLETION_FIELDS}
            return
        state = self.milestones.get(milestone_id)
        if state is None:
            self.problems.append(
                f"event {event.seq} ({action}) changes milestone {milestone_id}, which no event created"
            )
            return
        state.update(values)
        completion = payload.get("completion")
        if isinstance(completion, dict) and "id" in completion:
            self.completions[int(completion["id"])] = {k: completion.get(k) for k in COMPLETION_FIELDS}
        reopened = payload.get("reopened")
        if isinstance(reopened, dict) and reopened.get("completion") is not None:
            target = self.completions.get(int(reopened["completion"]))
            if target is None:
                self.problems.append(f"event {event.seq} reopens completion {reopened['completion']}, "
                                     "which no event recorded")  # fmt: skip
            else:
                target.update({k: reopened.get(k) for k in ("reopened_at", "reopened_by", "reopen_reason")})


# -- comparing with the tables -------------------------------------------------------------------------


def _status_class(status: Any) -> Any:
    return "open" if status in OPEN else status


def _shown(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]" if value else "[]"
    return str(value)


def _milestone_tuple(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(_status_class(values.get(f)) if f == "status" else values.get(f) for f in MILESTONE_FIELDS)


_MILESTONE_COLUMNS = tuple(col(getattr(Milestone, f)) for f in ("id", *MILESTONE_FIELDS))
# dates and the JSON list are read as their text: ISO dates are already what events carry, and orjson parses
# the list several times faster than SQLAlchemy's json.loads (a region's 10^5 rows are read on every verify)
_AS_TEXT = ("window_start", "window_end", "responsible")
_READ_COLUMNS = tuple(
    cast(c, Text) if name in _AS_TEXT else c
    for name, c in zip(("id", *MILESTONE_FIELDS), _MILESTONE_COLUMNS, strict=True)
)


def _table_milestones(session: Session) -> Iterable[tuple[int, tuple[Any, ...], str]]:
    """(id, state tuple, raw status) of every milestone row, in the events' representation."""
    done_at = MILESTONE_FIELDS.index("done_at")
    scheduled_at = MILESTONE_FIELDS.index("scheduled_at")
    status_at = MILESTONE_FIELDS.index("status")
    responsible_at = MILESTONE_FIELDS.index("responsible")
    query = select(*_READ_COLUMNS).execution_options(yield_per=20000)
    for row in session.execute(query):
        values = list(row[1:])
        for at in (done_at, scheduled_at):
            if values[at] is not None:
                values[at] = jsonable(values[at])
        values[responsible_at] = orjson.loads(values[responsible_at])
        raw = values[status_at]
        values[status_at] = _status_class(raw)
        yield row[0], tuple(values), raw


def compare(session: Session, replayed: Replayed) -> tuple[list[str], dict[str, int]]:
    """Every row of the milestone, completion and version tables that differs from what the events replay to.

    Returns (differences, how many rows of each table were compared). A store whose milestones predate state events
    and that was never baselined gets one line saying so, with the fix, instead of one per milestone.
    """
    out: list[str] = list(replayed.problems)
    compared = 0
    seen: set[int] = set()
    unrecorded: list[int] = []
    for milestone_id, table, raw_status in _table_milestones(session):
        compared += 1
        seen.add(milestone_id)
        state = replayed.milestones.get(milestone_id)
        if state is None:
            unrecorded.append(milestone_id)
            continue
        expected = _milestone_tuple(state)
        if expected == table:
            continue
        for name, mine, theirs in zip(MILESTONE_FIELDS, expected, table, strict=True):
            if mine != theirs:
                shown = raw_status if name == "status" else _shown(theirs)
                out.append(f"milestone {milestone_id}: {name} {shown} in the table, "
                           f"{_shown(state.get(name))} by the events")  # fmt: skip
    if unrecorded:
        if replayed.state_events == 0:
            out.append(f"{len(unrecorded)} milestones have no history of their state: the store predates state "
                       "events (revision 0007); record their state as found with: roadmap audit baseline")  # fmt: skip
        else:
            out += [f"milestone {m}: in the table, but no event created it" for m in unrecorded]
    for milestone_id in sorted(set(replayed.milestones) - seen):
        out.append(f"milestone {milestone_id}: created by event {replayed.created_at_event[milestone_id]}, "
                   "missing from the table")  # fmt: skip
    completions = _compare_completions(session, replayed, out)
    versions = _compare_versions(session, replayed, out)
    return out, {"milestones": compared, "completions": completions, "versions": versions}


def _compare_completions(session: Session, replayed: Replayed, out: list[str]) -> int:
    count = 0
    seen: set[int] = set()
    for row in session.execute(select(Completion)).scalars():
        count += 1
        assert row.id is not None
        seen.add(row.id)
        expected = replayed.completions.get(row.id)
        table = completion_values(row)
        if expected is None:
            if replayed.state_events or replayed.completions:
                out.append(
                    f"completion {row.id} (milestone {row.milestone_id}): in the table, but no event recorded it"
                )
            continue
        for name in COMPLETION_FIELDS:
            if expected.get(name) != table[name]:
                out.append(f"completion {row.id} (milestone {row.milestone_id}): {name} {_shown(table[name])} in the "
                           f"table, {_shown(expected.get(name))} by the events")  # fmt: skip
    for completion_id in sorted(set(replayed.completions) - seen):
        milestone = replayed.completions[completion_id].get("milestone_id")
        out.append(
            f"completion {completion_id} (milestone {milestone}): recorded by the events, missing from the table"
        )
    return count


def _compare_versions(session: Session, replayed: Replayed, out: list[str]) -> int:
    count = 0
    latest: dict[str, int] = {}
    seen: set[tuple[str, int]] = set()
    for row in session.execute(select(RoadmapVersion)).scalars():
        count += 1
        key = (row.roadmap_id, row.version)
        seen.add(key)
        name = f"roadmap {row.roadmap_id} version {row.version}"
        if hashlib.sha256(row.yaml_text.encode("utf-8")).hexdigest() != row.content_hash:
            out.append(f"{name}: its plan text does not match its content hash (the YAML was edited in the table)")
        expected = replayed.versions.get(key)
        if expected is None:
            out.append(f"{name}: in the table, but no event loaded it")
            continue
        if expected["content_hash"] != row.content_hash:
            out.append(f"{name}: content hash {row.content_hash[:12]}… in the table, "
                       f"{str(expected['content_hash'])[:12]}… by event {expected['seq']}")  # fmt: skip
        if expected["note"] != row.note:
            out.append(f"{name}: note «{row.note}» in the table, «{expected['note']}» by event {expected['seq']}")
        if expected["by"] != row.loaded_by:
            out.append(
                f"{name}: loaded by {row.loaded_by} in the table, by {expected['by']} by event {expected['seq']}"
            )
    for (roadmap, version), loaded in replayed.versions.items():
        latest[roadmap] = max(latest.get(roadmap, 0), version)
        if (roadmap, version) not in seen:
            out.append(f"roadmap {roadmap} version {version}: loaded by event {loaded['seq']}, missing from the table")
    for record in session.execute(select(RoadmapRecord)).scalars():
        if record.id in latest and record.current_version != latest[record.id]:
            out.append(f"roadmap {record.id}: current version {record.current_version} in the table, "
                       f"{latest[record.id]} by the events")  # fmt: skip
    return count


# -- a store that predates state events ----------------------------------------------------------------


def baseline_events(session: Session, *, actor: ActorLike, at: datetime) -> int:
    """Record once, as `milestone.baseline` events, the state of every milestone no event created (with its
    completions), as found; returns how many. A store upgraded from before revision 0007 needs this once;
    refused when it was done already or when every milestone's state is in the events."""
    done = session.execute(
        select(col(AuditEvent.seq)).where(col(AuditEvent.action) == "milestone.baseline").limit(1)
    ).scalar_one_or_none()  # fmt: skip
    if done is not None:
        raise BaselineError(f"the history was baselined already (event {done}); a baseline is taken once")
    created = {
        int(subject.removeprefix("milestone/"))
        for subject in session.execute(
            select(col(AuditEvent.subject)).where(col(AuditEvent.action) == "milestone.created")
        ).scalars()
    }
    completions: dict[int, list[dict[str, Any]]] = {}
    for row in session.execute(select(Completion).order_by(col(Completion.id))).scalars():
        completions.setdefault(row.milestone_id, []).append({"id": row.id, **completion_values(row)})
    events = []
    for row in session.execute(select(*_MILESTONE_COLUMNS).order_by(col(Milestone.id))):
        milestone_id, values = row[0], dict(zip(MILESTONE_FIELDS, row[1:], strict=True))
        if milestone_id in created:
            continue
        events.append(milestone_event(
            "milestone.baseline", milestone_id, roadmap=values["roadmap_id"], item=values["item_number"],
            org=values["org_id"], values=values, timezone=values["timezone"],
            extra={"note": "state as found when the store was baselined, not proved by earlier events",
                   "completions": completions.get(milestone_id, [])},
        ))  # fmt: skip
    if not events:
        raise BaselineError("nothing to baseline: every milestone's state is in the events already")
    append_events(session, events, actor=actor, at=at)
    return len(events)


class BaselineError(Exception):
    """A baseline that is not needed or was taken already."""
