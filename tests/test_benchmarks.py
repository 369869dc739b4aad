"""The whole-command benchmark (benchmarks/, issue 15) still works, and measures the real thing: at a tiny size
its run produces every row, and the outbox its `roadmap sweep` leaves is the one a plain sweep of the same
generated store leaves; its kill -9 test (`crash`) kills both senders in the middle and finds nothing lost
and at most a batch repeated per sender, and its check fails when that does not hold. Correctness only:
the figures themselves are for docs/benchmarks.md, never asserted.
"""

from __future__ import annotations

import json
import signal
from collections import Counter

from benchmarks.__main__ import main
from benchmarks.crash import judge
from benchmarks.store import SWEEP_DAY, generate
from benchmarks.whole import outbox_rows, run
from models.db import open_store
from notifications.dispatch import RecordingNotifier
from tests.test_sweep import sweep

OPERATIONS = ["sync", "amend", "sweep", "dispatch", "status", "verify", "naive_sweep"]
KEYS = {"operation", "size", "median_s", "rate_per_s", "peak_rss_mb", "ratio_vs_naive"}


def test_the_benchmark_runs_and_its_sweep_leaves_the_outbox_a_plain_sweep_does(tmp_path, prefect_harness):
    from prefect.settings import PREFECT_API_URL

    # the commands use the tests' Prefect server rather than each starting one (quicker; same flows)
    result = run(orgs=30, naive_sample=40, runs=1, folder=tmp_path, log=lambda _line: None,
                 prefect_api=PREFECT_API_URL.value())  # fmt: skip
    assert [r["operation"] for r in result.rows] == OPERATIONS
    assert all(KEYS <= set(r) for r in result.rows)
    rows = {r["operation"]: r for r in result.rows}
    assert rows["sweep"]["parts"]["digests"] > 0 and rows["sweep"]["ratio_vs_naive"] is not None
    assert rows["dispatch"]["size"] == rows["sweep"]["parts"]["digests"]  # the same digests, sent again
    assert rows["naive_sweep"]["size"] == 40 and rows["amend"]["size"] > 0
    assert all(r["median_s"] > 0 for r in result.rows)

    # the same seeded store, swept in this process the plain way (decide, then dispatch)
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    assert generate(url, 30).line() == result.generated  # the generator is deterministic
    engine = open_store(url)
    try:
        sweep(engine, SWEEP_DAY, RecordingNotifier())
    finally:
        engine.dispose()
    assert result.outbox == outbox_rows(url)
    assert {r[-2] for r in result.outbox} >= {"sent"}  # (state) the benchmark's sweep sent its digests


def test_generate_on_the_command_line(tmp_path, capsys):
    assert main(["generate", "--orgs", "20", "--db", f"sqlite:///{tmp_path / 'g.db'}"]) == 0
    out = capsys.readouterr().out
    assert "organisations" in out and "done" in out and "overdue" in out and "waiting-for-date" in out


def test_the_crash_test_kills_both_senders_mid_dispatch_and_finds_nothing_lost(db_url, tmp_path, capsys):
    out = tmp_path / "crash.json"
    # a small batch, so that each sender goes through several before the kill (counted in messages, not timed)
    code = main(["crash", "--orgs", "30", "--senders", "2", "--batch", "3", "--workers", "2", "--db", db_url,
                 "--json", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    result = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0, printed
    assert result["ok"] and result["failures"] == [] and "property holds" in printed
    assert result["digests"] > 4 * 3  # several batches each
    assert set(result["killed"].values()) == {-signal.SIGKILL}  # both killed, neither had finished
    assert all(n >= result["kill_after"] for n in result["received_before_kill"].values())
    assert 0 < result["kill_point"] < 1
    assert result["lost_digests"] == 0 and result["not_final_rows"] == 0 and result["unexpected"] == 0
    assert result["duplicates"] <= 2 * 3 and all(d <= 3 for d in result["duplicates_by_sender"].values())
    assert result["received"] == result["digests"] + result["duplicates"]


def test_the_crash_check_fails_on_a_lost_digest_and_on_more_than_a_batch_repeated():
    expected = Counter({"a@x": 1, "b@x": 1, "c@x": 1, "d@x": 1})
    killed = {"s1": -signal.SIGKILL, "s2": -signal.SIGKILL}
    first = [("s1", "a@x"), ("s1", "b@x"), ("s2", "c@x")]
    then = [("clean", "a@x"), ("clean", "d@x"), ("clean", "c@x")]
    ok = judge(expected, first + then, ["sent"] * 4, ["s1", "s2"], 1, killed)
    assert ok.failures == [] and ok.duplicates == 2 and ok.by_sender == {"s1": 1, "s2": 1}
    twice = judge(expected, first + then + [("clean", "b@x")], ["sent"] * 4, ["s1", "s2"], 1, killed)
    assert twice.by_sender == {"s1": 2, "s2": 1} and "more repeats" in twice.failures[0]
    lost = judge(expected, first, ["sent", "sent", "sent", "pending"], ["s1", "s2"], 1, killed)
    assert lost.lost == 1 and lost.not_final == 1 and lost.failures[0].startswith("lost")
    finished = judge(expected, first + then, ["sent"] * 4, ["s1", "s2"], 1, {"s1": 0, "s2": -signal.SIGKILL})
    assert "not every sender was killed" in finished.failures[0]


def test_the_scale_out_benchmark_finds_the_zone_runs_on_two_workers_leave_the_one_process_outbox(tmp_path, capsys):
    """`python -m benchmarks scaleout` still works: `roadmap serve --workers 2` sweeps a copy of the store zone by
    zone and both outboxes are compared (tests/test_service.py proves the property on both stores; this keeps
    the benchmark that measures it honest)."""
    out = tmp_path / "scaleout.json"
    code = main(["scaleout", "--orgs", "12", "--workers", "2", "--db", f"sqlite:///{tmp_path / 'store.db'}",
                 "--json", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    result = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0, printed
    assert result["holds"] and result["same_outbox"] and result["rows"] > 0
    assert result["digests_partitioned"] == result["digests_one"] > 0 and result["repeated"] == 0
    assert {run["state"] for run in result["runs"].values()} == {"COMPLETED"} and len(result["runs"]) == 3
    assert "property holds" in printed
