"""The Russian messages, word for word (golden files), and secrets kept out of them."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from notifications.digest import Digest, DigestEntry, days_words, render
from notifications.dispatch import AppriseNotifier, SendError
from notifications.errors import expand_secrets
from notifications.smtp import SmtpNotifier

GOLDEN = Path(__file__).resolve().parent / "golden"
ROADMAP = "План мероприятий (дорожная карта) Сеченовского муниципального района на 2020 год"
SCHOOL = 'МБОУ "Сеченовская СШ № 1" (образец)'


def sample_digest() -> Digest:
    def e(kind: str, mid: int, item: str, title: str, end: date, **kw) -> DigestEntry:  # noqa: ANN003
        kw.setdefault("party", "oo_head")  # whom the commands name with --by
        return DigestEntry(kind, mid, "sechenovsky-2020", ROADMAP, item, title, kw.pop("org", SCHOOL),
                           kw.pop("start", date(2020, 1, 1)), end, **kw)  # fmt: skip

    return Digest(
        "head@example.org",
        "Руководитель (образец)",
        date(2020, 8, 28),
        [
            e("before", 12, "3.2", "Формирование базы наставляемых в 2020 - 2021 учебном году", date(2020, 9, 15),
              start=date(2020, 9, 1), result="База наставляемых с перечнем запросов",
              responsible="Кураторы внедрения ОО, ДО"),
            e("lapse", 13, "1.13", "Заключение соглашений с организациями-партнерами", date(2020, 8, 20),
              result="Соглашения с организациями - партнерами"),
            e("overdue", 14, "1.7", "Разработка дорожных карт внедрения целевой модели наставничества в ОО и ДО",
              date(2020, 6, 22), result="Дорожные карты"),
            e("escalation", 15, "2.4", "Формирование баз наставников", date(2020, 6, 30),
              org="МБОУ \"Болтинская СШ\" (образец)", note="Просрочено на 59 дн.; ответственные: ОО, ДО"),
            e("moved", 16, "1.14", "Разработка и утверждение системы мотивации наставников", date(2020, 9, 30),
              old_end=date(2020, 8, 20), result="Методические рекомендации, Распорядительные акты"),
            e("waiting", 17, "3.4", "Обучение наставников", None, start=None, org=None),  # type: ignore[arg-type]
            e("check-in", 18, "4.3", "Формирование профессиональных сообществ наставников", date(2020, 9, 30),
              start=date(2020, 7, 1), occurrence="2020-07"),
        ],
    )  # fmt: skip


@pytest.mark.parametrize("part", ["subject", "text", "html"])
def test_the_digest_matches_its_golden_file(part):
    subject, text, html = render(sample_digest())
    rendered = {"subject": subject + "\n", "text": text, "html": html}[part]
    path = GOLDEN / f"digest.{part}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8"), f"regenerate with UPDATE_GOLDEN=1 and review {path}"


def test_the_digest_names_no_children_and_no_addresses():
    _, text, html = render(sample_digest())
    assert "@" not in text.replace("head@example.org", "") and "@" not in html


@pytest.mark.parametrize(
    ("end", "words"),
    [(date(2020, 8, 29), "остался 1 день"), (date(2020, 8, 30), "осталось 2 дня"),
     (date(2020, 9, 2), "осталось 5 дней"), (date(2020, 8, 28), "сегодня последний день"),
     (date(2020, 8, 27), "просрочено на 1 день"), (date(2020, 8, 7), "просрочено на 21 день"),
     (date(2020, 8, 16), "просрочено на 12 дней"), (None, "срок не назначен")],
)  # fmt: skip
def test_days_are_worded_with_russian_plurals(end, words):
    assert days_words(end, date(2020, 8, 28)) == words


def test_a_secret_in_a_url_comes_from_the_environment_and_is_never_shown(monkeypatch):
    monkeypatch.setenv("ROADMAP_TEST_TOKEN", "s3cr3t")
    assert expand_secrets("tgram://${ROADMAP_TEST_TOKEN}/12345") == "tgram://s3cr3t/12345"
    monkeypatch.delenv("ROADMAP_TEST_TOKEN")
    with pytest.raises(SendError) as err:
        AppriseNotifier().send("tgram://${ROADMAP_TEST_TOKEN}/12345", "s", "t", "h")
    assert str(err.value) == "the notification URL needs the environment variable ROADMAP_TEST_TOKEN, which is not set"


def test_an_unusable_url_is_refused_with_the_url_masked():
    with pytest.raises(SendError) as err:
        AppriseNotifier().send("nosuchscheme://token123@host.example.org/path?key=abc", "s", "t", "h")
    assert "token123" not in str(err.value) and "abc" not in str(err.value)
    assert str(err.value).startswith("not a usable notification URL: nosuchscheme://")


def test_email_needs_an_smtp_url_and_says_how_to_set_it():
    with pytest.raises(SendError, match="no SMTP server configured: set ROADMAP_SMTP_URL"):
        SmtpNotifier("").send("a@example.org", "s", "t", "h")


def test_html_digests_escape_what_comes_from_files():
    digest = sample_digest()
    entry = DigestEntry("before", 1, "r", "Дорожная карта", "1.1", "<script>alert(1)</script> & приказ", "ОО", None,
                        date(2020, 9, 1))  # fmt: skip
    _, text, html = render(Digest(digest.recipient, "", digest.today, [entry]))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; приказ" in html
    assert "<script>alert(1)</script> & приказ" in text  # plain text stays as written


def test_with_the_pages_configured_every_entry_links_to_its_milestone_instead_of_a_command():
    digest = sample_digest()
    digest.links = {e.milestone_id: f"https://roadmap.example.org/m/signed-{e.milestone_id}" for e in digest.entries}
    digest.site = "https://roadmap.example.org"
    _subject, text, html = render(digest)
    assert "roadmap complete" not in text and "roadmap schedule" not in text
    for entry in digest.entries:
        assert f"Открыть и отметить выполнение: https://roadmap.example.org/m/signed-{entry.milestone_id}" in text
        assert f'<a href="https://roadmap.example.org/m/signed-{entry.milestone_id}">' in html
    assert "вход — по адресу электронной\nпочты, на который пришло это письмо" in text
