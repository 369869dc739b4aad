"""The e-mail written directly as bytes (notifications/smtp.py `message_bytes`) reads, to a standard parser and to a
real SMTP server on loopback, exactly as the email package's message (`build_message`) it replaced."""

from __future__ import annotations

from email import charset, message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest

from notifications.digest import render
from notifications.mailsink import MailSink
from notifications.smtp import SmtpNotifier, SmtpServer, build_message, can_write, encoded_words, message_bytes
from tests.test_messages import sample_digest

SERVER = SmtpServer.from_url("mailto://127.0.0.1:2525?from=roadmap@example.org")
NAMED = SmtpServer.from_url("mailto://127.0.0.1:2525?from=roadmap@example.org&name=Региональный координатор ЦМН")
LONG_SUBJECTS = [("Ж" * k) + " Еженедельная контрольная точка журнала аудита дорожных карт наставничества: событие "
                 "1 234, подпись от 12.10.2021" for k in range(0, 60, 7)]  # fmt: skip


@pytest.fixture(autouse=True)
def stdlib_utf8(monkeypatch):
    """The email package's own UTF-8 settings (base64 bodies) for the reference: importing apprise registers
    quoted-printable for UTF-8 process-wide, and then `build_message`'s texts read back with CRLF line ends."""
    monkeypatch.setitem(charset.CHARSETS, "utf-8", (charset.SHORTEST, charset.BASE64, "utf-8"))


def parsed(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


def reading(message: EmailMessage) -> dict[str, object]:
    """What a reader of the message gets: its decoded headers and, part by part, type and content."""
    parts = []
    for part in message.walk():
        if part.is_multipart():
            parts.append((part.get_content_type(), None, None))
        else:
            content = part.get_content()
            parts.append((part.get_content_type(), part.get_filename(), content))
    headers = {name: str(message[name]) for name in ("From", "To", "Subject", "MIME-Version", "Auto-Submitted")}
    return {"headers": headers, "parts": parts}


def both(server: SmtpServer, to: str, subject: str, text: str, html: str, files: list[str] | None = None):
    old = parsed(build_message(server, to, subject, text, html, files or []).as_bytes())
    new = parsed(message_bytes(server, to, subject, text, html, files or []))
    return old, new


def digest() -> tuple[str, str, str]:
    return render(sample_digest())


@pytest.mark.parametrize("server", [SERVER, NAMED], ids=["address", "named sender"])
def test_a_digest_reads_the_same_as_the_email_package_wrote_it(server):
    subject, text, html = digest()
    old, new = both(server, "head@example.org", subject, text, html)
    assert reading(new) == reading(old)
    assert new.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in new.iter_parts()] == ["text/plain", "text/html"]
    assert new["Subject"] == subject and new.get_body(("plain",)).get_content() == text  # type: ignore[union-attr]
    assert new.get_body(("html",)).get_content() == html  # type: ignore[union-attr]
    assert str(new["From"]) == ("Региональный координатор ЦМН <roadmap@example.org>" if server is NAMED
                                else "roadmap@example.org")  # fmt: skip
    assert parsedate_to_datetime(str(new["Date"])).utcoffset() is not None
    assert str(new["Message-ID"]).startswith("<") and str(new["Message-ID"]).endswith("@example.org>")
    assert not new.defects and all(not part.defects for part in new.walk())


def test_the_bytes_are_plain_ascii_lines_of_at_most_78_characters_ending_in_crlf():
    subject, text, html = digest()
    data = message_bytes(SERVER, "head@example.org", LONG_SUBJECTS[-1], text, html)
    assert data.isascii() and data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 78
    # a sender's name is one encoded word (formataddr's: "b", or "q" once apprise has registered the charset so),
    # the address on a line of its own after it
    named = message_bytes(NAMED, "head@example.org", "x", text, html).split(b"\r\n")
    start = next(k for k, line in enumerate(named) if line.lower().startswith(b"from: =?utf-8?"))
    assert named[start + 1] == b" <roadmap@example.org>" and named[start].endswith(b"?=")
    header = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert header.count("\r\nSubject: =?utf-8?b?") == 1 and "\r\n =?utf-8?b?" in header  # folded encoded words


@pytest.mark.parametrize("subject", ["", "Short ASCII subject", "Срок: 1.7 — «Дорожные карты»", *LONG_SUBJECTS])
def test_subjects_decode_whole_with_every_space(subject):
    old, new = both(SERVER, "a@example.org", subject, "текст", "<p>текст</p>")
    assert str(new["Subject"]) == str(old["Subject"]) == subject


def test_an_encoded_word_never_splits_a_character():
    for text in ("ё" * 50, "a" + "ё" * 50, "€" * 40, "😀" * 30, "aa" + "😀" * 30):
        words = encoded_words(text).split(b"\r\n ")
        assert all(len(word) <= 75 for word in words)
        assert str(parsed(b"Subject: " + encoded_words(text) + b"\r\n\r\n")["Subject"]) == text


def test_a_message_without_html_is_a_text_alternative_alone():
    old, new = both(SERVER, "a@example.org", "Тема", "только текст\nвторая строка\n", "")
    assert reading(new) == reading(old)
    assert [p.get_content_type() for p in new.iter_parts()] == ["text/plain"]


def test_attachments_arrive_as_the_email_package_attached_them(tmp_path):
    report = tmp_path / "Отчёт о мониторинге 2021.html"
    report.write_text("<h1>Отчёт</h1>", encoding="utf-8")
    data = tmp_path / "data.bin"
    data.write_bytes(bytes(range(256)) * 10)
    files = [str(report), str(data), str(tmp_path / "gone.pdf")]  # a file gone by now is simply not attached
    old, new = both(SERVER, "a@example.org", "Уведомление", "текст", "<p>текст</p>", files)
    assert reading(new) == reading(old)
    assert new.get_content_type() == "multipart/mixed"
    attached = [(p.get_filename(), p.get_payload(decode=True)) for p in new.iter_attachments()]
    assert attached == [(report.name, report.read_bytes()), ("data.bin", data.read_bytes())]


def test_an_internationalised_address_is_left_to_the_email_package():
    assert can_write(SERVER, "head@example.org")
    assert not can_write(SERVER, "директор@школа.рф")
    assert not can_write(SmtpServer.from_url("mailto://127.0.0.1:2525?from=робот@школа.рф"), "head@example.org")


def test_a_real_smtp_server_receives_the_bytes_as_written():
    subject, text, html = digest()
    with MailSink() as sink:
        url = sink.url() + "&name=Региональный координатор ЦМН"
        for writer in ("bytes", "email"):
            notifier = SmtpNotifier(url, writer=writer)  # type: ignore[arg-type]
            for k, long_subject in enumerate([subject, *LONG_SUBJECTS]):
                notifier.send(f"head{k}@example.org", long_subject, text, html)
            notifier.close()
        received = sink.received
    count = len(LONG_SUBJECTS) + 1
    assert len(received) == 2 * count
    by_bytes, by_email = received[:count], received[count:]
    for new, old in zip(by_bytes, by_email, strict=True):
        assert new.sender == old.sender == "roadmap@example.org" and new.recipients == old.recipients
        assert reading(new.message) == reading(old.message)
    assert by_bytes[0].subject == subject and by_bytes[0].part("plain") == text and by_bytes[0].part("html") == html
    assert [m.subject for m in by_bytes[1:]] == LONG_SUBJECTS


def test_the_bytes_do_not_depend_on_what_apprise_registered_for_utf8(monkeypatch):
    subject, text, html = digest()
    before = message_bytes(SERVER, "a@example.org", subject, text, html)
    monkeypatch.setitem(charset.CHARSETS, "utf-8", (charset.QP, charset.QP, "utf-8"))  # what apprise does
    after = parsed(message_bytes(SERVER, "a@example.org", subject, text, html))
    assert reading(after) == reading(parsed(before))
    assert after.get_body(("plain",)).get_content() == text  # type: ignore[union-attr]
