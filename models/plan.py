"""The plan language: pydantic models of a roadmap YAML file.

A roadmap says what its source document says: every item keeps its number and its deadline wording
beside the parsed form, and what the source leaves open (no deadline, no responsible party) is written
down as such. Unknown keys are errors everywhere. Deadlines are read against the roadmap period, which
the loader passes in as validation context (see `models.loader`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from models.deadline import DEFAULT_REVIEW_MONTHS, Deadline, DeadlineError, Period, parse_deadline
from models.territory import oktmo_digits

OrgKind = Literal["ОО", "ДО", "СПО", "УО"]
ORG_KINDS: tuple[str, ...] = ("ОО", "ДО", "СПО", "УО")
Level = Literal["region", "municipality", "organisation"]
PartyKind = Literal["official", "role", "body", "organisation"]
RoleName = Literal["curator", "head", "coordinator", "operator", "other"]

ID_PATTERN = r"^[a-z][a-z0-9_\-]*$"

# Every number a plan holds (a target, a tolerance, a scale bound) is a finite amount from 0 up to a
# bound no count of people or organisations reaches; a year of a target lies in a plausible span;
# reminder intervals are at most a year. Anything else is a typo, refused where it is written.
MAX_AMOUNT = 1_000_000_000
PlanNumber = Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
TargetYear = Annotated[int, Field(ge=1990, le=2100)]
Days = Annotated[int, Field(ge=0, le=366)]
NUMBER_PATTERN = r"^[0-9IVXА-Яа-я][0-9A-Za-zА-Яа-я.\-]*$"


def number_key(number: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key for item numbers as documents order them: 1.2 < 1.10 < 2, «2.8а» after 2.8."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in number.replace("-", ".").split("."))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Order(_Strict):
    """The approving order, as written in the source (number and date may be blank in a draft)."""

    issuer: str | None = Field(default=None, description="who issued the order")
    kind: str | None = Field(default=None, description="приказ, распоряжение, …")
    number: str = Field(description="the order number exactly as written, '' when left blank")
    date: str = Field(description="the order date exactly as written, '' when left blank")
    title: str | None = None


class Territory(_Strict):
    """Where the roadmap applies; the registry's organisations match it by name (official spellings of one
    place are one place, see models/territory.py) or, when both give one, by ОКТМО code."""

    region: str
    municipality: str | None = None
    organisation: str | None = None
    oktmo: str | None = Field(
        default=None, description="ОКТМО code of the territory (8 digits, e.g. 22649000); decides over the names"
    )

    @field_validator("oktmo", mode="before")
    @classmethod
    def _oktmo(cls, value: Any) -> Any:
        if value is None:
            return None
        digits = oktmo_digits(str(value))
        if digits is None:
            raise ValueError(f"expected an ОКТМО code of 8 or 11 digits, e.g. 22649000, found «{value}»")
        return digits


class PlanPeriod(_Strict):
    start: date
    end: date
    text: str | None = Field(default=None, description="the period as the source words it")
    academic: bool = Field(
        default=False,
        description="an academic year (1 September - 31 May): year-less months fall in its first or second year",
    )

    @model_validator(mode="after")
    def _ordered(self) -> PlanPeriod:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        return self

    def as_context(self) -> Period:
        return Period(self.start, self.end, academic=self.academic)


class Stage(_Strict):
    """A stage (этап) of the programme with its date range."""

    number: str
    name: str
    start: date
    end: date
    text: str | None = Field(default=None, description="the stage's dates as the source words them")
    description: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Stage:
        if self.end < self.start:
            raise ValueError(f"stage ends ({self.end}) before it starts ({self.start})")
        return self


class Party(_Strict):
    """A responsible party: a named official, a role held in each organisation, a body, or the organisations.

    `per_organisation` parties (a school's curator or head, the school itself) are resolved for each
    organisation a milestone belongs to; the others are one party for the whole roadmap.
    """

    id: str = Field(pattern=ID_PATTERN)
    kind: PartyKind
    name: str = Field(description="the name as the source writes it")
    position: str | None = Field(default=None, description="officials: the position as written")
    body: str | None = Field(default=None, description="officials: id of the body they belong to")
    role: RoleName | None = Field(default=None, description="roles: which role in the organisation")
    per_organisation: bool = False
    org_kinds: list[OrgKind] = Field(default_factory=list, description="kinds of organisation the party stands for")
    escalates_to: str | None = Field(default=None, description="id of the party above, for escalation")
    note: str | None = None
    review: list[str] = Field(
        default_factory=list, description="what an importer was unsure of: to check against the source, then delete"
    )

    @model_validator(mode="after")
    def _shape(self) -> Party:
        if self.kind == "role" and self.role is None:
            raise ValueError("a party of kind 'role' needs 'role' (curator, head, coordinator, operator, other)")
        if self.kind in ("role", "organisation") and self.per_organisation and not self.org_kinds:
            raise ValueError("a per-organisation party needs 'org_kinds' (ОО, ДО, СПО, УО)")
        return self


class PerOrganisation(_Strict):
    per_organisation: list[OrgKind] = Field(min_length=1)


Scope = Literal["roadmap"] | PerOrganisation


def _coerce_deadline(value: Any, period: Period | None) -> Deadline:
    """A deadline is written as its wording, as a structured mapping, or as null (none in the source)."""
    if value is None:
        return Deadline(kind="unspecified")
    if isinstance(value, Deadline):
        return value
    if isinstance(value, str):
        try:
            return parse_deadline(value, period=period)
        except DeadlineError as exc:
            raise ValueError(exc.short + ". Accepted forms: see `roadmap when --help`") from None
    if isinstance(value, dict):
        if "kind" not in value:
            extra = set(value) - {"text", "review_months"}
            if extra:
                raise ValueError(
                    "a deadline mapping without 'kind' may only have 'text' and 'review_months', "
                    f"found {', '.join(sorted(map(str, extra)))}"
                )
            if not value.get("text"):
                raise ValueError("a deadline mapping needs 'text' or 'kind'")
            try:
                return parse_deadline(
                    str(value["text"]),
                    period=period,
                    review_months=int(value.get("review_months") or DEFAULT_REVIEW_MONTHS),
                )
            except DeadlineError as exc:
                raise ValueError(exc.short) from None
        return Deadline.model_validate(dict(value))
    raise ValueError(f"expected the deadline wording or a mapping, found {type(value).__name__}")


class DeadlineWording(_Strict):
    """A deadline written as its wording with options (for the JSON Schema of the plan)."""

    text: str
    review_months: int | None = Field(default=None, ge=1, le=12)


DEADLINE_INPUT = str | DeadlineWording | Deadline | None


class ItemReminders(_Strict):
    """Reminder thresholds of one item, overriding the roadmap's."""

    before_days: list[Days] = Field(min_length=1, description="days before the window ends")


class ReminderPolicy(_Strict):
    """When reminders go out (working days only; a threshold on a day off moves to the working day before)."""

    before_days: list[Days] = Field(default=[14, 7, 3, 1], min_length=1, description="days before the window ends")
    check_in_before_days: list[Days] = Field(
        default=[7], min_length=1, description="continuous items: days before each check-in is due"
    )
    overdue_every_days: int = Field(default=7, ge=1, le=366, description="repeat while overdue, every N days")
    escalate_after_days: int = Field(
        default=7, ge=1, le=366, description="days overdue before each step up the escalation chain"
    )
    waiting_every_days: int = Field(default=30, ge=1, le=366, description="remind to set a date every N days")
    operator: str | None = Field(
        default=None, description="party id told about unassigned items and at the top of every escalation"
    )

    @field_validator("before_days", "check_in_before_days")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(v < 0 for v in value):
            raise ValueError("days before must be 0 or more")
        return sorted(set(value), reverse=True)


class Item(_Strict):
    """One planned activity (мероприятие)."""

    number: str = Field(pattern=NUMBER_PATTERN, description="unique in the roadmap, as in the source")
    source_number: str | None = Field(
        default=None, description="the number the source prints when it differs ('' = unnumbered)"
    )
    title: str
    deadline: Annotated[Deadline, Field(description="wording, structured mapping, or null")]
    responsible: list[str] | Literal["unassigned"] = Field(
        description="party ids, or 'unassigned' where the source names nobody"
    )
    result: str | None = Field(description="expected result / kind of document; null where the source gives none")
    scope: Scope = "roadmap"
    depends_on: list[str] = Field(default_factory=list)
    targets: dict[TargetYear, PlanNumber] | None = Field(default=None, description="target count or share per year")
    targets_text: str | None = Field(default=None, description="the targets as the source words them")
    target_unit: str | None = None
    reminders: ItemReminders | None = None
    outside_period: str | None = Field(
        default=None, description="why the deadline lies outside the roadmap's period (else that is an error)"
    )
    notes: list[str] = Field(default_factory=list)
    review: list[str] = Field(
        default_factory=list, description="what an importer was unsure of: to check against the source, then delete"
    )

    @field_validator("deadline", mode="before", json_schema_input_type=DEADLINE_INPUT)
    @classmethod
    def _deadline(cls, value: Any, info: ValidationInfo) -> Deadline:
        return _coerce_deadline(value, (info.context or {}).get("period"))

    @model_validator(mode="after")
    def _share_targets(self) -> Item:
        if self.target_unit == "%" and self.targets:
            over = {year: value for year, value in self.targets.items() if value > 100}
            if over:
                found = ", ".join(f"{year}: {value:g}" for year, value in over.items())
                raise ValueError(f"a share (target_unit %) is at most 100, found {found}")
        return self

    @property
    def unassigned(self) -> bool:
        return self.responsible == "unassigned"

    @property
    def party_ids(self) -> list[str]:
        return [] if self.responsible == "unassigned" else list(self.responsible)


class Section(_Strict):
    number: str = Field(pattern=NUMBER_PATTERN)
    source_number: str | None = None
    title: str
    items: list[Item] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list, description="sub-groups such as 6.1 and 6.2")
    notes: list[str] = Field(default_factory=list)
    review: list[str] = Field(
        default_factory=list, description="what an importer was unsure of: to check against the source, then delete"
    )


class CycleStep(_Strict):
    number: str = Field(pattern=NUMBER_PATTERN)
    title: str
    deadline: Annotated[Deadline, Field(description="within the academic year; null when the source gives none")]
    responsible: list[str] | Literal["unassigned"] = "unassigned"
    result: str | None = None

    @field_validator("deadline", mode="before", json_schema_input_type=DEADLINE_INPUT)
    @classmethod
    def _deadline(cls, value: Any) -> Deadline:
        # cycle steps recur every academic year and are read again in each one when the plan is
        # expanded; here the wording is checked against a sample academic year
        return _coerce_deadline(value, Period.academic_year(2000))


class Cycle(_Strict):
    """The mentorship cycle (циклограмма): steps repeated every academic year in each organisation."""

    title: str
    recurrence: Literal["academic_year"] = "academic_year"
    scope: Scope = "roadmap"
    steps: list[CycleStep] = Field(min_length=1)


class Tolerance(_Strict):
    points: float | None = Field(
        default=None, ge=0, le=100, allow_inf_nan=False, description="allowed deviation in percentage points"
    )
    percent: float | None = Field(
        default=None, ge=0, le=100, allow_inf_nan=False, description="allowed deviation relative to the target, %"
    )
    text: str | None = None


class Indicator(_Strict):
    """A target indicator (показатель) with its target per year."""

    id: str = Field(pattern=ID_PATTERN)
    number: str | None = None
    name: str
    formula: str | None = Field(default=None, description="the formula as the source words it")
    numerator: str | None = None
    denominator: str | None = None
    unit: str = "%"
    method: str | None = Field(default=None, description="how it is measured, e.g. 'опросный'")
    targets: dict[TargetYear, PlanNumber] = Field(min_length=1)
    tolerance: Tolerance | None = None
    notes: list[str] = Field(default_factory=list)
    review: list[str] = Field(
        default_factory=list, description="what an importer was unsure of: to check against the source, then delete"
    )

    @model_validator(mode="after")
    def _shares(self) -> Indicator:
        if self.unit == "%":
            over = {year: value for year, value in self.targets.items() if value > 100}
            if over:
                found = ", ".join(f"{year}: {value:g}" for year, value in over.items())
                raise ValueError(f"a share (unit %) is at most 100, found {found}")
        return self


class ScaleLevel(_Strict):
    label: str
    min: PlanNumber | None = None
    max: PlanNumber | None = None


class Scale(_Strict):
    kind: Literal["categorical", "percent_bands", "count"]
    text: str = Field(description="the scale as the source words it")
    levels: list[ScaleLevel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _levels(self) -> Scale:
        if self.kind != "count" and len(self.levels) < 2:
            raise ValueError(f"a '{self.kind}' scale needs at least two levels")
        for level in self.levels:
            if level.min is not None and level.max is not None and level.max < level.min:
                raise ValueError(f"scale level «{level.label}» has max {level.max} below min {level.min}")
        return self


class Criterion(_Strict):
    """An efficiency criterion (критерий эффективности) with its scale."""

    id: str = Field(pattern=ID_PATTERN)
    number: str | None = None
    name: str
    indicators: str = Field(description="what is measured (показатели), as written")
    method: str = Field(description="how it is assessed (способ оценки), as written")
    scale: Scale


class Note(_Strict):
    """A remark on the source: a discrepancy, a typo kept as written, an encoding decision."""

    about: str
    text: str


class Roadmap(_Strict):
    """A roadmap (дорожная карта): the whole plan as its source document approves it."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    issuer: str
    order: Order
    level: Level
    territory: Territory
    timezone: str = Field(description="IANA time zone of the territory, e.g. Europe/Moscow")
    period: PlanPeriod
    source: str | None = Field(default=None, description="the source document this plan encodes")
    stages: list[Stage] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    sections: list[Section] = Field(min_length=1)
    cycle: Cycle | None = None
    forms: list[str] = Field(default_factory=list, description="forms of mentorship (формы наставничества)")
    item_target_tolerance: Tolerance | None = Field(
        default=None, description="allowed deviation of the items' yearly targets"
    )
    indicators: list[Indicator] = Field(default_factory=list)
    criteria: list[Criterion] = Field(default_factory=list)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    notes: list[Note] = Field(default_factory=list)
    review: list[str] = Field(
        default_factory=list, description="what an importer was unsure of: to check against the source, then delete"
    )

    @property
    def review_count(self) -> int:
        """How many `review:` notes the plan still carries (an imported draft before its review)."""
        return (
            len(self.review)
            + sum(len(p.review) for p in self.parties)
            + sum(len(s.review) for _, s in self.walk_sections())
            + sum(len(i.review) for i in self.items)
            + sum(len(i.review) for i in self.indicators)
        )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            close = sorted(z for z in available_timezones() if z.lower().endswith(value.lower().split("/")[-1]))
            hint = f"; did you mean {close[0]}?" if close else " (e.g. Europe/Moscow, Asia/Yekaterinburg)"
            raise ValueError(f"unknown IANA time zone «{value}»{hint}") from None
        return value

    # -- navigation -------------------------------------------------------------------------
    def walk_sections(self) -> list[tuple[tuple[Any, ...], Section]]:
        """Every section and sub-section with its path in the document (for error locations)."""
        out: list[tuple[tuple[Any, ...], Section]] = []

        def visit(path: tuple[Any, ...], sections: list[Section]) -> None:
            for i, section in enumerate(sections):
                out.append(((*path, i), section))
                visit((*path, i, "sections"), section.sections)

        visit(("sections",), self.sections)
        return out

    def walk_items(self) -> list[tuple[tuple[Any, ...], Section, Item]]:
        """Every leaf item in document order, with its path and the section that holds it."""
        return [
            ((*path, "items", j), section, item)
            for path, section in self.walk_sections()
            for j, item in enumerate(section.items)
        ]

    @property
    def items(self) -> list[Item]:
        return [item for _, _, item in self.walk_items()]

    def item(self, number: str) -> Item:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)

    def party(self, party_id: str) -> Party:
        for party in self.parties:
            if party.id == party_id:
                return party
        raise KeyError(party_id)
