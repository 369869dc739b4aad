"""What a digest asks of its reader (issue 11, items 6 and 7): a command that works when pasted, a size a mail
server and a person can take, and occurrences in Russian."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from models.db import session_scope
from models.ru import format_occurrence
from models.store import Milestone
from notifications.digest import MAX_BYTES, MAX_ENTRIES, Digest, DigestEntry, render
from notifications.mailsink import MailSink
from tests.helpers.sechenovsky import PLAN, load_registry, notifier_for, sweep, sync

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "roadmap"


@pytest.mark.parametrize(
    ("occurrence", "words"),
    [("", ""), ("2021", "2021 г."), ("2020-01", "январь 2020 г."), ("2020/2021", "2020/2021 учебный год"),
     ("2020/2021 2020-09", "2020/2021 учебный год, сентябрь 2020 г."), ("особый", "особый")],
)  # fmt: skip
def test_occurrences_read_as_russian(occurrence, words):
    assert format_occurrence(occurrence) == words


@pytest.mark.skipif(not EXE.exists(), reason="console script not installed (pip install -e .)")
def test_the_command_a_digest_gives_works_when_pasted_into_a_shell(engine, db_url, tmp_path):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    with MailSink() as sink:
        notifier, _ = notifier_for(sink.url())
        sweep(engine, date(2020, 5, 25), notifier)
        [mail] = [m for m in sink.received if "sech-oo-02-head@example.org" in m.recipients]
    # what the head of the school reads, as delivered (the plain-text part), and in the HTML part
    text = mail.part("plain")
    assert "(2020-01)" not in text and "(январь 2020 г.)" in text  # the check-ins of 2.4, in Russian
    commands = [line.strip().removeprefix("Отметить выполнение: ") for line in text.splitlines()
                if "roadmap complete " in line]  # fmt: skip
    assert commands, text
    assert all("--by oo_head" in c or "--by oo" in c for c in commands), commands
    pasted = commands[0]
    milestone_id = int(shlex.split(pasted)[2])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROADMAP_", "PREFECT_"))}
    env |= {"ROADMAP_DB": db_url, "ROADMAP_DATA_DIR": str(tmp_path / "data")}
    # a shell splits the line exactly as shlex does; the console script is what the curator runs
    proc = subprocess.run([str(EXE), *shlex.split(pasted)[1:]], capture_output=True, text=True, env=env,
                          timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, (pasted, proc.stderr)
    assert proc.stdout.startswith(f"milestone {milestone_id} (sechenovsky-2020 item ")
    with session_scope(engine, readonly=True) as session:
        done = session.get(Milestone, milestone_id)
    assert done is not None and done.status == "done" and done.done_by in ("oo_head", "oo")
    # the HTML part shows the same command
    assert shlex.split(pasted) == shlex.split(_html_command(mail.part("html"), milestone_id))


def _html_command(html: str, milestone_id: int) -> str:
    import html as html_module
    import re

    found = re.search(rf"<code>(roadmap complete {milestone_id} [^<]*)</code>", html)
    assert found, html
    return html_module.unescape(found.group(1))


TOMSK = ("План мероприятий («дорожная карта») по внедрению методологии (целевой модели) наставничества обучающихся "
         "для организаций, осуществляющих образовательную деятельность по общеобразовательным, дополнительным "
         "общеобразовательным программам и программам среднего профессионального образования, на территории "
         "Томской области на 2020 - 2024 годы")  # fmt: skip


def big_digest(n: int) -> Digest:
    """The Tomsk operator after a gap: hundreds of items of every kind, with the source's long wordings."""
    kinds = ("overdue", "escalation", "before", "waiting", "lapse", "check-in")
    entries = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        end = None if kind == "waiting" else date(2021, 3, 1) + timedelta(days=i)
        entries.append(DigestEntry(
            kind, 1000 + i, "tomsk-2020-2024", TOMSK, f"{1 + i // 20}.{i % 20}",
            "Организация и проведение мероприятий по внедрению целевой модели наставничества " * 3,
            f"Организация № {i % 40} (образец)", None, end, result="Аналитический отчёт, приказ, протокол " * 4,
            occurrence=str(2020 + i % 5), responsible="ТОИПКРО, Департамент общего образования Томской области",
            note="Просрочено на 30 дн.; ответственные: ТОИПКРО" if kind == "escalation" else None,
            party="toipkro",
        ))  # fmt: skip
    return Digest("tomsk-toipkro@example.org", "ТОИПКРО (образец)", date(2021, 9, 1), entries)


def test_a_digest_is_capped_at_the_most_urgent_and_counts_the_rest_with_where_to_see_them():
    subject, text, html = render(big_digest(345))
    shown = text.count("Отметить выполнение")
    assert shown == MAX_ENTRIES < 345
    assert len(text.encode()) + len(html.encode()) <= MAX_BYTES
    # the subject counts every reminder, shown or not
    assert subject == ("Дорожная карта наставничества на 1 сентября 2021 г.: просрочено: 173, скоро срок: 115, "
                       "ждут даты: 57")  # fmt: skip
    hidden = 345 - MAX_ENTRIES
    assert f"Ещё {hidden} напоминаний в этом письме не показаны: просрочено 123, скоро срок 115, ждут даты 57." in text
    assert "Полный список: roadmap status --roadmap tomsk-2020-2024 --party toipkro" in text
    assert f"Ещё {hidden} напоминаний в этом письме не показаны" in html


def test_the_cap_takes_the_most_urgent_reminders_first():
    _subject, text, _html = render(big_digest(345))
    # every late reminder (escalated, lapsed, overdue; the longest late first) before any other
    assert "== Эскалация" in text and "== Срок истёк ==" in text and "== Просрочено ==" in text
    assert "== Приближается срок ==" not in text and "== Ожидает назначения срока ==" not in text
    assert "до 1 марта 2021 г." in text and "до 31 октября 2021 г." not in text  # the first and the 245th


def test_a_small_digest_is_whole():
    _subject, text, _html = render(big_digest(12))
    assert text.count("Отметить выполнение") == 12 and "не показан" not in text


def test_a_digest_with_huge_entries_is_cut_to_its_byte_budget():
    digest = big_digest(MAX_ENTRIES)
    fat = [DigestEntry(**{**e.__dict__, "title": e.title * 40}) for e in digest.entries]
    _subject, text, html = render(Digest(digest.recipient, digest.recipient_name, digest.today, fat))
    assert len(text.encode()) + len(html.encode()) <= MAX_BYTES
    assert 0 < text.count("Отметить выполнение") < MAX_ENTRIES and "не показаны" in text
