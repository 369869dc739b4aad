"""The operator's setup on one machine: a Prefect server, the work pool, the deployments, and workers.

`roadmap serve` starts, on loopback by default:
1. `prefect server start` with its own PREFECT_HOME (its own database: ROADMAP_DATA_DIR/prefect), the
   scheduler told to plan a year ahead so the yearly monitoring runs are scheduled too;
2. the process work pool `roadmap` (created if missing);
3. every deployment of prefect.yaml (`prefect deploy --all`), run from the project folder;
4. N workers of the pool, whose environment carries the project's settings (store, SMTP server, data
   folder, project folder, the pages' address) to every flow run they start;
5. the web pages (`roadmap web`), unless --no-web;
then prints where the UI is and when each scheduled deployment runs next, in its own zone, and waits.
Ctrl-C (or SIGTERM) stops the workers, then the server, and everything they started.

Each child runs in a session of its own, so stopping it also stops what it started (the server's web
process, a worker's flow-run processes); its output goes to a log file under PREFECT_HOME/logs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import httpx

POOL = "roadmap"
# the monitoring deployments run once a year: Prefect's default horizon (100 days) would never
# schedule them; daily runs are still capped by the scheduler's max_runs (100)
HORIZON = timedelta(days=400)


class ServeError(Exception):
    """A part of the setup did not come up; the message says which and where its log is."""


@dataclass
class ServeConfig:
    host: str
    port: int
    workers: int
    prefect_home: Path
    project_dir: Path
    run_env: dict[str, str]  # ROADMAP_* settings every flow run gets
    ready_timeout: float = 180.0
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. PREFECT_WORKER_QUERY_SECONDS
    web_port: int | None = None  # the web pages beside the server (None: not started)

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def logs(self) -> Path:
        return self.prefect_home / "logs"


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def prefect_executable() -> str:
    """The `prefect` command of the running interpreter's environment."""
    candidate = Path(sys.executable).parent / "prefect"
    return str(candidate) if candidate.exists() else "prefect"


class Service:
    """Starts the parts in order, keeps them, stops them in reverse order (each with its process group)."""

    def __init__(self, config: ServeConfig, say: Callable[[str], None]) -> None:
        self.config = config
        self.say = say
        self.children: list[Child] = []

    # -- environment ------------------------------------------------------------------------------
    def _base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(
            PREFECT_HOME=str(self.config.prefect_home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_LOGGING_LEVEL=os.environ.get("PREFECT_LOGGING_LEVEL", "INFO"),
        )
        env.update(self.config.extra_env)
        return env

    def server_env(self) -> dict[str, str]:
        env = self._base_env()
        env.update(
            PREFECT_SERVER_API_HOST=self.config.host,
            PREFECT_SERVER_API_PORT=str(self.config.port),
            PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME=f"P{HORIZON.days}D",
            PREFECT_UI_API_URL=self.config.api_url,
        )
        return env

    def client_env(self) -> dict[str, str]:
        env = self._base_env()
        env.update(self.config.run_env)
        env["PREFECT_API_URL"] = self.config.api_url
        return env

    # -- children ---------------------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str], env: dict[str, str], cwd: Path | None = None) -> Child:
        self.config.logs.mkdir(parents=True, exist_ok=True)
        log = self.config.logs / f"{name}.log"
        handle: IO[bytes] = open(log, "ab")  # noqa: SIM115 (the child holds it; closed with the process)
        process = subprocess.Popen(
            args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        handle.close()
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def start_server(self) -> Child:
        args = [prefect_executable(), "server", "start", "--host", self.config.host, "--port", str(self.config.port)]
        server = self._spawn("server", args, self.server_env())
        deadline = time.monotonic() + self.config.ready_timeout
        while time.monotonic() < deadline:
            if not server.alive():
                raise ServeError(f"the Prefect server stopped while starting (log {server.log}):\n{server.tail()}")
            try:
                if httpx.get(f"{self.config.api_url}/health", timeout=2).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise ServeError(f"the Prefect server did not answer at {self.config.api_url} within "
                         f"{self.config.ready_timeout:.0f} s (log {server.log})")  # fmt: skip

    def ensure_pool(self) -> None:
        api = self.config.api_url
        found = httpx.get(f"{api}/work_pools/{POOL}", timeout=30)
        if found.status_code == 200:
            return
        made = httpx.post(f"{api}/work_pools/", json={"name": POOL, "type": "process"}, timeout=30)
        if made.status_code not in (200, 201, 409):
            raise ServeError(f"cannot create the work pool {POOL}: HTTP {made.status_code} {made.text[:200]}")

    def deploy(self) -> None:
        self.config.logs.mkdir(parents=True, exist_ok=True)
        log = self.config.logs / "deploy.log"
        with open(log, "wb") as handle:
            done = subprocess.run(
                [prefect_executable(), "--no-prompt", "deploy", "--all"], cwd=self.config.project_dir,
                env=self.client_env(), stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
                timeout=self.config.ready_timeout,
            )  # fmt: skip
        if done.returncode != 0:
            tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:])
            raise ServeError(f"prefect deploy --all failed (exit {done.returncode}, log {log}):\n{tail}")

    def start_workers(self) -> list[Child]:
        workers = []
        for n in range(1, self.config.workers + 1):
            name = f"worker-{n}"
            args = [prefect_executable(), "worker", "start", "--pool", POOL, "--type", "process", "--name",
                    f"roadmap-{os.uname().nodename}-{n}"]  # fmt: skip
            workers.append(self._spawn(name, args, self.client_env(), cwd=self.config.project_dir))
        return workers

    def start_web(self) -> Child | None:
        """`roadmap web` with the runs' settings, when a port is given; waits until its sign-in page answers."""
        if self.config.web_port is None:
            return None
        executable = Path(sys.executable).parent / "roadmap"
        args = [str(executable), "web", "--host", self.config.host, "--port", str(self.config.web_port)]
        web = self._spawn("web", args, self.client_env(), cwd=self.config.project_dir)
        url = f"http://{self.config.host}:{self.config.web_port}/auth/signin"
        deadline = time.monotonic() + self.config.ready_timeout
        while time.monotonic() < deadline:
            if not web.alive():
                raise ServeError(f"the web pages stopped while starting (log {web.log}):\n{web.tail()}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return web
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise ServeError(f"the web pages did not answer at {url} within {self.config.ready_timeout:.0f} s")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the workers, then the server: SIGTERM to each process group, SIGKILL after `timeout`."""
        for child in reversed(self.children):
            _signal_group(child.process, signal.SIGTERM)
            try:
                child.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait(timeout=timeout)
            # what the child started and left (a flow run a worker was running) goes with its group
            _signal_group(child.process, signal.SIGKILL)
        self.children.clear()

    def dead(self) -> Child | None:
        return next((c for c in self.children if not c.alive()), None)

    # -- what is scheduled ------------------------------------------------------------------------
    def schedule(self, wait: float = 60.0) -> list[tuple[str, str, datetime | None]]:
        """(deployment, zone, next run) of every scheduled deployment, as the server's scheduler has planned them.

        Waits up to `wait` seconds for the scheduler to create the runs; a deployment still without one
        then is reported with None (the scheduler is behind or failing: its log says why).
        """
        api = self.config.api_url
        deployments = httpx.post(f"{api}/deployments/filter", json={"limit": 200}, timeout=30).json()
        scheduled = [d for d in deployments if d.get("schedules")]
        zones = {d["id"]: d["schedules"][0]["schedule"].get("timezone") or "UTC" for d in scheduled}
        nexts: dict[str, datetime | None] = {d["id"]: None for d in scheduled}
        deadline = time.monotonic() + wait
        while True:
            for deployment_id in [k for k, v in nexts.items() if v is None]:
                nexts[deployment_id] = next_scheduled_run(api, deployment_id)
            if all(nexts.values()) or time.monotonic() > deadline:
                break
            time.sleep(1)
        out = []
        for d in sorted(scheduled, key=lambda d: d["name"]):
            when = nexts[d["id"]]
            zone = zones[d["id"]]
            out.append((d["name"], zone, when.astimezone(ZoneInfo(zone)) if when else None))
        return out


def next_scheduled_run(api: str, deployment_id: str) -> datetime | None:
    """The earliest scheduled run of a deployment, or None when the scheduler has created none yet."""
    body = {
        "deployments": {"id": {"any_": [deployment_id]}},
        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
        "sort": "EXPECTED_START_TIME_ASC",
        "limit": 1,
    }
    runs = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=30).json()
    if not runs:
        return None
    return datetime.fromisoformat(runs[0]["expected_start_time"].replace("Z", "+00:00"))


def _signal_group(process: subprocess.Popen[Any], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def describe_schedule(rows: list[tuple[str, str, datetime | None]]) -> list[str]:
    """Lines for the operator: each scheduled deployment and its next run in its own zone."""
    lines = []
    width = max((len(name) for name, _zone, _when in rows), default=0)
    for name, zone, when in rows:
        shown = f"{when:%Y-%m-%d %H:%M} {zone}" if when else "not scheduled yet (see the server log)"
        lines.append(f"  {name:<{width}}  next run {shown}")
    return lines


def run(config: ServeConfig, say: Callable[[str], None]) -> int:
    """Bring everything up, report, wait for Ctrl-C or SIGTERM (or a part dying), stop everything. Exit code."""
    service = Service(config, say)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        say(f"starting the Prefect server (home {config.prefect_home}, logs in {config.logs})")
        service.start_server()
        service.ensure_pool()
        say(f"deploying {config.project_dir / 'prefect.yaml'} to work pool {POOL}")
        service.deploy()
        service.start_workers()
        say(f"started {config.workers} worker{'s' if config.workers > 1 else ''} of pool {POOL}")
        rows = service.schedule()
        if service.start_web() is not None:
            say(f"web pages: http://{config.host}:{config.web_port}/ (roadmap users add … lets people sign in)")
        say(f"Prefect UI: {config.ui_url}   API: {config.api_url}")
        say("scheduled deployments (next run, local time of each zone):")
        for line in describe_schedule(rows):
            say(line)
        missing = [name for name, _zone, when in rows if when is None]
        if missing:
            say(f"warning: the scheduler has planned no run yet for {', '.join(missing)}: see {config.logs}/server.log")
        say("ready: Ctrl-C stops the workers, the pages and the server")
        while True:
            dead = service.dead()
            if dead is not None:
                say(f"error: the {dead.name} stopped (exit {dead.process.returncode}); log {dead.log}:\n{dead.tail()}")
                return 1
            time.sleep(0.5)
    except ServeError as exc:
        say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        say("stopping the workers, the pages and the server")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        # a second Ctrl-C while stopping must not leave the children behind
        old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            service.stop()
        finally:
            signal.signal(signal.SIGINT, old_int)


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt
