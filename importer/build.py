"""Assemble a draft plan from a read document: order header, sections and items, parties, indicators.

The draft is a plain dict in the shape of the plan language (`models.plan.Roadmap`) plus, beside it,
what the review page shows: every item with the source rows it was read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from importer.cells import clean
from importer.columns import header_roles, is_indicator_header, is_roadmap_header, year_of
from importer.document import Document, ImportRefusal, Paragraph, Table
from importer.header import OrderHeader, level_of, period_in, read_order, territory, timezone_of
from importer.parties import PartyBook, defined_abbreviations, nominative_phrase, translit
from importer.readers import read_document
from importer.rows import LogicalRow, logical_rows
from models.deadline import Deadline, DeadlineError, Period, parse_deadline
from models.plan import ORG_KINDS, number_key
from models.ru import format_window

_DUMMY = Period(date(2000, 1, 1), date(2000, 12, 31))
_TARGET = re.compile(r"((?:19|20)\d\d)\s*(?:г\.?|год)?\s*[-–—:]\s*(\d+(?:[.,]\d+)?)\s*(%?)")
_TOLERANCE = re.compile(r"отклонени\w*.*?не более\s*(\d+(?:[.,]\d+)?)\s*%", re.IGNORECASE)
_POINTS_START = re.compile(
    r"п\s*р\s*и\s*к\s*а\s*з\s*ы\s*в\s*а\s*ю|р\s*а\s*с\s*п\s*о\s*р\s*я\s*ж\s*а\s*ю\s*с\s*ь|"
    r"п\s*о\s*с\s*т\s*а\s*н\s*о\s*в\s*л\s*я\s*ю|обязываю",
    re.IGNORECASE,
)
_POINT = re.compile(r"^\s*(\d{1,2})\.\s+(\S.*)$")
_SIGN_OFF = re.compile(r"^(Начальник|Министр|Директор|Руководитель|Глава|Председатель|Заведующ|И\.\s?о\.)", re.I)
_DEADLINE_TRIGGER = re.compile(
    r"(?:(?<=\s)|^)(в срок до|в срок не позднее|не позднее|до|к|по|ежегодно|ежеквартально|ежемесячно|в течение|"
    r"постоянно|с\s+\d)(?=\s)",
    re.IGNORECASE,
)
_GENITIVE_KIND = {"приказ": "приказа", "распоряжение": "распоряжения", "постановление": "постановления"}


@dataclass
class ImportOptions:
    plan_id: str | None = None
    timezone: str | None = None
    period: Period | None = None


@dataclass
class ItemView:
    """One item as the review page shows it: what was read beside where it was read from."""

    number: str
    title: str
    deadline_text: str
    deadline: Deadline | None
    responsible_text: str
    parties: list[str]
    result: str
    where: str
    source: list[str]
    review: list[str]
    uncertain: set[str] = field(default_factory=set)


@dataclass
class Counts:
    items: int = 0
    sections: int = 0
    deadlines: int = 0
    deadlines_parsed: int = 0
    deadlines_missing: int = 0
    mentions: int = 0
    parties_matched: int = 0
    indicators: int = 0
    review: int = 0


@dataclass
class ImportResult:
    """The draft plan (a dict in the plan language), the views for the review page and the counts."""

    document: Document
    plan: dict[str, Any]
    views: list[ItemView]
    counts: Counts
    review: list[str]
    yaml: str = ""


def import_document(path: Path, options: ImportOptions) -> ImportResult:
    """Read a roadmap document and assemble its draft plan; refuse (`ImportRefusal`) what cannot be one."""
    document = read_document(path)
    return Builder(document, options).build()


class Builder:
    def __init__(self, document: Document, options: ImportOptions) -> None:
        self.doc = document
        self.options = options
        self.text = document.text()
        self.review: list[str] = []
        self.views: list[ItemView] = []
        self.counts = Counts()
        self.period: Period | None = options.period
        self.period_text: str | None = None
        self.footnotes: list[str] = []

    # -- the whole document ------------------------------------------------------------------
    def build(self) -> ImportResult:
        roadmap_tables = [(t, h) for t in self.doc.tables if (h := _header_index(t, is_roadmap_header)) is not None]
        indicator_tables = [(t, h) for t in self.doc.tables if (h := _header_index(t, is_indicator_header)) is not None]
        first_table = roadmap_tables[0][0] if roadmap_tables else None
        preamble = self._lines_before(first_table)
        order = read_order(preamble, self.text)
        points = self._order_points()
        if not roadmap_tables and not points:
            raise ImportRefusal(self.doc.path, self._no_table_message())
        caption = clean(roadmap_tables[0][0].caption).strip("* ") if roadmap_tables else ""
        title = caption or order.title or self.doc.path.stem
        self._find_period([caption, title, *[t.caption for t, _ in roadmap_tables]], roadmap_tables, points)
        assert self.period is not None
        region, municipality = territory(self.text)
        level = level_of(order.issuer, title, self.text)
        self.book = PartyBook(level=level, abbreviations=defined_abbreviations(self.text))

        sections: list[dict[str, Any]] = []
        for table, header in roadmap_tables:
            sections.extend(self._table_sections(table, header, len(sections)))
        if points:
            sections.append(self._points_section(points, order))
        self._renumber_duplicates(sections)
        self._apply_scopes(sections)

        plan: dict[str, Any] = {}
        plan["id"] = self.options.plan_id or _plan_id(municipality or region, self.doc.path, self.period)
        plan["title"] = title
        plan["issuer"] = order.issuer
        plan["order"] = {"issuer": order.issuer or None, "kind": order.kind or None, "number": order.number,
                         "date": order.date, "title": order.title or None}  # fmt: skip
        plan["level"] = level
        plan["territory"] = {"region": region, "municipality": municipality if level != "region" else None}
        plan["timezone"] = self._timezone(region)
        plan["period"] = {"start": self.period.start, "end": self.period.end, "text": self.period_text,
                          "academic": self.period.academic or None}  # fmt: skip
        plan["source"] = self.doc.path.name
        plan["parties"] = self._parties()
        plan["sections"] = sections
        tolerance = self._tolerance()
        if tolerance:
            plan["item_target_tolerance"] = tolerance
        plan["indicators"] = [ind for table, h in indicator_tables for ind in self._indicators(table, h)]
        self.counts.indicators = len(plan["indicators"])
        if not region:
            self.review.append("the document names no region: fill in territory.region")
        if order.review:
            self.review.extend(order.review)
        plan["review"] = list(self.review)
        self.counts.mentions, self.counts.parties_matched = self.book.mentions, self.book.matched
        self.counts.review = _count_review(plan)
        return ImportResult(self.doc, plan, self.views, self.counts, self.review)

    def _no_table_message(self) -> str:
        found = [
            f"{t.where}: «{' | '.join(clean(c) for c in t.rows[0].cells)[:100]}»" for t in self.doc.tables if t.rows
        ]
        what = "; ".join(found[:5]) if found else "no table at all"
        return (
            "no roadmap table found: expected a table whose header names an activity (мероприятие, "
            "наименование) and a deadline (срок), or an order whose numbered points carry deadlines; "
            f"found {len(found)} table(s): {what}"
        )

    def _lines_before(self, table: Table | None) -> list[str]:
        lines: list[str] = []
        for block in self.doc.blocks:
            if block is table:
                break
            if isinstance(block, Paragraph):
                lines.extend(block.text.split("\n"))
                lines.append("")
        return lines

    # -- period and zone --------------------------------------------------------------------
    def _find_period(
        self, titles: list[str], tables: list[tuple[Table, int]], points: list[tuple[str, str, str]]
    ) -> None:
        if self.period is not None:
            return
        for title in titles:
            found = period_in(title)
            if found:
                start, end, academic, text = found
                self.period, self.period_text = Period(start, end, academic=academic), text
                return
        for table in self.doc.tables:  # a passport row: «Период и этапы реализации Программы | 2021-2024 годы»
            for row in table.rows:
                if len(row.cells) >= 2 and re.search(r"период|срок\w* реализации", clean(row.cells[0]), re.I):
                    found = period_in(clean(row.cells[1]).split(" 1 этап")[0]) or period_in(
                        "на " + clean(row.cells[1])[:20]
                    )
                    if found:
                        start, end, academic, text = found
                        self.period, self.period_text = Period(start, end, academic=academic), text
                        return
        years: list[int] = []
        cells = [r.cells for t, _ in tables for r in t.rows] + [[self._point_deadline(p[1]) or ""] for p in points]
        for cell_row in cells:
            for cell in cell_row:
                try:
                    d = parse_deadline(clean(cell))
                except DeadlineError:
                    continue
                years.extend(x.year for x in (d.start, d.end) if x is not None)
        if not years:
            raise ImportRefusal(
                self.doc.path,
                "cannot tell the roadmap's period: the title names no years and no deadline has a year; "
                "give it with --period (e.g. --period 2022 or --period 2022-2024)",
            )
        self.period = Period(date(min(years), 1, 1), date(max(years), 12, 31))
        self.review.append(
            f"the period {min(years)}-{max(years)} is taken from the years of the deadlines (the title names none): "
            "check it"
        )

    def _timezone(self, region: str) -> str:
        if self.options.timezone:
            return self.options.timezone
        zone = timezone_of(region) if region else None
        if zone:
            return zone
        self.review.append("time zone unknown for the region: Europe/Moscow assumed; give the right one with --tz")
        return "Europe/Moscow"

    # -- deadlines ----------------------------------------------------------------------------
    def reads_deadline(self, text: str) -> bool:
        try:
            parse_deadline(text, period=self.period or _DUMMY)
        except DeadlineError as exc:
            return "no year" in exc.reason or "spans several years" in exc.reason
        return True

    def _deadline(self, text: str, review: list[str], uncertain: set[str]) -> tuple[Any, Deadline | None]:
        if not text:
            self.counts.deadlines_missing += 1
            return None, None
        self.counts.deadlines += 1
        try:
            parsed = parse_deadline(text, period=self.period)
        except DeadlineError as exc:
            review.append(
                f"deadline «{text}» is not read by the grammar ({exc.reason}): kept as text (kind unparsed); "
                "write a wording the grammar reads, or the window by hand"
            )
            uncertain.add("deadline")
            return {"text": text, "kind": "unparsed"}, None
        self.counts.deadlines_parsed += 1
        if self.period is not None and not self._inside_period(parsed):
            review.append(
                f"deadline «{text}» ({format_window(parsed.start, parsed.end)}) lies outside the plan's period "
                f"({format_window(self.period.start, self.period.end)}): check the document (a typo of the year?) "
                "or say why in outside_period"
            )
            uncertain.add("deadline")
        return text, parsed

    def _inside_period(self, parsed: Deadline) -> bool:
        assert self.period is not None
        bounds = [d for w in parsed.windows for d in (w.start, w.end)] + [parsed.start, parsed.end]
        return all(d is None or self.period.start <= d <= self.period.end for d in bounds)

    # -- roadmap tables -----------------------------------------------------------------------
    def _table_sections(self, table: Table, header: int, offset: int) -> list[dict[str, Any]]:
        head = table.rows[header].cells
        roles: list[str | None] = list(header_roles(head))
        if "title" not in roles and "targets" in roles:
            roles[roles.index("targets")] = "title"
        sub = Table(table.rows[header:], table.where, table.caption)
        rows = logical_rows(sub, roles, reads_deadline=self.reads_deadline, table_name=table.where)
        numbered_sections = {
            r.number
            for r in rows
            if r.kind == "row"
            and r.number
            and any(o.kind == "row" and o.number and o.number.startswith(r.number + ".") for o in rows)
        }
        captions = {k for k in range(len(rows) - 1) if rows[k].kind == "heading" and rows[k + 1].kind == "fragment"}
        structured = bool(numbered_sections) or any(
            r.kind == "heading" for k, r in enumerate(rows) if k not in captions
        )
        sections: list[dict[str, Any]] = []
        stack: list[dict[str, Any]] = []
        pending_caption = clean(table.caption).strip("* ")
        fragments = 0
        drafts: list[tuple[dict[str, Any], LogicalRow, dict[str, Any]]] = []

        def new_top(title: str, number: str | None, row: LogicalRow | None) -> dict[str, Any]:
            section: dict[str, Any] = {
                "number": number or str(offset + len(sections) + 1),
                "title": title,
                "items": [],
                "sections": [],
                "review": [],
            }
            if number is None:
                section["source_number"] = ""
            if row is not None:
                section["_where"] = row.where
            sections.append(section)
            stack[:] = [section]
            return section

        for k, row in enumerate(rows):
            if row.kind == "footnote":
                self.footnotes.append(row.get("title"))
                continue
            nxt = rows[k + 1] if k + 1 < len(rows) else None
            if row.kind == "heading" and nxt is not None and nxt.kind == "fragment":
                pending_caption = row.get("title").strip("* ")
                continue
            if row.kind == "fragment":
                # a repeated header with its own caption starts a part (slides, fragments); a header
                # repeated on each page of one table does not
                if not structured and k - 1 in captions:
                    fragments += 1
                    new_top(pending_caption or f"Фрагмент {fragments + 1}", None, row)
                continue
            if row.kind == "heading":
                new_top(row.get("title"), None, row)
                continue
            if row.number in numbered_sections:
                assert row.number is not None
                while stack and not (row.number.startswith(stack[-1]["number"] + ".") and "_numbered" in stack[-1]):
                    stack.pop()
                section: dict[str, Any] = {"number": row.number, "title": row.get("title"), "items": [], "sections": [],
                           "review": list(row.review), "_numbered": True, "_where": row.where}  # fmt: skip
                if any(row.get(r) for r in ("deadline", "responsible", "result")):
                    section["review"].append(
                        "this numbered row has items under it and is read as a section, but it also has a deadline, "
                        "responsible or result: move them to an item if they matter"
                    )
                if stack:
                    stack[-1]["sections"].append(section)
                else:
                    sections.append(section)
                stack.append(section)
                continue
            if not stack:
                new_top(pending_caption.split("\n")[0] if pending_caption else "Мероприятия", None, None)
            target = stack[-1]
            if row.number:
                while len(stack) > 1 and not row.number.startswith(stack[-1]["number"] + "."):
                    stack.pop()
                target = stack[-1]
            item = self._item(row)
            target["items"].append(item)
            drafts.append((item, row, target))
        self._number_items(drafts, sections)
        return sections

    def _item(self, row: LogicalRow) -> dict[str, Any]:
        review = list(row.review)
        uncertain = set(row.glued)
        if any("cells for" in r for r in row.review):
            uncertain.update({"deadline", "responsible", "result"})
        deadline, parsed = self._deadline(row.get("deadline"), review, uncertain)
        responsible_text = row.get("responsible")
        if responsible_text:
            ids, party_review = self.book.resolve(responsible_text)
            if party_review:
                uncertain.add("responsible")
            review.extend(party_review)
        else:
            ids = []
        if not any(row.get(r) for r in ("deadline", "responsible", "result")):
            review.append("the row has no deadline, responsible or result: read as an item; check it is not a heading")
        item: dict[str, Any] = {
            "number": "",
            "_printed": row.number,
            "title": row.get("title"),
            "deadline": deadline,
            "responsible": ids or "unassigned",
            "result": row.get("result") or None,
            "review": review,
        }
        if parsed is not None and self.period is not None and not self._inside_period(parsed):
            # a draft validates: the reason is the importer's, for the operator to confirm or correct
            item["outside_period"] = "в документе срок за пределами периода плана (проверить при импорте)"
        targets_text = row.get("targets")
        if targets_text:
            targets = {int(y): _num(v) for y, v, _ in _TARGET.findall(targets_text)}
            if targets:
                item["targets"] = targets
                item["targets_text"] = targets_text
                if "%" in targets_text:
                    item["target_unit"] = "%"
            else:
                review.append(f"the targets «{targets_text}» name no year with a value: kept as text")
                item["targets_text"] = targets_text
        self.counts.items += 1
        view = ItemView(
            number="",
            title=row.get("title"),
            deadline_text=row.get("deadline"),
            deadline=parsed,
            responsible_text=responsible_text,
            parties=ids,
            result=row.get("result"),
            where=row.where,
            source=row.source,
            review=review,
            uncertain=uncertain,
        )
        item["_view"] = view
        self.views.append(view)
        return item

    def _number_items(
        self, drafts: list[tuple[dict[str, Any], LogicalRow, dict[str, Any]]], sections: list[dict[str, Any]]
    ) -> None:
        printed = [d[1].number for d in drafts if d[1].number]
        if not printed:
            counters: dict[int, int] = {}
            top_level = len(sections) > 1
            for item, _, section in drafts:
                counters[id(section)] = counters.get(id(section), 0) + 1
                n = counters[id(section)]
                item["number"] = f"{section['number']}.{n}" if top_level else str(n)
                item["source_number"] = ""
            return
        restart = len(printed) != len(set(printed))
        previous: str | None = None
        letters = "абвгдежзик"
        suffix = 0
        for item, row, section in drafts:
            if row.number:
                suffix = 0
                previous = row.number
                if restart:
                    item["number"] = f"{section['number']}.{row.number}"
                    item["source_number"] = row.number
                else:
                    item["number"] = row.number
            else:
                base = previous or f"{section['number']}.0"
                item["number"] = f"{base}{letters[suffix % len(letters)]}"
                suffix += 1
                item["source_number"] = ""
                item["review"].append(
                    f"the row has no number in the source; numbered {item['number']} after the row before it"
                )
                item["_view"].uncertain.add("number")

    def _renumber_duplicates(self, sections: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        for item, section in _walk_items(sections):
            if item["number"] in seen:
                old = item["number"]
                item["source_number"] = item.get("source_number", old)
                item["number"] = f"{section['number']}.{old}"
                item["review"].append(f"the number {old} is used twice in the document; numbered {item['number']}")
            seen.add(item["number"])
        for item, _ in _walk_items(sections):
            item["_view"].number = item["number"]

    def _apply_scopes(self, sections: list[dict[str, Any]]) -> None:
        narrowing = self.book.narrowing()
        by_id = {p.id: p for p in self.book.parties.values()}
        for item, _ in _walk_items(sections):
            if item["responsible"] == "unassigned":
                continue
            ids: list[str] = []
            kinds: set[str] = set()
            for ref in item["responsible"]:
                wide, narrow = narrowing.get(ref, (ref, None))
                if wide not in ids:
                    ids.append(wide)
                party = by_id[ref]
                if party.per_organisation:
                    kinds.update(narrow or party.org_kinds)
            item["responsible"] = ids
            item["_view"].parties = [by_id[i].name if i in by_id else i for i in ids]
            item["_view"].parties = [self._party_name(i) for i in ids]
            if kinds:
                item["scope"] = {"per_organisation": [k for k in ORG_KINDS if k in kinds]}

    def _party_name(self, party_id: str) -> str:
        for p in self.book.parties.values():
            if p.id == party_id:
                return p.name
        return party_id

    def _parties(self) -> list[dict[str, Any]]:
        narrowed = self.book.narrowing()
        out = []
        names = {p.name: p.id for p in self.book.parties.values()}
        for p in self.book.parties.values():
            if p.id in narrowed:
                continue
            party: dict[str, Any] = {"id": p.id, "kind": p.kind, "name": p.name}
            if p.position:
                party["position"] = p.position
            if p.body_name and p.body_name in names:
                party["body"] = names[p.body_name]
            if p.role:
                party["role"] = p.role
            if p.per_organisation:
                party["per_organisation"] = True
                party["org_kinds"] = p.org_kinds
            party["review"] = list(p.review)
            out.append(party)
        return out

    def _tolerance(self) -> dict[str, Any] | None:
        for note in self.footnotes:
            match = _TOLERANCE.search(note)
            if match:
                return {"percent": float(match.group(1).replace(",", ".")), "text": note.lstrip("¹²³*⁴ ").strip()}
        return None

    # -- order points -------------------------------------------------------------------------
    def _order_points(self) -> list[tuple[str, str, str]]:
        """(number, text, where) of the order's numbered points that carry a deadline."""
        lines: list[tuple[str, str]] = []
        started = False
        for block in self.doc.blocks:
            if isinstance(block, Table):
                if started:
                    break
                continue
            for k, line in enumerate(block.text.split("\n")):
                if not started:
                    started = bool(_POINTS_START.search(line))
                    continue
                lines.append((clean(line), f"{block.where.split()[0]} {int(block.where.split()[1]) + k}"
                              if block.where.startswith("line") else block.where))  # fmt: skip
        points: list[tuple[str, str, str]] = []
        for line, where in lines:
            if _SIGN_OFF.match(line):
                break
            match = _POINT.match(line)
            if match:
                points.append((match.group(1), match.group(2), where))
            elif points and line:  # a sub-point «1) …» or the point's next line
                number, text, at = points[-1]
                points[-1] = (number, f"{text} {line}", at)
        return [p for p in points if self._point_deadline(p[1])]

    def _point_deadline(self, text: str) -> str | None:
        words = text.rstrip(".").split(" ")
        best: str | None = None
        for match in _DEADLINE_TRIGGER.finditer(text):
            start = len(text[: match.start()].split(" ")) - 1 if match.start() else 0
            for end in range(len(words), start, -1):
                phrase = " ".join(words[start:end]).strip(" ,;")
                if phrase and re.search(r"\d|ежегодно|ежеквартально|ежемесячно|постоянно|течение|конца", phrase):
                    try:
                        parse_deadline(phrase, period=self.period or _DUMMY)
                    except DeadlineError:
                        continue
                    if best is None or len(phrase) > len(best):
                        best = phrase
                    break
        return best

    def _points_section(self, points: list[tuple[str, str, str]], order: OrderHeader) -> dict[str, Any]:
        kind = _GENITIVE_KIND.get(order.kind, order.kind or "приказа")
        title = f"Поручения {kind} от {order.date} № {order.number}".replace(" от  №", "").strip()
        section: dict[str, Any] = {"number": "П", "source_number": "", "title": title, "items": [], "sections": [],
                                   "review": []}  # fmt: skip
        for number, text, where in points:
            phrase = self._point_deadline(text) or ""
            addressee = text.split(phrase)[0] if phrase else ""
            addressee = re.split(r"\s(?:в срок|не позднее|до|к)\s", f" {addressee}")[0].strip(" ,")
            addressee = re.sub(r"\s+[а-я]+(?:ть|ти)(?:\s.*)?$", "", addressee)
            row = LogicalRow(
                "row", {"title": text, "deadline": phrase}, where, number=number, source=[f"{number}. {text}"]
            )
            if addressee and addressee[0].isupper() and not re.match(r"^[А-ЯЁ][а-яё]+(?:ть|ти)\b", addressee):
                row.cells["responsible"] = nominative_phrase(addressee)
            item = self._item(row)
            item["number"] = f"П.{number}"
            item["source_number"] = number
            item["_view"].number = item["number"]
            section["items"].append(item)
        return section

    # -- indicators ---------------------------------------------------------------------------
    def _indicators(self, table: Table, header: int) -> list[dict[str, Any]]:
        head = table.rows[header].cells
        roles = []
        for cell in head:
            year = year_of(cell)
            role = header_roles([cell])[0]
            roles.append(f"y{year}" if year else ("number" if role == "number" else ("title" if "title" not in roles
                                                                                         else None)))  # fmt: skip
        sub = Table(table.rows[header:], table.where, table.caption)
        rows = logical_rows(sub, roles, reads_deadline=lambda _t: False, table_name=table.where)
        out: list[dict[str, Any]] = []
        for row in rows:
            if row.kind != "row" or not row.get("title"):
                continue
            name = row.get("title")
            formula = None
            found = re.search(r"\((отношение[^()]*(?:\([^()]*\)[^()]*)*)\)\s*$", name)
            if found:
                formula = found.group(1).strip()
                name = name[: found.start()].strip()
            method = None
            if "(опросный)" in name:
                method = "опросный"
                name = name.replace("(опросный)", "").strip()
            unit = "%"
            if name.endswith(", %") or name.endswith(",%"):
                name = name.rsplit(",", 1)[0].strip()
            targets: dict[int, float] = {}
            for key, value in row.cells.items():
                if key.startswith("y") and value:
                    number = re.sub(r"[^\d,.\-]", "", value).replace(",", ".")
                    try:
                        targets[int(key[1:])] = _num(number)
                    except ValueError:
                        row.review.append(f"the {key[1:]} target «{value}» is not a number")
            if not targets:
                continue
            indicator: dict[str, Any] = {"id": f"indicator_{len(out) + 1}", "number": row.number, "name": name,
                                         "formula": formula, "unit": unit, "method": method, "targets": targets,
                                         "review": list(row.review)}  # fmt: skip
            out.append(indicator)
        return out


def _num(text: str) -> float | int:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def _header_index(table: Table, test: Any) -> int | None:
    for k, row in enumerate(table.rows[:3]):
        if not row.plain and test(row.cells):
            return k
    return None


def _walk_items(sections: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for section in sections:
        out.extend((item, section) for item in section["items"])
        out.extend(_walk_items(section["sections"]))
    return out


def _count_review(plan: dict[str, Any]) -> int:
    total = len(plan.get("review", []))
    total += sum(len(p.get("review", [])) for p in plan["parties"])
    total += sum(len(i.get("review", [])) for i in plan["indicators"])

    def visit(sections: list[dict[str, Any]]) -> int:
        n = 0
        for s in sections:
            n += len(s.get("review", [])) + sum(len(i.get("review", [])) for i in s["items"])
            n += visit(s["sections"])
        return n

    return total + visit(plan["sections"])


def _plan_id(place: str, path: Path, period: Period) -> str:
    stem = translit(place.split(" ")[0]) if place else translit(path.stem)
    stem = stem if re.match(r"^[a-z]", stem) else f"roadmap_{stem}"
    years = f"{period.start.year}" if period.start.year == period.end.year else f"{period.start.year}-{period.end.year}"
    return f"{stem.replace('_', '-')}-{years}"


def sort_numbers(numbers: list[str]) -> list[str]:
    return sorted(numbers, key=number_key)
