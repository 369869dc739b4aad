"""Shared fixtures: a real store per test, on SQLite and on PostgreSQL.

`db_url` (and `engine`, the store opened on it) is parametrized over both backends, so every store
test runs twice: `test_x[sqlite]` on a file in tmp_path, `test_x[postgresql]` in a fresh schema of
the database that ROADMAP_TEST_PG_URL names (scripts/test.sh sets it up through scripts/pg.sh). Without
that variable the PostgreSQL runs are skipped, except in CI (CI=true), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from models.db import open_store

PG_URL_VARIABLE = "ROADMAP_TEST_PG_URL"
SCHEMA_PREFIX = "t_"
# a run that died before its teardown leaves its schema behind; the next run drops schemas this old
# (not younger ones: another run against the same database may be using them right now)
STALE_AFTER_SECONDS = 6 * 3600


def pytest_configure(config: pytest.Config) -> None:
    """Import Prefect once, before any test swaps sys.stderr, with a home of the run's own.

    Prefect binds its console log handler to sys.stderr when it is first imported; imported inside a
    CliRunner invocation, that handler would keep writing to the runner's closed stream ever after.
    """
    home = tempfile.mkdtemp(prefix="roadmap-test-prefect-")
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))
    os.environ.setdefault("PREFECT_HOME", home)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    import prefect.main  # noqa: F401  (prefect itself imports lazily: .main sets up its logging)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test writes into the user's data directory: ROADMAP_DATA_DIR (stored files, reports) is a temporary one."""
    from models.settings import get_settings

    folder = tmp_path_factory.mktemp("data")
    before = os.environ.get("ROADMAP_DATA_DIR")
    os.environ["ROADMAP_DATA_DIR"] = str(folder)
    get_settings.cache_clear()
    yield folder
    if before is None:
        os.environ.pop("ROADMAP_DATA_DIR", None)
    else:
        os.environ["ROADMAP_DATA_DIR"] = before
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Settings are read from the environment afresh in every test (a test's monkeypatched ROADMAP_* is its own)."""
    from models.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One Prefect test server for every flow test of the run (starting one costs seconds), with its own home."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def pg_url() -> str | None:
    """The PostgreSQL database the tests may use (ROADMAP_TEST_PG_URL), or None."""
    return os.environ.get(PG_URL_VARIABLE) or None


@pytest.fixture(scope="session")
def pg_available(pg_url: str | None) -> bool:
    """Whether the PostgreSQL runs of the store tests happen (for tests that need both backends at once)."""
    return pg_url is not None


@pytest.fixture(scope="session")
def pg_admin(pg_url: str | None) -> Iterator[Engine | None]:
    """An autocommit engine on the test database that makes and drops the per-test schemas; None without one."""
    if pg_url is None:
        yield None
        return
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            _drop_stale_schemas(connection)
    except Exception as exc:
        admin.dispose()
        pytest.fail(f"{PG_URL_VARIABLE} is set but its database cannot be used: {exc}", pytrace=False)
    yield admin
    admin.dispose()


def _drop_stale_schemas(connection: Connection) -> None:
    names = connection.execute(
        text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :pattern"), {"pattern": SCHEMA_PREFIX + "%"}
    ).scalars()
    cutoff = time.time() - STALE_AFTER_SECONDS
    for name in names:
        stamp = name.removeprefix(SCHEMA_PREFIX).split("_", 1)[0]
        if stamp.isdigit() and int(stamp) < cutoff:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store of its own for this test: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin: Engine | None = request.getfixturevalue("pg_admin")
    if admin is None:
        reason = f"PostgreSQL: {PG_URL_VARIABLE} is not set (run `bash scripts/test.sh`, or scripts/pg.sh as root)"
        if in_ci():
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(reason)
    # the epoch in the name lets a later run tell a schema left by a crash from one in use
    schema = f"{SCHEMA_PREFIX}{int(time.time())}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    base = make_url(request.getfixturevalue("pg_url"))
    options = " ".join(filter(None, [base.query.get("options"), f"-csearch_path={schema}"]))
    # search_path puts every table of the test in its schema, whichever engine or process connects;
    # application_name lets the teardown find the test's connections
    url = base.update_query_dict({"options": options, "application_name": schema})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        # connections the test left open (an engine not disposed) could hold locks the drop would wait on
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": schema},
        )
        connection.exec_driver_sql("SET lock_timeout = '20s'")
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def backend(db_url: str) -> str:
    """The backend of this test's store: "sqlite" or "postgresql"."""
    return make_url(db_url).get_backend_name()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The store at db_url, opened (and so migrated to head) as the program opens it."""
    engine = open_store(db_url)
    yield engine
    engine.dispose()
