"""The bases of mentees and mentors (Sechenovsky 3.2, 3.3): a CSV file checked whole, then upserted.

Header `id,org,year,role,category,age_band,tags,forms` and optionally `max_mentees,employer,active`:
- `id` a pseudonymous id given by the organisation (letters, digits, `-`, `_`, `.`, with at least one
  digit, e.g. S-0042): never a name; the registry of names stays with the organisation;
- `org` an active organisation of the registry; `year` the academic year's first year (2020 for 2020/2021);
- `role` mentor or mentee (наставник, наставляемый); `category` обучающийся, молодой специалист, педагог,
  студент, представитель предприятия; `age_band` such as 10-14, 15-19 or 25+ (required for
  обучающийся and студент, whose indicators count ages);
- `tags` a mentee's requests or a mentor's competences, `|` between them (at least one);
- `forms` the forms wanted (ученик-ученик, учитель-ученик, …) and formats (one-to-one, group, flash,
  network, reverse, virtual; or in Russian), `|` between them; empty = any;
- `max_mentees` a mentor's own limit; `employer` the enterprise a representative mentor comes from
  (its id, required for that category); `active` no to take a participant out of the base.

A file with any bad row is refused whole: every problem as `FILE:LINE: COLUMN: MESSAGE`, nothing written.
Rows are keyed by (org, year, id): a re-load updates in place and never deletes; one audit event per load
names the ids added and changed (ids only).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from audit.chain import record_event
from mentorship.vocabulary import (
    CATEGORIES,
    EMPLOYER,
    FORMATS,
    FORMS,
    MENTEE,
    MENTEE_CATEGORIES,
    MENTOR,
    MENTOR_CATEGORIES,
    NO,
    PUPIL,
    ROLES,
    STUDENT,
    YES,
    age_range,
    canonical,
)
from models.store import Organisation, Pair, PairMember, Participant
from tasks.registry import RegistryError, RegistryIssue, _records, _Row

COLUMNS = ("id", "org", "year", "role", "category", "age_band", "tags", "forms")
OPTIONAL = ("max_mentees", "employer", "active")
CODE = re.compile(r"^(?=.*\d)[\w.\-]{1,64}$")
EMPLOYER_ID = re.compile(r"^[\w.\-]{1,100}$")


@dataclass(frozen=True)
class ParticipantRow:
    """One participant as the file gives it, every word in its canonical form."""

    org: str
    year: int
    code: str
    role: str
    category: str
    age_band: str
    age_min: int | None
    age_max: int | None
    tags: tuple[str, ...]
    forms: tuple[str, ...]
    max_mentees: int | None
    employer: str | None
    active: bool
    line: int = field(default=0, compare=False)

    def values(self) -> dict[str, Any]:
        return {"org_id": self.org, "year": self.year, "code": self.code, "role": self.role,
                "category": self.category, "age_band": self.age_band, "age_min": self.age_min,
                "age_max": self.age_max, "tags": list(self.tags), "forms": list(self.forms),
                "max_mentees": self.max_mentees, "employer": self.employer, "active": self.active}  # fmt: skip


@dataclass
class ParticipantsReport:
    """What a load did (or, in a dry run, would do)."""

    source: str
    dry_run: bool
    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # "ORG YEAR role" -> rows in the file

    def lines(self) -> list[str]:
        would = "would be " if self.dry_run else ""
        total = len(self.added) + len(self.updated) + self.unchanged
        out = [
            f"{self.source}: {total} participants: {len(self.added)} {would}added, {len(self.updated)} "
            f"{would}updated, {self.unchanged} unchanged" + (" — dry run, nothing written" if self.dry_run else "")
        ]
        out += [f"  {key}: {n}" for key, n in sorted(self.counts.items())]
        verb = "would update" if self.dry_run else "updated"
        out += [f"  {verb} {key}: {', '.join(cols)}" for key, cols in sorted(self.updated.items())]
        return out  # fmt: skip


def _words(row: _Row, column: str) -> list[str]:
    return [canonical(w) for w in row.cells.get(column, "").split("|") if w.strip()]


def _read(row: _Row, orgs: dict[str, Organisation]) -> ParticipantRow:
    code = row.cells.get("id", "").strip()
    if not code:
        row.fail("id", "expected a pseudonymous id such as S-0042, found an empty cell")
    elif not CODE.match(code):
        why = ("a word without digits: is it a name? participants are known by a pseudonymous id, the "
               "registry of names stays with the organisation") if not any(c.isdigit() for c in code) else (
               "letters, digits, '-', '_' or '.' without spaces, at most 64")  # fmt: skip
        row.fail("id", f"expected a pseudonymous id such as S-0042 ({why}), found «{code}»")
    org = row.cells.get("org", "").strip()
    if not org:
        row.fail("org", "expected an organisation id of the registry, found an empty cell")
    elif org not in orgs:
        row.fail("org", f"expected an organisation of the registry (roadmap orgs list), found «{org}»")
    elif not orgs[org].active:
        row.fail("org", f"organisation «{org}» is inactive in the registry (active=no)")
    year_text = row.cells.get("year", "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else 0
    if not 2000 <= year <= 2100:
        row.fail("year", f"expected the academic year's first year such as 2020 (for 2020/2021), found «{year_text}»")
    role = ROLES.get(canonical(row.cells.get("role", "")), "")
    if not role:
        row.fail("role", f"expected mentor or mentee (наставник, наставляемый), found «{row.cells.get('role', '')}»")
    category = CATEGORIES.get(canonical(row.cells.get("category", "")), "")
    allowed = MENTOR_CATEGORIES if role == MENTOR else MENTEE_CATEGORIES
    if not category:
        row.fail("category", f"expected one of {', '.join(dict.fromkeys(CATEGORIES.values()))}, "
                             f"found «{row.cells.get('category', '')}»")  # fmt: skip
    elif role and category not in allowed:
        row.fail("category", f"a {role} is one of {', '.join(allowed)}, found «{category}»")
    band = row.cells.get("age_band", "").strip()
    ages = age_range(band) if band else None
    if band and ages is None:
        row.fail("age_band", f"expected an age band such as 10-14, 15-19 or 25+, found «{band}»")
    elif not band and category in (PUPIL, STUDENT):
        row.fail("age_band", f"expected an age band such as 10-14 for a participant who is {category}, found none")
    tags = _words(row, "tags")
    if not tags:
        what = "competences" if role == MENTOR else "requests"
        row.fail("tags", f"expected the {what}, '|' between them (e.g. робототехника|проекты), found none")
    forms: list[str] = []
    for word in _words(row, "forms"):
        value = word if word in FORMS else FORMATS.get(word)
        if value is None:
            row.fail("forms", f"expected forms ({', '.join(FORMS)}) or formats "
                              f"({', '.join(dict.fromkeys(FORMATS.values()))}), found «{word}»")  # fmt: skip
        elif value not in forms:
            forms.append(value)
    limit_text = row.cells.get("max_mentees", "").strip()
    limit = int(limit_text) if limit_text.isdigit() and int(limit_text) > 0 else None
    if limit_text and limit is None:
        row.fail("max_mentees", f"expected a whole number of mentees, 1 or more, found «{limit_text}»")
    elif limit_text and role == MENTEE:
        row.fail("max_mentees", "only a mentor has a limit of mentees; leave it empty for a mentee")
    employer = row.cells.get("employer", "").strip() or None
    if category == EMPLOYER and not employer:
        row.fail("employer", "expected the id of the enterprise this mentor comes from (e.g. its ИНН), found none")
    elif employer and category != EMPLOYER:
        row.fail("employer", f"only a {EMPLOYER} comes from an enterprise; found «{employer}» for {category or role}")
    elif employer and not EMPLOYER_ID.match(employer):
        row.fail("employer", f"expected an enterprise id (letters, digits, '-', '_', '.'), found «{employer}»")
    active = canonical(row.cells.get("active", ""))
    if active not in ("", *YES, *NO):
        row.fail("active", f"expected yes or no (да, нет; empty = yes), found «{row.cells['active']}»")
    return ParticipantRow(org, year, code, role, category, band, ages[0] if ages else None,
                          ages[1] if ages else None, tuple(tags), tuple(forms), limit, employer,
                          active not in NO, line=row.line)  # fmt: skip


def parse_participants_csv(text: str, *, source: str, orgs: dict[str, Organisation]) -> list[ParticipantRow]:
    """Every participant of a file, or RegistryError with every problem located (file, line, column)."""
    issues: list[RegistryIssue] = []
    rows: list[ParticipantRow] = []
    seen: dict[tuple[str, int, str], int] = {}
    try:
        for line, cells in _records(text, source=source, required=COLUMNS, optional=OPTIONAL):
            row = _Row(source, line, cells, issues)
            before = len(issues)
            value = _read(row, orgs)
            key = (value.org, value.year, value.code)
            first = seen.setdefault(key, line)
            if first != line:
                row.fail("id", f"duplicate participant «{value.code}» of {value.org} in {value.year}, first on line "
                               f"{first}")  # fmt: skip
            if len(issues) == before:
                rows.append(value)
    except RegistryError as exc:
        issues.extend(exc.issues)
    if not rows and not issues:
        issues.append(RegistryIssue(source, 2, "row", "expected at least one participant after the header, found none"))
    if issues:
        order = {c: i for i, c in enumerate(("row", "file", "header", *COLUMNS, *OPTIONAL))}
        raise RegistryError(sorted(issues, key=lambda i: (i.line, order.get(i.column, 99))))
    return rows


_FIELDS = ("org_id", "year", "code", "role", "category", "age_band", "age_min", "age_max", "tags", "forms",
           "max_mentees", "employer", "active")  # fmt: skip


def load_participants(
    session: Session, rows: Sequence[ParticipantRow], *, actor: str, now: datetime, source: str, sha256: str,
    dry_run: bool = False,
) -> ParticipantsReport:  # fmt: skip
    """Upsert the participants by (org, year, id) in the caller's transaction with one audit event.

    A participant in an active pair keeps their role: changing it is refused (RegistryError, naming the line).
    """
    keys = {(r.org, r.year) for r in rows}
    stored: dict[tuple[str, int, str], dict[str, Any]] = {}
    for org, year in sorted(keys):
        query = select(col(Participant.id), *(col(getattr(Participant, f)) for f in _FIELDS)).where(
            col(Participant.org_id) == org, col(Participant.year) == year
        )
        for r in session.execute(query):
            stored[(r.org_id, r.year, r.code)] = dict(r._mapping)
    paired = set(
        session.execute(
            select(col(PairMember.participant_id)).join(Pair, col(Pair.id) == col(PairMember.pair_id))
            .where(col(Pair.state) == "active")
        ).scalars()
    ) | set(session.execute(select(col(Pair.mentor_id)).where(col(Pair.state) == "active")).scalars())  # fmt: skip
    report = ParticipantsReport(source, dry_run)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    issues: list[RegistryIssue] = []
    for row in rows:
        label = f"{row.org} {row.year} {row.role}"
        report.counts[label] = report.counts.get(label, 0) + 1
        values = row.values()
        old = stored.get((row.org, row.year, row.code))
        if old is None:
            inserts.append({**values, "updated_at": now})
            report.added.append(f"{row.org}/{row.year}/{row.code}")
            continue
        changed = [k for k, v in values.items() if old[k] != v]
        if "role" in changed and old["id"] in paired:
            issues.append(RegistryIssue(source, row.line, "role", f"«{row.code}» is in an active pair as a "
                                        f"{old['role']}: the role cannot change while the pair lasts"))  # fmt: skip
        if changed:
            updates.append({**values, "id": old["id"], "updated_at": now})
            report.updated[f"{row.org}/{row.year}/{row.code}"] = changed
        else:
            report.unchanged += 1
    if issues:
        raise RegistryError(issues)
    if not dry_run:
        if inserts:
            session.execute(insert(Participant), inserts)
        if updates:
            session.execute(update(Participant), updates)
        record_event(
            session, actor=actor, action="mentorship.participants.loaded", subject=source, at=now,
            payload={"file": source, "sha256": sha256, "added": len(report.added), "updated": len(report.updated),
                     "unchanged": report.unchanged, "added_ids": sorted(report.added),
                     "changed_columns": report.updated},
        )  # fmt: skip
    return report


def list_participants(session: Session, *, org: str | None, year: int | None) -> list[dict[str, Any]]:
    """The base as the load file has it (pseudonymous ids only), so a listing loads back."""
    query = select(Participant).order_by(col(Participant.org_id), col(Participant.year), col(Participant.role),
                                         col(Participant.code))  # fmt: skip
    if org is not None:
        query = query.where(col(Participant.org_id) == org)
    if year is not None:
        query = query.where(col(Participant.year) == year)
    return [
        {"id": p.code, "org": p.org_id, "year": p.year, "role": p.role, "category": p.category,
         "age_band": p.age_band, "tags": "|".join(p.tags), "forms": "|".join(p.forms),
         "max_mentees": p.max_mentees, "employer": p.employer, "active": "yes" if p.active else "no"}
        for p in session.execute(query).scalars()
    ]  # fmt: skip


def registry(session: Session) -> dict[str, Organisation]:
    """The organisations of the registry by id (what a participants file is checked against)."""
    return {o.id: o for o in session.execute(select(Organisation)).scalars()}
