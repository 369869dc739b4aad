"""The notice after the yearly monitoring: the headline figures of a snapshot, rendered in Russian.

A `Notice` is what one recipient reads about one snapshot: the roadmap, its territory and year, which
run of the year it is (a later run carries corrected figures), the territory's verdicts, the criteria
on their scales, where submitted and computed figures differ, and for a municipal coordinator of a
regional roadmap its own municipality's rows. It travels as the JSON payload of an outbox row
(`Notice.payload` / `Notice.from_payload`), so the message can be rendered at any later send. Figures
are aggregates: no children's data and no names of who submitted them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from models.ru import plural
from monitoring.view import figure
from notifications.templating import make_environment

MONITORING = "monitoring"  # the outbox kind of a notice
JUDGED = ("met", "within", "missed", "no-data")  # verdicts against a target (counts and shares)
REPORT_HINT = "roadmap report monitoring --roadmap {roadmap} --year {year} -o отчёт.html"


@dataclass(frozen=True)
class NoticeRow:
    """One measure at one level and scope, as the notice shows it."""

    address: str  # how the CSV names the measure: an indicator id, item:NUMBER, criterion:ID
    kind: str  # indicator, item or criterion
    name: str
    unit: str
    target: float | None
    actual: float | None
    computed: float | None
    submitted: float | None
    verdict: str
    verdict_text: str
    score: str | None = None
    differs: bool = False

    @property
    def judged(self) -> bool:
        """Judged against a target here (not a criterion, not a contribution to a territory's total)."""
        return self.kind != "criterion" and self.verdict in JUDGED

    @property
    def target_text(self) -> str:
        return figure(self.target, self.unit)

    @property
    def actual_text(self) -> str:
        return figure(self.actual, self.unit)

    @property
    def judged_text(self) -> str:
        """«Цель: 10 %; факт: 7,73 % — не выполнен на 2,27 п.п.», or «Цель: 50 % — нет данных»."""
        actual = f"; факт: {self.actual_text}" if self.actual is not None else ""
        return f"Цель: {self.target_text}{actual} — {self.verdict_text}"

    @property
    def difference_text(self) -> str:
        """The submitted figure beside the one computed from done milestones ('' when they agree)."""
        if not self.differs:
            return ""
        return (f"представлено {figure(self.submitted, self.unit)}, вычислено по отметкам о выполнении "
                f"{figure(self.computed, self.unit)}: расхождение, оценка по представленному")  # fmt: skip


@dataclass(frozen=True)
class Municipality:
    """A municipal coordinator's own municipality and its rows in the snapshot."""

    name: str
    rows: tuple[NoticeRow, ...]


@dataclass(frozen=True)
class Notice:
    """What one recipient is told about one snapshot."""

    roadmap_id: str
    roadmap_title: str
    territory: str
    level: str
    year: int
    run: int  # the snapshot's run for the year: 1, then 2 after corrected figures, ...
    snapshot_id: int
    taken_on: date  # in the roadmap's time zone
    counts: dict[str, int]
    headline: tuple[NoticeRow, ...]
    lower_differences: int = 0  # municipalities or organisations whose submitted and computed figures differ
    addressee: str = ""
    municipalities: tuple[Municipality, ...] = ()
    report: str = ""  # the HTML report written for the snapshot, attached to e-mail when it is there
    # the latest signed checkpoint of the audit history when the notice was queued: {"size", "head", "root",
    # "key_id", "signed_local" (dd.mm.yyyy hh:mm in the roadmap's zone)}; None when the history is unsigned
    checkpoint: dict[str, Any] | None = None

    @property
    def measures(self) -> list[NoticeRow]:
        return [r for r in self.headline if r.kind != "criterion"]

    @property
    def criteria(self) -> list[NoticeRow]:
        return [r for r in self.headline if r.kind == "criterion"]

    @property
    def differing(self) -> list[NoticeRow]:
        return [r for r in self.headline if r.differs]

    @property
    def refined(self) -> bool:
        """A later run of the same year: corrected figures."""
        return self.run > 1

    @property
    def counts_text(self) -> str:
        c = self.counts
        text = (f"выполнено {c['met']}, в пределах допуска {c['within']}, не выполнено {c['missed']}, "
                f"нет данных {c['no-data']}")  # fmt: skip
        return text + (f", цель на год не установлена {c['no-target']}" if c.get("no-target") else "")

    @property
    def report_command(self) -> str:
        return REPORT_HINT.format(roadmap=self.roadmap_id, year=self.year)

    def payload(self) -> dict[str, Any]:
        """The notice as JSON for the outbox (kind "monitoring"); `from_payload` reads it back."""
        return {
            "kind": MONITORING, "roadmap_id": self.roadmap_id, "roadmap_title": self.roadmap_title,
            "territory": self.territory, "level": self.level, "year": self.year, "run": self.run,
            "snapshot_id": self.snapshot_id, "taken_on": self.taken_on.isoformat(), "counts": dict(self.counts),
            "headline": [_row_payload(r) for r in self.headline], "lower_differences": self.lower_differences,
            "addressee": self.addressee, "report": self.report, "checkpoint": self.checkpoint,
            "municipalities": [{"name": m.name, "rows": [_row_payload(r) for r in m.rows]}
                               for m in self.municipalities],
        }  # fmt: skip

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Notice:
        return cls(
            roadmap_id=payload["roadmap_id"], roadmap_title=payload["roadmap_title"],
            territory=payload["territory"], level=payload["level"], year=payload["year"], run=payload["run"],
            snapshot_id=payload["snapshot_id"], taken_on=date.fromisoformat(payload["taken_on"]),
            counts=dict(payload["counts"]), headline=tuple(NoticeRow(**r) for r in payload["headline"]),
            lower_differences=payload.get("lower_differences", 0), addressee=payload.get("addressee", ""),
            report=payload.get("report", ""), checkpoint=payload.get("checkpoint"),
            municipalities=tuple(Municipality(m["name"], tuple(NoticeRow(**r) for r in m["rows"]))
                                 for m in payload.get("municipalities", ())),
        )  # fmt: skip


def _row_payload(row: NoticeRow) -> dict[str, Any]:
    return dict(row.__dict__)


def latest(notices: Iterable[Notice]) -> list[Notice]:
    """One notice per roadmap and year, the latest snapshot's: a notice still waiting is superseded by a later run."""
    by_year: dict[tuple[str, int], Notice] = {}
    for notice in sorted(notices, key=lambda n: n.snapshot_id):
        by_year[(notice.roadmap_id, notice.year)] = notice
    return sorted(by_year.values(), key=lambda n: (n.roadmap_id, n.year))


def _measures_word(n: int, *, case: str) -> str:
    if case == "genitive":  # «из 5 показателей», «из 21 показателя»
        return plural(n, "показателя", "показателей", "показателей")
    return plural(n, "показателю", "показателям", "показателям")  # «нет данных по 1 показателю»


def headline_words(notice: Notice) -> str:
    """«выполнено 1 из 5 показателей, нет данных по 1 показателю»: met of those with a figure."""
    c = notice.counts
    judged = c["met"] + c["within"] + c["missed"]
    parts = [f"выполнено {c['met']} из {judged} {_measures_word(judged, case='genitive')}"] if judged else []
    if c["within"]:
        parts.append(f"в пределах допуска {c['within']}")
    if c["no-data"]:
        parts.append(f"нет данных по {c['no-data']} {_measures_word(c['no-data'], case='dative')}")
    return ", ".join(parts) or "показатели с целями на год не оценивались"


def subject_for(notices: Sequence[Notice]) -> str:
    """The subject: the one notice's headline, or the territories and years of several."""
    if len(notices) == 1:
        n = notices[0]
        refined = f" (уточнённые данные, снимок № {n.run})" if n.refined else ""
        return f"Мониторинг реализации дорожной карты за {n.year} год{refined}: {n.territory} — {headline_words(n)}"
    listed = "; ".join(f"{n.territory}, {n.year} год" for n in notices)
    return f"Мониторинг реализации дорожных карт наставничества: {listed}"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = make_environment()
    env.globals["headline_words"] = headline_words
    return env


def attachments(payloads: Sequence[dict[str, Any]]) -> list[str]:
    """The report files of the notices a message carries that exist now (to attach to an e-mail)."""
    notices = latest(Notice.from_payload(p) for p in payloads)
    return [n.report for n in notices if n.report and Path(n.report).is_file()]


def render_notices(payloads: Sequence[dict[str, Any]], *, attached: Sequence[str] = ()) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the one message that carries these notices to one recipient.

    A notice whose report is among `attached` says the report is attached; the others name the command.
    """
    notices = latest(Notice.from_payload(p) for p in payloads)
    subject = subject_for(notices)
    addressee = next((n.addressee for n in notices if n.addressee), "")
    names = {path: Path(path).name for path in attached}
    context = {"notices": notices, "addressee": addressee, "subject": subject, "attached": names}
    text = _env().get_template("monitoring_notice.txt.j2").render(**context)
    html = _env().get_template("monitoring_notice.html.j2").render(**context)
    return subject, text, html
