"""The pages in a real headless browser (Debian's chromium through Playwright), served by uvicorn, with
digests and sign-in links delivered by a real SMTP server on loopback.

A curator follows the link in a digest, signs in on the way, marks the milestone done with a file and
sees the receipt; the operator's board and the auditor's history show it; the next sweep no longer
reminds about it; a curator of another organisation is refused it (page and API); an anonymous
request goes to the sign-in page. Screenshots of the three pages are written to ROADMAP_SCREENSHOTS
(default: the test's temporary folder; docs/screenshots/ holds the ones the README shows).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from openpyxl import load_workbook
from sqlalchemy import select

from models.db import session_scope
from models.settings import get_settings
from models.store import Milestone, OutboxMessage
from notifications.dispatch import RecordingNotifier, RoutingNotifier
from notifications.links import link_maker
from notifications.mailsink import MailSink, free_port
from notifications.smtp import SmtpNotifier
from operations.context import Actor, Clock, Context
from operations.users import add_user, issue_token
from outbox.send import dispatch
from tests.helpers.sechenovsky import PLAN, load_registry, sync
from tests.test_delivery_failures import decide
from web.app import create_app

CURATOR, OTHER, OPERATOR, AUDITOR = "sech-oo-01-curator@example.org", "curator2@example.org", "op@example.org", \
    "auditor@example.org"  # fmt: skip
DAY = date(2020, 5, 25)
AT = datetime(2020, 5, 25, 9, 30, tzinfo=UTC)
LINK = re.compile(r"https?://127\.0\.0\.1:\d+(/\S+)")


def chromium_path() -> str:
    found = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    if found is None:
        message = "chromium is not installed: apt-get install chromium (the test command installs it as root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


class Server:
    """uvicorn serving the app on a free loopback port, in a thread."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.server.started, "uvicorn did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ROADMAP_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def site(engine, db_url, monkeypatch, tmp_path) -> Iterator[tuple[Server, MailSink]]:
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    ctx = Context(engine, Actor("operator", "test"), Clock(datetime(2020, 5, 20, tzinfo=UTC)))
    add_user(ctx, email=CURATOR, role="curator", org_id="sech-oo-01")
    add_user(ctx, email=OTHER, role="curator", org_id="sech-oo-02")
    add_user(ctx, email=OPERATOR, role="operator")
    add_user(ctx, email=AUDITOR, role="auditor")
    port = free_port()
    monkeypatch.setenv("ROADMAP_WEB_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("ROADMAP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    with MailSink() as sink:
        # the pages judge as of the morning of the sweep, as a curator reading that digest would see them
        app = create_app(db_url=db_url, mailer=SmtpNotifier(sink.url()), clock=lambda: Clock(AT))
        server = Server(app)
        server.port = port
        server.server.config.port = port
        with server:
            yield server, sink


def mails_to(sink: MailSink, address: str) -> list[str]:
    return [m.part("plain") for m in sink.received if address in m.recipients]


def sign_in_through(page, sink: MailSink, address: str) -> None:  # type: ignore[no-untyped-def]
    """On the sign-in page: send the form, open the link that arrives, press «Войти»."""
    before = len(mails_to(sink, address))
    page.fill("input[name=email]", address)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Проверьте почту")
    deadline = time.monotonic() + 10
    while len(mails_to(sink, address)) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    mail = mails_to(sink, address)[-1]
    link = LINK.search(mail)
    assert link and "/auth/link/" in link.group(0), mail
    page.goto(link.group(0))
    page.click("#enter")


def test_a_curator_answers_a_digest_in_the_browser_and_everyone_sees_it(site, engine, db_url, shots):
    from playwright.sync_api import sync_playwright

    server, sink = site
    settings = get_settings()
    # the morning's digest, with a signed link per milestone (the sweep's decision and dispatch, as the flow runs them)
    decide(engine, DAY)
    notifier = RoutingNotifier(email=SmtpNotifier(sink.url()), other=RecordingNotifier())
    dispatch(engine, notifier=notifier, now=datetime(2020, 5, 25, 6, tzinfo=UTC), link_for=link_maker(settings))
    [digest] = mails_to(sink, CURATOR)
    links = LINK.findall(digest)
    assert links and all(path.startswith("/m/") for path in links), digest
    assert "roadmap complete" not in digest  # a curator gets a link, not an operator's command

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            # anonymous: any page goes to sign-in
            anonymous = browser.new_page()
            anonymous.goto(f"{server.url}/board")
            assert "/auth/signin" in anonymous.url

            curator = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            curator.goto(server.url + links[0])
            assert "/auth/signin" in curator.url
            assert curator.input_value("input[name=email]") == CURATOR  # filled in from the signed link
            sign_in_through(curator, sink, CURATOR)
            curator.wait_for_selector("#complete")
            milestone_id = int(curator.url.rstrip("/").rsplit("/", 1)[1])
            evidence = curator.locator("input[name=evidence]")
            evidence.fill("Приказ ОО № 15 от 25.05.2020 «Об утверждении положения о наставничестве»")
            curator.fill("input[name=doc_number]", "15")
            curator.fill("input[name=doc_date]", "2020-05-25")
            curator.set_input_files("input[name=file]", files=[{"name": "prikaz-15.pdf", "mimeType": "application/pdf",
                                                                 "buffer": b"%PDF-1.4 sample"}])  # fmt: skip
            curator.click("#complete button[type=submit]")
            curator.wait_for_selector("#receipt")
            receipt = curator.inner_text("#receipt")
            assert "Выполнение записано" in receipt and "Квитанция: событие №" in receipt
            assert curator.inner_text("#status") == "выполнено"
            curator.screenshot(path=str(shots / "curator.png"), full_page=True)
            curator.goto(f"{server.url}/milestones")
            assert "Сеченовская СШ № 2" not in curator.content()

            operator = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            operator.goto(f"{server.url}/board")
            sign_in_through(operator, sink, OPERATOR)
            operator.wait_for_selector("#grid")
            assert "выполнено: 1" in operator.inner_text("#counts")
            operator.screenshot(path=str(shots / "operator-board.png"), full_page=False)
            box = operator.locator("#timeline").bounding_box()  # the plan-against-actual picture is drawn
            assert box is not None and box["width"] > 1000 and box["height"] > 100, box
            operator.locator("#plan-vs-actual").screenshot(path=str(shots / "operator-timeline.png"))

            auditor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            auditor.goto(f"{server.url}/audit")
            sign_in_through(auditor, sink, AUDITOR)
            auditor.wait_for_selector("#events")
            assert "Цепочка хешей цела" in auditor.inner_text("#verification")
            assert f"milestone/{milestone_id}" in auditor.inner_text("#events")
            auditor.screenshot(path=str(shots / "auditor.png"), full_page=False)
            with auditor.expect_download() as started:  # the report downloads as the browser saves it
                auditor.click('#reports a[href^="/reports/execution.xlsx"]')
            saved = started.value
            assert saved.suggested_filename.startswith("execution-sechenovsky-2020-")
            sheet = load_workbook(io.BytesIO(Path(saved.path()).read_bytes())).worksheets[0]
            assert any(row[0] == milestone_id for row in sheet.iter_rows(min_row=2, values_only=True))

            other = browser.new_context().new_page()
            other.goto(f"{server.url}/milestones/{milestone_id}")
            sign_in_through(other, sink, OTHER)
            assert "Доступ запрещён" in other.content()
        finally:
            browser.close()

    # the API refuses the other school's curator the same milestone
    token = issue_token(Context(engine, Actor("operator", "test")), email=OTHER)
    refused = httpx.post(f"{server.url}/api/milestones/{milestone_id}/complete", json={"evidence": "x"},
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert refused.status_code == 403
    # the next sweep (a week on) reminds about other milestones, never this one
    decide(engine, date(2020, 6, 1))
    with session_scope(engine, readonly=True) as session:
        later = list(session.execute(select(OutboxMessage).where(OutboxMessage.due_on == date(2020, 6, 1))).scalars())
        done = session.get(Milestone, milestone_id)
    assert later and all(r.milestone_id != milestone_id for r in later)
    assert done is not None and done.status == "done" and done.done_by in ("oo_curator", "oo_head", "oo")
    for name in ("curator.png", "operator-board.png", "auditor.png"):
        assert (shots / name).stat().st_size > 10_000
