"""The web face over a real store: sign-in by a one-time link, scopes, CSRF, rate limits, the API, feeds.

The application runs in-process (FastAPI's TestClient); the browser tests (tests/test_web_browser.py)
drive the same pages in a real headless Chromium.
"""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app as cli_app
from models.store import Milestone
from notifications.dispatch import RecordingNotifier
from operations.context import Actor, Clock, Context
from operations.users import add_user, issue_token
from tests.helpers.sechenovsky import PLAN, load_registry, sync
from web.app import COOKIE, create_app

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2020, 5, 25, 7, 0, tzinfo=UTC)
CURATOR = "curator1@example.org"
OTHER = "curator2@example.org"
OPERATOR = "operator@example.org"
AUDITOR = "auditor@example.org"
COORDINATOR = "uo@example.org"


class Clockwork:
    """The clock the app reads, moved by the test (never by sleeping)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> Clock:
        return Clock(self.now)


@pytest.fixture
def store(engine, db_url):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    ctx = Context(engine, Actor("operator", "test"), Clock(NOW))
    add_user(ctx, email=CURATOR, role="curator", org_id="sech-oo-01")
    add_user(ctx, email=OTHER, role="curator", org_id="sech-oo-02")
    add_user(ctx, email=OPERATOR, role="operator")
    add_user(ctx, email=AUDITOR, role="auditor")
    add_user(ctx, email=COORDINATOR, role="coordinator", municipality="Сеченовский муниципальный район")
    return db_url


@pytest.fixture
def web(store, monkeypatch, tmp_path):
    monkeypatch.setenv("ROADMAP_WEB_URL", "http://testserver")
    monkeypatch.setenv("ROADMAP_DATA_DIR", str(tmp_path / "data"))
    from models.settings import get_settings

    get_settings.cache_clear()  # the store fixture read the settings before these were set
    clock = Clockwork(NOW)
    mailer = RecordingNotifier()
    application = create_app(db_url=store, clock=clock, mailer=mailer)
    with TestClient(application, follow_redirects=False) as client:
        yield client, mailer, clock


def milestone_of(engine, org: str, item: str = "1.2") -> int:
    from models.db import session_scope

    with session_scope(engine, readonly=True) as session:
        ids = session.execute(
            select(Milestone.id).where(Milestone.org_id == org, Milestone.item_number == item)
        ).scalars().all()  # fmt: skip
    assert ids, f"no milestone of item {item} for {org}"
    return ids[0]


def sign_in(client: TestClient, mailer: RecordingNotifier, email: str, next_path: str = "/") -> str:
    """Ask for a link, take it from the e-mail, press the button: the session cookie's value."""
    before = len(mailer.sent)
    answer = client.post("/auth/signin", data={"email": email, "next": next_path})
    assert answer.status_code == 200 and "Проверьте почту" in answer.text
    [(to, subject, text)] = mailer.sent[before:]
    assert to == email and subject == "Вход в систему дорожных карт наставничества"
    link = re.search(r"http://testserver(/auth/link/\S+)", text)
    assert link, text
    confirm = client.get(link.group(1))
    assert confirm.status_code == 200 and "Войти" in confirm.text  # a button: a mail scanner spends nothing
    entered = client.post(link.group(1))
    assert entered.status_code == 303 and entered.headers["location"] == next_path
    cookie = entered.cookies.get(COOKIE)
    assert cookie
    return cookie


def test_an_anonymous_request_for_a_page_is_sent_to_sign_in(web):
    client, _mailer, _clock = web
    for path in ("/", "/milestones", "/board", "/audit", "/milestones/1"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/auth/signin?next=")


def test_a_curator_signs_in_by_link_and_sees_only_their_organisation(web, engine):
    client, mailer, _clock = web
    mine = milestone_of(engine, "sech-oo-01")
    theirs = milestone_of(engine, "sech-oo-02")
    sign_in(client, mailer, CURATOR, f"/milestones/{mine}")
    page = client.get("/milestones")
    assert page.status_code == 200
    assert "Сеченовская СШ № 1" in page.text and "Сеченовская СШ № 2" not in page.text
    assert client.get(f"/milestones/{mine}").status_code == 200
    refused = client.get(f"/milestones/{theirs}")
    assert refused.status_code == 403 and "другой организации" in refused.text
    # asking for another organisation by filter gives nothing more
    assert "Сеченовская СШ № 2" not in client.get("/milestones?org=sech-oo-02&status=all").text


def test_a_sign_in_link_works_once_and_expires(web):
    client, mailer, clock = web
    client.post("/auth/signin", data={"email": CURATOR, "next": "/"})
    link = re.search(r"http://testserver(/auth/link/\S+)", mailer.sent[-1][2]).group(1)  # type: ignore[union-attr]
    assert client.post(link).status_code == 303
    again = client.post(link)
    assert again.status_code == 400 and "уже использована" in again.text
    client.post("/auth/signin", data={"email": CURATOR, "next": "/"})
    late = re.search(r"http://testserver(/auth/link/\S+)", mailer.sent[-1][2]).group(1)  # type: ignore[union-attr]
    clock.now += timedelta(minutes=21)
    expired = client.post(late)
    assert expired.status_code == 400 and "срок действия ссылки для входа истёк" in expired.text


def test_an_unknown_address_gets_the_same_answer_and_no_mail(web):
    client, mailer, _clock = web
    answer = client.post("/auth/signin", data={"email": "nobody@example.org", "next": "/"})
    assert answer.status_code == 200 and "Если адрес nobody@example.org зарегистрирован" in answer.text
    assert mailer.sent == []


def test_sign_in_is_rate_limited(web):
    client, _mailer, _clock = web
    codes = [client.post("/auth/signin", data={"email": "x@example.org"}).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_a_curator_completes_with_a_file_and_gets_a_receipt_and_the_history_shows_it(web, engine, tmp_path):
    client, mailer, _clock = web
    mine = milestone_of(engine, "sech-oo-01")
    sign_in(client, mailer, CURATOR)
    page = client.get(f"/milestones/{mine}")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    # without the form's CSRF token: refused, nothing recorded
    forged = client.post(f"/milestones/{mine}/complete", data={"evidence": "Приказ № 1", "csrf": "bad"})
    assert forged.status_code == 403
    done = client.post(
        f"/milestones/{mine}/complete",
        data={"csrf": csrf, "evidence": "Приказ ОО № 15 от 25.05.2020", "doc_number": "15", "doc_date": "2020-05-25"},
        files={"file": ("приказ.pdf", b"%PDF-1.4 test", "application/pdf")},
    )
    assert done.status_code == 200, done.text
    assert "Выполнение записано" in done.text and "Квитанция: событие №" in done.text
    assert "приказ.pdf" in done.text
    from models.db import session_scope

    with session_scope(engine, readonly=True) as session:
        row = session.get(Milestone, mine)
        # item 1.2 is the head's; the curator records it for the school, as the party responsible (the audit
        # event names the curator as who recorded it)
        assert row is not None and row.status == "done" and row.done_by == "oo_head"
    twice = client.post(f"/milestones/{mine}/complete", data={"csrf": csrf, "evidence": "ещё раз"})
    assert twice.status_code == 400 and "already done" in twice.text


def test_the_api_needs_a_token_and_keeps_to_the_users_scope(web, engine, store):
    client, _mailer, _clock = web
    ctx = Context(engine, Actor("operator", "test"), Clock(NOW))
    token = issue_token(ctx, email=CURATOR, label="test")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/milestones").status_code == 401
    assert client.get("/api/milestones", headers={"Authorization": "Bearer nope"}).status_code == 401
    listed = client.get("/api/milestones?limit=500", headers=auth).json()
    assert listed["total"] > 0 and {m["org"] for m in listed["milestones"]} == {"sech-oo-01"}
    theirs = milestone_of(engine, "sech-oo-02")
    refused = client.post(f"/api/milestones/{theirs}/complete", json={"evidence": "Приказ"}, headers=auth)
    assert refused.status_code == 403
    mine = milestone_of(engine, "sech-oo-01")
    done = client.post(f"/api/milestones/{mine}/complete", headers=auth,
                       json={"evidence": "Приказ № 15", "doc_number": "15", "doc_date": "2020-05-25"})  # fmt: skip
    assert done.status_code == 200, done.text
    receipt = done.json()
    assert receipt["milestone_id"] == mine and receipt["by"] == "oo_head" and len(receipt["event_hash"]) == 64
    again = client.post(f"/api/milestones/{mine}/complete", json={"evidence": "x"}, headers=auth)
    assert again.status_code == 409
    assert client.post("/api/milestones/999999/complete", json={"evidence": "x"}, headers=auth).status_code == 404


def test_an_auditor_reads_everything_and_changes_nothing(web, engine):
    client, mailer, _clock = web
    sign_in(client, mailer, AUDITOR)
    audit = client.get("/audit")
    assert audit.status_code == 200 and "Цепочка хешей цела, подписи верны, таблицы совпадают с событиями" in audit.text
    mine = milestone_of(engine, "sech-oo-01")
    page = client.get(f"/milestones/{mine}")
    assert page.status_code == 200 and 'id="complete"' not in page.text


def test_the_operator_board_and_a_coordinators_municipality(web, engine):
    client, mailer, _clock = web
    sign_in(client, mailer, OPERATOR)
    board = client.get("/board")
    assert board.status_code == 200 and "Организации по разделам" in board.text
    assert "Сеченовская СШ № 1" in board.text
    client.cookies.clear()
    sign_in(client, mailer, COORDINATOR)
    page = client.get("/board")
    assert page.status_code == 200 and "Сводка: Сеченовский муниципальный район" in page.text


def test_a_calendar_feed_lists_the_users_milestones_behind_a_revocable_token(web, engine):
    client, mailer, _clock = web
    sign_in(client, mailer, CURATOR)
    page = client.get("/calendar")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    made = client.post("/calendar", data={"csrf": csrf})
    url = re.search(r"http://testserver(/calendar/\S+\.ics)", made.text).group(1)  # type: ignore[union-attr]
    client.cookies.clear()  # the feed needs no session: calendar programs have none
    feed = client.get(url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert events and all("/milestones/" in str(e["url"]) for e in events)
    assert all(isinstance(e.decoded("dtstart"), date) for e in events)
    # a new link revokes the old one
    sign_in(client, mailer, CURATOR)
    page = client.get("/calendar")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post("/calendar", data={"csrf": csrf})
    assert client.get(url).status_code == 404


def test_users_commands_add_list_disable_and_refuse_bad_input(store):
    runner = CliRunner()
    db = ["--db", store]
    added = runner.invoke(cli_app, ["users", "add", "new@example.org", "--role", "curator", "--org", "sech-oo-03",
                                    *db])  # fmt: skip
    assert added.exit_code == 0 and added.stdout.strip() == "user new@example.org added as curator of sech-oo-03"
    no_org = runner.invoke(cli_app, ["users", "add", "x@example.org", "--role", "curator", *db])
    assert no_org.exit_code == 2
    assert no_org.stderr == "error: a curator needs --org ORG: the organisation whose milestones they see\n"
    unknown = runner.invoke(cli_app, ["users", "add", "y@example.org", "--role", "curator", "--org", "nope", *db])
    assert unknown.stderr == "error: --org: no organisation «nope» in the registry (roadmap orgs list shows them)\n"
    bad = runner.invoke(cli_app, ["users", "add", "not-an-address", "--role", "auditor", *db])
    assert bad.stderr == "error: «not-an-address» is not an e-mail address (expected name@example.org)\n"
    listed = runner.invoke(cli_app, ["users", "list", "--format", "json", *db])
    assert "new@example.org" in listed.stdout
    token = runner.invoke(cli_app, ["users", "token", "new@example.org", *db])
    assert token.exit_code == 0 and len(token.stdout.strip()) > 30
    disabled = runner.invoke(cli_app, ["users", "disable", "new@example.org", *db])
    assert disabled.exit_code == 0 and disabled.stdout.strip() == "user new@example.org disabled"
    again = runner.invoke(cli_app, ["users", "disable", "new@example.org", *db])
    assert again.exit_code == 2 and "is already disabled" in again.stderr


def test_the_demo_with_web_serves_the_pages_with_ready_made_sign_ins(tmp_path):
    import os
    import sys
    from pathlib import Path

    import httpx

    from notifications.mailsink import free_port
    from tests.helpers.processes import Running

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROADMAP_", "PREFECT_"))}
    env |= {"ROADMAP_DATA_DIR": str(tmp_path / "data"), "PREFECT_HOME": str(tmp_path / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # fmt: skip
    roadmap = str(Path(sys.executable).parent / "roadmap")
    demo = Running([roadmap, "demo", "--web", "--port", str(port), "--db", f"sqlite:///{tmp_path / 'demo.db'}"], env)
    try:
        demo.wait_for("web pages at", 300)
        links = {}
        for role in ("operator", "curator", "auditor"):
            line = demo.wait_for(f"  {role}", 10)
            links[role] = re.search(r"(http://127\.0\.0\.1:\d+)(/auth/link/\S+)", line).groups()  # type: ignore[union-attr]
        # the digests of the demo carry links to these pages
        assert any(f"http://127.0.0.1:{port}/m/" in line for line in demo.lines)
        with httpx.Client(base_url=links["operator"][0], follow_redirects=False, timeout=30) as client:
            entered = None
            deadline = time.monotonic() + 30
            while entered is None and time.monotonic() < deadline:  # uvicorn starts right after the links
                try:
                    entered = client.post(links["operator"][1])
                except httpx.ConnectError:
                    time.sleep(0.1)
            assert entered is not None and entered.status_code == 303 and entered.headers["location"] == "/board"
            board = client.get("/board")
            assert board.status_code == 200 and "Организации по разделам" in board.text
    finally:
        demo.interrupt()


def test_a_curator_gives_a_waiting_milestone_its_date_on_its_page(web, engine):
    client, mailer, _clock = web
    from models.db import session_scope

    with session_scope(engine, readonly=True) as session:
        waiting = session.execute(
            select(Milestone.id).where(Milestone.org_id == "sech-oo-01", Milestone.status == "waiting-for-date")
        ).scalars().first()  # fmt: skip
    assert waiting is not None
    sign_in(client, mailer, CURATOR)
    page = client.get(f"/milestones/{waiting}")
    assert 'id="schedule"' in page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    nonsense = client.post(f"/milestones/{waiting}/schedule", data={"csrf": csrf, "window": "когда-нибудь"})
    assert nonsense.status_code == 400 and "cannot read deadline «когда-нибудь»" in nonsense.text
    done = client.post(f"/milestones/{waiting}/schedule",
                       data={"csrf": csrf, "window": "с 1 по 15 октября 2020 г.", "note": "график УО № 3"})  # fmt: skip
    assert done.status_code == 200, done.text
    with session_scope(engine, readonly=True) as session:
        row = session.get(Milestone, waiting)
    assert row is not None and (row.window_start, row.window_end) == (date(2020, 10, 1), date(2020, 10, 15))
    assert "назначен срок" in done.text  # the history shows it, in Russian


def test_with_a_signing_key_the_receipt_names_its_checkpoint_and_the_auditor_sees_it(web, engine, store, tmp_path,
                                                                                     monkeypatch):  # fmt: skip
    client, mailer, _clock = web
    key = tmp_path / "audit.key"
    made = CliRunner().invoke(cli_app, ["audit", "keygen", "-o", str(key)])
    assert made.exit_code == 0, made.output
    monkeypatch.setenv("ROADMAP_AUDIT_KEY", str(key))
    from models.settings import get_settings

    get_settings.cache_clear()
    client.app.state.web.settings = get_settings()  # type: ignore[attr-defined]
    mine = milestone_of(engine, "sech-oo-01")
    sign_in(client, mailer, CURATOR)
    page = client.get(f"/milestones/{mine}")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = client.post(f"/milestones/{mine}/complete", data={"csrf": csrf, "evidence": "Приказ ОО № 15"})
    assert done.status_code == 200, done.text
    token = re.search(r"roadmap audit prove (\d+:[0-9a-f]{64})", done.text)
    assert token and "подписана в контрольной точке события №" in done.text
    # the receipt proves against the signed history, as an auditor would check it
    proved = CliRunner().invoke(cli_app, ["audit", "prove", token.group(1), "--db", store])
    assert proved.exit_code == 0, proved.output
    client.cookies.clear()
    sign_in(client, mailer, AUDITOR)
    audit = client.get("/audit?again=1")
    assert "Последняя подписанная контрольная точка" in audit.text and "подпись от" in audit.text


# -- reports: downloads, the board's timeline and charts -------------------------------------------------

ROADMAP = "sechenovsky-2020"


def complete_on_page(client: TestClient, engine, org: str, item: str = "1.2") -> int:
    mine = milestone_of(engine, org, item)
    page = client.get(f"/milestones/{mine}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    done = client.post(f"/milestones/{mine}/complete",
                       data={"csrf": csrf.group(1), "evidence": "приказ № 5", "doc_number": "5",
                             "doc_date": "2020-05-20"})  # fmt: skip
    assert done.status_code == 200 and "Выполнено" in done.text, done.text[-2000:]
    return mine


def test_the_board_draws_the_same_plan_against_actual_timeline_as_the_execution_report(web, engine):
    from models.db import session_scope
    from reports.execution import build_execution_report, timeline_svg

    client, mailer, _clock = web
    sign_in(client, mailer, CURATOR)
    complete_on_page(client, engine, "sech-oo-01")
    client.cookies.clear()
    sign_in(client, mailer, OPERATOR)
    board = client.get("/board", params={"roadmap": ROADMAP})
    assert board.status_code == 200 and "План и факт" in board.text, board.text[-3000:]
    shown = re.search(r'<svg id="timeline".*?</svg>', board.text, re.S)
    assert shown, "the board has no timeline"
    with session_scope(engine, readonly=True) as session:
        report = build_execution_report(session, roadmap_id=ROADMAP, as_of=date(2020, 5, 25))
    assert shown.group(0) == timeline_svg(report.timeline)  # grouped for the board, one row each for the report
    assert "выполнено 1 из" in shown.group(0)  # the curator's completion is on it
    for fmt in ("html", "xlsx", "md"):
        assert f'href="/reports/execution.{fmt}?roadmap={ROADMAP}"' in board.text


def test_reports_download_in_each_format_to_whom_they_belong(web, engine):
    from openpyxl import load_workbook

    from models.db import session_scope

    client, mailer, _clock = web
    assert client.get(f"/reports/execution.html?roadmap={ROADMAP}").status_code == 303  # anonymous: sign in
    sign_in(client, mailer, AUDITOR)
    html = client.get("/reports/execution.html", params={"roadmap": ROADMAP})
    assert html.status_code == 200 and html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["content-disposition"].startswith('attachment; filename="execution-sechenovsky-2020-2020-05-25')
    assert "Отчёт об исполнении дорожной карты sechenovsky-2020" in html.text
    assert "история проверена до события" in html.text  # stamped with the verified history
    xlsx = client.get("/reports/execution.xlsx", params={"roadmap": ROADMAP})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    with_ids = [row for row in sheet.iter_rows(min_row=2, values_only=True) if isinstance(row[0], int)]
    with session_scope(engine, readonly=True) as session:
        assert (
            len(with_ids)
            == session.execute(
                select(func.count()).select_from(Milestone).where(Milestone.roadmap_id == ROADMAP)
            ).scalar_one()
        )
    markdown = client.get("/reports/execution.md", params={"roadmap": ROADMAP})
    assert markdown.status_code == 200 and markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    unknown = client.get("/reports/execution.html", params={"roadmap": "nowhere"})
    assert unknown.status_code == 404 and "Дорожная карта «nowhere» не найдена." in unknown.text
    assert client.get("/reports/execution.pdf", params={"roadmap": ROADMAP}).status_code == 404
    none_yet = client.get("/reports/monitoring.html", params={"roadmap": ROADMAP, "year": 2020})
    assert (
        none_yet.status_code == 404
        and "Мониторинг дорожной карты sechenovsky-2020 за 2020 год ещё не проводился" in none_yet.text
    )
    audit = client.get("/audit")
    assert (
        f'href="/reports/execution.xlsx?roadmap={ROADMAP}"' in audit.text and "мониторинг не проводился" in audit.text
    )

    # a curator: their own organisation's execution report, nothing else
    client.cookies.clear()
    sign_in(client, mailer, CURATOR)
    own = client.get("/reports/execution.html", params={"roadmap": ROADMAP})
    assert own.status_code == 200 and "Сеченовская СШ № 1" in own.text and "Сеченовская СШ № 2" not in own.text
    assert 'filename="execution-sechenovsky-2020-sech-oo-01-' in own.headers["content-disposition"]
    other = client.get("/reports/execution.html", params={"roadmap": ROADMAP, "org": "sech-oo-02"})
    assert other.status_code == 403 and "Отчёт другой организации недоступен." in other.text
    assert client.get("/reports/monitoring.html", params={"roadmap": ROADMAP, "year": 2020}).status_code == 403
    listing = client.get("/milestones")
    assert f'href="/reports/execution.xlsx?roadmap={ROADMAP}&amp;org=sech-oo-01"' in listing.text

    # a coordinator: an organisation of their municipality
    client.cookies.clear()
    sign_in(client, mailer, COORDINATOR)
    assert client.get("/reports/execution.html", params={"roadmap": ROADMAP}).status_code == 403
    school = client.get("/reports/execution.xlsx", params={"roadmap": ROADMAP, "org": "sech-oo-02"})
    assert school.status_code == 200


def test_the_board_shows_the_latest_snapshots_charts_and_its_report(web, engine, store, tmp_path):
    from models.db import session_scope
    from monitoring.snapshots import take_snapshot

    runner = CliRunner()
    figures = ROOT / "roadmaps" / "registry" / "sechenovsky-indicators.csv"
    loaded = runner.invoke(cli_app, ["indicators", "load", str(figures), "--db", store])
    assert loaded.exit_code == 0, loaded.output
    with session_scope(engine) as session:
        snap = take_snapshot(session, roadmap_id=ROADMAP, year=2020, now=NOW, actor="operator")
    client, mailer, _clock = web
    sign_in(client, mailer, COORDINATOR)
    board = client.get("/board")
    assert board.status_code == 200
    assert f"Последний снимок: № {snap.snapshot_id} за 2020 год" in board.text
    charts = re.findall(r'<svg class="trend".*?</svg>', board.text, re.S)
    assert charts and all("цель и факт по годам" in c for c in charts)
    report = client.get("/reports/monitoring.xlsx", params={"roadmap": ROADMAP, "year": 2020})
    assert report.status_code == 200
    assert (
        f'filename="monitoring-sechenovsky-2020-2020-snapshot-{snap.snapshot_id}.xlsx"'
        in report.headers["content-disposition"]
    )
    client.cookies.clear()
    sign_in(client, mailer, AUDITOR)
    assert f'href="/reports/monitoring.html?roadmap={ROADMAP}&amp;year=2020"' in client.get("/audit").text
