"""One Settings object for the whole engine, read from ROADMAP_* environment variables.

Nothing else reads the environment. A bad value fails fast with the variable's name and the fix.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "roadmap-engine"


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def private_folder(folder: Path) -> Path:
    """Make `folder` (the data folder, or one in it) if missing, readable by the user alone (0700), as every
    missing folder above it: the store in it holds contacts and notification URLs, its files the evidence.
    A folder that exists is left as it is."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for made in reversed(missing):
        made.mkdir(mode=0o700, exist_ok=True)
        made.chmod(0o700)  # mkdir's mode passes through the umask
    return folder


class SettingsError(Exception):
    """A ROADMAP_* variable with a value that cannot be used; the message names it and the fix."""


# The store's migrations and queries are written and tested for these two; the drivers come with the project.
STORE_BACKENDS = {"sqlite": ("pysqlite",), "postgresql": ("psycopg",)}
STORE_URL_FORMS = "SQLite (sqlite:///path/to/roadmap.db) or PostgreSQL (postgresql+psycopg://user:password@host/dbname)"


def store_url_problem(url: str) -> str | None:
    """Why `url` cannot be the store (an unsupported database or driver, not a URL), or None when it can.

    The message shows the URL with its password hidden.
    """
    from sqlalchemy.engine import make_url  # late: a command that never opens the store needs no SQLAlchemy
    from sqlalchemy.exc import ArgumentError

    if "://" not in url:
        return (
            "expected an SQLAlchemy URL such as sqlite:///roadmap.db or "
            f"postgresql+psycopg://user:password@host/dbname, found «{url}»"
        )
    try:
        parsed = make_url(url)
    except ArgumentError:
        return f"the store must be {STORE_URL_FORMS}, found «{url.split('://', 1)[0]}://…», which is not a URL"
    shown = parsed.render_as_string(hide_password=True)
    drivers = STORE_BACKENDS.get(parsed.get_backend_name())
    if drivers is None or parsed.get_driver_name() not in drivers:
        return f"the store must be {STORE_URL_FORMS}, found «{shown}»"
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROADMAP_", extra="ignore")

    db: str = Field(
        default="",
        description="SQLAlchemy URL of the store; default a SQLite file in the user's data directory",
    )
    data_dir: Path = Field(default_factory=default_data_dir, description="where the default store and files live")
    actor: str = Field(default="", description="who runs commands (recorded in the audit trail); default the OS user")
    smtp_url: str = Field(default="", description="apprise mailto:// URL of the SMTP server, without recipients")
    web_url: str = Field(
        default="",
        description="the address the web pages are reached at (https://roadmap.example.org): messages link there; "
        "without it, messages give the CLI commands",
    )
    web_secret: str = Field(
        default="",
        description="key that signs the links in digests; default a random one kept in the data folder",
    )
    home: Path | None = Field(
        default=None,
        description="the project folder (with prefect.yaml) that workers run flows from; default this checkout",
    )
    audit_key: Path | None = Field(
        default=None,
        description="the Ed25519 key file that signs audit checkpoints (roadmap audit keygen); never in the store",
    )
    auditor: str = Field(
        default="",
        description="where the weekly checkpoint goes: the auditor's e-mail address or apprise URL (kept out of the "
        "store, which the checkpoints guard)",
    )

    timings: Path | None = Field(
        default=None, description="benchmarks only: append the sweep's and dispatch's phase timings to this file"
    )

    @field_validator("db")
    @classmethod
    def _db_url(cls, value: str) -> str:
        problem = store_url_problem(value) if value else None
        if problem:
            raise ValueError(f"ROADMAP_DB: {problem}")
        return value

    @field_validator("audit_key", mode="before")
    @classmethod
    def _key_path(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None  # ROADMAP_AUDIT_KEY= (empty) means no key, as unset does
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{self.data_dir / 'roadmap.db'}"

    @property
    def project_dir(self) -> Path:
        """ROADMAP_HOME, else the checkout this code runs from (the folder that holds prefect.yaml)."""
        return (self.home or Path(__file__).resolve().parent.parent).resolve()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SettingsError(str(first["msg"]).removeprefix("Value error, ")) from None
