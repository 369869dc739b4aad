"""The web pages and the API at region size: how long each answer takes, as a user waits for it.

A region-sized store (2,000 organisations in 20 municipalities; the Tomsk roadmap synced twice under two
ids: about 9·10^4 milestones), users of every role, and the application served by uvicorn on loopback;
every page and API call is requested over HTTP the way a browser or a portal does, `--runs` times, and
the median and the slowest are printed beside the target (300 ms).

Run: .venv/bin/python benchmarks/web.py [--orgs 2000] [--runs 15] [--db URL]
The machine is shared and noisy: compare the figures of one run with each other and with the target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.region import PLAN, build_registry  # noqa: E402
from models.db import open_store, session_scope  # noqa: E402
from models.loader import parse_plan  # noqa: E402
from models.store import Milestone  # noqa: E402
from notifications.dispatch import RecordingNotifier  # noqa: E402
from notifications.mailsink import free_port  # noqa: E402
from operations.context import Actor, Clock, Context  # noqa: E402
from operations.users import add_user, issue_token, sign_in_link  # noqa: E402
from tasks.sync import sync_plan  # noqa: E402
from web.app import COOKIE, create_app  # noqa: E402

NOW = datetime(2021, 6, 1, 7, tzinfo=UTC)
TARGET_MS = 300.0
ROADMAP = "tomsk-2020-2024"


def build(url: str, orgs: int) -> int:
    engine = open_store(url)
    build_registry(engine, orgs)
    text = PLAN.read_text(encoding="utf-8")
    for suffix in ("", "-b"):
        copy = text.replace("id: tomsk-2020-2024", f"id: tomsk-2020-2024{suffix}", 1)
        with session_scope(engine) as session:
            sync_plan(session, roadmap=parse_plan(copy, "bench"), yaml_text=copy, source_path=None, actor="bench",
                      now=NOW)  # fmt: skip
    ctx = Context(engine, Actor("bench", "test"), Clock(NOW))
    add_user(ctx, email="curator@bench.example.org", role="curator", org_id="oo3-5")
    add_user(ctx, email="uo@bench.example.org", role="coordinator", municipality="M3")
    add_user(ctx, email="operator@bench.example.org", role="operator")
    add_user(ctx, email="auditor@bench.example.org", role="auditor")
    with session_scope(engine, readonly=True) as session:
        total = int(session.execute(select(func.count()).select_from(Milestone)).scalar_one())
    engine.dispose()
    return total


def signed_in(base: str, url: str, email: str) -> httpx.Client:
    engine = open_store(url)
    token = sign_in_link(Context(engine, Actor("bench", "test"), Clock(NOW)), email=email)
    engine.dispose()
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    answer = client.post(f"/auth/link/{token}")
    assert answer.status_code == 303, answer.text
    client.cookies.set(COOKIE, answer.cookies[COOKIE])
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='roadmap-web-bench-')) / 'bench.db'}"
    started = time.perf_counter()
    total = build(url, args.orgs)
    built = time.perf_counter() - started
    print(f"store {url}: {args.orgs} organisations, {total} milestones (built in {built:.0f} s)")

    app = create_app(db_url=url, clock=lambda: Clock(NOW), mailer=RecordingNotifier())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    engine = open_store(url)
    token = issue_token(Context(engine, Actor("bench", "test"), Clock(NOW)), email="curator@bench.example.org")
    with session_scope(engine, readonly=True) as session:
        mine = list(session.execute(select(Milestone.id).where(Milestone.org_id == "oo3-5")).scalars())
    engine.dispose()
    curator = signed_in(base, url, "curator@bench.example.org")
    coordinator = signed_in(base, url, "uo@bench.example.org")
    operator = signed_in(base, url, "operator@bench.example.org")
    auditor = signed_in(base, url, "auditor@bench.example.org")
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    to_complete = iter(mine)

    def complete() -> httpx.Response:
        return api.post(f"/api/milestones/{next(to_complete)}/complete", json={"evidence": "Приказ № 1"})

    cases = [
        ("curator: my milestones (/milestones)", lambda: curator.get("/milestones")),
        ("curator: one milestone (/milestones/ID)", lambda: curator.get(f"/milestones/{mine[0]}")),
        ("coordinator: municipality board (/board)", lambda: coordinator.get("/board")),
        ("operator: region board (/board)", lambda: operator.get("/board")),
        ("operator: region board, page 20 of the grid", lambda: operator.get("/board?page=20")),
        ("operator: all open milestones, page 100 (/milestones)", lambda: operator.get("/milestones?page=100")),
        (
            "operator: overdue of one party (/milestones?...)",
            lambda: operator.get("/milestones?status=overdue&party=oo_head"),
        ),  # fmt: skip
        ("auditor: history with verification (/audit)", lambda: auditor.get("/audit")),
        ("API: GET /api/milestones?limit=100", lambda: api.get("/api/milestones?limit=100")),
        ("API: POST /api/milestones/ID/complete", complete),
        (
            "curator: the school's execution report, xlsx",
            lambda: curator.get(f"/reports/execution.xlsx?roadmap={ROADMAP}"),
        ),
    ]
    print(f"\n{'request':<58} {'median':>9} {'slowest':>9}  target {TARGET_MS:.0f} ms")
    for label, call in cases:
        first = call()
        assert first.status_code == 200, (label, first.status_code, first.text[:300])
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            answer = call()
            times.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200, (label, answer.status_code)
        median = statistics.median(times)
        flag = "" if median <= TARGET_MS else "  MISSED"
        print(f"{label:<58} {median:7.1f} ms {max(times):7.1f} ms{flag}")

    # the board after a change: the timeline is drawn again (the first view after any recorded change)
    times = []
    for _ in range(args.runs):
        assert complete().status_code == 200
        start = time.perf_counter()
        answer = operator.get("/board")
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200 and 'id="timeline"' in answer.text
    flag = "" if statistics.median(times) <= TARGET_MS else "  MISSED"
    label = "operator: region board after a change (timeline redrawn)"
    print(f"{label:<58} {statistics.median(times):7.1f} ms {max(times):7.1f} ms{flag}")

    # whole-roadmap downloads: a file of every milestone, not a page (no 300 ms target); three runs each
    print(f"\n{'download (a whole roadmap)':<58} {'median':>9} {'slowest':>9}  size")
    for label, path in (("auditor: execution report, xlsx", f"/reports/execution.xlsx?roadmap={ROADMAP}"),
                        ("auditor: execution report, html", f"/reports/execution.html?roadmap={ROADMAP}")):  # fmt: skip
        times, size = [], 0
        for _ in range(3):
            start = time.perf_counter()
            answer = auditor.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200, (label, answer.status_code)
            size = len(answer.content)
        print(f"{label:<58} {statistics.median(times):7.0f} ms {max(times):7.0f} ms  {size / 2**20:.1f} MiB")
    server.should_exit = True


if __name__ == "__main__":
    main()
