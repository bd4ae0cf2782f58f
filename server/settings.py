"""Server settings from the environment (prefix ``DOORSTEP_``), built on demand by ``get_settings()``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    """Everything the server reads from its environment; every field has a default that runs as is.

    ``DOORSTEP_DATABASE_URL`` picks the database; without it the server keeps a
    SQLite file in ``DOORSTEP_DATA_DIR`` (default ``./data``). PostgreSQL URLs
    use psycopg 3: ``postgresql+psycopg://user@host:5432/name``.
    """

    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str = ""
    # PostgreSQL behind a transaction-pooling pgbouncer: no server-side prepared statements
    database_pooled: bool = False
    # a read replica for the manager's reports and exports (coverage, lists, downloads); empty = the primary.
    # Sync and every write always use database_url.
    reports_database_url: str = ""
    # request bodies above this are refused with 413 (sync pushes are gzip-free JSON)
    max_body_bytes: int = Field(default=2 * MIB, gt=0)
    # a device token is valid this long after it was last used; 0 = until revoked
    token_idle_days: int = Field(default=90, ge=0)
    # how often a device's last_seen_at is written (seconds), to keep reads cheap
    last_seen_interval_seconds: int = Field(default=300, ge=0)
    # sign-in throttle (server/services/login_throttle.py): failures that pass freely per account and per
    # address, then delays doubling from the first to the longest; failures older than the window are forgotten
    login_throttle: bool = True
    login_free_failures: int = Field(default=5, ge=0)
    login_address_free_failures: int = Field(default=30, ge=0)
    login_first_delay_seconds: float = Field(default=2, gt=0)
    login_max_delay_seconds: float = Field(default=300, gt=0)
    login_window_seconds: int = Field(default=15 * 60, gt=0)
    # the key ring sealing ID numbers and phones in the database (server.cells): its JSON or one base64
    # key, else the file key_file (default <data_dir>/server-keys.json, made on first use)
    data_keys: str = Field(default="", repr=False)
    key_file: Optional[Path] = None
    # a phone that has not reached the server for this many days asks for an online sign-in before it opens
    device_offline_days: int = Field(default=14, ge=1)
    # PIPL retention: a resident deleted (or moved away) this many days ago is anonymised by
    # `doorstep privacy retention` (0 = never)
    retention_days: int = Field(default=3 * 365, ge=0)
    # the employer's check of a referral slip (docs/employer-check.md): the address printed in the slip's QR
    # code ("" = the address the phones sync with), how long a slip can be confirmed, and the refusals' throttle
    slip_base_url: str = Field(default="", max_length=200)
    referral_check_days: int = Field(default=60, gt=0)
    check_max_failures_per_address: int = Field(default=20, ge=0)  # 0 = off
    check_max_failures_per_referral: int = Field(default=5, ge=0)
    check_window_seconds: int = Field(default=60 * 60, gt=0)
    # SQLite: how long a writer waits for the database lock before failing (ms)
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    # the share of a district's communities that should be full-employment communities (seed 002: 60%)
    full_employment_target: float = Field(default=0.60, gt=0, le=1)
    # uvicorn defaults for `doorstep serve`
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1)
    log_level: str = "info"

    @model_validator(mode="after")
    def _default_database(self) -> "Settings":
        if not self.database_url:
            self.database_url = sqlite_url(self.data_dir / "doorstep.sqlite3")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file (absolute, so a later chdir does not move it)."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def get_settings(**overrides: object) -> Settings:
    """Fresh settings from the environment, with keyword overrides (nothing is cached)."""
    return Settings(**overrides)
