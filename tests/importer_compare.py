"""Item-by-item comparison of an imported draft with a hand-encoded plan (used by the importer's tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.plan import Roadmap


@dataclass(frozen=True)
class Difference:
    number: str
    field: str
    hand: str
    imported: str

    def __str__(self) -> str:
        return f"{self.number} {self.field}: hand «{self.hand}» / imported «{self.imported}»"


def norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("ё", "е")).strip().lower().rstrip(".")


def _window(roadmap: Roadmap, number: str) -> str:
    d = roadmap.item(number).deadline
    windows = ", ".join(f"{w.start}..{w.end}" for w in d.windows)
    return f"{d.kind} {d.start}..{d.end} [{windows}]"


def compare(imported: Roadmap, hand: Roadmap, aliases: dict[str, str]) -> tuple[int, int, list[Difference]]:
    """(items matched, items in the hand plan, differences); `aliases` maps a source wording to a hand party id."""
    names = {norm(p.name): p.id for p in hand.parties}
    names.update({norm(k): v for k, v in aliases.items()})
    imported_names = {p.id: p.name for p in imported.parties}
    got = {item.number: item for item in imported.items}
    differences: list[Difference] = []
    matched = 0
    for item in hand.items:
        other = got.pop(item.number, None)
        if other is None:
            differences.append(Difference(item.number, "missing", item.title[:60], ""))
            continue
        found: list[Difference] = []
        if norm(item.title) != norm(other.title):
            found.append(Difference(item.number, "title", item.title, other.title))
        if _window(hand, item.number) != _window(imported, other.number):
            found.append(
                Difference(item.number, "deadline", _window(hand, item.number), _window(imported, other.number))
            )
        hand_parties = sorted(item.party_ids)
        mapped = sorted({names.get(norm(imported_names[p]), f"?{imported_names[p]}") for p in other.party_ids})
        if hand_parties != mapped:
            found.append(Difference(item.number, "responsible", ", ".join(hand_parties), ", ".join(mapped)))
        differences.extend(found)
        matched += not found
    differences.extend(Difference(number, "extra", "", item.title[:60]) for number, item in got.items())
    return matched, len(hand.items), differences
