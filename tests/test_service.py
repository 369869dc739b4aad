"""The product as a service, with real parts: `roadmap serve` (a Prefect server with its scheduler, the
work pool, `prefect deploy --all` from prefect.yaml, a process worker), the store on SQLite and on
PostgreSQL, and a loopback SMTP server.

This is the path a region relies on for its daily reminders. It failed silently once (SQLAlchemy 2.1
broke the server's scheduler: deployments came up, no run was ever scheduled), so the test checks
what the scheduler actually planned, not only that the deployments exist, and runs real flow runs
from the deployments through the worker.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from models.db import open_store, session_scope
from models.store import OutboxMessage
from notifications.mailsink import MailSink, free_port
from tests.helpers.processes import api_call
from tests.helpers.sechenovsky import PLAN, load_registry, sync

ROOT = Path(__file__).resolve().parent.parent
ROADMAP = Path(sys.executable).parent / "roadmap"
READY_TIMEOUT = 300.0
RUN_TIMEOUT = 180.0
SWEEPS = {
    "sweep-europe-moscow": "Europe/Moscow",
    "sweep-asia-yekaterinburg": "Asia/Yekaterinburg",
    "sweep-asia-tomsk": "Asia/Tomsk",
}


def marked_processes(marker: str) -> list[int]:
    """Processes whose environment carries the marker: the command under test and everything it started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"ROADMAP_TEST_MARKER={marker}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def wait_until_gone(marker: str, timeout: float = 30.0) -> list[int]:
    """Wait (polling) until no marked process is left; return those still there at the deadline."""
    deadline = time.monotonic() + timeout
    left = marked_processes(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = marked_processes(marker)
    return left


class Serve:
    """`roadmap serve` as a subprocess, its output read line by line on a thread."""

    def __init__(self, env: dict[str, str], port: int, prefect_home: Path, extra: list[str] | None = None) -> None:
        self.port = port
        self.api = f"http://127.0.0.1:{port}/api"
        self.web_port = free_port()
        args = [str(ROADMAP), "serve", "--port", str(port), "--prefect-home", str(prefect_home), "--web-port",
                str(self.web_port), *(extra or [])]  # fmt: skip
        self.process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True)  # fmt: skip
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("roadmap serve ended before «" + prefix + "»:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no «{prefix}» within {timeout:.0f} s:\n" + "\n".join(self.lines))

    def stop(self) -> int:
        """Ctrl-C, as the operator stops it; the exit code, with the rest of its output read into `lines`."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return code

    # -- the Prefect REST API ---------------------------------------------------------------------
    def deployment(self, name: str) -> dict:
        [found] = [d for d in api_call("POST", f"{self.api}/deployments/filter", json={}).json()
                   if d["name"] == name]  # fmt: skip
        return found

    def scheduled(self, name: str) -> list[datetime]:
        body = {"deployments": {"id": {"any_": [self.deployment(name)["id"]]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}, "sort": "EXPECTED_START_TIME_ASC",
                "limit": 10}  # fmt: skip
        runs = api_call("POST", f"{self.api}/flow_runs/filter", json=body).json()
        return [datetime.fromisoformat(r["expected_start_time"].replace("Z", "+00:00")) for r in runs]

    def run(self, name: str, parameters: dict) -> dict:
        """Start a run of the deployment now and wait (polling) for its final state; the flow run as JSON."""
        return self.wait(self.start(name, parameters), name)

    def start(self, name: str, parameters: dict) -> str:
        """Start a run of the deployment now (a worker takes it); its id."""
        # with an idempotency key, a creation retried after a timeout returns the run it made, not a second one
        made = api_call("POST", f"{self.api}/deployments/{self.deployment(name)['id']}/create_flow_run",
                        json={"parameters": parameters, "idempotency_key": uuid.uuid4().hex},
                        idempotent=True)  # fmt: skip
        assert made.status_code in (200, 201), made.text
        return str(made.json()["id"])

    def wait(self, run_id: str, name: str) -> dict:
        """Poll the flow run until it reaches a final state; the flow run as JSON."""
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            run = api_call("GET", f"{self.api}/flow_runs/{run_id}").json()
            if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                return run
            time.sleep(0.5)
        raise AssertionError(f"the {name} run did not finish within {RUN_TIMEOUT:.0f} s:\n" + "\n".join(self.lines))


@pytest.fixture
def serve_env(tmp_path: Path, db_url: str) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ROADMAP_"))}
    env.update(
        ROADMAP_DB=db_url, ROADMAP_DATA_DIR=str(tmp_path / "data"), ROADMAP_TEST_MARKER=uuid.uuid4().hex,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # the worker asks for runs every second instead of every 10 s: the test waits less, nothing else changes
        PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="1",
    )  # fmt: skip
    yield env
    assert wait_until_gone(env["ROADMAP_TEST_MARKER"]) == [], "roadmap serve left processes behind"


def outbox_states(db_url: str) -> dict[str, int]:
    engine = open_store(db_url)
    try:
        with session_scope(engine, readonly=True) as session:
            states = [row.state for row in session.execute(select(OutboxMessage)).scalars()]
    finally:
        engine.dispose()
    return {state: states.count(state) for state in sorted(set(states))}


def test_serve_schedules_every_deployment_in_its_zone_and_its_runs_deliver_and_retry(serve_env, db_url, tmp_path):
    engine = open_store(db_url)
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    engine.dispose()
    dead_port = free_port()  # nothing listens here: the first sweep's e-mails fail
    with MailSink() as sink:
        serve_env["ROADMAP_SMTP_URL"] = sink.url()
        started = time.monotonic()
        service = Serve(serve_env, free_port(), tmp_path / "prefect")
        try:
            service.wait_for("ready:", READY_TIMEOUT)
            ready_after = time.monotonic() - started
            # the pages came up beside the server, over the same store
            pages = httpx.get(f"http://127.0.0.1:{service.web_port}/auth/signin", timeout=30)
            assert pages.status_code == 200 and "Вход" in pages.text

            # the scheduler planned each sweep at 09:00 in its own zone, on consecutive days
            for name, zone in SWEEPS.items():
                runs = service.scheduled(name)
                assert len(runs) >= 3, f"{name}: the scheduler created {len(runs)} runs"
                local = [r.astimezone(ZoneInfo(zone)) for r in runs]
                assert {(t.hour, t.minute) for t in local} == {(9, 0)}, (name, local)
                assert [(b.date() - a.date()).days for a, b in zip(local, local[1:], strict=False)] == [1] * (
                    len(local) - 1
                )
                assert any(line.strip().startswith(name) and f"09:00 {zone}" in line for line in service.lines)
            # the yearly monitoring, a year ahead: 1 August in Yekaterinburg, 1 December in Tomsk
            [orenburg, *_] = service.scheduled("monitor-orenburg")
            assert orenburg.astimezone(ZoneInfo("Asia/Yekaterinburg")).strftime("%m-%d %H:%M") == "08-01 09:00"
            [tomsk, *_] = service.scheduled("monitor-tomsk")
            assert tomsk.astimezone(ZoneInfo("Asia/Tomsk")).strftime("%m-%d %H:%M") == "12-01 09:00"
            # failed sends are retried every 5 minutes
            dispatch_runs = service.scheduled("dispatch")
            assert {(b - a) for a, b in zip(dispatch_runs, dispatch_runs[1:], strict=False)} == {timedelta(minutes=5)}

            # a sweep run from its deployment, with the mail server unreachable: Failed, with the count
            failed = service.run("sweep-europe-moscow", {
                "as_of": "2020-05-25", "smtp_url": f"mailto://127.0.0.1:{dead_port}?from=roadmap@example.org",
                "external": "record",
            })  # fmt: skip
            assert failed["state"]["type"] == "FAILED", failed["state"]
            message = failed["state"]["message"]
            assert f"digests failed: SMTP connection refused at 127.0.0.1:{dead_port}; they stay queued" in message
            queued = outbox_states(db_url)
            assert queued.get("failed", 0) > 0 and sink.received == []

            # the dispatch deployment before the backoff has passed: nothing is due, nothing is sent
            early = service.run("dispatch", {"external": "record"})
            assert early["state"]["type"] == "COMPLETED" and sink.received == []
            # ... and after it (the clock passed in: 6 minutes on), everything arrives, exactly once
            later = (datetime.now(UTC) + timedelta(minutes=6)).isoformat()
            retried = service.run("dispatch", {"now": later, "external": "record"})
            assert retried["state"]["type"] == "COMPLETED", retried["state"]
            received = sink.received
            recipients = [r for m in received for r in m.recipients]
            assert len(recipients) == len(set(recipients)) > 0
            # a digest is dated the day it goes out (the days left are counted from then)
            assert all(m.subject.startswith("Дорожная карта наставничества на ") for m in received)
            assert outbox_states(db_url).get("failed", 0) == 0
            again = service.run("dispatch", {"now": later, "external": "record"})
            assert again["state"]["type"] == "COMPLETED" and len(sink.received) == len(received)
        finally:
            code = service.stop()
    assert code == 0, "\n".join(service.lines)
    assert service.lines[-1] == "stopping the workers, the pages and the server"
    print(f"roadmap serve was ready after {ready_after:.1f} s")


def test_two_workers_take_the_zone_sweeps_side_by_side_and_leave_the_outbox_one_process_would(
    serve_env, db_url, tmp_path
):
    """The scale-out layout: the per-zone sweep deployments run at once on a pool with two workers; the outbox
    is exactly what one process sweeping everything decides, and every digest arrives once."""
    from models.calendar import default_calendar
    from tasks.sweep import active_roadmaps, decide_reminders
    from tests.test_scale_out import DAY, NOW, outbox_pairs, tomsk_registry

    engine = open_store(db_url)
    load_registry(engine)  # Sechenovsky: Europe/Moscow
    sync(engine, PLAN.read_text(encoding="utf-8"))
    tomsk_registry(engine, schools=40)  # Asia/Tomsk
    expected: set[tuple[str, str]] = set()
    with session_scope(engine, readonly=True) as session:
        plans = active_roadmaps(session)
    for plan in plans:  # one process deciding everything, as a dry run: nothing written
        with session_scope(engine) as session:
            report = decide_reminders(session, roadmap=plan, today=DAY, calendar=default_calendar(), now=NOW,
                                      dry_run=True)  # fmt: skip
        expected |= {(r["key"], r["recipient"]) for r in report.rows}
    assert len(expected) > 100
    with MailSink() as sink:
        serve_env["ROADMAP_SMTP_URL"] = sink.url()
        service = Serve(serve_env, free_port(), tmp_path / "prefect", extra=["--workers", "2", "--no-web"])
        try:
            service.wait_for("ready:", READY_TIMEOUT)
            parameters = {"as_of": DAY.isoformat(), "now": NOW.isoformat(), "external": "record"}
            started = {name: service.start(name, parameters) for name in SWEEPS}
            runs = {name: service.wait(run_id, name) for name, run_id in started.items()}
        finally:
            code = service.stop()
        assert code == 0, "\n".join(service.lines)
        assert {name: run["state"]["type"] for name, run in runs.items()} == dict.fromkeys(SWEEPS, "COMPLETED")
        assert outbox_pairs(engine) == expected
        states = outbox_states(db_url)
        assert set(states) <= {"sent", "no-contact"}, states
        recipients = [r for m in sink.received for r in m.recipients]
        assert len(recipients) == len(set(recipients)) > 0  # every digest once
    engine.dispose()


def test_a_cli_flow_run_stops_its_temporary_prefect_server_when_its_output_closes_or_it_is_terminated(
    tmp_path, prefect_home_env
):
    store = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(store)
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    engine.dispose()
    env = dict(prefect_home_env, ROADMAP_DB=store)
    # `roadmap sweep --dry-run | head -1`: the reader goes away after one line
    command = [str(ROADMAP), "sweep", "--as-of", "2020-05-25", "--dry-run"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    first = process.stdout.readline()
    process.stdout.close()
    process.wait(timeout=120)
    assert first.startswith(b"sechenovsky-2020: as of")
    assert wait_until_gone(env["ROADMAP_TEST_MARKER"]) == []

    # terminated (SIGTERM, as `timeout` or a supervisor does) while its flow runs: the server goes too
    env["ROADMAP_TEST_MARKER"] = uuid.uuid4().hex
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(marked_processes(env["ROADMAP_TEST_MARKER"])) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # until the temporary server has been started
    assert len(marked_processes(env["ROADMAP_TEST_MARKER"])) >= 2
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert wait_until_gone(env["ROADMAP_TEST_MARKER"]) == []


@pytest.fixture
def prefect_home_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ROADMAP_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               ROADMAP_DATA_DIR=str(tmp_path / "data"), ROADMAP_TEST_MARKER=uuid.uuid4().hex)  # fmt: skip
    return env


def test_the_lock_holds_every_installed_package_at_its_locked_version():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from check_lock import drift
    finally:
        sys.path.pop(0)
    assert drift() == [], "installed packages differ from constraints.txt: bash scripts/upgrade-deps.sh --keep"
