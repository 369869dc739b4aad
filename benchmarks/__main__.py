"""The benchmark of the whole commands (issue 15): `python -m benchmarks generate|run|crash|scaleout|mime|naive|sink`.

    python -m benchmarks generate --orgs 4000 --db sqlite:////tmp/region.db [--seed 1]
    python -m benchmarks run --orgs 4000 --naive-sample 5000 --runs 3 [--db URL] --json out.json
    python -m benchmarks run --milestones 5000 --naive-sample 5000 --json small.json
    python -m benchmarks crash --orgs 5000 --senders 2 [--db URL] [--batch 50] [--json crash.json]
    python -m benchmarks scaleout --orgs 5000 --workers 2 --db "$ROADMAP_TEST_PG_URL" [--json scaleout.json]
    python -m benchmarks mime --digests 2000 [--rounds 3] [--workers 4]

`run` generates its own store (a SQLite file in a temporary folder, or with --db a PostgreSQL URL a
schema of its own in that database), then measures every command on fresh copies of it
(benchmarks/whole.py) and writes the rows {"operation", "size", "median_s", "rate_per_s",
"peak_rss_mb", "ratio_vs_naive"} (with "parts" on some) to --json. `naive` and `sink` are the run's
helpers (the naive one-task-per-milestone flow; the counting SMTP server), each run as its own process.
`crash` is the kill -9 test at region size (benchmarks/crash.py): senders killed (SIGKILL) in the middle
of the day's dispatch, then a clean one; it checks that nothing was lost and that each killed sender
repeated at most one batch, prints the figures, and exits 1 when that does not hold (`crash-sender` is
its sender process).
`scaleout` sweeps one store in one process and a copy of it with `roadmap serve --workers N` taking the
per-zone sweep deployments side by side (benchmarks/scaleout.py): the times, and whether both left the
same outbox and delivered the same digests once (exit 1 when not).
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
    crash = commands.add_parser("crash", help="the kill -9 test: senders killed mid-dispatch, then a clean one")
    crash.add_argument("--orgs", type=int, required=True)
    crash.add_argument("--senders", type=int, default=2)
    crash.add_argument("--db", default=None, help="a PostgreSQL URL (a schema of the run's own) or a new SQLite file")
    crash.add_argument("--batch", type=int, default=None, help="recipients a sender claims at a time (default: BATCH)")
    crash.add_argument("--workers", type=int, default=4, help="sending threads per sender")
    crash.add_argument("--kill-after", type=int, default=None,
                       help="messages per sender before the kill (default: the middle of the run)")  # fmt: skip
    crash.add_argument("--seed", type=int, default=1)
    crash.add_argument("--as-of", default=None, help="the day decided (default 2020-06-01)")
    crash.add_argument("--json", type=Path, default=None)
    scale = commands.add_parser("scaleout", help="the zone sweeps on roadmap serve --workers N against one process")
    scale.add_argument("--orgs", type=int, required=True)
    scale.add_argument("--workers", type=int, default=2)
    scale.add_argument("--db", default=None, help="a PostgreSQL URL (schemas of the run's own) or a new SQLite file")
    scale.add_argument("--seed", type=int, default=1)
    scale.add_argument("--json", type=Path, default=None)
    sender = commands.add_parser("crash-sender", help="(the crash test's helper) a sender dispatching the outbox")
    sender.add_argument("--db", required=True)
    sender.add_argument("--smtp", required=True)
    sender.add_argument("--now", required=True)
    sender.add_argument("--as-of", required=True)
    sender.add_argument("--batch", type=int, required=True)
    sender.add_argument("--workers", type=int, required=True)
    sender.add_argument("--wait", action="store_true", help='say "ready", start on a line from stdin')
    mime = commands.add_parser("mime", help="e-mail written by the email package against as bytes, same digests")
    mime.add_argument("--digests", type=int, default=2000)
    mime.add_argument("--rounds", type=int, default=3)
    mime.add_argument("--workers", type=int, default=4, help="sending threads (the dispatch's default)")
    args = parser.parse_args(argv)

    if args.command == "mime":
        from benchmarks.mime import run as run_mime

        run_mime(args.digests, args.rounds, args.workers)
        return 0

    if args.command == "crash-sender":
        from benchmarks.crash import sender_command

        return sender_command(args)
    if args.command == "crash":
        return crash_command(args, parser, argv)
    if args.command == "scaleout":
        from benchmarks.scaleout import main as scaleout_main

        return scaleout_main(args.orgs, args.workers, args.db, args.seed, args.json)
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


def crash_command(args: argparse.Namespace, parser: argparse.ArgumentParser, argv: list[str] | None) -> int:
    from benchmarks.crash import as_json
    from benchmarks.crash import run as run_crash
    from benchmarks.store import SWEEP_DAY
    from outbox.send import BATCH

    if args.db and not args.db.startswith("postgresql") and Path(args.db.split(":///", 1)[-1]).exists():
        parser.error(f"--db {args.db}: expected a new SQLite file for the run's store, found one that exists")
    if args.senders < 1 or (args.batch is not None and args.batch < 1):
        parser.error("--senders and --batch must be at least 1")
    day = date.fromisoformat(args.as_of) if args.as_of else SWEEP_DAY
    started = datetime.now(UTC)
    result = run_crash(orgs=args.orgs, senders=args.senders, batch=args.batch or BATCH, workers=args.workers,
                       db=args.db, seed=args.seed, day=day, kill_after=args.kill_after)  # fmt: skip
    print(f"{' '.join(['python -m benchmarks', *(argv or sys.argv[1:])])}")
    print(f"{started:%Y-%m-%d %H:%M} UTC; {json.dumps(versions())}")
    for line in result.lines():
        print(line)
    if args.json:
        args.json.write_text(json.dumps(as_json(result), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
