"""Proposals of pairs and groups, kept as shown; their acceptance, which completes the pair-formation step.

A proposal is computed for the mentees of an organisation and academic year who have no active pair
yet, with each mentor's free places (`matching`), and stored exactly as printed, so the curator accepts
what they saw. Acceptance takes the proposal as it is, or the curator's edited list (a CSV of
`mentor,mentee,form` rows, as `roadmap pairs propose --format csv` prints it): every row is checked
by the same rule as the proposal (`matching.allowed`, the mentors' limits, one pair per mentee), and a
list with any bad row is refused whole, each row named. Accepted pairs are written in one transaction
with an audit event listing them (pseudonymous ids), and they complete the organisation's open
pair-formation milestones of that academic year (`steps`) through the completion path, the pair
list attached as the result document (a CSV stored by its content hash).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from audit.chain import record_event
from mentorship.matching import Mentee, Mentor, Proposal, allowed, mentor_limit, propose
from mentorship.steps import StepMilestone, step_milestones
from mentorship.vocabulary import MENTEE, MENTOR, academic_year
from models.ru import format_date
from models.store import Organisation, Pair, PairMember, PairProposal, Participant
from monitoring.evaluate import stored_plan
from tasks.complete import CompletionRequest, StoredFile, complete, store_file
from tasks.registry import RegistryError, RegistryIssue

PAIR_COLUMNS = ("mentor", "mentee", "form")


class MentorshipError(Exception):
    """A refusal about the cycle that is not a file's line (no participants, no proposal); the message says the fix."""


@dataclass(frozen=True)
class Base:
    """The participants a proposal is made for: mentees without an active pair, mentors with their free places."""

    mentees: list[Mentee]
    mentors: list[Mentor]
    by_code: dict[str, Participant]


def _org(session: Session, org: str) -> Organisation:
    found = session.get(Organisation, org)
    if found is None:
        raise MentorshipError(f"no organisation «{org}» in the registry (roadmap orgs list)")
    return found


def load_base(session: Session, *, org: str, year: int, limit: int) -> Base:
    """The organisation's base for the academic year, as the matching sees it."""
    _org(session, org)
    people = list(
        session.execute(
            select(Participant).where(col(Participant.org_id) == org, col(Participant.year) == year,
                                      col(Participant.active).is_(True)).order_by(col(Participant.code))
        ).scalars()
    )  # fmt: skip
    if not people:
        raise MentorshipError(f"no participants of {org} for {academic_year(year)}: load the bases of mentees and "
                              "mentors first (roadmap participants load FILE.csv)")  # fmt: skip
    in_pairs = set(
        session.execute(
            select(col(PairMember.participant_id)).join(Pair, col(Pair.id) == col(PairMember.pair_id))
            .where(col(Pair.org_id) == org, col(Pair.year) == year, col(Pair.state) == "active")
        ).scalars()
    )  # fmt: skip
    taken = Counter(
        dict(
            session.execute(
                select(col(Pair.mentor_id), func.count(col(PairMember.id)))
                .join(PairMember, col(PairMember.pair_id) == col(Pair.id))
                .where(col(Pair.org_id) == org, col(Pair.year) == year, col(Pair.state) == "active")
                .group_by(col(Pair.mentor_id))
            ).tuples().all()
        )
    )  # fmt: skip
    mentees, mentors = [], []
    for p in people:
        assert p.id is not None
        forms = frozenset(p.forms)
        if p.role == MENTEE and p.id not in in_pairs:
            mentees.append(Mentee(p.code, p.category, tuple(p.tags), forms, key=p.id))
        elif p.role == MENTOR:
            mentors.append(Mentor(p.code, p.category, tuple(p.tags), forms, mentor_limit(forms, p.max_mentees, limit),
                                  taken.get(p.id, 0), key=p.id))  # fmt: skip
    return Base(mentees, mentors, {p.code: p for p in people})


def proposal_json(proposal: Proposal, *, org: str, year: int, limit: int, proposal_id: int | None) -> dict[str, Any]:
    """{"pairs": [{"mentor", "mentees", "form", "reasons", …}], "unmatched": [{"mentee", "reason"}], "summary"}."""
    return {
        "proposal": proposal_id, "org": org, "year": year, "academic_year": academic_year(year),
        "max_mentees": limit, "pairs": [g.as_json() for g in proposal.groups], "unmatched": proposal.unmatched,
        "summary": {"mentees": proposal.mentees, "matched": proposal.matched, "unmatched": len(proposal.unmatched),
                    "mentors": proposal.mentors, "mentors_used": len({g.mentor.code for g in proposal.groups}),
                    "groups": len(proposal.groups), "total_fit": proposal.total_fit},
    }  # fmt: skip


def make_proposal(session: Session, *, org: str, year: int, limit: int, now: datetime, actor: str) -> dict[str, Any]:
    """Propose pairs and groups for the mentees still without a mentor, store the proposal as shown, return it."""
    if limit < 1:
        raise MentorshipError(f"--max-mentees: expected 1 or more, found {limit}")
    base = load_base(session, org=org, year=year, limit=limit)
    if not base.mentees:
        raise MentorshipError(f"every mentee of {org} for {academic_year(year)} already has a pair: nothing to propose "
                              "(roadmap pairs list shows them)")  # fmt: skip
    proposal = propose(base.mentees, base.mentors)
    record = PairProposal(org_id=org, year=year, created_at=now, created_by=actor, max_mentees=limit,
                          total_fit=proposal.total_fit)  # fmt: skip
    session.add(record)
    session.flush()
    record.content = proposal_json(proposal, org=org, year=year, limit=limit, proposal_id=record.id)
    session.add(record)
    return record.content


# -- accepting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairRow:
    line: int
    mentor: str
    mentee: str
    form: str


def parse_pairs_csv(text: str, *, source: str) -> list[PairRow]:
    """Rows of `mentor,mentee,form` (further columns, such as those propose prints, are ignored)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in PAIR_COLUMNS if c not in header]
    if missing:
        raise RegistryError([RegistryIssue(source, 1, "header", f"expected the columns {','.join(PAIR_COLUMNS)}, "
                                           f"found {','.join(header) or 'nothing'}")])  # fmt: skip
    rows = []
    for line, raw in enumerate(reader, start=2):
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if any(cells.get(c) for c in PAIR_COLUMNS):
            rows.append(PairRow(line, cells.get("mentor", ""), cells.get("mentee", ""), cells.get("form", "")))
    if not rows:
        raise RegistryError(
            [RegistryIssue(source, 2, "row", "expected at least one pair after the header, found none")]
        )
    return rows


@dataclass
class AcceptReport:
    org: str
    year: int
    pairs: list[dict[str, Any]] = field(default_factory=list)
    proposal_id: int | None = None
    edited: bool = False
    completed: list[StepMilestone] = field(default_factory=list)
    already_done: list[StepMilestone] = field(default_factory=list)
    evidence: str = ""

    def lines(self) -> list[str]:
        mentees = sum(len(p["mentees"]) for p in self.pairs)
        source = f"proposal {self.proposal_id}" + (" as edited" if self.edited else "") if self.proposal_id else "list"
        head = f"{self.org} {academic_year(self.year)}: {len(self.pairs)} pairs and groups accepted"
        out = [f"{head} ({mentees} mentees) from the {source}"]
        out += [f"  pair {p['pair']}: {p['mentor']} — {', '.join(p['mentees'])} ({p['form']}, {p['format']})"
                for p in self.pairs]  # fmt: skip
        for m in self.completed:
            out.append(f"  milestone {m.id} ({m.roadmap_id} item {m.item_number}) done: {self.evidence}")
        for m in self.already_done:
            out.append(f"  milestone {m.id} ({m.roadmap_id} item {m.item_number}) was already done: left as it is")
        if not self.completed and not self.already_done:
            out.append(f"  no roadmap milestone «формирование наставнических пар или групп» of {self.org} for "
                       f"{academic_year(self.year)}: nothing to complete")  # fmt: skip
        return out


def _latest_proposal(session: Session, org: str, year: int) -> PairProposal | None:
    return session.execute(
        select(PairProposal).where(col(PairProposal.org_id) == org, col(PairProposal.year) == year)
        .order_by(col(PairProposal.id).desc())
    ).scalars().first()  # fmt: skip


def _proposal_rows(record: PairProposal) -> list[PairRow]:
    return [PairRow(n, g["mentor"], mentee, g["form"])
            for n, g in enumerate(record.content["pairs"], start=1) for mentee in g["mentees"]]  # fmt: skip


def _check_rows(
    rows: list[PairRow], base: Base, *, source: str, year: int
) -> list[tuple[PairRow, Mentor, Mentee, Any]]:
    """Every row against the rule, the limits and one pair per mentee; RegistryError naming each bad row."""
    mentors = {m.code: m for m in base.mentors}
    mentees = {m.code: m for m in base.mentees}
    issues: list[RegistryIssue] = []
    seen: dict[str, int] = {}
    load: Counter[str] = Counter()
    out = []
    for row in rows:
        problem = len(issues)

        def fail(column: str, message: str, row: PairRow = row) -> None:
            issues.append(RegistryIssue(source, row.line, column, message))

        mentor, mentee = mentors.get(row.mentor), mentees.get(row.mentee)
        if mentor is None:
            fail("mentor", f"no active mentor «{row.mentor}» in the base of {academic_year(year)}")
        if mentee is None:
            known = base.by_code.get(row.mentee)
            why = ("already has an active pair" if known is not None and known.role == MENTEE and known.active
                   else f"is no active mentee of the base of {academic_year(year)}")  # fmt: skip
            fail("mentee", f"«{row.mentee}» {why}")
        elif (first := seen.setdefault(row.mentee, row.line)) != row.line:
            fail("mentee", f"«{row.mentee}» is given a mentor twice, first on line {first}")
        if mentor is not None and mentee is not None and len(issues) == problem:
            check = allowed(mentor, mentee)
            if check.problem:
                fail("mentee", f"«{mentee.code}» with «{mentor.code}»: {check.problem}")
            elif row.form and row.form != check.form:
                fail("form", f"«{mentor.code}» and «{mentee.code}» make the form {check.form}, found «{row.form}»")
            if len(issues) > problem:
                continue
            load[mentor.code] += 1
            if load[mentor.code] == mentor.free + 1:
                fail("mentor", f"«{mentor.code}» would have {mentor.taken + load[mentor.code]} mentees, "
                               f"the limit is {mentor.limit}")  # fmt: skip
            if len(issues) == problem:
                out.append((row, mentor, mentee, check))
    if issues:
        raise RegistryError(issues)
    return out


def accept(
    session: Session, *, org: str, year: int, by: str, now: datetime, recorded_by: str, files_dir: Path,
    proposal_id: int | None = None, rows: list[PairRow] | None = None, source: str | None = None,
    limit: int | None = None,
) -> AcceptReport:  # fmt: skip
    """Accept a proposal (the latest unless `proposal_id`) or the curator's `rows`; complete the pair-formation step."""
    latest = _latest_proposal(session, org, year)
    record = session.get(PairProposal, proposal_id) if proposal_id is not None else latest
    if proposal_id is not None and (record is None or record.org_id != org or record.year != year):
        raise MentorshipError(f"no proposal {proposal_id} for {org} in {academic_year(year)}")
    if rows is None:
        if record is None:
            raise MentorshipError(f"no proposal for {org} in {academic_year(year)} yet: roadmap pairs propose --org "
                                  f"{org} --year {year}")  # fmt: skip
        if record.accepted_at is not None:
            raise MentorshipError(f"proposal {record.id} was accepted on {format_date(record.accepted_at.date())}: "
                                  f"propose again for the mentees still without a pair")  # fmt: skip
        rows, source = _proposal_rows(record), f"proposal {record.id}"
    elif record is not None and record.accepted_at is not None:
        record = None  # an edited list after the last proposal was accepted stands on its own
    base = load_base(session, org=org, year=year, limit=limit or (record.max_mentees if record else 3))
    checked = _check_rows(rows, base, source=source or "pairs", year=year)
    report = AcceptReport(org, year, proposal_id=record.id if record else None)
    if record is not None:
        proposed = {(r.mentor, r.mentee) for r in _proposal_rows(record)}
        report.edited = source != f"proposal {record.id}" and proposed != {(r.mentor, r.mentee) for r in rows}
        record.accepted_at = now
        session.add(record)
    groups: dict[tuple[str, str], list[tuple[Mentor, Mentee, Any]]] = defaultdict(list)
    for _row, mentor, mentee, check in checked:
        groups[(mentor.code, check.form)].append((mentor, mentee, check))
    for (mentor_code, form), members in groups.items():
        mentor = members[0][0]
        group = mentor.taken + len(members) > 1 and mentor.limit > 1
        pair = Pair(org_id=org, year=year, mentor_id=mentor.key, form=form, format="group" if group else "one-to-one",
                    proposal_id=report.proposal_id, edited=report.edited, accepted_at=now, accepted_by=by)  # fmt: skip
        session.add(pair)
        session.flush()
        assert pair.id is not None
        for _mentor, mentee, check in members:
            session.add(PairMember(pair_id=pair.id, participant_id=mentee.key, fit=len(check.met), met=list(check.met)))
        report.pairs.append({"pair": pair.id, "mentor": mentor_code, "mentees": [m.code for _, m, _ in members],
                             "form": form, "format": pair.format})  # fmt: skip
    session.flush()
    record_event(
        session, actor=recorded_by, action="mentorship.pairs.accepted", subject=f"org/{org}/{year}", at=now,
        payload={"org": org, "year": year, "by": by, "proposal": report.proposal_id, "edited": report.edited,
                 "source": source, "pairs": report.pairs},
    )  # fmt: skip
    _complete_step(session, report, by=by, now=now, recorded_by=recorded_by, files_dir=files_dir)
    return report


def pair_list_csv(pairs: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["pair", "mentor", "mentee", "form", "format"])
    for p in pairs:
        writer.writerows([[p["pair"], p["mentor"], mentee, p["form"], p["format"]] for mentee in p["mentees"]])
    return out.getvalue()


def _complete_step(
    session: Session, report: AcceptReport, *, by: str, now: datetime, recorded_by: str, files_dir: Path
) -> None:
    """Complete the open pair-formation milestones of the organisation's academic year, the pair list attached."""
    steps = step_milestones(session, org=report.org, year=report.year, step="pairs")
    report.already_done = [m for m in steps if m.status == "done"]
    todo = [m for m in steps if m.status != "done"]
    if not todo:
        return
    stored_pairs = session.execute(
        select(Pair).where(col(Pair.org_id) == report.org, col(Pair.year) == report.year,
                           col(Pair.state) == "active").order_by(col(Pair.id))
    ).scalars().all()  # fmt: skip
    codes = dict(session.execute(select(col(Participant.id), col(Participant.code)).where(
        col(Participant.org_id) == report.org, col(Participant.year) == report.year)).tuples().all())  # fmt: skip
    members: dict[int, list[str]] = defaultdict(list)
    for pair_id, participant_id in session.execute(
        select(col(PairMember.pair_id), col(PairMember.participant_id)).where(
            col(PairMember.pair_id).in_([p.id for p in stored_pairs])).order_by(col(PairMember.id))
    ):  # fmt: skip
        members[pair_id].append(codes[participant_id])
    listing = [{"pair": p.id, "mentor": codes[p.mentor_id], "mentees": members[p.id or 0], "form": p.form,
                "format": p.format} for p in stored_pairs]  # fmt: skip
    name = f"pairs-{report.org}-{report.year}.csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(pair_list_csv(listing), encoding="utf-8")
        stored = store_file(path, files_dir)
    mentees = sum(len(p["mentees"]) for p in listing)
    mentors = len({p["mentor"] for p in listing})
    report.evidence = (f"Сформированы наставнические пары и группы на {academic_year(report.year)} учебный год: "
                       f"{len(listing)} ({mentees} наставляемых, {mentors} наставников); список пар — файл {name} "
                       f"(участники под псевдонимами)")  # fmt: skip
    report.completed = complete_steps(session, todo, evidence=report.evidence, by=by, now=now,
                                      recorded_by=recorded_by, stored=stored)  # fmt: skip


def complete_steps(
    session: Session, milestones: list[StepMilestone], *, evidence: str, by: str, now: datetime, recorded_by: str,
    stored: StoredFile | None = None,
) -> list[StepMilestone]:  # fmt: skip
    """Complete each milestone through the completion path (its rules, its audit event); a refusal refuses all."""
    for m in milestones:
        plan, version = stored_plan(session, m.roadmap_id)
        complete(session, roadmap=plan, request=CompletionRequest(m.id, evidence, by, now), now=now,
                 recorded_by=recorded_by, stored=stored, version=version)  # fmt: skip
    return milestones


def list_pairs(session: Session, *, org: str, year: int) -> list[dict[str, Any]]:
    """The pairs and groups of an organisation's academic year, one row per mentee, pseudonymous ids only."""
    codes = dict(session.execute(select(col(Participant.id), col(Participant.code)).where(
        col(Participant.org_id) == org, col(Participant.year) == year)).tuples().all())  # fmt: skip
    query = (
        select(Pair, col(PairMember.participant_id))
        .join(PairMember, col(PairMember.pair_id) == col(Pair.id))
        .where(col(Pair.org_id) == org, col(Pair.year) == year)
        .order_by(col(Pair.id), col(PairMember.id))
    )
    return [{"pair": p.id, "mentor": codes[p.mentor_id], "mentee": codes[member], "form": p.form, "format": p.format,
             "state": p.state, "accepted_at": p.accepted_at.date().isoformat()}
            for p, member in session.execute(query)]  # fmt: skip
