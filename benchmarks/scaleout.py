"""The partitioned sweep on an existing engine (`python -m benchmarks scaleout`): one generated store swept by
one process, and a copy of it swept by `roadmap serve --workers N` (a Prefect server, the process work pool,
the deployments of prefect.yaml, N workers) taking the per-zone sweep deployments side by side.

    python -m benchmarks scaleout --orgs 5000 --workers 2 --db "$ROADMAP_TEST_PG_URL" [--json OUT]

Measures the one-process `roadmap sweep --as-of DAY` (wall, and its flow from the phase timer) and the
partitioned sweep (from the creation of the zone runs to the last one's completion, as the API reports;
each run's own time too), then checks that both left the same outbox (the fields that do not depend on
when or in which batch a row was sent) and that the partitioned sweep delivered every digest once.
Exit 1 when the outboxes differ or a digest was delivered twice.
"""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from benchmarks.store import SWEEP_DAY, clone, drop, generate, new_store
from benchmarks.whole import ROADMAP, ROOT, Sink, _checked, _env, data_dir, measure, outbox_rows
from tests.helpers.processes import Running, api_call  # (the tests' command reader and REST call)

SWEEPS = ("sweep-europe-moscow", "sweep-asia-yekaterinburg", "sweep-asia-tomsk")  # the generator's three zones
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Result:
    generated: str
    one_process_wall_s: float
    one_process_flow_s: float
    partitioned_s: float
    runs: dict[str, dict[str, Any]]
    same_outbox: bool
    rows: int
    digests_one: int
    digests_partitioned: int
    repeated: int

    repeated_one: int

    def holds(self) -> bool:
        """The same outbox, the same digests, none delivered again, every zone run completed; and something to
        compare (a store whose day queues nothing would prove nothing)."""
        return (
            self.rows > 0
            and self.digests_one > 0
            and self.same_outbox
            and self.digests_partitioned == self.digests_one
            and self.repeated == self.repeated_one
            and all(r["state"] == "COMPLETED" for r in self.runs.values())
        )

    def as_json(self) -> dict[str, Any]:
        return self.__dict__ | {"holds": self.holds()}


def _partitioned(db: str, folder: Path, workers: int, day: date, now: datetime, log: Callable[[str], None]
                 ) -> tuple[float, dict[str, dict[str, Any]], dict[str, int]]:  # fmt: skip
    """The zone sweeps started at once on `roadmap serve --workers N`: seconds from creating them to the last
    one's end, each run's figures, and the sink's counts."""
    port = _free_port()
    env = _env(folder, db) | {"PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1"}
    env = {k: v for k, v in env.items() if k not in ("PREFECT_API_URL", "ROADMAP_TIMINGS")}
    api = f"http://127.0.0.1:{port}/api"
    with Sink() as sink:
        env["ROADMAP_SMTP_URL"] = sink.url()
        served = Running([ROADMAP, "serve", "--port", str(port), "--workers", str(workers), "--no-web",
                          "--prefect-home", str(folder / "serve-prefect"), "--db", db], env, cwd=ROOT)  # fmt: skip
        try:
            served.wait_for("ready:", 600)
            log(f"  roadmap serve ready with {workers} workers")
            deployments = {
                d["name"]: d["id"]
                for d in api_call("POST", f"{api}/deployments/filter", json={}, timeout=60, attempts=40).json()
            }
            parameters = {"as_of": day.isoformat(), "now": now.isoformat()}
            began = time.monotonic()
            ids = {}
            for name in SWEEPS:
                made = api_call("POST", f"{api}/deployments/{deployments[name]}/create_flow_run", idempotent=True,
                                timeout=60, attempts=40,
                            json={"parameters": parameters, "idempotency_key": uuid.uuid4().hex})  # fmt: skip
                made.raise_for_status()
                ids[name] = made.json()["id"]
            runs: dict[str, dict[str, Any]] = {}
            while len(runs) < len(ids):
                for name, run_id in ids.items():
                    if name not in runs:
                        run = api_call("GET", f"{api}/flow_runs/{run_id}", timeout=60, attempts=40).json()
                        if run["state"]["type"] in FINAL:
                            runs[name] = run
                if time.monotonic() - began > 3600:
                    raise RuntimeError("the zone sweeps did not finish within an hour")
                time.sleep(0.2)
            took = time.monotonic() - began
        finally:
            code = served.interrupt(timeout=120)
        if code != 0:
            raise RuntimeError(f"roadmap serve exited {code}:\n" + "\n".join(served.lines[-40:]))
    figures = {
        name: {"state": run["state"]["type"], "run_s": round(run.get("total_run_time") or 0.0, 2),
               "start": run.get("start_time"), "end": run.get("end_time")}
        for name, run in runs.items()
    }  # fmt: skip
    return took, figures, sink.counts


def scaleout(*, orgs: int, workers: int, db: str | None, seed: int = 1, day: date = SWEEP_DAY,
             log: Callable[[str], None] = print) -> Result:  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="roadmap-scaleout-"))
    source = new_store(db, folder)
    try:
        log(f"generating {orgs} organisations into {source.split('@')[-1]}")
        with data_dir(folder):
            generated = generate(source, orgs, seed)
        log(f"  {generated.line()}")
        now = datetime.now(UTC).replace(microsecond=0)
        one = clone(source, folder, "one")
        try:
            with Sink() as sink:
                measured = _checked("sweep", measure([ROADMAP, "sweep", "--as-of", day.isoformat(), "--db", one],
                                                     _env(folder, one) | {"ROADMAP_SMTP_URL": sink.url()},
                                                     folder / "one.jsonl"))  # fmt: skip
            log(f"  one process: {measured.wall_s:.1f} s wall, flow {measured.parts().get('flow_s', 0.0):.2f} s")
            expected = outbox_rows(one)
        finally:
            drop(one)
        many = clone(source, folder, "many")
        try:
            took, runs, counts = _partitioned(many, folder, workers, day, now, log)
            log(f"  partitioned over {workers} workers: {took:.1f} s from creating the zone runs to the last's end")
            got = outbox_rows(many)
        finally:
            drop(many)
    finally:
        drop(source)
        shutil.rmtree(folder, ignore_errors=True)
    # the one-process sweep ran with the real clock, the zone runs with `now`: the rows compared do not depend on it
    return Result(generated.line(), round(measured.wall_s, 2), round(measured.parts().get("flow_s", 0.0), 2),
                  round(took, 2), runs, got == expected, len(got), sink.counts.get("messages", 0),
                  counts.get("messages", 0), counts.get("repeated", 0), sink.counts.get("repeated", 0))  # fmt: skip


def main(orgs: int, workers: int, db: str | None, seed: int, out: Path | None) -> int:
    result = scaleout(orgs=orgs, workers=workers, db=db, seed=seed)
    print(f"store: {result.generated}")
    print(f"one process: roadmap sweep {result.one_process_wall_s} s wall, {result.one_process_flow_s} s of flow, "
          f"{result.digests_one} digests")  # fmt: skip
    print(f"roadmap serve --workers {workers}: the three zone sweeps in {result.partitioned_s} s "
          f"(creation to the last end), {result.digests_partitioned} digests")  # fmt: skip
    for name, run in result.runs.items():
        print(f"  {name}: {run['state']}, {run['run_s']} s of run time")
    print(f"outbox: {result.rows} rows, {'the same' if result.same_outbox else 'DIFFERENT'} as one process's; "
          f"{result.repeated} digests delivered twice")  # fmt: skip
    if out is not None:
        out.write_text(json.dumps(result.as_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("property holds" if result.holds() else "property FAILS")
    return 0 if result.holds() else 1
