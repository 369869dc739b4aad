"""Territories: one municipality or region, the many ways documents and registries spell it, and its ОКТМО code.

A plan names its territory as the source does («Сеченовский муниципальный район»); a registry typed
by someone else says «Сеченовский район», «Сеченовский м. р.» or «СЕЧЕНОВСКИЙ  РАЙОН». These are one
place, and a sync that compared the strings fanned out to nobody. Names are compared by their key:
the words that name the place (case, ё/е, quotes, punctuation and extra spaces aside) and the kind
of place the official words say:

- district: «муниципальный район», «район», «м. р.», «м.р-н», «р-н», «МР»;
- city: «городской округ», «г. о.», «ГО», «город», «г.», «ЗАТО» (a closed town is a городской округ);
- municipal okrug: «муниципальный округ», «м. о.» (a newer kind: a district turned okrug is another
  place in law, so it does not match the district);
- regions: «область», «обл.», «край», «республика», «респ.», «автономный округ», «АО», …

Two names match when their words are the same (in any order) and their kinds agree, or one of them
names no kind («Томск» is «Город Томск»). «Муниципальное образование» and «МО» name no kind.

The official code decides when both sides have one: an ОКТМО code of the plan's territory (8 digits,
e.g. 22649000 for a municipal district, 69000000 for a region) covers every code that starts with its
significant part (22649…, 69…), and an organisation's code (8 or 11 digits) lies in it or not,
whatever the names say.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# multi-word kinds first, so that «муниципальный район» is not read as «район» plus a stray word
_KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("муниципальный", "район"), "district"),
    (("муниципальный", "округ"), "okrug"),
    (("городской", "округ"), "city"),
    (("автономный", "округ"), "autonomous-okrug"),
    (("автономная", "область"), "autonomous-oblast"),
    (("город", "федерального", "значения"), "city"),
    (("район",), "district"),
    (("мр",), "district"),
    (("город",), "city"),
    (("го",), "city"),
    (("зато",), "city"),
    (("область",), "oblast"),
    (("край",), "krai"),
    (("республика",), "republic"),
    (("ао",), "autonomous-okrug"),
)
_GENERIC: tuple[tuple[str, ...], ...] = (("муниципальное", "образование"), ("мо",))
# abbreviations with dots, rewritten before the words are split (ОКТМО's own: м.р-н, г.о., м.о.)
_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"\bм\.?\s*р-н\b\.?", " муниципальный район "),
    (r"\bм\.\s*р\.", " муниципальный район "),
    (r"\bг\.\s*о\.", " городской округ "),
    (r"\bм\.\s*о\.", " муниципальный округ "),
    (r"\bр-н\b\.?", " район "),
    (r"\bг\.", " город "),
    (r"\bобл\b\.?", " область "),
    (r"\bресп\b\.?", " республика "),
)
_QUOTES = re.compile(r"[«»\"'„“”‘’`]")
_PUNCTUATION = re.compile(r"[^\w\s-]")


@dataclass(frozen=True)
class NameKey:
    """What a territory name says: its own words (sorted) and the kinds of place its official words name."""

    words: tuple[str, ...]
    kinds: frozenset[str]

    def matches(self, other: NameKey) -> bool:
        if self.words != other.words or not self.words:
            return False
        return not self.kinds or not other.kinds or bool(self.kinds & other.kinds)


@lru_cache(maxsize=4096)
def name_key(name: str) -> NameKey:
    """The key of a territory name (see the module docstring); cached, as a registry repeats few names."""
    text = _QUOTES.sub(" ", name.lower().replace("ё", "е"))
    for pattern, replacement in _ABBREVIATIONS:
        text = re.sub(pattern, replacement, text)
    tokens = [t.strip("-") for t in _PUNCTUATION.sub(" ", text).split()]
    tokens = [t for t in tokens if t]
    words: list[str] = []
    kinds: set[str] = set()
    i = 0
    while i < len(tokens):
        for phrase in _GENERIC:
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            for phrase, kind in _KINDS:
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    kinds.add(kind)
                    i += len(phrase)
                    break
            else:
                words.append(tokens[i])
                i += 1
    return NameKey(tuple(sorted(words)), frozenset(kinds))


def same_place(a: str, b: str) -> bool:
    """Whether two territory names are spellings of one place (see the module docstring)."""
    return a == b or name_key(a).matches(name_key(b))


OKTMO_FORMAT = re.compile(r"^\d{8}(\d{3})?$")


def oktmo_digits(text: str) -> str | None:
    """An ОКТМО code as its digits (spaces allowed in the input), or None when it is not 8 or 11 digits."""
    digits = re.sub(r"\s", "", text)
    return digits if OKTMO_FORMAT.match(digits) else None


def oktmo_prefix(code: str) -> str:
    """The significant part of a territory's code: 69000000 -> 69, 22649000 -> 22649, 22649151 -> 22649151."""
    prefix = code[:8]
    while len(prefix) > 2 and prefix.endswith("000"):
        prefix = prefix[:-3]
    return prefix


def in_territory(
    *, region: str, municipality: str | None, oktmo: str | None, org_region: str, org_municipality: str,
    org_oktmo: str | None,
) -> bool:  # fmt: skip
    """Whether an organisation lies in a territory (a region, or a municipality of it): by code when both have
    one, else by names."""
    if oktmo and org_oktmo:
        return org_oktmo.startswith(oktmo_prefix(oktmo))
    if not same_place(region, org_region):
        return False
    return municipality is None or same_place(municipality, org_municipality)


def closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates whose spelling is nearest to `name` (for «did you mean»), best first."""
    keyed: dict[str, str] = {}
    for candidate in candidates:
        keyed.setdefault(" ".join(name_key(candidate).words) or candidate.lower(), candidate)
    wanted = " ".join(name_key(name).words) or name.lower()
    return [keyed[k] for k in difflib.get_close_matches(wanted, list(keyed), n=n, cutoff=0.5)]
