"""The whole commands, measured in one run on copies of one generated store (`python -m benchmarks run`).

For each of --runs rounds, on a fresh copy of the store (a copied file, or a PostgreSQL schema dumped
into a new one; copying is not timed):
- status: `roadmap status --as-of DAY` as a new process (no Prefect);
- verify: `roadmap audit verify` as a new process;
- sweep: `roadmap sweep --as-of DAY` as a new process, with a counting SMTP server in another process;
  wall time, peak RSS of the command's process tree (polled from /proc), and its parts from the phase
  timer (service/timings.py, ROADMAP_TIMINGS): Prefect start (launch to the flow's first line), decide
  (the roadmap × zone tasks, queueing included), queue, render, send, mark, and what follows the flow;
- dispatch: the sweep's digests put back to pending and `roadmap outbox send` run alone;
- sync: a copy of the largest seed plan under a new id, synced over its region (in this process);
- amend: an amendment of that plan re-planning its open milestones (moved or retired; in this process);
- naive_sweep: one Prefect task per milestone over a sample, as a new process, on a copy of its own.
Rows are medians over the rounds. The machine is shared: compare ratios taken in the same run.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import col

from benchmarks.store import ACTOR, ROADMAPS, SWEEP_DAY, amended, clone, drop, generate, new_store
from models.db import open_store, session_scope
from models.loader import parse_plan
from models.settings import get_settings
from models.store import AuditEvent, Milestone, OutboxMessage
from tasks.sync import sync_plan, territory_orgs

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROADMAPS / "tomsk-2020-2024.yaml"  # the largest share of the organisations (benchmarks/store.py)
ROADMAP = str(Path(sys.executable).parent / "roadmap")
PAGE = os.sysconf("SC_PAGE_SIZE")
OUTBOX_FIELDS = ("key", "recipient", "party", "milestone_id", "roadmap_id", "kind", "stage", "due_on", "state")


# -- measuring a command from outside -------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, now."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm", encoding="ascii") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            continue
        todo += _children(p)
    return total


def own_peak(pid: int) -> int:
    """The peak resident bytes of one process so far (VmHWM), 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class Measured:
    wall_s: float
    peak_rss_mb: float  # of the process tree (the command and, for a flow, Prefect's ephemeral server)
    own_peak_mb: float  # of the command's own process alone
    returncode: int
    stdout: str
    stderr: str
    launched: float  # Unix time just before the process started
    phases: list[dict[str, Any]] = field(default_factory=list)

    def total(self, name: str) -> float:
        return sum(p["s"] for p in self.phases if p["phase"] == name)

    def at(self, name: str) -> float | None:
        starts = [p["start"] for p in self.phases if p["phase"] == name]
        return starts[0] if starts else None

    def parts(self) -> dict[str, float]:
        start, end = self.at("flow-start"), self.at("flow-end")
        out = {"wall_s": self.wall_s, "own_peak_mb": self.own_peak_mb}
        if start is not None and end is not None:
            out |= {"prefect_start_s": start - self.launched, "flow_s": end - start,
                    "after_flow_s": self.launched + self.wall_s - end}  # fmt: skip
        for name in ("prepare", "decide", "queue", "claim", "render", "send", "mark", "dispatch", "finish"):
            if any(p["phase"] == name for p in self.phases):
                out[f"{name}_s"] = self.total(name)
        return {k: round(v, 3) for k, v in out.items()}


def measure(command: list[str], env: dict[str, str], timings: Path | None = None, poll: float = 0.05) -> Measured:
    """Run `command` to its end; its wall time, the peak RSS of its process tree, its phase timings."""
    env = dict(env)
    if timings is not None:
        timings.unlink(missing_ok=True)
        env["ROADMAP_TIMINGS"] = str(timings)
    launched = time.time()
    began = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, own = [0], [0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss(proc.pid))
            own[0] = max(own[0], own_peak(proc.pid))
            stop.wait(poll)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - began
    stop.set()
    watcher.join()
    phases = []
    if timings is not None and timings.exists():
        phases = [json.loads(line) for line in timings.read_text(encoding="utf-8").splitlines() if line.strip()]
    return Measured(wall, peak[0] / 2**20, own[0] / 2**20, proc.returncode, out, err, launched, phases)


class Sink:
    """The counting SMTP server (benchmarks/sink.py) in a process of its own, for one command."""

    def __enter__(self) -> Sink:
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks", "sink"], cwd=ROOT, stdout=subprocess.PIPE,
                                     text=True)  # fmt: skip
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline().split()[1])
        self.counts: dict[str, int] = {}
        return self

    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=roadmap@example.org"

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=60)
        self.counts = json.loads(out.strip().splitlines()[-1])


# -- one round -----------------------------------------------------------------------------------------------


def _env(folder: Path, db: str, prefect_api: str | None = None) -> dict[str, str]:
    prefect_home = folder / "prefect"
    prefect_home.mkdir(exist_ok=True)
    server = {"PREFECT_API_URL": prefect_api} if prefect_api else {}  # else each command starts its own
    return {**os.environ, **server, "ROADMAP_DB": db, "ROADMAP_DATA_DIR": str(folder),
            "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PYTHONPATH": str(ROOT)}  # fmt: skip


def _checked(what: str, m: Measured) -> Measured:
    if m.returncode != 0:
        raise RuntimeError(f"{what} exited {m.returncode}:\n{m.stdout[-3000:]}\n{m.stderr[-3000:]}")
    return m


def outbox_rows(db: str) -> list[tuple[Any, ...]]:
    """The outbox as comparable rows (its fields that do not depend on when or in which batch it was sent)."""
    engine = open_store(db, readonly=True)
    try:
        with session_scope(engine, readonly=True) as session:
            rows = session.execute(select(*(getattr(OutboxMessage, f) for f in OUTBOX_FIELDS), OutboxMessage.payload))
            return sorted((*r[:-1], json.dumps(r[-1], sort_keys=True, ensure_ascii=False)) for r in rows)
    finally:
        engine.dispose()


def _last_outbox_id(db: str) -> int:
    engine = open_store(db, readonly=True)
    try:
        with session_scope(engine, readonly=True) as session:
            return int(session.execute(select(func.max(OutboxMessage.id))).scalar_one() or 0)
    finally:
        engine.dispose()


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


@dataclass
class Round:
    status: Measured
    verify: Measured
    sweep: Measured
    sweep_mail: dict[str, int]
    queued: int
    dispatch: Measured
    dispatch_mail: dict[str, int]
    sync_s: float
    sync_orgs: int
    sync_added: int
    amend_s: float
    amend_moved: int
    naive: Measured
    outbox: list[tuple[Any, ...]]


def one_round(
    source: str, folder: Path, tag: str, *, naive_sample: int, seed: int, day: date, prefect_api: str | None = None
) -> Round:
    db = clone(source, folder, tag)
    env = _env(folder, db, prefect_api)
    as_of = day.isoformat()
    try:
        status = _checked("status", measure([ROADMAP, "status", "--as-of", as_of, "--db", db], env))
        verify = _checked("audit verify", measure([ROADMAP, "audit", "verify", "--db", db], env))
        before = _last_outbox_id(db)
        with Sink() as sink:
            sweep = _checked(
                "sweep",
                measure(
                    [ROADMAP, "sweep", "--as-of", as_of, "--db", db],
                    env | {"ROADMAP_SMTP_URL": sink.url()},
                    folder / f"sweep-{tag}.jsonl",
                ),
            )
        outbox = outbox_rows(db)
        queued = _last_outbox_id(db) - before  # the rows the sweep queued (reminders, one per recipient)
        # the same digests again, sent by the dispatch command alone
        engine = open_store(db)
        with session_scope(engine) as session:
            session.execute(
                update(OutboxMessage).where(col(OutboxMessage.state) == "sent", col(OutboxMessage.id) > before)
                .values(state="pending", sent_at=None, digest_id=None, attempts=0, claim=None, claimed_until=None)
            )  # fmt: skip
        with Sink() as mail:
            dispatch = _checked("outbox send", measure([ROADMAP, "outbox", "send", "--db", db],
                                                       env | {"ROADMAP_SMTP_URL": mail.url()},
                                                       folder / f"dispatch-{tag}.jsonl"))  # fmt: skip
        text = PLAN.read_text(encoding="utf-8")
        plan = parse_plan(text, str(PLAN))
        copy_text = text.replace(f"id: {plan.id}\n", "id: bench-copy\n", 1)
        copy = parse_plan(copy_text, "bench-copy.yaml")
        now = datetime.now(UTC)

        def sync() -> Any:
            with session_scope(engine) as session:
                return sync_plan(session, roadmap=copy, yaml_text=copy_text, source_path=None, actor=ACTOR, now=now)

        sync_s, synced = _timed(sync)
        with session_scope(engine, readonly=True) as session:
            reached = len(territory_orgs(session, copy))
        changed = amended(text)

        def amend() -> Any:
            with session_scope(engine) as session:
                return sync_plan(session, roadmap=parse_plan(changed, "amended.yaml"), yaml_text=changed,
                                 source_path=None, actor=ACTOR, now=now, note="every window later")  # fmt: skip

        amend_s, amend_report = _timed(amend)
        engine.dispose()
    finally:
        drop(db)
    naive_db = clone(source, folder, f"{tag}n")
    try:
        command = [sys.executable, "-m", "benchmarks", "naive", "--db", naive_db, "--sample", str(naive_sample),
                   "--seed", str(seed), "--as-of", as_of]  # fmt: skip
        naive = _checked(
            "naive sweep", measure(command, _env(folder, naive_db, prefect_api), folder / f"naive-{tag}.jsonl")
        )
    finally:
        drop(naive_db)
    return Round(status, verify, sweep, sink.counts, queued, dispatch, mail.counts, sync_s, reached, synced.added,
                 amend_s, amend_report.moved + amend_report.retired, naive, outbox)  # fmt: skip


# -- the run -------------------------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _row(operation: str, size: int, seconds: float, rss: float | None = None, ratio: float | None = None,
         **parts: Any) -> dict[str, Any]:  # fmt: skip
    row = {"operation": operation, "size": size, "median_s": round(seconds, 3),
           "rate_per_s": round(size / seconds, 1) if seconds else None,
           "peak_rss_mb": round(rss, 1) if rss is not None else None,
           "ratio_vs_naive": round(ratio, 1) if ratio is not None else None}  # fmt: skip
    if parts:
        row["parts"] = parts
    return row


def _parts(measured: list[Measured]) -> dict[str, float]:
    keys = measured[0].parts().keys()
    return {k: round(_median([m.parts().get(k, 0.0) for m in measured]), 3) for k in keys}


@dataclass
class Result:
    rows: list[dict[str, Any]]
    store: str
    generated: str
    outbox: list[tuple[Any, ...]]  # the first round's outbox after its sweep
    rounds: list[Round]


@contextmanager
def data_dir(folder: Path) -> Iterator[None]:
    """ROADMAP_DATA_DIR set to `folder` in this process for the block (restored after)."""
    before = os.environ.get("ROADMAP_DATA_DIR")
    os.environ["ROADMAP_DATA_DIR"] = str(folder)
    get_settings.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("ROADMAP_DATA_DIR", None)
        else:
            os.environ["ROADMAP_DATA_DIR"] = before
        get_settings.cache_clear()


def run(*, orgs: int, naive_sample: int, runs: int = 3, db: str | None = None, seed: int = 1,
        day: date = SWEEP_DAY, folder: Path | None = None, log: Callable[[str], None] = print,
        prefect_api: str | None = None) -> Result:  # fmt: skip
    """Generate a store, measure every command on `runs` copies of it, return the rows (medians).

    `prefect_api` points the commands at a running Prefect server instead of each starting its own (the
    tests do, to be quick; the figures measure what an operator's command does, so they leave it unset)."""
    own_folder = folder is None  # a temporary folder of the run's own goes when the run ends
    folder = folder or Path(tempfile.mkdtemp(prefix="roadmap-bench-"))
    source = new_store(db, folder)
    log(f"generating {orgs} organisations into {source.split('@')[-1]}")
    # the commands' data folder is the run's (_env), and the generator's syncs keep their plans parsed there,
    # as `roadmap sync` does on an operator's machine: every round's sweep reads them parsed, not only the later
    with data_dir(folder):
        generated = generate(source, orgs, seed)
    log(f"  {generated.line()}")
    engine = open_store(source, readonly=True)
    with session_scope(engine, readonly=True) as session:
        milestones = session.execute(select(func.count()).select_from(Milestone)).scalar_one()
        events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    engine.dispose()
    rounds: list[Round] = []
    try:
        for k in range(runs):
            log(f"round {k + 1} of {runs}: load {os.getloadavg()[0]:.2f}")
            r = one_round(
                source, folder, f"r{k}", naive_sample=naive_sample, seed=seed, day=day, prefect_api=prefect_api
            )
            flows = [m.parts().get("flow_s", 0.0) for m in (r.sweep, r.dispatch, r.naive)]
            log(
                f"  sweep {r.sweep.wall_s:.1f} s wall ({r.sweep_mail['messages']} digests), flow {flows[0]:.2f} s, "
                f"peak {r.sweep.peak_rss_mb:.0f} MB; dispatch {flows[1]:.2f} s; naive {flows[2]:.2f} s"
            )
            rounds.append(r)
    finally:
        drop(source)
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)  # the copies' files and the commands' Prefect homes
    sweep_flow = _median([r.sweep.parts()["flow_s"] for r in rounds])
    naive_flow = _median([r.naive.parts()["flow_s"] for r in rounds])
    sample = min(naive_sample, milestones)
    per_sweep, per_naive = sweep_flow / milestones, naive_flow / sample
    digests = _median([r.dispatch_mail["messages"] for r in rounds])
    dispatch_flow = _median([r.dispatch.parts()["flow_s"] for r in rounds])
    rows = [
        _row("sync", _median([r.sync_orgs for r in rounds]), _median([r.sync_s for r in rounds]),
             milestones_added=_median([r.sync_added for r in rounds])),
        _row("amend", _median([r.amend_moved for r in rounds]), _median([r.amend_s for r in rounds])),
        _row("sweep", milestones, _median([r.sweep.wall_s for r in rounds]),
             _median([r.sweep.peak_rss_mb for r in rounds]), per_naive / per_sweep, **_parts([r.sweep for r in rounds]),
             digests=_median([r.sweep_mail["messages"] for r in rounds]),
             queued_rows=_median([r.queued for r in rounds]),
             largest_digest_kb=round(max(r.sweep_mail["max_bytes"] for r in rounds) / 1024, 1)),
        _row("dispatch", int(digests), dispatch_flow, _median([r.dispatch.peak_rss_mb for r in rounds]),
             **_parts([r.dispatch for r in rounds])),
        _row("status", milestones, _median([r.status.wall_s for r in rounds]),
             _median([r.status.peak_rss_mb for r in rounds])),
        _row("verify", events, _median([r.verify.wall_s for r in rounds]),
             _median([r.verify.peak_rss_mb for r in rounds])),
        _row("naive_sweep", sample, naive_flow, _median([r.naive.peak_rss_mb for r in rounds]),
             **_parts([r.naive for r in rounds])),
    ]  # fmt: skip
    return Result(rows, source, generated.line(), rounds[0].outbox if rounds else [], rounds)
