"""The difference between two versions of a roadmap, item by item (matched by item number)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from models.deadline import Deadline
from models.plan import Roadmap, number_key
from models.ru import format_window

ChangeKind = Literal["added", "removed", "deadline", "responsible", "renamed", "moved", "result", "scope", "depends_on"]
ORDER: tuple[str, ...] = (
    "added",
    "removed",
    "deadline",
    "responsible",
    "renamed",
    "moved",
    "result",
    "scope",
    "depends_on",
)


@dataclass(frozen=True)
class ItemChange:
    number: str
    kind: ChangeKind
    old: Any = None
    new: Any = None
    title: str = ""

    def describe(self) -> str:
        if self.kind == "added":
            return f"+ {self.number} added: «{self.title}» (срок: «{self.new}»)"
        if self.kind == "removed":
            return f"- {self.number} removed: «{self.title}»"
        if self.kind == "deadline":
            return f"~ {self.number} deadline: {self.old} -> {self.new}"
        if self.kind == "renamed":
            return f"~ {self.number} renamed: «{self.old}» -> «{self.new}»"
        if self.kind == "moved":
            return f"~ {self.number} moved: section {self.old} -> section {self.new}"
        old = ", ".join(self.old) if isinstance(self.old, list) else self.old
        new = ", ".join(self.new) if isinstance(self.new, list) else self.new
        return f"~ {self.number} {self.kind}: {old or '—'} -> {new or '—'}"


@dataclass
class PlanDiff:
    changes: list[ItemChange] = field(default_factory=list)
    header: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes and not self.header

    def of_kind(self, kind: str) -> list[ItemChange]:
        return [c for c in self.changes if c.kind == kind]

    def lines(self) -> list[str]:
        if self.empty:
            return ["no differences"]
        ranked = sorted(self.changes, key=lambda c: (ORDER.index(c.kind), number_key(c.number)))
        return [f"~ {h}" for h in self.header] + [c.describe() for c in ranked]

    def as_json(self) -> dict[str, Any]:
        return {"header": self.header, "changes": [asdict(c) for c in self.changes]}

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.kind] = counts.get(change.kind, 0) + 1
        return counts


def _deadline_words(d: Deadline) -> str:
    if d.kind == "unspecified":
        return "не указан"
    span = format_window(d.start, d.end) if d.end else d.kind
    return f"«{d.text}» ({span})" if d.text else span


def _same_deadline(a: Deadline, b: Deadline) -> bool:
    keys = {"text", "kind", "start", "end", "windows", "recurrence", "review_months"}
    return a.model_dump(include=keys) == b.model_dump(include=keys)


def _scope(scope: Any) -> list[str]:
    return ["roadmap"] if scope == "roadmap" else list(scope.per_organisation)


def diff_plans(old: Roadmap, new: Roadmap) -> PlanDiff:
    """What changed from `old` to `new`: items added, removed, re-dated, re-assigned, re-worded, moved."""
    result = PlanDiff()
    if old.id != new.id:
        result.header.append(f"roadmap id: {old.id} -> {new.id}")
    if (old.period.start, old.period.end) != (new.period.start, new.period.end):
        before = format_window(old.period.start, old.period.end)
        result.header.append(f"period: {before} -> {format_window(new.period.start, new.period.end)}")
    if old.timezone != new.timezone:
        result.header.append(f"timezone: {old.timezone} -> {new.timezone}")

    old_items = {item.number: (section.number, item) for _, section, item in old.walk_items()}
    new_items = {item.number: (section.number, item) for _, section, item in new.walk_items()}
    for number, (_, item) in new_items.items():
        if number not in old_items:
            result.changes.append(ItemChange(number, "added", None, item.deadline.text, item.title))
    for number, (_, item) in old_items.items():
        if number not in new_items:
            result.changes.append(ItemChange(number, "removed", item.deadline.text, None, item.title))
    for number, (new_section, b) in new_items.items():
        if number not in old_items:
            continue
        old_section, a = old_items[number]
        if not _same_deadline(a.deadline, b.deadline):
            result.changes.append(
                ItemChange(number, "deadline", _deadline_words(a.deadline), _deadline_words(b.deadline), b.title)
            )
        if a.party_ids != b.party_ids or a.unassigned != b.unassigned:
            result.changes.append(
                ItemChange(number, "responsible", a.party_ids or ["unassigned"], b.party_ids or ["unassigned"], b.title)
            )
        if a.title != b.title:
            result.changes.append(ItemChange(number, "renamed", a.title, b.title, b.title))
        if old_section != new_section:
            result.changes.append(ItemChange(number, "moved", old_section, new_section, b.title))
        if a.result != b.result:
            result.changes.append(ItemChange(number, "result", a.result, b.result, b.title))
        if _scope(a.scope) != _scope(b.scope):
            result.changes.append(ItemChange(number, "scope", _scope(a.scope), _scope(b.scope), b.title))
        if a.depends_on != b.depends_on:
            result.changes.append(ItemChange(number, "depends_on", a.depends_on, b.depends_on, b.title))

    old_steps = {s.number: s for s in (old.cycle.steps if old.cycle else [])}
    new_steps = {s.number: s for s in (new.cycle.steps if new.cycle else [])}
    for number in new_steps.keys() - old_steps.keys():
        s = new_steps[number]
        result.changes.append(ItemChange(f"Ц{number}", "added", None, s.deadline.text, s.title))
    for number in old_steps.keys() - new_steps.keys():
        s = old_steps[number]
        result.changes.append(ItemChange(f"Ц{number}", "removed", s.deadline.text, None, s.title))
    for number in new_steps.keys() & old_steps.keys():
        a_step, b_step = old_steps[number], new_steps[number]
        if a_step.deadline.text != b_step.deadline.text:
            result.changes.append(
                ItemChange(f"Ц{number}", "deadline", a_step.deadline.text, b_step.deadline.text, b_step.title)
            )
        if a_step.title != b_step.title:
            result.changes.append(ItemChange(f"Ц{number}", "renamed", a_step.title, b_step.title, b_step.title))
    return result
