"""Meetings of the pairs, feedback after each meeting, and the reflection that closes a pair (Sechenovsky 3.6, 3.7).

Three CSV files, each checked whole (every bad row named as `FILE:LINE: COLUMN: MESSAGE`, nothing written):
- meetings `org,pair,number,kind,date`: the meeting sequence of a pair (знакомство, пробная, планирование,
  совместная работа, итоговая) with its date; a date ahead is a planned meeting, and a meeting without
  feedback may be moved by loading it again;
- feedback `org,pair,meeting,participant,satisfied,score,comment`: after a meeting that took place, from
  a member of the pair (its mentor or a mentee): satisfied да/нет, a score 1-5, a comment;
- reflection `org,pair,participant,kind,date,satisfied,score,comment`: `kind` personal (a member) or group
  (no participant). A pair closes when its group reflection and every member's personal one are in;
  when every pair of an organisation's academic year has closed, its closing step («завершение
  наставничества») is completed through the completion path.
`pair` is the number `roadmap pairs accept` and `roadmap pairs list` print; `org` must be the pair's
organisation (a guard against a mistyped number). Feedback and reflection are never changed once given:
the same row loaded again is left as it is, a different one is refused. Dates as 2020-10-05 or 05.10.2020.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from audit.chain import record_event
from mentorship.pairs import complete_steps
from mentorship.steps import step_milestones
from mentorship.vocabulary import MEETING_KINDS, MEETING_WORDS, NO, YES, academic_year, canonical
from models.store import Feedback, Meeting, Pair, PairMember, Participant, Reflection
from tasks.registry import RegistryError, RegistryIssue, _records, _Row

MEETING_COLUMNS = ("org", "pair", "number", "kind", "date")
FEEDBACK_COLUMNS = ("org", "pair", "meeting", "participant", "satisfied", "score")
REFLECTION_COLUMNS = ("org", "pair", "participant", "kind", "date", "satisfied", "score")
REFLECTION_KINDS = {"personal": "personal", "личная": "personal", "group": "group", "групповая": "group"}


@dataclass
class CycleReport:
    """What a load did: counts, and for reflection the pairs it closed and the steps it completed."""

    source: str
    what: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: list[int] = field(default_factory=list)
    waiting: dict[int, list[str]] = field(default_factory=dict)  # pair -> what it still lacks
    completed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"{self.source}: {self.added + self.updated + self.unchanged} {self.what}: {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        ]
        if self.closed:
            out.append(f"  pairs closed: {', '.join(map(str, self.closed))}")
        out += [
            f"  pair {pair} still lacks the reflection of: {', '.join(lacks)}" for pair, lacks in self.waiting.items()
        ]
        out += [f"  {line}" for line in self.completed]
        return out


class _Pairs:
    """The pairs (and their members) a file names, read once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[int, tuple[Pair, dict[str, int]] | None] = {}

    def get(self, pair_id: int) -> tuple[Pair, dict[str, int]] | None:
        if pair_id not in self.cache:
            pair = self.session.get(Pair, pair_id)
            if pair is None:
                self.cache[pair_id] = None
            else:
                ids = [
                    pair.mentor_id,
                    *self.session.execute(
                        select(col(PairMember.participant_id)).where(col(PairMember.pair_id) == pair_id)
                    ).scalars(),
                ]
                codes = dict(
                    self.session.execute(
                        select(col(Participant.code), col(Participant.id)).where(col(Participant.id).in_(ids))
                    )
                    .tuples()
                    .all()
                )
                self.cache[pair_id] = (pair, codes)
        return self.cache[pair_id]


def _date(row: _Row, column: str) -> date | None:
    text = row.cells.get(column, "").strip()
    try:
        if len(text) == 10 and text[2] == "." and text[5] == ".":
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
        return date.fromisoformat(text)
    except ValueError:
        row.fail(column, f"expected a date such as 2020-10-05 or 05.10.2020, found «{text}»")
        return None


def _number(row: _Row, column: str, low: int = 1, high: int = 10**9) -> int | None:
    text = row.cells.get(column, "").strip()
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    row.fail(
        column,
        f"expected a whole number from {low} to {high}, found «{text}»"
        if high < 10**9
        else f"expected a whole number, {low} or more, found «{text}»",
    )
    return None


def _pair(row: _Row, pairs: _Pairs, *, open_only: bool = True) -> tuple[Pair, dict[str, int]] | None:
    number = _number(row, "pair")
    if number is None:
        return None
    found = pairs.get(number)
    org = row.cells.get("org", "").strip()
    if found is None:
        row.fail("pair", f"no pair {number} (roadmap pairs list --org {org or 'ORG'} --year YEAR shows the numbers)")
        return None
    pair = found[0]
    if pair.org_id != org:
        row.fail("org", f"pair {number} is of {pair.org_id}, found «{org}»: is the pair number right?")
        return None
    if open_only and pair.state == "closed":
        row.fail("pair", f"pair {number} closed on {pair.closed_at:%Y-%m-%d} with its reflection")
        return None
    return found


def _member(row: _Row, found: tuple[Pair, dict[str, int]]) -> int | None:
    code = row.cells.get("participant", "").strip()
    if code not in found[1]:
        row.fail("participant", f"«{code}» is not a member of pair {found[0].id} (its mentor or a mentee)")
        return None
    return found[1][code]


def _yes_no(row: _Row) -> bool | None:
    value = canonical(row.cells.get("satisfied", ""))
    if value in YES or value in NO:
        return value in YES
    row.fail("satisfied", f"expected да or нет (yes, no), found «{row.cells.get('satisfied', '')}»")
    return None


def _parse(
    text: str,
    source: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    read: Callable[[_Row], dict[str, Any] | None],
) -> list[dict[str, Any]]:
    issues: list[RegistryIssue] = []
    out: list[dict[str, Any]] = []
    try:
        for line, cells in _records(text, source=source, required=required, optional=optional):
            row = _Row(source, line, cells, issues)
            before = len(issues)
            value = read(row)
            if value is not None and len(issues) == before:
                out.append(value | {"line": line})
    except RegistryError as exc:
        issues.extend(exc.issues)
    if not out and not issues:
        issues.append(RegistryIssue(source, 2, "row", "expected at least one row after the header, found none"))
    if issues:
        raise RegistryError(sorted(issues, key=lambda i: i.line))
    return out


def load_meetings(session: Session, text: str, *, source: str, now: datetime, actor: str) -> CycleReport:
    """Record (or move, while no feedback is in) the meetings of the pairs; refused whole on any bad row."""
    pairs, seen = _Pairs(session), dict[tuple[Any, ...], int]()

    def read(row: _Row) -> dict[str, Any] | None:
        found = _pair(row, pairs)
        number = _number(row, "number")
        kind = MEETING_KINDS.get(canonical(row.cells.get("kind", "")))
        if kind is None:
            row.fail("kind", f"expected one of {', '.join(MEETING_WORDS)}, found «{row.cells.get('kind', '')}»")
        held = _date(row, "date")
        if found is None or number is None or kind is None or held is None:
            return None
        if (first := seen.setdefault((found[0].id, number), row.line)) != row.line:
            row.fail("number", f"meeting {number} of pair {found[0].id} is given twice, first on line {first}")
        return {"pair_id": found[0].id, "number": number, "kind": kind, "held_on": held}

    rows = _parse(text, source, MEETING_COLUMNS, (), read)
    report = CycleReport(source, "meetings")
    issues = []
    for row in rows:
        meeting = (
            session.execute(
                select(Meeting).where(col(Meeting.pair_id) == row["pair_id"], col(Meeting.number) == row["number"])
            )
            .scalars()
            .first()
        )
        if meeting is None:
            session.add(
                Meeting(
                    pair_id=row["pair_id"],
                    number=row["number"],
                    kind=row["kind"],
                    held_on=row["held_on"],
                    recorded_at=now,
                    recorded_by=actor,
                )
            )
            report.added += 1
        elif (meeting.kind, meeting.held_on) == (row["kind"], row["held_on"]):
            report.unchanged += 1
        elif session.execute(select(col(Feedback.id)).where(col(Feedback.meeting_id) == meeting.id)).first():
            issues.append(
                RegistryIssue(
                    source,
                    row["line"],
                    "date",
                    f"meeting {row['number']} of pair {row['pair_id']} "
                    f"({meeting.kind}, {meeting.held_on}) already has feedback: it cannot move",
                )
            )
        else:
            meeting.kind, meeting.held_on, meeting.recorded_at, meeting.recorded_by = (
                row["kind"],
                row["held_on"],
                now,
                actor,
            )
            session.add(meeting)
            report.updated += 1
    if issues:
        raise RegistryError(issues)
    _audit(session, report, "mentorship.meetings.loaded", actor=actor, now=now)
    return report


def load_feedback(session: Session, text: str, *, source: str, now: datetime, actor: str, today: date) -> CycleReport:
    """Record each member's feedback after a meeting that took place; refused whole on any bad row."""
    pairs, seen = _Pairs(session), dict[tuple[Any, ...], int]()

    def read(row: _Row) -> dict[str, Any] | None:
        found = _pair(row, pairs)
        number = _number(row, "meeting")
        satisfied, score = _yes_no(row), _number(row, "score", 1, 5)
        comment = row.cells.get("comment", "").strip() or None
        if comment and len(comment) > 2000:
            row.fail("comment", f"expected at most 2000 characters, found {len(comment)}")
        if found is None or number is None:
            return None
        member = _member(row, found)
        meeting = (
            session.execute(select(Meeting).where(col(Meeting.pair_id) == found[0].id, col(Meeting.number) == number))
            .scalars()
            .first()
        )
        if meeting is None:
            row.fail("meeting", f"pair {found[0].id} has no meeting {number} (load it with roadmap meetings load)")
            return None
        if meeting.held_on > today:
            row.fail(
                "meeting",
                f"meeting {number} of pair {found[0].id} is planned for {meeting.held_on}: feedback comes after it",
            )
        if member is None or satisfied is None or score is None:
            return None
        if (first := seen.setdefault((meeting.id, member), row.line)) != row.line:
            row.fail(
                "participant",
                f"feedback of «{row.cells['participant']}» on this meeting is given twice, first on line {first}",
            )
        return {
            "meeting_id": meeting.id,
            "participant_id": member,
            "satisfied": satisfied,
            "score": score,
            "comment": comment,
        }

    rows = _parse(text, source, FEEDBACK_COLUMNS, ("comment",), read)
    report = CycleReport(source, "feedback")
    issues = []
    for row in rows:
        given = (
            session.execute(
                select(Feedback).where(
                    col(Feedback.meeting_id) == row["meeting_id"], col(Feedback.participant_id) == row["participant_id"]
                )
            )
            .scalars()
            .first()
        )
        values = {k: row[k] for k in ("meeting_id", "participant_id", "satisfied", "score", "comment")}
        if given is None:
            session.add(Feedback(**values, recorded_at=now, recorded_by=actor))
            report.added += 1
        elif (given.satisfied, given.score, given.comment) == (row["satisfied"], row["score"], row["comment"]):
            report.unchanged += 1
        else:
            issues.append(
                RegistryIssue(
                    source,
                    row["line"],
                    "participant",
                    "this feedback was recorded on "
                    f"{given.recorded_at:%Y-%m-%d} with other answers: feedback is never changed",
                )
            )
    if issues:
        raise RegistryError(issues)
    _audit(session, report, "mentorship.feedback.loaded", actor=actor, now=now)
    return report


def load_reflection(
    session: Session, text: str, *, source: str, now: datetime, actor: str, today: date, by: str
) -> CycleReport:
    """Record reflections, close the pairs whose reflection is complete, and complete the closing step when all are."""
    pairs, seen = _Pairs(session), dict[tuple[Any, ...], int]()

    def read(row: _Row) -> dict[str, Any] | None:
        found = _pair(row, pairs)
        kind = REFLECTION_KINDS.get(canonical(row.cells.get("kind", "")))
        if kind is None:
            row.fail("kind", f"expected personal or group (личная, групповая), found «{row.cells.get('kind', '')}»")
        held = _date(row, "date")
        if held is not None and held > today:
            row.fail("date", f"expected a day that has come, found {held} (today is {today})")
        satisfied, score = _yes_no(row), _number(row, "score", 1, 5)
        if found is None or kind is None:
            return None
        member = None
        if kind == "personal":
            member = _member(row, found)
        elif row.cells.get("participant", "").strip():
            row.fail("participant", "a group reflection is the pair's, not one participant's: leave it empty")
        if (first := seen.setdefault((found[0].id, kind, member), row.line)) != row.line:
            row.fail("participant", f"this reflection is given twice, first on line {first}")
        return {
            "pair_id": found[0].id,
            "participant_id": member,
            "kind": kind,
            "held_on": held,
            "satisfied": satisfied,
            "score": score,
            "comment": row.cells.get("comment", "").strip() or None,
        }

    rows = _parse(text, source, REFLECTION_COLUMNS, ("comment",), read)
    report = CycleReport(source, "reflections")
    issues = []
    for row in rows:
        given = (
            session.execute(
                select(Reflection).where(
                    col(Reflection.pair_id) == row["pair_id"],
                    col(Reflection.kind) == row["kind"],
                    col(Reflection.participant_id).is_(None)
                    if row["participant_id"] is None
                    else col(Reflection.participant_id) == row["participant_id"],
                )
            )
            .scalars()
            .first()
        )
        if given is None:
            session.add(Reflection(**{k: v for k, v in row.items() if k != "line"}, recorded_at=now, recorded_by=actor))
            report.added += 1
        elif (given.held_on, given.satisfied, given.score) == (row["held_on"], row["satisfied"], row["score"]):
            report.unchanged += 1
        else:
            issues.append(
                RegistryIssue(
                    source,
                    row["line"],
                    "kind",
                    "this reflection was recorded on "
                    f"{given.recorded_at:%Y-%m-%d} with other answers: it is never changed",
                )
            )
    if issues:
        raise RegistryError(issues)
    session.flush()
    touched = sorted({row["pair_id"] for row in rows})
    _close(session, report, touched, pairs, now=now)
    _audit(session, report, "mentorship.reflection.loaded", actor=actor, now=now)
    _complete_closing(session, report, touched, by=by, now=now, actor=actor)
    return report


def _close(session: Session, report: CycleReport, pair_ids: list[int], pairs: _Pairs, *, now: datetime) -> None:
    """Close every pair whose group reflection and every member's personal one are in."""
    done: dict[int, set[int | None]] = defaultdict(set)
    for pair_id, participant_id, kind in session.execute(
        select(col(Reflection.pair_id), col(Reflection.participant_id), col(Reflection.kind)).where(
            col(Reflection.pair_id).in_(pair_ids)
        )
    ):
        done[pair_id].add(None if kind == "group" else participant_id)
    for pair_id in pair_ids:
        found = pairs.get(pair_id)
        assert found is not None
        pair, members = found
        lacks = [code for code, pid in sorted(members.items()) if pid not in done[pair_id]]
        lacks += ["the group"] if None not in done[pair_id] else []
        if lacks:
            report.waiting[pair_id] = lacks
        elif pair.state == "active":
            pair.state, pair.closed_at = "closed", now
            session.add(pair)
            report.closed.append(pair_id)
    session.flush()


def _complete_closing(
    session: Session, report: CycleReport, pair_ids: list[int], *, by: str, now: datetime, actor: str
) -> None:
    """When every pair of an organisation's academic year is closed, complete its closing step."""
    years = {(p.org_id, p.year) for p in session.execute(select(Pair).where(col(Pair.id).in_(report.closed))).scalars()}
    for org, year in sorted(years):
        still = session.execute(
            select(col(Pair.id)).where(col(Pair.org_id) == org, col(Pair.year) == year, col(Pair.state) == "active")
        ).first()
        if still is not None:
            continue
        closed = session.execute(select(col(Pair.id)).where(col(Pair.org_id) == org, col(Pair.year) == year)).all()
        todo = [m for m in step_milestones(session, org=org, year=year, step="closing") if m.status != "done"]
        evidence = (
            f"Завершение наставничества на {academic_year(year)} учебный год: личная и групповая рефлексия "
            f"проведена во всех {len(closed)} парах и группах"
        )
        for m in complete_steps(session, todo, evidence=evidence, by=by, now=now, recorded_by=actor):
            report.completed.append(f"milestone {m.id} ({m.roadmap_id} item {m.item_number}) done: {evidence}")


def _audit(session: Session, report: CycleReport, action: str, *, actor: str, now: datetime) -> None:
    if report.added or report.updated or report.closed:
        record_event(
            session,
            actor=actor,
            action=action,
            subject=report.source,
            at=now,
            payload={
                "file": report.source,
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "closed_pairs": report.closed,
            },
        )
