"""The audit chain at region size: sync writing one event per milestone, signing, `audit verify`, a proof.

Builds a region (default 4,500 organisations: about 10^5 milestones of the Tomsk roadmap, so about
10^5 events), syncs it (each milestone's creation an event, written in bulk), signs a checkpoint,
then runs `roadmap audit verify` as a user runs it (a new process, the whole command) and the
verification alone in this process; finally proves one receipt.

Run: .venv/bin/python benchmarks/audit_chain.py [--orgs 4500] [--db URL]
The machine is shared and noisy: run it twice and read the better figure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from region import build_registry  # this folder's region benchmark: the same 2,000-or-more-organisation region
from sqlalchemy import func, select

from audit.keys import generate_key
from audit.proofs import Receipt
from models.db import open_store, session_scope
from models.loader import parse_plan
from models.settings import Settings
from models.store import AuditEvent
from operations import audit as audit_ops
from operations.context import Actor, Clock, Context
from tasks.sync import sync_plan

ROOT = Path(__file__).resolve().parent.parent

PLAN = ROOT / "roadmaps" / "tomsk-2020-2024.yaml"
NOW = datetime(2021, 6, 1, 6, tzinfo=UTC)
ACTOR = Actor("bench", "test", "benchmarks/audit_chain.py")


def timed(label: str, fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<64} {seconds:8.3f} s")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=4500)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="roadmap-bench-audit-"))
    url = args.db or f"sqlite:///{folder / 'bench.db'}"
    engine = open_store(url)
    build_registry(engine, args.orgs)
    text = PLAN.read_text(encoding="utf-8")
    roadmap = parse_plan(text, str(PLAN))
    key_path = folder / "audit.key"
    generate_key(key_path)
    settings = Settings(db=url, data_dir=folder, audit_key=key_path)
    ctx = Context(engine=engine, actor=ACTOR, clock=Clock(NOW), settings=settings)
    print(f"store {url}; {args.orgs} organisations; plan {roadmap.id}")

    def sync() -> Any:
        with session_scope(engine) as session:
            return sync_plan(session, roadmap=roadmap, yaml_text=text, source_path=None, actor=ACTOR, now=NOW)

    _s, report = timed("sync: milestones and one event each, bulk, one transaction", sync)
    with session_scope(engine, readonly=True) as session:
        events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    print(f"  -> {report.added} milestones, {events} events in the chain")
    timed("sign a checkpoint (links of every event, Merkle root)", lambda: audit_ops.checkpoint(ctx))

    verify_s, verified = timed("verify in this process (chain, checkpoints, replay vs tables)",
                               lambda: audit_ops.verify(ctx))  # fmt: skip
    assert verified.ok, verified.problems()[:5]
    env = {**os.environ, "ROADMAP_AUDIT_KEY": str(key_path), "ROADMAP_DATA_DIR": str(folder)}
    command = [str(Path(sys.executable).parent / "roadmap"), "audit", "verify", "--db", url]

    def command_run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    cli_s, done = timed("roadmap audit verify (the command, a new process)", command_run)
    print("  " + "\n  ".join(done.stdout.strip().splitlines()))
    assert done.returncode == 0, done.stderr[-2000:]

    with session_scope(engine, readonly=True) as session:
        seq, digest = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq == events // 2)
        ).one()  # fmt: skip
    _p, proved = timed("prove one receipt (inclusion path over every event)",
                       lambda: audit_ops.prove_receipt(ctx, Receipt(seq, digest).token))  # fmt: skip
    print(f"  -> event {seq}: {len(proved.proof.path)} hashes to the signed root")
    print(f"{events} events: verify {verify_s:.2f} s in process, {cli_s:.2f} s as the command")
    engine.dispose()


if __name__ == "__main__":
    main()
