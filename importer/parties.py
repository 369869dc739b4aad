"""Responsible cells as parties: named officials with initials, roles held in each organisation, the
organisations themselves, and bodies (УО, ТОИПКРО, ГБУ РЦРО).

`PartyBook.resolve(text)` splits one cell into mentions and returns the ids of their parties; the
book remembers each party once (a role written three ways is one party) and the review notes of what
it could not place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models.plan import ORG_KINDS

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
        strict=True,
    )
)


def translit(text: str) -> str:
    """Latin letters for an id: «Анисимова» -> «anisimova»."""
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower()).replace("-", "")
    return re.sub(r"[^a-z0-9]+", "_", out).strip("_")


OFFICIAL = re.compile(
    r"(?P<sur>[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)\s*(?P<ini>[А-ЯЁ]\.\s?[А-ЯЁ]\.?)(?![а-яё])"
    r"|(?P<ini2>[А-ЯЁ]\.\s?[А-ЯЁ]\.)\s?(?P<sur2>[А-ЯЁ][а-яё]{2,}(?:-[А-ЯЁ][а-яё]+)?)"
)
_DEFINED = re.compile(r"\(\s*далее\s*[-–—]\s*([^()«»]{1,40}?)\s*\)")
_CONTINUES = re.compile(
    r"^(?:осуществляющ|реализующ|участвующ|подведомствен|ответствен|входящ|являющ|котор|имеющ|в том числе|"
    r"в т\.\s?ч|включая|\(?по согласованию)",
    re.IGNORECASE,
)
_KIND_ONLY = re.compile(r"^(?:ОО|ДО|СПО)\.?$")
_KIND_LIST = re.compile(r"^(?:ОО|ДО|СПО)(?:,\s*(?:ОО|ДО|СПО))*$")
_GENERIC_ABBREVIATIONS = frozenset({"ДПО", "СПО", "ОО", "ДО", "УО", "ВО", "ОВЗ", "ЦМН", "ФСН", "СМИ", "ДОО", "РФ"})

ROLE_WORDS: list[tuple[str, str]] = [
    ("руководител", "head"), ("директор", "head"), ("заведующ", "head"), ("начальник", "head"),
    ("ректор", "head"), ("куратор", "curator"), ("координатор", "coordinator"), ("оператор", "operator"),
    ("заместител", "other"), ("педагог", "other"), ("учител", "other"), ("воспитател", "other"),
    ("наставник", "other"), ("методист", "other"), ("психолог", "other"), ("классн", "other"),
    ("специалист", "other"), ("ответственн", "other"), ("старш", "other"), ("социальн", "other"),
    ("член", "other"), ("председател", "other"), ("тьютор", "other"), ("советник", "other"),
    ("мастер", "other"), ("преподавател", "other"), ("работодател", "other"),
]  # fmt: skip
_HEAD_START = re.compile(
    r"^(?:Руководител|Муниципальн|Организаци|Департамент|Министерств|Управлени|Куратор|Заместител|Директор|"
    r"Заведующ|Начальник|Педагог|Учител|Классн|Координатор|Специалист|Наставник|Воспитател)"
)
_KIND_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("УО", re.compile(r"\bУО\b|органы управления образованием|органов управления образованием|"
                      r"органы управления образования|органов управления образования|"
                      r"органы, осуществляющие управление|органов, осуществляющих управление", re.IGNORECASE)),
    ("СПО", re.compile(r"\bСПО\b|профессиональн\w* образовательн\w* (?:организац|учрежден)|колледж|техникум",
                       re.IGNORECASE)),
    ("ДО", re.compile(r"\bДО\b|дополнительного образования", re.IGNORECASE)),
    ("ОО", re.compile(r"\bОО\b|образовательн\w* (?:организац|учрежден)|школ|\bДОУ\b|детск\w* сад",
                      re.IGNORECASE)),
]  # fmt: skip
_ORGANISATIONS = re.compile(
    r"^(?:ОО|ДО|СПО)(?:,\s*(?:ОО|ДО|СПО))*$|^(?:обще)?образовательн\w* организаци\w*$|"
    r"^муниципальн\w* органы?\b|^организаци\w* дополнительного образования$",
    re.IGNORECASE,
)


def defined_abbreviations(text: str) -> set[str]:
    """Abbreviations the document defines: «… (далее – ТОИПКРО)»."""
    found = {m.group(1).strip() for m in _DEFINED.finditer(text)}
    # an abbreviation is written in capitals («ТОИПКРО», «ГБУ РЦРО», «ГАПОУ «НСТ»»), not «кураторы внедрения ЦМН»
    return {a for a in found if len(a.split()) <= 3 and all(re.match(r"^[А-ЯЁA-Z«»\"\-]{2,}$", w) for w in a.split())}


def _nominative(word: str) -> str:
    """The head word of an addressee in the dative («Руководителям», «Кураторам») in the nominative."""
    low = word.lower()
    for ending, replacement in (
        ("ителям", "ители"),
        ("ателям", "атели"),
        ("торам", "торы"),
        ("икам", "ики"),
        ("огам", "оги"),
        ("щему", "щий"),
        ("щим", "щие"),
        ("ению", "ение"),
        ("ителю", "итель"),
        ("ору", "ор"),
        ("нику", "ник"),
        ("ым", "ые"),
        ("ам", "ы"),
    ):
        if low.endswith(ending) and len(low) > len(ending) + 2:
            base = word[: len(word) - len(ending)] + replacement
            return base
    return word


def nominative_phrase(text: str) -> str:
    """«Руководителям общеобразовательных организаций» -> «Руководители общеобразовательных организаций»."""
    words = text.split(" ")
    out = []
    for k, w in enumerate(words):
        if k < 2 and re.match(r"^[А-ЯЁа-яё]+(?:ям|ам|ому|ему|ю|у|ым|им)$", w):
            out.append(_nominative(w))
        else:
            out.append(w)
    return " ".join(out)


@dataclass
class PartySpec:
    key: tuple[str, ...]
    kind: str
    name: str
    role: str | None = None
    org_kinds: list[str] = field(default_factory=list)
    per_organisation: bool = False
    position: str | None = None
    body_name: str | None = None
    review: list[str] = field(default_factory=list)
    id: str = ""
    uses: int = 0


def _role_of(text: str) -> str | None:
    first = text.lower().split(" ")[0] if text else ""
    for stem, role in ROLE_WORDS:
        if first.startswith(stem):
            return role
    return None


def _kinds(text: str) -> list[str]:
    found = [kind for kind, pattern in _KIND_WORDS if pattern.search(text)]
    if "УО" in found and re.search(r"\bУО\b", text) is None and "ОО" in found and "образовательн" not in text:
        found.remove("ОО")
    return [k for k in ORG_KINDS if k in found]


def _explicit_kinds(text: str) -> list[str]:
    return [k for k in ORG_KINDS if re.search(rf"(?<![А-ЯЁ]){k}(?![А-ЯЁ])", text)]


class PartyBook:
    """Parties met in a document, each once, with stable ids."""

    def __init__(self, *, level: str, abbreviations: set[str]) -> None:
        self.level = level
        self.abbreviations = {a for a in abbreviations if a not in _GENERIC_ABBREVIATIONS}
        self.parties: dict[tuple[str, ...], PartySpec] = {}
        self.mentions = 0
        self.matched = 0

    # -- splitting ------------------------------------------------------------------------
    def split(self, text: str) -> list[str]:
        mentions: list[str] = []
        for part in text.split(";"):
            merged: list[str] = []
            for seg in (s.strip() for s in part.split(",")):
                if not seg:
                    continue
                if merged and (
                    _CONTINUES.match(seg)
                    or (_KIND_ONLY.match(seg) and (_role_of(merged[-1]) or _KIND_LIST.match(merged[-1])))
                ):
                    merged[-1] = f"{merged[-1]}, {seg}"
                else:
                    merged.append(seg)
            for m in merged:
                mentions.extend(self._split_run(m))
        return [m.strip(" .,") for m in mentions if m.strip(" .,")]

    def _split_run(self, text: str) -> list[str]:
        """Split a run of party names written without separators at their first words."""
        tokens = text.split(" ")
        out: list[list[str]] = [[]]
        k = 0
        while k < len(tokens):
            abbr = self._abbreviation_at(tokens, k)
            if abbr:
                if out[-1]:
                    out.append([])
                out[-1].extend(tokens[k : k + abbr])
                out.append([])
                k += abbr
                continue
            token = tokens[k]
            if out[-1] and _HEAD_START.match(token) and out[-1][-1].lower() not in ("и", "или", "в", "с"):
                out.append([])
            out[-1].append(token)
            k += 1
        return [" ".join(t) for t in out if t]

    def _abbreviation_at(self, tokens: list[str], k: int) -> int:
        for abbr in sorted(self.abbreviations, key=len, reverse=True):
            words = abbr.split(" ")
            if [t.strip(",.;") for t in tokens[k : k + len(words)]] == words and len(tokens) > len(words):
                return len(words)
        return 0

    # -- classifying ----------------------------------------------------------------------
    def resolve(self, text: str) -> tuple[list[str], list[str]]:
        """Party ids for one responsible cell, and review notes about it."""
        review: list[str] = []
        ids: list[str] = []
        for spec in self.read(text, review):
            spec = self._remember(spec)
            if spec.id not in ids:
                ids.append(spec.id)
        return ids, review

    def read(self, text: str, review: list[str]) -> list[PartySpec]:
        specs: list[PartySpec] = []
        text = text.strip().rstrip(".,;") + ("." if re.search(r"[А-ЯЁ]\.[А-ЯЁ]$", text.strip(". ")) else "")
        matches = list(OFFICIAL.finditer(text))
        if matches:
            before = text[: matches[0].start()].strip(" ,;(")
            body = None
            if before:
                for mention in self.split(before):
                    spec = self._classify(mention, review)
                    specs.append(spec)
                    body = spec.name
            for n, match in enumerate(matches):
                end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
                position = text[match.end() : end].strip(" ,;()")
                surname = match.group("sur") or match.group("sur2")
                initials = (match.group("ini") or match.group("ini2")).replace(" ", "")
                initials = initials if initials.endswith(".") else initials + "."
                self.mentions += 1
                self.matched += 1
                specs.append(
                    PartySpec(
                        key=("official", surname.lower(), initials),
                        kind="official",
                        name=f"{surname} {initials}",
                        position=position or None,
                        body_name=body,
                    )
                )
            return specs
        for mention in self.split(text):
            conj = re.match(r"^(\w+)\s+и\s+(\w+)\s+(.+)$", mention)
            if conj and _role_of(conj.group(1)) and _role_of(conj.group(2)):
                specs.append(self._classify(f"{conj.group(1)} {conj.group(3)}", review))
                specs.append(self._classify(f"{conj.group(2)} {conj.group(3)}", review))
                continue
            specs.append(self._classify(mention, review))
        return specs

    def _classify(self, mention: str, review: list[str]) -> PartySpec:
        self.mentions += 1
        name = nominative_phrase(mention)
        per_org = self.level != "organisation"
        role = _role_of(name)
        if role is not None:
            self.matched += 1
            explicit = _explicit_kinds(name)
            kinds = explicit or _kinds(name) or ["ОО"]
            key = ("role", role, *sorted(kinds)) if explicit else ("role", role, _norm(name))
            return PartySpec(key, "role", name, role=role, org_kinds=kinds if per_org else [], per_organisation=per_org)
        if _ORGANISATIONS.match(name):
            self.matched += 1
            kinds = _kinds(name) or ["ОО"]
            return PartySpec(
                ("organisation", *sorted(kinds)), "organisation", name, org_kinds=kinds if per_org else [],
                per_organisation=per_org,
            )  # fmt: skip
        if (
            name in self.abbreviations
            or name in ("УО",)
            or re.match(
                r"^(?:министерств|департамент|управлени|комитет|отдел|администраци|институт|центр)", name, re.IGNORECASE
            )
            or re.match(r"^(?:[А-ЯЁ]{2,}\s?)+(?:«[^»]+»)?$", name)
            or re.search(r"партн[её]р", name, re.IGNORECASE)
        ):
            self.matched += 1
            return PartySpec(("body", _norm(name)), "body", name)
        spec = PartySpec(("body", _norm(name)), "body", name)
        spec.review.append(f"«{name}» is not a known kind of party: read as a body; check the kind and the name")
        review.append(f"unknown party «{name}» read as a body")
        return spec

    def _remember(self, spec: PartySpec) -> PartySpec:
        known = self.parties.get(spec.key)
        if known is None:
            spec.id = self._new_id(spec)
            self.parties[spec.key] = spec
            known = spec
        elif known.position is None and spec.position:
            known.position = spec.position
        known.uses += 1
        return known

    def _new_id(self, spec: PartySpec) -> str:
        taken = {p.id for p in self.parties.values()}
        if spec.kind == "official":
            base = translit(spec.key[1])
        elif spec.kind == "role":
            prefix = translit(spec.org_kinds[0]) if spec.org_kinds else "org"
            base = f"{prefix}_{spec.role}"
        elif spec.kind == "organisation":
            kinds = spec.key[1:]
            base = "muo" if kinds == ("УО",) else translit(spec.org_kinds[0] if spec.org_kinds else kinds[0])
        else:
            base = _body_id(spec.name)
        base = base if re.match(r"^[a-z]", base) else f"p_{base}"
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        return candidate

    # -- subsets ----------------------------------------------------------------------------
    def narrowing(self) -> dict[str, tuple[str, list[str]]]:
        """Per-organisation parties whose kinds are a subset of another of the same role: id -> (wider id, kinds).

        «Руководители ОО» beside «Руководители ОО, ДО» is the same role, limited to ОО: the item keeps the
        wider party and its scope is narrowed to ОО.
        """
        out: dict[str, tuple[str, list[str]]] = {}
        specs = [s for s in self.parties.values() if s.per_organisation and s.kind in ("role", "organisation")]

        def by_kinds(spec: PartySpec) -> bool:
            return all(k in ORG_KINDS for k in (spec.key[2:] if spec.kind == "role" else spec.key[1:]))

        for a in specs:
            for b in specs:
                if (
                    a is not b
                    and (a.kind, a.role) == (b.kind, b.role)
                    and by_kinds(a)
                    and by_kinds(b)
                    and set(a.org_kinds) < set(b.org_kinds)
                ):
                    out[a.id] = (b.id, a.org_kinds)
        return out


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("ё", "е")).strip(" .,")


_BODY_IDS = [
    (r"^министерств", "ministry"), (r"^департамент", "department"), (r"^управлени\w* образовани", "uo"),
    (r"^УО$", "uo"), (r"^комитет", "committee"), (r"^администраци", "administration"),
]  # fmt: skip


def _body_id(name: str) -> str:
    for pattern, ident in _BODY_IDS:
        if re.match(pattern, name, re.IGNORECASE):
            return ident
    words = [w for w in re.split(r"[\s«»\"()\-–]+", name) if w]
    if all(w.isupper() for w in words):
        return translit("_".join(words))
    return translit("_".join(words[:2]))
