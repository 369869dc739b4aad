"""The organisation registry and the parties' contacts: CSV files checked whole, then upserted in bulk.

A file is refused whole when any row is bad: every problem is reported as `file:line: column:
message`, and nothing is written. A load upserts by key (organisations by id, contacts by roadmap
and party) in the caller's transaction with one audit event, so a failure writes nothing. Rows
missing from a re-load are left as they are (history): an organisation is deactivated by
`active=no`, never deleted. Columns are documented in roadmaps/registry/README.md.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from audit.chain import ActorLike, record_event
from models.addresses import MASK, URL_SCHEME, inline_secret, is_email, mask_url
from models.plan import ID_PATTERN, ORG_KINDS, Roadmap
from models.store import Contact, Organisation
from models.territory import oktmo_digits

ORG_COLUMNS = ("id", "name", "kind", "municipality", "region", "timezone", "curator_email", "head_email")
ORG_OPTIONAL = ("curator_url", "head_url", "active", "oktmo")
PARTY_COLUMNS = ("party", "name", "email", "url")
PARTY_OPTIONAL = ("roadmap",)

# The regions of the seed roadmaps; an empty `timezone` takes the region's zone. A region not listed
# keeps no zone of its own, and the roadmap's zone applies to its organisations.
REGION_TIMEZONES: dict[str, str] = {
    "Белгородская область": "Europe/Moscow",
    "Нижегородская область": "Europe/Moscow",
    "Оренбургская область": "Asia/Yekaterinburg",
    "Томская область": "Asia/Tomsk",
    "Челябинская область": "Asia/Yekaterinburg",
}

# Latin letters that look like the Cyrillic ones of the kinds (ОО, ДО, СПО, УО): a registry typed on
# an English keyboard layout, or copied from a document that mixed them, reads the same to the eye
LATIN_LOOKALIKES = str.maketrans("ABCEHKMOPTXYaceopxy", "АВСЕНКМОРТХУасеорху")
LATIN = re.compile(r"[A-Za-z]")

ORG_ID = re.compile(r"^\w[\w.\-]*$")
PARTY_ID = re.compile(ID_PATTERN)
YES, NO = ("yes", "да", "true", "1", ""), ("no", "нет", "false", "0")


@dataclass(frozen=True)
class RegistryIssue:
    """One problem in a registry file, located by line and column."""

    source: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.column}: {self.message}"


class RegistryError(Exception):
    """A registry file that cannot be loaded; `issues` lists every problem found."""

    def __init__(self, issues: Sequence[RegistryIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(map(str, self.issues)))


@dataclass(frozen=True)
class OrgRow:
    """One organisation as the file gives it, with the time zone already resolved (None: the roadmap's)."""

    id: str
    name: str
    kind: str
    municipality: str
    region: str
    timezone: str | None
    curator_email: str | None
    head_email: str | None
    curator_url: str | None
    head_url: str | None
    active: bool
    oktmo: str | None = None
    line: int = field(default=0, compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)  # what was read differently from how it was written
    warnings: tuple[str, ...] = field(default=(), compare=False)  # loaded as written, but worth a warning

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("line", "notes", "warnings")}


@dataclass(frozen=True)
class PartyRow:
    """How to reach one party of one roadmap ('' = the party id in any roadmap)."""

    roadmap: str
    party: str
    name: str
    email: str | None
    url: str | None
    line: int = field(default=0, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)  # loaded as written, but worth a warning


@dataclass
class LoadReport:
    """What a load did (or, in a dry run, would do); the ids say which rows."""

    what: Literal["organisations", "contacts"]
    source: str
    sha256: str
    dry_run: bool
    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)  # key -> the columns that changed
    unchanged: int = 0
    deactivated: list[str] = field(default_factory=list)
    not_in_file: int = 0  # already stored for the same regions (or roadmaps), not in this file: left as is
    notes: list[str] = field(default_factory=list)  # cells read differently from how they were written
    warnings: list[str] = field(default_factory=list)  # cells loaded as written that should not be (inline secrets)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "updated": len(self.updated), "unchanged": self.unchanged,
                "deactivated": len(self.deactivated), "not_in_file": self.not_in_file}  # fmt: skip


@dataclass(frozen=True)
class Address:
    """Where to send for a party: an e-mail address or an apprise URL, with the addressee's name."""

    channel: Literal["email", "apprise"]
    target: str
    name: str


# -- reading ---------------------------------------------------------------------------------------


def decode_csv(data: bytes, *, source: str) -> str:
    """The file's text (UTF-8, with or without BOM); a RegistryError naming the line of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        found = f"found byte 0x{data[exc.start]:02X} (in Excel save as «CSV UTF-8»)"
        raise RegistryError([RegistryIssue(source, line, "file", f"expected UTF-8 text, {found}")]) from None


def _records(
    text: str, *, source: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, cells by column) for each non-blank row, after checking the header; raises on a bad header."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    # Russian Excel writes ';' between cells; a header has no quoted commas, so counting tells them apart
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    expected = ",".join(required)
    header = [cell.strip().lower() for cell in next(reader, [])]
    if not any(header):
        raise RegistryError(
            [RegistryIssue(source, 1, "header", f"expected the header {expected}, found an empty file")]
        )
    problems = []
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional]
    doubled = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problems.append(f"missing required columns {', '.join(missing)} (expected {expected})")
    if unknown:
        problems.append(f"unknown columns {', '.join(f'«{c}»' for c in unknown)} "
                        f"(optional columns are {', '.join(optional)})")  # fmt: skip
    if doubled:
        problems.append(f"columns named twice: {', '.join(doubled)}")
    if problems:
        raise RegistryError([RegistryIssue(source, 1, "header", p) for p in problems])
    issues: list[RegistryIssue] = []
    end = reader.line_num
    for cells in reader:
        line, end = end + 1, reader.line_num  # a quoted cell may span lines: a row starts after the last
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            hint = f"is a «{delimiter}» inside a value without quotes?" if len(cells) > len(header) else (
                "every column needs a cell, even an empty one")  # fmt: skip
            message = f"expected {len(header)} cells as in the header, found {len(cells)} ({hint})"
            issues.append(RegistryIssue(source, line, "row", message))
            continue
        yield line, {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
    if issues:
        raise RegistryError(issues)


class _Row:
    """Checks the cells of one row, collecting issues located at its line."""

    def __init__(self, source: str, line: int, cells: dict[str, str], issues: list[RegistryIssue]) -> None:
        self.source, self.line, self.cells, self.issues = source, line, cells, issues
        self.warnings: list[str] = []  # loaded as written, but said (a secret inline in a URL)

    def fail(self, column: str, message: str) -> None:
        self.issues.append(RegistryIssue(self.source, self.line, column, message))

    def text(self, column: str, *, required: bool = False, max_len: int | None = None) -> str:
        value = " ".join(self.cells.get(column, "").split())  # one space between words, as typed by hand
        if required and not value:
            self.fail(column, "expected a value, found an empty cell")
        elif max_len and len(value) > max_len:
            self.fail(column, f"expected at most {max_len} characters, found {len(value)}")
        return value

    def matching(self, column: str, pattern: re.Pattern[str], expected: str, *, required: bool = True) -> str:
        value = self.text(column, required=required, max_len=100)
        if value and len(value) <= 100 and not pattern.match(value):
            self.fail(column, f"expected {expected}, found «{value}»")
        return value

    def email(self, column: str) -> str | None:
        value = self.cells.get(column, "")
        if value and not is_email(value):
            self.fail(column, f"expected one e-mail address such as curator@school.example.org, found «{value}»")
        return value or None

    def url(self, column: str) -> str | None:
        value = self.cells.get(column, "")
        if value and not URL_SCHEME.match(value):
            self.fail(column, f"expected an apprise URL such as tgram://… or ntfy://…, found «{mask_url(value)}»")
        elif MASK in value:
            self.fail(column, f"expected the full URL, found the masked form «{mask_url(value)}» that `list` prints")
        elif value and inline_secret(value):
            self.warnings.append(
                f"{self.source}:{self.line}: {column}: «{mask_url(value)}» holds its secret (the part shown as ***) "
                "as written, and the store keeps it in plain text: write that part as ${NAME} and set NAME in the "
                "environment (roadmaps/registry/README.md, Secrets)"
            )
        return value or None


def _zone(row: _Row, region: str) -> str | None:
    value = row.cells.get("timezone", "")
    if not value:
        return REGION_TIMEZONES.get(region)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        row.fail("timezone", f"expected an IANA time zone such as Europe/Moscow or Asia/Tomsk, found «{value}»")
    return value


def _parse(
    text: str, *, source: str, required: tuple[str, ...], optional: tuple[str, ...],
    read: Callable[[_Row], Any], key: Callable[[Any], tuple[str, ...]], what: Callable[[Any], str],
) -> list[Any]:  # fmt: skip
    """Read every row with `read`, refuse duplicate keys (naming both lines), raise with every issue."""
    issues: list[RegistryIssue] = []
    rows: list[Any] = []
    seen: dict[tuple[str, ...], int] = {}
    try:
        for line, cells in _records(text, source=source, required=required, optional=optional):
            row = _Row(source, line, cells, issues)
            before = len(issues)
            value = read(row)
            first = seen.setdefault(key(value), line)
            if first != line and all(key(value)):
                row.fail(required[0], f"duplicate {what(value)}, first on line {first}")
            if len(issues) == before:
                rows.append(value)
    except RegistryError as exc:
        issues.extend(exc.issues)
    if not rows and not issues:
        issues.append(RegistryIssue(source, 2, "row", "expected at least one row after the header, found none"))
    if issues:
        order = {c: i for i, c in enumerate(("row", "file", "header", *required, *optional))}
        raise RegistryError(sorted(issues, key=lambda i: (i.line, order.get(i.column, 99))))
    return rows


def read_kind(value: str) -> str | None:
    """The kind of organisation a cell or option names (ОО, ДО, СПО, УО), any case, Latin look-alikes read as
    Cyrillic; None when it names none."""
    kind = value.strip().translate(LATIN_LOOKALIKES).upper()
    return kind if kind in ORG_KINDS else None


def kind_problem(value: str) -> str:
    """What is wrong with a kind that `read_kind` cannot read, saying so when it has Latin letters."""
    latin = " (Latin letters)" if LATIN.search(value) else ""
    return f"expected one of {', '.join(ORG_KINDS)} (Cyrillic letters), found «{value}»{latin}"


def _read_org(row: _Row) -> OrgRow:
    written = row.text("kind", required=True)
    kind = read_kind(written) if written else None
    notes: tuple[str, ...] = ()
    if written and kind is None:
        row.fail("kind", kind_problem(written))
    elif kind and LATIN.search(written):
        notes = (f"{row.source}:{row.line}: kind «{written}» is written in Latin letters: read as «{kind}» "
                 "(Cyrillic)",)  # fmt: skip
    active = row.cells.get("active", "").lower()
    if active not in YES + NO:
        row.fail("active", f"expected yes or no (да, нет; empty = yes), found «{row.cells['active']}»")
    region = row.text("region", required=True, max_len=200)
    return OrgRow(
        id=row.matching("id", ORG_ID, "letters, digits, '-', '_' or '.' without spaces (at most 100)"),
        name=row.text("name", required=True), kind=kind or written,
        municipality=row.text("municipality", required=True, max_len=200), region=region,
        timezone=_zone(row, region), curator_email=row.email("curator_email"), head_email=row.email("head_email"),
        curator_url=row.url("curator_url"), head_url=row.url("head_url"), active=active not in NO,
        oktmo=_oktmo(row), line=row.line, notes=notes, warnings=tuple(row.warnings),
    )  # fmt: skip


def _oktmo(row: _Row) -> str | None:
    value = row.cells.get("oktmo", "")
    if not value:
        return None
    digits = oktmo_digits(value)
    if digits is None:
        row.fail("oktmo", f"expected an ОКТМО code of 8 or 11 digits, e.g. 22649000, found «{value}»")
    return digits


def parse_orgs_csv(text: str, *, source: str) -> list[OrgRow]:
    """Every organisation of an organisations file, or RegistryError with every problem located."""
    return _parse(text, source=source, required=ORG_COLUMNS, optional=ORG_OPTIONAL, read=_read_org,
                  key=lambda r: (r.id,), what=lambda r: f"id «{r.id}»")  # fmt: skip


def _read_party(row: _Row) -> PartyRow:
    roadmap_id = row.matching("roadmap", PARTY_ID, "a roadmap id such as tomsk-2020-2024 (empty = any)", required=False)
    url = row.url("url")
    party = PartyRow(
        roadmap=roadmap_id, party=row.matching("party", PARTY_ID, "a party id of the plans such as uo or toipkro"),
        name=row.text("name", required=True), email=row.email("email"), url=url, line=row.line,
        warnings=tuple(row.warnings),
    )  # fmt: skip
    if not (row.cells.get("email") or row.cells.get("url")):
        row.fail("email", "expected an e-mail address or a url (at least one), found both empty")
    return party


def parse_parties_csv(text: str, *, source: str) -> list[PartyRow]:
    """Every contact of a parties file, or RegistryError with every problem located."""
    return _parse(text, source=source, required=PARTY_COLUMNS, optional=PARTY_OPTIONAL, read=_read_party,
                  key=lambda r: (r.roadmap or "*", r.party), what=_party_label)  # fmt: skip


def _party_label(row: PartyRow) -> str:
    return f"party «{row.party}» for " + (f"roadmap «{row.roadmap}»" if row.roadmap else "any roadmap")


# -- loading ---------------------------------------------------------------------------------------

_ORG_FIELDS = tuple(k for k in OrgRow.__dataclass_fields__ if k not in ("line", "notes", "warnings"))
_CONTACT_FIELDS = ("id", "roadmap_id", "party", "name", "email", "url")


def load_orgs(
    session: Session, rows: Sequence[OrgRow], *, actor: ActorLike, now: datetime, source: str, sha256: str,
    dry_run: bool = False,
) -> LoadReport:  # fmt: skip
    """Upsert the organisations by id in the caller's transaction with one audit event; never delete.

    A dry run reports the same and writes nothing (no event either).
    """
    # one SELECT of the whole registry (10^4-10^5 small rows) instead of a bound-parameter list of ids,
    # which SQLite caps; it also tells how many stored organisations of these regions the file leaves out
    stored = {r.id: dict(r._mapping) for r in session.execute(select(*(getattr(Organisation, f) for f in _ORG_FIELDS)))}
    regions = {r.region for r in rows}
    report = LoadReport("organisations", source, sha256, dry_run)
    report.notes = [note for r in rows for note in r.notes]
    report.warnings = [warning for r in rows for warning in r.warnings]
    report.not_in_file = len({k for k, r in stored.items() if r["region"] in regions} - {r.id for r in rows})
    _upsert(session, Organisation, report, [(r.id, r.id, r.values()) for r in rows], stored, now=now)
    return _done(session, report, "registry.orgs.loaded", actor=actor, now=now)


def load_parties(
    session: Session, rows: Sequence[PartyRow], *, actor: ActorLike, now: datetime, source: str, sha256: str,
    dry_run: bool = False,
) -> LoadReport:  # fmt: skip
    """Upsert the contacts by (roadmap, party) in the caller's transaction with one audit event; never delete."""
    stored = {(r.roadmap_id, r.party): dict(r._mapping)
              for r in session.execute(select(*(getattr(Contact, f) for f in _CONTACT_FIELDS)))}  # fmt: skip
    roadmaps = {r.roadmap for r in rows}
    report = LoadReport("contacts", source, sha256, dry_run)
    report.warnings = [warning for r in rows for warning in r.warnings]
    report.not_in_file = len({k for k in stored if k[0] in roadmaps} - {(r.roadmap, r.party) for r in rows})
    items = [(f"{r.roadmap or '*'}/{r.party}", (r.roadmap, r.party),
              {"roadmap_id": r.roadmap, "party": r.party, "name": r.name, "email": r.email, "url": r.url})
             for r in rows]  # fmt: skip
    _upsert(session, Contact, report, items, stored, now=now)
    return _done(session, report, "registry.parties.loaded", actor=actor, now=now)


def _upsert(
    session: Session, table: type[Organisation] | type[Contact], report: LoadReport,
    items: list[tuple[str, Any, dict[str, Any]]], stored: dict[Any, dict[str, Any]], *, now: datetime,
) -> None:  # fmt: skip
    """Sort (label, key, values) into added, updated and unchanged, then write them in two bulk statements."""
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for label, key, values in items:
        old = stored.get(key)
        if old is None:
            inserts.append({**values, "updated_at": now})
            report.added.append(label)
        elif changed := [k for k, v in values.items() if old[k] != v]:
            updates.append({**values, "id": old["id"], "updated_at": now})  # by primary key
            report.updated[label] = changed
            if old.get("active") and values.get("active") is False:
                report.deactivated.append(label)
        else:
            report.unchanged += 1
    if not report.dry_run:
        if inserts:
            session.execute(insert(table), inserts)
        if updates:
            session.execute(update(table), updates)


def _done(session: Session, report: LoadReport, action: str, *, actor: ActorLike, now: datetime) -> LoadReport:
    if not report.dry_run:
        # keys and column names only: the addresses are personal data and stay out of the audit chain
        payload = {"file": report.source, "sha256": report.sha256, **report.counts(),
                   "added_ids": sorted(report.added), "changed_columns": report.updated,
                   "deactivated_ids": sorted(report.deactivated)}  # fmt: skip
        record_event(session, actor=actor, action=action, subject=report.source, payload=payload, at=now)
    return report


# -- resolving -------------------------------------------------------------------------------------


def contacts_for(session: Session, *, roadmap: Roadmap, party_id: str, org_id: str | None) -> list[Address]:
    """Where to send for a party of a plan: e-mail addresses first, then apprise URLs; [] when none is known.

    A per-organisation party reads the organisation's row (curator -> curator_*, head and the
    organisation itself -> head_*; an inactive or unknown organisation has none). Any other party
    reads its contact for this roadmap, else its contact for any roadmap. KeyError for a party the
    plan does not have; ValueError for a per-organisation party without `org_id`.
    """
    party = roadmap.party(party_id)
    if party.per_organisation:
        if org_id is None:
            raise ValueError(f"party «{party_id}» of {roadmap.id} is per organisation: pass the organisation's id")
        org = session.get(Organisation, org_id)
        if org is None or not org.active or party.role not in (None, "curator", "head"):
            return []
        if party.kind == "role" and party.role == "curator":
            return _addresses(org.name, org.curator_email, org.curator_url)
        return head_addresses(org)
    query = select(Contact).where(col(Contact.party) == party_id, col(Contact.roadmap_id).in_([roadmap.id, ""]))
    found = {c.roadmap_id: c for c in session.execute(query).scalars()}
    contact = found.get(roadmap.id) or found.get("")
    return _addresses(contact.name, contact.email, contact.url) if contact else []


def head_addresses(org: Organisation) -> list[Address]:
    """Where to send for an organisation's head (and the organisation itself); [] when inactive or none is known."""
    return _addresses(org.name, org.head_email, org.head_url) if org.active else []


def _addresses(name: str, email: str | None, url: str | None) -> list[Address]:
    out = [Address("email", email, name)] if email else []
    return out + ([Address("apprise", url, name)] if url else [])
