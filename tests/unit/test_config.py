"""Settings come from the environment only, with defaults that work on a fresh machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from sirf.config import Settings
from sirf.domain.errors import ValidationFailed


def test_defaults_use_an_embedded_sqlite_file_in_the_data_dir() -> None:
    settings = Settings.from_env({"HOME": "/home/alice"})
    assert settings.data_dir == Path("/home/alice/.local/share/sirf")
    assert settings.database_url == "sqlite:////home/alice/.local/share/sirf/sirf.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_postgres_urls_get_the_psycopg_driver() -> None:
    for given in ("postgres://u@h/db", "postgresql://u@h/db"):
        assert Settings.from_env({"DATABASE_URL": given}).database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SIRF_PORT", "eighty", "SIRF_PORT='eighty': use a whole number from 1 to 65535"),
        ("SIRF_PORT", "70000", "from 1 to 65535"),
        ("DATABASE_URL", "mysql://x", "must start with sqlite:/// or postgresql://"),
        ("SIRF_ENV", "staging", "use development or production"),
        ("SIRF_MAX_BODY_BYTES", "12", "from 1024"),
    ],
)
def test_bad_values_say_what_to_fix(name: str, value: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env({name: value})


def test_the_status_page_name_is_configurable_and_checked() -> None:
    assert Settings.from_env({}).status_page_name == "sirf status"
    assert Settings.from_env({"SIRF_STATUS_PAGE_NAME": " Acme status "}).status_page_name == "Acme status"
    with pytest.raises(ValidationFailed, match="SIRF_STATUS_PAGE_NAME"):
        Settings.from_env({"SIRF_STATUS_PAGE_NAME": "x" * 101})
