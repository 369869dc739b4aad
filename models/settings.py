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


class SettingsError(Exception):
    """A ROADMAP_* variable with a value that cannot be used; the message names it and the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROADMAP_", extra="ignore")

    db: str = Field(
        default="",
        description="SQLAlchemy URL of the store; default a SQLite file in the user's data directory",
    )
    data_dir: Path = Field(default_factory=default_data_dir, description="where the default store and files live")
    actor: str = Field(default="", description="who runs commands (recorded in the audit trail); default the OS user")
    smtp_url: str = Field(default="", description="apprise mailto:// URL of the SMTP server, without recipients")
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

    @field_validator("db")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if value and "://" not in value:
            raise ValueError(
                f"ROADMAP_DB must be an SQLAlchemy URL such as sqlite:///path/to/roadmap.db or "
                f"postgresql+psycopg://user:password@host/dbname, found «{value}»"
            )
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
