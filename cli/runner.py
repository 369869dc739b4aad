"""Running flows once from the CLI on Prefect's ephemeral API, and resolving the store location."""

from __future__ import annotations

import gc
import logging
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer

from models.settings import SettingsError, get_settings, store_url_problem
from operations.context import Actor

T = TypeVar("T")

# A one-shot CLI run needs no analytics (there is no network), no heartbeat thread holding the
# process for a second at exit, and none of Prefect's own log lines among our output: a refused input
# raised inside a flow would otherwise print Prefect's ERROR log with the traceback before our one-line
# message, and its shutdown warnings are noise (the temporary server's own services log ERROR with a
# traceback when they are cancelled mid-flush at exit, which a busy machine hits). What went wrong is
# said by the command itself; an unexpected error still ends in Python's traceback and exit 1. These
# are defaults: an operator's own PREFECT_* settings win (PREFECT_LOGGING_LEVEL=INFO shows the runs).
_PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    # the temporary server is a subprocess with this environment: its root logger (asyncio's «Task was
    # destroyed but it is pending» at shutdown) is quiet too; run_flow sets this process's root back
    "PREFECT_LOGGING_ROOT_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
}


# Prefect's background services, and asyncio's «Task was destroyed but it is pending» when the temporary
# server shuts down under load: noise after a one-shot run, never what the command has to say
QUIET_LOGGERS = ("EventsWorker", "APILogWorker", "ResultStorageWorker", "asyncio")


def quiet_prefect() -> None:
    """Apply the one-shot defaults; call before anything imports prefect (it reads them at import)."""
    for key, value in _PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def _exit_on_signal(signum: int, _frame: Any) -> None:
    # SystemExit unwinds the flow run and lets atexit stop Prefect's temporary server; the default
    # action of SIGTERM or SIGHUP would end the process at once and leave that server running
    raise SystemExit(128 + signum)


def run_flow(flow_fn: Callable[..., T], **params: Any) -> T:
    """Call a flow in-process (ephemeral Prefect API unless PREFECT_API_URL points at a server).

    SIGTERM and SIGHUP (a supervisor, `timeout`, a closed terminal) end the run as an exit with
    128 + the signal's number, after the temporary Prefect server the run started has been stopped.
    """
    quiet_prefect()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if os.environ.get("PREFECT_LOGGING_LEVEL") == "CRITICAL":
        # Prefect's background services log under their class names, outside its `prefect` loggers
        # («EventsWorker - Still processing items» after a refused run)
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    if os.environ.get("PREFECT_LOGGING_ROOT_LEVEL") == "CRITICAL":
        logging.getLogger().setLevel(logging.WARNING)  # other libraries' warnings in this process still show

    # the modules loaded so far live as long as the process: keep them out of the collector's passes
    # (15 % of a region's reminder decision went to collections scanning them, per the benchmark)
    gc.freeze()
    previous = {sig: signal.signal(sig, _exit_on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            return flow_fn(**params)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def settled_imports() -> Iterator[None]:
    """Import what a command needs with the garbage collector paused, then freeze what the imports made.

    The commands import their modules when they run, so that `roadmap --help` and a light command start fast.
    Those imports make tens of thousands of objects that live as long as the process (SQLModel's table classes
    above all): the collector would scan them again and again while they are made, and on every full collection
    after. Paused and then frozen, it leaves them alone (a sixth of `roadmap status` on a region's store, per
    the issue 15 measurements).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def store_url(db: str | None) -> str:
    """The store to use: --db, else ROADMAP_DB, else the default SQLite file."""
    if db:
        problem = store_url_problem(db)
        if problem:
            raise SettingsError(f"--db: {problem}")
        return db
    return get_settings().db_url


def actor(by: str | None) -> Actor:
    """Who is acting: --by, else ROADMAP_ACTOR, else the operating-system user; recorded with the OS user and host."""
    return Actor.from_cli(by)


EXIT_UNSIGNED = 1


def run_audited_flow(flow_fn: Callable[..., T], **params: Any) -> T:
    """run_flow for the flows that sign what they append: an unusable signing key (ROADMAP_AUDIT_KEY) is refused
    before the work (exit 2); a checkpoint refused after it (the history was rewritten) prints what the run did
    and exits 1."""
    from audit.keys import AuditKeyError
    from flows.audit_steps import CheckpointRefused

    try:
        return run_flow(flow_fn, **params)
    except AuditKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except CheckpointRefused as exc:
        for line in (exc.result or {}).get("lines", []):
            if line != str(exc):
                typer.echo(line)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_UNSIGNED) from None
