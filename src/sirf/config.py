"""Settings: the only place that reads the environment. One frozen object, read once, injected.

| Variable | Default | Meaning |
|---|---|---|
| SIRF_DATA_DIR | $XDG_DATA_HOME/sirf or ~/.local/share/sirf | where the embedded SQLite database lives |
| DATABASE_URL | sqlite:///$SIRF_DATA_DIR/sirf.db | SQLAlchemy URL; postgresql://... for production |
| SIRF_HOST | 127.0.0.1 | address `sirf server` listens on |
| SIRF_PORT | 8000 | port `sirf server` listens on |
| SIRF_FRAMEWORK_FILE | (none) | TOML file overriding the framework defaults (RACI, triggers, roster, ...) |
| SIRF_ENV | development | `production` refuses unsafe settings |
| SIRF_MAX_BODY_BYTES | 1048576 | largest request body accepted (413 beyond) |
| SIRF_LOG_LEVEL | INFO | log level of the JSON logs on stdout |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sirf.domain.errors import ValidationFailed

SETTINGS_DOC: dict[str, str] = {
    "SIRF_DATA_DIR": "directory of the embedded SQLite database",
    "DATABASE_URL": "database URL (SQLite default, PostgreSQL in production)",
    "SIRF_HOST": "listen address",
    "SIRF_PORT": "listen port",
    "SIRF_FRAMEWORK_FILE": "framework configuration file (TOML)",
    "SIRF_ENV": "development or production",
    "SIRF_MAX_BODY_BYTES": "largest accepted request body in bytes",
    "SIRF_LOG_LEVEL": "log level",
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    framework_file: Path | None = None
    environment: str = "development"
    max_body_bytes: int = 1_048_576
    log_level: str = "INFO"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def server_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        data_dir = Path(environ.get("SIRF_DATA_DIR") or _default_data_dir(environ))
        url = environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'sirf.db'}"
        framework_file = environ.get("SIRF_FRAMEWORK_FILE")
        environment = environ.get("SIRF_ENV", "development")
        if environment not in ("development", "production"):
            raise ValidationFailed(
                f"SIRF_ENV={environment!r}: use development or production", field="SIRF_ENV"
            )
        return cls(
            data_dir=data_dir,
            database_url=normalise_database_url(url),
            host=environ.get("SIRF_HOST", "127.0.0.1"),
            port=_int(environ, "SIRF_PORT", 8000, low=1, high=65535),
            framework_file=Path(framework_file) if framework_file else None,
            environment=environment,
            max_body_bytes=_int(environ, "SIRF_MAX_BODY_BYTES", 1_048_576, low=1024, high=64 * 1_048_576),
            log_level=environ.get("SIRF_LOG_LEVEL", "INFO").upper(),
        )


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://`` and ``postgresql://`` forms and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("sqlite", "postgresql+psycopg://")):
        return url
    raise ValidationFailed(
        "DATABASE_URL must start with sqlite:/// or postgresql:// (for example "
        "postgresql://user@127.0.0.1:5432/sirf)",
        field="DATABASE_URL",
    )


def _default_data_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_DATA_HOME") or str(
        Path(environ.get("HOME", "~")).expanduser() / ".local" / "share"
    )
    return Path(base) / "sirf"


def _int(environ: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed(f"{name}={raw!r}: use a whole number from {low} to {high}", field=name)
    return int(raw)
