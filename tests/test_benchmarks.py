"""The whole-command benchmark (benchmarks/, issue 15) still works, and measures the real thing: at a tiny size
its run produces every row, and the outbox its `roadmap sweep` leaves is the one a plain sweep of the same
generated store leaves. Correctness only: the figures themselves are for docs/benchmarks.md, never asserted.
"""

from __future__ import annotations

from benchmarks.__main__ import main
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
