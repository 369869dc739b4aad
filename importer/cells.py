"""Cleaning cell text from office exports: markup, split words, fragments of one cell on two lines."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"</?(?:p|i|b|u|em|strong|span|ul|ol|li|br|sup|sub|div|font)(?:\s[^<>]*)?/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_FOOTNOTE_MARKS = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+")
_CYR_WORD_END = re.compile(r"[а-яё]$")
_LOWER_START = re.compile(r"^[а-яё]")

# Russian words of one or two letters: a fragment like these after a line break is a word of its own,
# any other («м», «ых») is the tail of the word before it that the export cut off.
SHORT_WORDS = frozenset(
    "а б в ж и к о с у я бы во да до ее её ей ею же за из им их ко ли мы на не ни но ну об од он от "
    "по со та те то ту ты уж вы из-за т.е".split()
)
_SPLIT_TAIL = re.compile(r"(?<=[а-яё]{3})\s([а-яё]{1,2})(?=[\s,;:)»]|$)")  # «т.д.», «г.» are not tails


def clean(text: str) -> str:
    """Cell text without HTML or markdown markup, entities decoded, spaces collapsed."""
    out = html.unescape(text.replace("\\_", "_").replace("\\-", "-").replace("**", ""))
    out = _TAG.sub(" ", out)
    out = out.replace("\u00a0", " ").replace("\u00ad", "")
    return _SPACES.sub(" ", out).strip()


def header_text(text: str) -> str:
    """A header cell as words: lower case, no footnote marks."""
    return _FOOTNOTE_MARKS.sub("", clean(text)).lower().replace("ё", "е").strip(" .:")


def repair_split_words(text: str) -> tuple[str, list[str]]:
    """Rejoin words the export split with a space («общеобразовательн ых»); returns the repairs made."""
    repairs: list[str] = []

    def glue(match: re.Match[str]) -> str:
        tail = match.group(1)
        if tail in SHORT_WORDS:
            return match.group(0)
        start = text.rfind(" ", 0, match.start()) + 1
        repairs.append(f"«{text[start : match.end()]}» read as «{text[start : match.start()]}{tail}»")
        return tail

    return _SPLIT_TAIL.sub(glue, text), repairs


def join(first: str, second: str) -> tuple[str, bool]:
    """Join two fragments of one cell; True when the break fell inside a word and they were glued."""
    if not first:
        return second, False
    if not second:
        return first, False
    head = second.split(" ", 1)[0].rstrip(",.;:)»")
    if (
        _CYR_WORD_END.search(first)
        and _LOWER_START.match(second)
        and len(head) <= 2
        and head.isalpha()
        and head not in SHORT_WORDS
    ):
        return first + second, True
    return f"{first} {second}", False


def starts_upper(text: str) -> bool:
    """The text starts with a capital letter (after list dashes and quotes)."""
    stripped = text.lstrip(" -–—•«\"'(")
    return bool(stripped) and stripped[0].isupper()


def starts_lower(text: str) -> bool:
    stripped = text.lstrip(" -–—•«\"'(")
    return bool(stripped) and stripped[0].islower()
