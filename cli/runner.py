"""Running flows once from the CLI on Prefect's ephemeral API, and resolving the store location."""

from __future__ import annotations

import getpass
import os
import signal
from collections.abc import Callable
from typing import Any, TypeVar

from models.settings import SettingsError, get_settings, store_url_problem

T = TypeVar("T")

# A one-shot CLI run needs no analytics (there is no network), no heartbeat thread holding the
# process for a second at exit, and none of Prefect's own log lines among our output: a refused input
# raised inside a flow would otherwise print Prefect's ERROR log with the traceback before our one-line
# message, and its shutdown warnings are noise. What went wrong is said by the command itself; an
# unexpected error still ends in Python's traceback and exit 1. These are defaults: an operator's own
# PREFECT_* settings win (PREFECT_LOGGING_LEVEL=INFO shows the runs).
_PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
}


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

    previous = {sig: signal.signal(sig, _exit_on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            return flow_fn(**params)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def store_url(db: str | None) -> str:
    """The store to use: --db, else ROADMAP_DB, else the default SQLite file."""
    if db:
        problem = store_url_problem(db)
        if problem:
            raise SettingsError(f"--db: {problem}")
        return db
    return get_settings().db_url


def actor(by: str | None) -> str:
    """Who is acting: --by, else ROADMAP_ACTOR, else the operating-system user."""
    if by:
        return by
    settings = get_settings()
    if settings.actor:
        return settings.actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"
