"""A seeded store of any size for the whole-command benchmark (`python -m benchmarks generate`).

Organisations in the territories of the seed roadmaps (roadmaps/*.yaml), so in three time zones
(Europe/Moscow: Sechenovsky, Valuysky; Asia/Yekaterinburg: Chelyabinsk, Orenburg; Asia/Tomsk: Tomsk),
each region in municipalities with one education department (УО) each and schools, pre-schools and
colleges; every organisation with a curator's and a head's e-mail address, every roadmap-level party
with one, all on example.org (the run points ROADMAP_SMTP_URL at a loopback server). The registry is
loaded and the plans synced through the same functions the commands use; then the store is given
milestones in every state: some done with evidence (recorded as `roadmap complete` does), a sweep on an
earlier day (due, overdue, its reminders queued and sent to a notifier that keeps nothing) and the
waiting-for-date items the plans have (retired ones come from amendments, which the run measures on
copies). Everything goes through the engine's functions, so `audit verify` finds the chain intact.

The same `--orgs` and `--seed` give the same store. Stores are a SQLite file or, on PostgreSQL, a
schema of their own in the database of the URL (the role need not create databases): `clone` copies one
for each measured run, `drop` removes it.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlmodel import col

from models.calendar import default_calendar
from models.db import open_store, session_scope
from models.deadline import DeadlineError, parse_deadline
from models.loader import parse_plan
from models.plan import Roadmap
from models.store import AuditEvent, Milestone, RoadmapVersion
from outbox.send import dispatch
from tasks.complete import OPERATOR, CompletionRequest, complete_many
from tasks.registry import load_orgs, load_parties, parse_orgs_csv, parse_parties_csv
from tasks.sweep import decide_reminders
from tasks.sync import sync_plan

ROOT = Path(__file__).resolve().parent.parent
ROADMAPS = ROOT / "roadmaps"
# the share of the organisations in each roadmap's territory (the region-wide roadmaps take most)
SHARES = {
    "sechenovsky-2020": 0.15,
    "valuysky-2022": 0.05,
    "chelyabinsk-2021-2022": 0.15,
    "orenburg-2021-2024": 0.15,
    "tomsk-2020-2024": 0.50,
}
MUNICIPALITIES = 20  # in a region-wide roadmap's region
KINDS = ("ОО",) * 16 + ("ДО",) * 3 + ("СПО",)  # after the УО of each municipality
SYNC_AT = datetime(2020, 4, 1, 6, tzinfo=UTC)
EARLIER = date(2020, 5, 25)  # the earlier sweep that leaves due and overdue milestones behind
SWEEP_DAY = date(2020, 6, 1)  # the day the benchmark sweeps (a Monday, a working day)
DONE_SHARE = 0.3  # of the milestones whose window ended before SWEEP_DAY
ACTOR = "benchmark"
PG_SCHEMA_PREFIX = "bench_"


class Discard:
    """A notifier that accepts every message and keeps none (the earlier day's digests)."""

    def send(self, recipient: str, subject: str, text: str, html: str, attachments: Sequence[str] = ()) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class Generated:
    url: str
    orgs: int
    milestones: int
    states: dict[str, int]
    events: int
    plans: list[str]

    def line(self) -> str:
        states = ", ".join(f"{k} {v}" for k, v in sorted(self.states.items()))
        return f"{self.orgs} organisations, {self.milestones} milestones ({states}), {self.events} audit events"


def seed_plans() -> list[tuple[Roadmap, str]]:
    plans = []
    for path in sorted(ROADMAPS.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        plans.append((parse_plan(text, str(path)), text))
    return plans


def registry_csv(plans: list[Roadmap], orgs: int, seed: int) -> tuple[str, int]:
    """The organisations CSV: `orgs` organisations shared out over the plans' territories."""
    rng = random.Random(seed)
    lines = ["id,name,kind,municipality,region,timezone,curator_email,head_email,curator_url,head_url,active"]
    count = 0
    for plan in plans:
        share = round(orgs * SHARES.get(plan.id, 1 / len(plans)))
        territory = plan.territory
        many = min(MUNICIPALITIES, max(1, share // 10))
        towns = [territory.municipality] if territory.municipality else [f"Район {m + 1}" for m in range(many)]
        share = max(share, len(towns) + 3)  # an УО in each municipality and one of each other kind at least
        prefix = plan.id.split("-")[0][:4]
        for i in range(share):
            town = towns[i % len(towns)]
            first = i < len(towns)  # each municipality's education department first
            other = i - len(towns)
            kind = "УО" if first else ("ОО", "ДО", "СПО")[other] if other < 3 else KINDS[rng.randrange(len(KINDS))]
            org_id = f"{prefix}-{i:05d}"
            name = f"{'Управление образования' if first else 'Организация'} № {i} ({town}, образец)"
            curator = "" if first else f"{org_id}-curator@example.org"
            lines.append(f'{org_id},"{name}",{kind},{town},{territory.region},{plan.timezone},{curator},'
                         f"{org_id}-head@example.org,,,")  # fmt: skip
            count += 1
    return "\n".join(lines) + "\n", count


def parties_csv(plans: list[Roadmap]) -> str:
    lines = ["roadmap,party,name,email,url"]
    for plan in plans:
        for party in plan.parties:
            if not party.per_organisation:
                name = party.name.replace('"', "'")
                lines.append(f'{plan.id},{party.id},"{name} (образец)",{plan.id}-{party.id}@example.org,')
    return "\n".join(lines) + "\n"


GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def amended(text: str) -> str:
    """An amendment that re-plans the open milestones of a plan: a dated window's end two weeks later, a yearly
    item's day a day earlier (the whole year becomes «к 20 декабря»), a continuous item's check-ins every six
    months instead of three (every other check-in ends later, the rest retire). The occurrences stay, so
    milestones move rather than being retired and added; multi-window items keep their wording."""

    def later(line: str) -> str:
        head, value = line.split(":", 1)
        value = value.strip().strip("'\"")
        if value in ("null", ""):
            return line
        try:
            deadline = parse_deadline(value)
        except DeadlineError:
            return line
        every = deadline.recurrence
        if deadline.kind == "yearly" and every and every.every == "year" and not (every.from_year or every.to_year):
            month, day = (every.month, every.day) if every.day and every.month else (12, 21)
            return f"{head}: ежегодно к {day - 1 if day > 1 else day + 1} {GENITIVE[month - 1]}"
        if deadline.kind == "window" and deadline.end and not deadline.waits_for_date:
            return f"{head}: до {deadline.end + timedelta(days=14):%d.%m.%Y}"
        if deadline.kind == "continuous" and (deadline.review_months or 3) == 3:
            # check-ins every 6 months, not 3: every other one keeps its month and ends later, the rest retire
            return f'{head}: {{text: "{value}", review_months: 6}}'
        return line

    return "\n".join(later(line) if line.strip().startswith("deadline:") else line for line in text.splitlines()) + "\n"


def generate(url: str, orgs: int, seed: int = 1) -> Generated:
    """Fill the (empty) store at `url`: registry, contacts, every seed plan synced, milestones in every state."""
    engine = open_store(url)
    try:
        plans = seed_plans()
        orgs_text, count = registry_csv([p for p, _t in plans], orgs, seed)
        parties_text = parties_csv([p for p, _t in plans])
        with session_scope(engine) as session:
            load_orgs(session, parse_orgs_csv(orgs_text, source="bench-orgs.csv"), actor=ACTOR, now=SYNC_AT,
                      source="bench-orgs.csv", sha256=hashlib.sha256(orgs_text.encode()).hexdigest())  # fmt: skip
        with session_scope(engine) as session:
            load_parties(session, parse_parties_csv(parties_text, source="bench-parties.csv"), actor=ACTOR,
                         now=SYNC_AT, source="bench-parties.csv",
                         sha256=hashlib.sha256(parties_text.encode()).hexdigest())  # fmt: skip
        for plan, text in plans:
            with session_scope(engine) as session:
                sync_plan(session, roadmap=plan, yaml_text=text, source_path=None, actor=ACTOR, now=SYNC_AT)
        rng = random.Random(seed)
        by_id = {p.id: p for p, _t in plans}
        with session_scope(engine, readonly=True) as session:
            ended = session.execute(
                select(Milestone.id, Milestone.roadmap_id)
                .where(col(Milestone.window_end) < SWEEP_DAY, col(Milestone.status) == "planned")
                .order_by(Milestone.id)
            ).all()  # fmt: skip
        done = sorted(rng.sample(list(ended), int(len(ended) * DONE_SHARE)))
        for roadmap_id in sorted({r for _i, r in done}):
            with session_scope(engine) as session:  # recorded as `roadmap complete --file` does, with its events
                version = session.execute(
                    select(func.max(RoadmapVersion.version)).where(col(RoadmapVersion.roadmap_id) == roadmap_id)
                ).scalar_one()
                rows = [(n, CompletionRequest(i, "отчёт (образец)", OPERATOR, at=SYNC_AT))
                        for n, (i, r) in enumerate(done, start=2) if r == roadmap_id]  # fmt: skip
                complete_many(session, roadmap=by_id[roadmap_id], rows=rows, source="bench-done.csv", now=SYNC_AT,
                              recorded_by=ACTOR, version=version)  # fmt: skip
        # an earlier day's sweep: statuses move to due and overdue, its reminders queued and sent (to nowhere)
        earlier = datetime(EARLIER.year, EARLIER.month, EARLIER.day, 3, tzinfo=UTC)
        for plan, _text in plans:
            with session_scope(engine) as session:
                decide_reminders(session, roadmap=plan, today=EARLIER, calendar=default_calendar(), now=earlier,
                                 actor=ACTOR)  # fmt: skip
        dispatch(engine, notifier=Discard(), now=earlier, as_of=EARLIER, actor=ACTOR)
        with session_scope(engine, readonly=True) as session:
            states = dict(session.execute(select(Milestone.status, func.count()).group_by(Milestone.status)).all())
            events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        return Generated(url, count, sum(states.values()), states, events, [p.id for p, _t in plans])
    finally:
        engine.dispose()


# -- copies of a store for each measured run ------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def schema_of(url: str) -> str | None:
    options = make_url(url).query.get("options") or ""
    found = re.search(r"-csearch_path=(\S+)", options if isinstance(options, str) else " ".join(options))
    return found.group(1) if found else None


def pg_store(base_url: str, name: str) -> str:
    """A new empty schema `name` in the database of `base_url`, and the store URL that works in it."""
    base = make_url(base_url)
    engine = create_engine(base.set(query={}), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    engine.dispose()
    return base.set(query={"options": f"-csearch_path={name}", "application_name": name}).render_as_string(
        hide_password=False
    )


def new_store(location: str | None, folder: Path) -> str:
    """An empty store: a SQLite file in `folder` (or at `location`), or a fresh schema when `location` is a
    PostgreSQL URL."""
    if location and is_postgres(location):
        return pg_store(location, f"{PG_SCHEMA_PREFIX}{uuid.uuid4().hex[:10]}")
    return location or f"sqlite:///{folder / 'bench.db'}"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql", query={}).render_as_string(hide_password=False)


def clone(url: str, folder: Path, tag: str) -> str:
    """A copy of the store at `url` (not in use): a copied file, or the schema dumped into a new one."""
    if not is_postgres(url):
        source = Path(make_url(url).database or "")
        target = folder / f"run-{tag}.db"
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    schema = schema_of(url)
    assert schema, f"expected a PostgreSQL store URL with a search_path, found {url}"
    name = f"{schema}_{tag}"
    target = pg_store(url, name)
    with session_scope(create_engine(target), readonly=True):
        pass
    dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "-n", schema, _libpq(url)], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    dump = dump.replace(f"{schema}.", f"{name}.").replace(f"SCHEMA {schema}", f"SCHEMA {name}")
    dump = dump.replace(f"CREATE SCHEMA {name};", "")
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", _libpq(url)], input=dump, check=True, text=True,
                   capture_output=True)  # fmt: skip
    return target


def drop(url: str) -> None:
    if is_postgres(url):
        schema = schema_of(url)
        engine = create_engine(make_url(url).set(query={}), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
    else:
        Path(make_url(url).database or "").unlink(missing_ok=True)
