"""The benchmark of the whole commands (issue 15): `python -m benchmarks generate|run|naive|sink|mime`.

    python -m benchmarks generate --orgs 4000 --db sqlite:////tmp/region.db [--seed 1]
    python -m benchmarks run --orgs 4000 --naive-sample 5000 --runs 3 [--db URL] --json out.json
    python -m benchmarks run --milestones 5000 --naive-sample 5000 --json small.json
    python -m benchmarks mime --digests 2000 [--rounds 3] [--workers 4]

`run` generates its own store (a SQLite file in a temporary folder, or with --db a PostgreSQL URL a
schema of its own in that database), then measures every command on fresh copies of it
(benchmarks/whole.py) and writes the rows {"operation", "size", "median_s", "rate_per_s",
"peak_rss_mb", "ratio_vs_naive"} (with "parts" on some) to --json. `naive` and `sink` are the run's
helpers (the naive one-task-per-milestone flow; the counting SMTP server), each run as its own process.
`mime` sends the same digests to that server with the e-mail written by the email package and as bytes
(benchmarks/mime.py) and prints messages/s of each and their ratio.
The machine is shared and noisy: compare the ratios of one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path

MILESTONES_PER_ORG = 25  # about what the seed plans give an organisation (benchmarks/store.py)


def versions() -> dict[str, str]:
    packages = ("prefect", "sqlalchemy", "sqlmodel", "apprise", "aiosmtpd", "psycopg")
    return {"python": platform.python_version(), **{p: version(p) for p in packages}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="fill an empty store with a seeded region")
    gen.add_argument("--orgs", type=int, required=True)
    gen.add_argument("--db", required=True, help="store URL (SQLite file or PostgreSQL)")
    gen.add_argument("--seed", type=int, default=1)
    run = commands.add_parser("run", help="measure the whole commands on copies of a generated store")
    size = run.add_mutually_exclusive_group(required=True)
    size.add_argument("--orgs", type=int)
    size.add_argument("--milestones", type=int, help=f"about this many (--orgs = N / {MILESTONES_PER_ORG})")
    run.add_argument("--naive-sample", type=int, required=True)
    run.add_argument("--runs", type=int, default=3)
    run.add_argument(
        "--db",
        default=None,
        help="a PostgreSQL URL (the run makes and drops schemas of its own "
        "there) or a new SQLite file; default SQLite files in a temporary folder",
    )
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--as-of", default=None, help="the day swept (default 2020-06-01)")
    run.add_argument("--json", required=True, type=Path)
    naive = commands.add_parser("naive", help="(the run's helper) the one-task-per-milestone flow over a sample")
    naive.add_argument("--db", required=True)
    naive.add_argument("--sample", type=int, required=True)
    naive.add_argument("--seed", type=int, default=1)
    naive.add_argument("--as-of", required=True)
    sink = commands.add_parser("sink", help="(the run's helper) a counting SMTP server on loopback")
    sink.add_argument("--port", type=int, default=None)
    mime = commands.add_parser("mime", help="e-mail written by the email package against as bytes, same digests")
    mime.add_argument("--digests", type=int, default=2000)
    mime.add_argument("--rounds", type=int, default=3)
    mime.add_argument("--workers", type=int, default=4, help="sending threads (the dispatch's default)")
    args = parser.parse_args(argv)

    if args.command == "mime":
        from benchmarks.mime import run as run_mime

        run_mime(args.digests, args.rounds, args.workers)
        return 0

    if args.command == "sink":
        from benchmarks.sink import serve

        serve(args.port)
        return 0
    if args.command == "naive":
        from benchmarks.naive import main as naive_main

        naive_main(args.db, args.sample, args.seed, date.fromisoformat(args.as_of))
        return 0
    if args.command == "generate":
        from benchmarks.store import generate

        print(generate(args.db, args.orgs, args.seed).line())
        return 0

    from benchmarks.store import SWEEP_DAY
    from benchmarks.whole import run as run_all

    if args.db and not args.db.startswith("postgresql") and Path(args.db.split(":///", 1)[-1]).exists():
        parser.error(f"--db {args.db}: expected a new SQLite file for the run's store, found one that exists")
    orgs = args.orgs or max(10, round(args.milestones / MILESTONES_PER_ORG))
    day = date.fromisoformat(args.as_of) if args.as_of else SWEEP_DAY
    started = datetime.now(UTC)
    result = run_all(orgs=orgs, naive_sample=args.naive_sample, runs=args.runs, db=args.db, seed=args.seed, day=day)
    args.json.write_text(json.dumps(result.rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{' '.join(['python -m benchmarks', *(argv or sys.argv[1:])])}")
    print(f"{started:%Y-%m-%d %H:%M} UTC; {json.dumps(versions())}; store: {result.generated}")
    print(f"{'operation':<12} {'size':>9} {'median_s':>9} {'rate/s':>10} {'peak MB':>8} {'vs naive':>9}")
    for row in result.rows:
        print(f"{row['operation']:<12} {row['size']:>9} {row['median_s']:>9} {row['rate_per_s'] or '':>10} "
              f"{row['peak_rss_mb'] or '':>8} {row['ratio_vs_naive'] or '':>9}")  # fmt: skip
        if "parts" in row:
            print("             " + ", ".join(f"{k} {v}" for k, v in row["parts"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
