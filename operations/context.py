"""What every operation takes: the store, who acts (and how they were identified), the clock, the settings.

A face (the CLI, a web page, a flow run) resolves these once and passes them down; nothing below an
operation reads the environment, asks the operating system who is running it, or calls
`date.today()` / `datetime.now()`. An operation owns its transaction: `ctx.transaction()` commits
when the block ends and rolls everything back on error, so nothing is half-written.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from models.settings import Settings, get_settings

if TYPE_CHECKING:  # the store's modules are imported when an operation opens a session (a command's import stays light)
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

Via = Literal["cli", "web", "api", "schedule", "test"]


@dataclass(frozen=True)
class Actor:
    """Who acts, and how the system knows it: never more identity than it had.

    `name` is what the audit trail shows as the actor (a user's e-mail, an OS user, a party id given
    with --by); `via` how they reached the system; `detail` what identified them (host and OS user,
    web session, API token id, flow run id).
    """

    name: str
    via: Via
    detail: str = ""

    def describe(self) -> str:
        """«oo_head (cli: OS user ivanova on host school-pc)»: for audit events and messages."""
        return f"{self.name} ({self.via}: {self.detail})" if self.detail else f"{self.name} ({self.via})"

    @classmethod
    def from_cli(cls, by: str | None = None, settings: Settings | None = None) -> Actor:
        """The CLI's actor: --by, else ROADMAP_ACTOR, else the OS user; the detail says which OS user on which host."""
        try:
            os_user = getpass.getuser()
        except (KeyError, OSError):
            os_user = "unknown"
        host = socket.gethostname()
        settings = settings or get_settings()
        name = by or settings.actor or os_user
        return cls(name=name, via="cli", detail=f"OS user {os_user} on host {host}")

    @classmethod
    def scheduled(cls, flow_run: str, name: str = "schedule") -> Actor:
        """A run started by Prefect (a schedule or a deployment run): the run is what identifies it; `name` is the
        flow's (sync, sweep, dispatch, monitor, audit, report), never ROADMAP_ACTOR, which is the CLI user's."""
        return cls(name=name, via="schedule", detail=f"flow run {flow_run}")

    @classmethod
    def named_for_run(cls, name: str, flow_run: str) -> Actor:
        """A run started with a name given as its parameter: the name is a claim, the run what identifies it."""
        return cls(name=name, via="schedule", detail=f"flow run {flow_run}; the name was given as a parameter")

    @staticmethod
    def party_from_cli(by: str | None = None, settings: Settings | None = None) -> str:
        """The plan party a command acts as (whose permission a completion or a schedule checks): --by, else
        ROADMAP_ACTOR, else the operator. Who is recorded as acting is from_cli's actor."""
        from tasks.complete import OPERATOR

        return by or (settings or get_settings()).actor or OPERATOR


@dataclass(frozen=True)
class Clock:
    """One instant for the whole operation; every local date is derived from it in its own zone."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("Clock.now must be timezone-aware")

    def today(self, zone: str) -> date:
        """The local date in `zone` (an IANA name such as Asia/Tomsk) at this instant."""
        return self.now.astimezone(ZoneInfo(zone)).date()

    @classmethod
    def at(cls, when: datetime) -> Clock:
        return cls(when if when.tzinfo else when.replace(tzinfo=UTC))


@dataclass
class Context:
    """The store (an engine), the actor, the clock and the settings of one operation."""

    engine: Engine
    actor: Actor
    clock: Clock = field(default_factory=Clock)
    settings: Settings = field(default_factory=get_settings)

    @property
    def now(self) -> datetime:
        return self.clock.now

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction that writes: committed at the end of the block, rolled back on any error."""
        from models.db import session_scope

        with session_scope(self.engine) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """One transaction that only reads (on SQLite it takes no write lock)."""
        from models.db import session_scope

        with session_scope(self.engine, readonly=True) as session:
            yield session
