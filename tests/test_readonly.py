"""A store the user may only read (issue 11, item 8): reading commands work, writing ones say they need write access.

The commands run as the console script in a process of their own. Root may write any file whatever its
mode, so as root the process drops the capabilities that let it (setpriv, util-linux): it then meets
the file modes as any other user does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from models.db import open_store, session_scope
from notifications.dispatch import RecordingNotifier
from tasks.complete import CompletionRequest, complete
from tasks.sweep import active_roadmaps
from tests.helpers.sechenovsky import PLAN, REGISTRY, load_registry, sweep, sync

EXE = Path(sys.executable).parent / "roadmap"
DROP = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]

pytestmark = pytest.mark.skipif(
    not EXE.exists() or (os.geteuid() == 0 and shutil.which("setpriv") is None),
    reason="needs the console script, and setpriv when running as root",
)


def run(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    prefix = DROP if os.geteuid() == 0 else []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROADMAP_", "PREFECT_"))}
    env |= {"ROADMAP_DATA_DIR": str(data), "PREFECT_HOME": str(data / "prefect")}
    return subprocess.run([*prefix, str(EXE), *args], capture_output=True, text=True, env=env, timeout=180,
                          check=False)  # fmt: skip


@pytest.fixture
def store(tmp_path):
    folder = tmp_path / "store"
    url = f"sqlite:///{folder / 'roadmap.db'}"
    engine = open_store(url)
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    sweep(engine, date(2020, 5, 25), RecordingNotifier())
    with session_scope(engine) as session:
        plan = active_roadmaps(session)[0]
    with session_scope(engine) as session:
        complete(session, roadmap=plan, request=CompletionRequest(1, "Приказ УО № 12", "uo"),
                 now=datetime(2020, 5, 26, 9, tzinfo=UTC), recorded_by="operator", version=1)  # fmt: skip
    engine.dispose()
    assert not (folder / "roadmap.db-wal").exists()  # the last connection closed: no WAL index to lean on
    yield url, folder
    folder.chmod(0o700)
    (folder / "roadmap.db").chmod(0o600)


READING = [
    ["info"],
    ["status", "--as-of", "2020-05-26"],
    ["status", "--format", "json", "--as-of", "2020-05-26"],
    ["outbox", "--state", "all"],
    ["audit", "log", "--format", "csv"],
    ["audit", "verify"],
    ["orgs", "list"],
    ["parties", "list"],
    ["indicators", "list"],
    ["snapshots"],
]


def test_reading_commands_work_on_a_read_only_store_folder(store, tmp_path):
    url, folder = store
    out = tmp_path / "out"
    out.mkdir()
    (folder / "roadmap.db").chmod(0o444)
    folder.chmod(0o555)
    for args in [*READING, ["report", "audit", "--roadmap", "sechenovsky-2020", "--as-of", "2020-06-01", "-o",
                            str(out / "audit.html")]]:  # fmt: skip
        result = run(*args, "--db", url, data=tmp_path / "data")
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr and "readonly" not in result.stderr, (args, result.stderr)
    assert "audit chain intact" in run("audit", "verify", "--db", url, data=tmp_path / "data").stdout
    assert (out / "audit.html").stat().st_size > 0
    assert sorted(p.name for p in folder.iterdir()) == ["roadmap.db"]  # nothing was written beside it


def test_writing_commands_on_a_read_only_store_say_they_need_write_access(store, tmp_path):
    url, folder = store
    (folder / "roadmap.db").chmod(0o444)
    folder.chmod(0o555)
    writing = [
        ["sync", str(PLAN)],
        ["complete", "2", "--evidence", "Приказ № 1", "--by", "uo"],
        ["orgs", "load", str(REGISTRY / "sechenovsky-orgs.csv")],
        ["sweep", "--as-of", "2020-05-26"],
        ["schedule", "3", "--window", "до 15.10.2020"],
    ]
    for args in writing:
        result = run(*args, "--db", url, data=tmp_path / "data")
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        assert f"error: the store at {url} is read-only for " in result.stderr, (args, result.stderr)
        assert "this command changes the store and needs write access (commands that only read it work: info, " in (
            result.stderr
        )


def test_a_read_only_file_in_a_writable_folder_reads_and_refuses_writes(store, tmp_path):
    url, folder = store
    (folder / "roadmap.db").chmod(0o444)
    assert run("info", "--db", url, data=tmp_path / "data").returncode == 0
    refused = run("complete", "2", "--evidence", "Приказ № 1", "--by", "uo", "--db", url, data=tmp_path / "data")
    assert refused.returncode == 2 and "is read-only for " in refused.stderr and "(the file " in refused.stderr


def test_a_new_store_and_its_data_folder_are_private_to_the_user(tmp_path):
    data = tmp_path / "data" / "roadmap-engine"
    result = run("info", data=data)  # the default store: ROADMAP_DATA_DIR/roadmap.db, both made here
    assert result.returncode == 0, result.stderr
    assert (data.stat().st_mode & 0o777, (data / "roadmap.db").stat().st_mode & 0o777) == (0o700, 0o600)
    other = tmp_path / "elsewhere" / "deeper"
    assert run("info", "--db", f"sqlite:///{other / 'store.db'}", data=data).returncode == 0
    assert (other.stat().st_mode & 0o777, (other / "store.db").stat().st_mode & 0o777) == (0o700, 0o600)
