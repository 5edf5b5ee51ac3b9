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
| SIRF_STATUS_PAGE_NAME | sirf status | the public status page's name (title, feeds, v2 `page.name`) |
| SIRF_STATUSIO_URL | https://api.status.io/v2 | status.io API base URL |
| SIRF_STATUSIO_API_ID | (none) | status.io API ID (secret) |
| SIRF_STATUSIO_API_KEY | (none) | status.io API key (secret) |
| SIRF_STATUSIO_PAGE_ID | (none) | status.io status page id |
| SIRF_STATUSIO_COMPONENTS | (none) | `name=componentId-containerId,...` for status.io |
| SIRF_STATUSPAGE_URL | https://api.statuspage.io/v1 | Atlassian Statuspage API base URL |
| SIRF_STATUSPAGE_API_KEY | (none) | Statuspage API key (secret) |
| SIRF_STATUSPAGE_PAGE_ID | (none) | Statuspage page id |
| SIRF_STATUSPAGE_COMPONENTS | (none) | `name=componentId,...` for Statuspage |
| SIRF_SLACK_WEBHOOKS | (none) | `channel=https://hooks.slack.com/...,...` (the URLs are secrets) |
| SIRF_SLACK_EXECUTIVE_CHANNEL | (none) | which of those channels gets only the executive summary |
| SIRF_ZENDESK_URL | (none) | Zendesk base URL, e.g. https://acme.zendesk.com (unset: built-in tickets) |
| SIRF_ZENDESK_EMAIL | (none) | the Zendesk agent whose API token sirf uses |
| SIRF_ZENDESK_API_TOKEN | (none) | Zendesk API token (secret) |
| SIRF_ZENDESK_WEBHOOK_SECRET | (none) | Zendesk webhook signing secret (secret), for its webhook |
| SIRF_ZENDESK_RATE_LIMIT | 200 | requests per minute of the Zendesk plan (Team 200, Enterprise 700) |
| SIRF_ZENDESK_RATE_SHARE | 0.5 | share of that limit sirf may use (agents and other apps share the account) |

A vendor is either fully configured or not at all: status.io needs its API ID, key and page id;
Statuspage its key and page id. A partial set stops start-up with the missing variable named.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
    "SIRF_STATUS_PAGE_NAME": "name of the public status page",
    "SIRF_STATUSIO_URL": "status.io API base URL",
    "SIRF_STATUSIO_API_ID": "status.io API ID (secret)",
    "SIRF_STATUSIO_API_KEY": "status.io API key (secret)",
    "SIRF_STATUSIO_PAGE_ID": "status.io status page id",
    "SIRF_STATUSIO_COMPONENTS": "status.io components: name=componentId-containerId,...",
    "SIRF_STATUSPAGE_URL": "Atlassian Statuspage API base URL",
    "SIRF_STATUSPAGE_API_KEY": "Atlassian Statuspage API key (secret)",
    "SIRF_STATUSPAGE_PAGE_ID": "Atlassian Statuspage page id",
    "SIRF_STATUSPAGE_COMPONENTS": "Statuspage components: name=componentId,...",
    "SIRF_SLACK_WEBHOOKS": "Slack incoming webhooks: channel=url,... (the URLs are secrets)",
    "SIRF_SLACK_EXECUTIVE_CHANNEL": "the Slack channel (from SIRF_SLACK_WEBHOOKS) for executive summaries",
    "SIRF_ZENDESK_URL": "Zendesk base URL, e.g. https://acme.zendesk.com (unset: the built-in ticket store)",
    "SIRF_ZENDESK_EMAIL": "the Zendesk agent email the API token belongs to",
    "SIRF_ZENDESK_API_TOKEN": "Zendesk API token (secret)",
    "SIRF_ZENDESK_WEBHOOK_SECRET": "Zendesk webhook signing secret (secret)",
    "SIRF_ZENDESK_RATE_LIMIT": "requests per minute of the Zendesk plan (default 200)",
    "SIRF_ZENDESK_RATE_SHARE": "share of the Zendesk rate limit sirf may use (default 0.5)",
}

STATUSIO_URL = "https://api.status.io/v2"
STATUSPAGE_URL = "https://api.statuspage.io/v1"
_NAME_LIST = re.compile(r"^[^=,]+=[^,]+(,[^=,]+=[^,]+)*$")
_STATUSIO_COMPONENT = re.compile(r"^[A-Za-z0-9]+-[A-Za-z0-9]+$")
_SLACK_CHANNEL = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class Secret:
    """A credential. Its repr and str never show the value, so it cannot leak through a log line,
    a traceback's repr of Settings or an error message; ``reveal()`` is the one way in."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


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
    status_page_name: str = "sirf status"
    statusio_url: str = STATUSIO_URL
    statusio_api_id: Secret | None = None
    statusio_api_key: Secret | None = None
    statusio_page_id: str | None = None
    statusio_components: Mapping[str, str] = field(default_factory=dict)
    statuspage_url: str = STATUSPAGE_URL
    statuspage_api_key: Secret | None = None
    statuspage_page_id: str | None = None
    statuspage_components: Mapping[str, str] = field(default_factory=dict)
    slack_webhooks: Mapping[str, Secret] = field(default_factory=dict)
    slack_executive_channel: str | None = None
    zendesk_url: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: Secret | None = None
    zendesk_webhook_secret: Secret | None = None
    zendesk_rate_limit: int = 200
    zendesk_rate_share: float = 0.5

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
        settings = cls(
            data_dir=data_dir,
            database_url=normalise_database_url(url),
            host=environ.get("SIRF_HOST", "127.0.0.1"),
            port=_int(environ, "SIRF_PORT", 8000, low=1, high=65535),
            framework_file=Path(framework_file) if framework_file else None,
            environment=environment,
            max_body_bytes=_int(environ, "SIRF_MAX_BODY_BYTES", 1_048_576, low=1024, high=64 * 1_048_576),
            log_level=environ.get("SIRF_LOG_LEVEL", "INFO").upper(),
            status_page_name=_page_name(environ.get("SIRF_STATUS_PAGE_NAME", "sirf status")),
        )
        settings = _with_slack(_with_statuspage(_with_statusio(settings, environ), environ), environ)
        return _with_zendesk(settings, environ)


def _page_name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > 100 or any(ord(c) < 32 for c in name):
        raise ValidationFailed(
            "SIRF_STATUS_PAGE_NAME must be 1 to 100 printable characters", field="SIRF_STATUS_PAGE_NAME"
        )
    return name


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


def _with_statusio(settings: Settings, environ: Mapping[str, str]) -> Settings:
    api_id = _secret(environ.get("SIRF_STATUSIO_API_ID"))
    api_key = _secret(environ.get("SIRF_STATUSIO_API_KEY"))
    page_id = environ.get("SIRF_STATUSIO_PAGE_ID") or None
    components = _name_list("SIRF_STATUSIO_COMPONENTS", environ.get("SIRF_STATUSIO_COMPONENTS"))
    for name, value in components.items():
        if not _STATUSIO_COMPONENT.match(value):
            raise ValidationFailed(
                f"SIRF_STATUSIO_COMPONENTS: {name}={value!r} must be componentId-containerId",
                field="SIRF_STATUSIO_COMPONENTS",
            )
    _all_or_nothing(
        "status.io",
        {"SIRF_STATUSIO_API_ID": api_id, "SIRF_STATUSIO_API_KEY": api_key, "SIRF_STATUSIO_PAGE_ID": page_id},
        dependents={"SIRF_STATUSIO_COMPONENTS": bool(components)},
    )
    url = _vendor_url(settings, "SIRF_STATUSIO_URL", environ.get("SIRF_STATUSIO_URL") or STATUSIO_URL)
    return replace(
        settings,
        statusio_url=url,
        statusio_api_id=api_id,
        statusio_api_key=api_key,
        statusio_page_id=page_id,
        statusio_components=components,
    )


def _with_statuspage(settings: Settings, environ: Mapping[str, str]) -> Settings:
    api_key = _secret(environ.get("SIRF_STATUSPAGE_API_KEY"))
    page_id = environ.get("SIRF_STATUSPAGE_PAGE_ID") or None
    components = _name_list("SIRF_STATUSPAGE_COMPONENTS", environ.get("SIRF_STATUSPAGE_COMPONENTS"))
    _all_or_nothing(
        "Statuspage",
        {"SIRF_STATUSPAGE_API_KEY": api_key, "SIRF_STATUSPAGE_PAGE_ID": page_id},
        dependents={"SIRF_STATUSPAGE_COMPONENTS": bool(components)},
    )
    url = _vendor_url(settings, "SIRF_STATUSPAGE_URL", environ.get("SIRF_STATUSPAGE_URL") or STATUSPAGE_URL)
    return replace(
        settings,
        statuspage_url=url,
        statuspage_api_key=api_key,
        statuspage_page_id=page_id,
        statuspage_components=components,
    )


def _with_slack(settings: Settings, environ: Mapping[str, str]) -> Settings:
    # The webhook URLs are secrets: no message below may repeat one.
    raw = _name_list("SIRF_SLACK_WEBHOOKS", environ.get("SIRF_SLACK_WEBHOOKS"), echo=False)
    for name, url in raw.items():
        if not _SLACK_CHANNEL.match(name):
            raise ValidationFailed(
                f"SIRF_SLACK_WEBHOOKS: channel name {name!r} must be lower-case letters, digits, '.', '_' "
                "or '-'",
                field="SIRF_SLACK_WEBHOOKS",
            )
        _vendor_url(settings, "SIRF_SLACK_WEBHOOKS", url, label=f"the URL of {name!r}")
    executive = environ.get("SIRF_SLACK_EXECUTIVE_CHANNEL") or None
    if executive is not None and executive not in raw:
        known = ", ".join(sorted(raw)) or "none configured"
        raise ValidationFailed(
            f"SIRF_SLACK_EXECUTIVE_CHANNEL={executive!r} is not a channel of SIRF_SLACK_WEBHOOKS ({known})",
            field="SIRF_SLACK_EXECUTIVE_CHANNEL",
        )
    webhooks = {name: Secret(url) for name, url in raw.items()}
    return replace(settings, slack_webhooks=webhooks, slack_executive_channel=executive)


def _with_zendesk(settings: Settings, environ: Mapping[str, str]) -> Settings:
    url = environ.get("SIRF_ZENDESK_URL") or None
    email = (environ.get("SIRF_ZENDESK_EMAIL") or "").strip() or None
    token = _secret(environ.get("SIRF_ZENDESK_API_TOKEN"))
    webhook_secret = _secret(environ.get("SIRF_ZENDESK_WEBHOOK_SECRET"))
    rate_given = bool(environ.get("SIRF_ZENDESK_RATE_LIMIT") or environ.get("SIRF_ZENDESK_RATE_SHARE"))
    _all_or_nothing(
        "Zendesk",
        {"SIRF_ZENDESK_URL": url, "SIRF_ZENDESK_EMAIL": email, "SIRF_ZENDESK_API_TOKEN": token},
        dependents={
            "SIRF_ZENDESK_WEBHOOK_SECRET": webhook_secret is not None,
            "SIRF_ZENDESK_RATE_*": rate_given,
        },
    )
    if email is not None and ("@" not in email or len(email) > 254):
        raise ValidationFailed(
            f"SIRF_ZENDESK_EMAIL={email!r} is not an email address", field="SIRF_ZENDESK_EMAIL"
        )
    if webhook_secret is not None and len(webhook_secret.reveal()) < 16:
        raise ValidationFailed(
            "SIRF_ZENDESK_WEBHOOK_SECRET is too short: copy the webhook's signing secret from Zendesk",
            field="SIRF_ZENDESK_WEBHOOK_SECRET",
        )
    rate = _int(environ, "SIRF_ZENDESK_RATE_LIMIT", 200, low=10, high=100_000)
    raw_share = environ.get("SIRF_ZENDESK_RATE_SHARE") or "0.5"
    try:
        share = float(raw_share)
    except ValueError:
        share = -1.0
    if not 0.05 <= share <= 1.0:
        raise ValidationFailed(
            f"SIRF_ZENDESK_RATE_SHARE={raw_share!r}: use a fraction from 0.05 to 1 "
            "(0.5 leaves half for agents)",
            field="SIRF_ZENDESK_RATE_SHARE",
        )
    return replace(
        settings,
        zendesk_url=_vendor_url(settings, "SIRF_ZENDESK_URL", url) if url else None,
        zendesk_email=email,
        zendesk_api_token=token,
        zendesk_webhook_secret=webhook_secret,
        zendesk_rate_limit=rate,
        zendesk_rate_share=share,
    )


def _secret(raw: str | None) -> Secret | None:
    return Secret(raw.strip()) if raw and raw.strip() else None


def _name_list(variable: str, raw: str | None, *, echo: bool = True) -> dict[str, str]:
    """Parse ``name=value,name=value``; names are kept as written, values stripped."""
    if raw is None or not raw.strip():
        return {}
    text = ",".join(part.strip() for part in raw.strip().strip(",").split(","))
    if not _NAME_LIST.match(text):
        shown = f"{raw!r}" if echo else "the value"
        raise ValidationFailed(
            f"{variable}: {shown} is not a list of name=value pairs separated by commas", field=variable
        )
    pairs = [part.split("=", 1) for part in text.split(",")]
    result = {name.strip(): value.strip() for name, value in pairs}
    if len(result) != len(pairs):
        raise ValidationFailed(f"{variable}: a name appears twice", field=variable)
    return result


def _all_or_nothing(vendor: str, required: Mapping[str, object], *, dependents: Mapping[str, bool]) -> None:
    """A half-configured vendor is a mistake worth stopping for: say exactly what is missing."""
    present = [name for name, value in required.items() if value is not None]
    used = [name for name, given in dependents.items() if given]
    if not present and not used:
        return
    missing = [name for name in required if name not in present]
    if missing:
        given = ", ".join(present + used)
        raise ValidationFailed(
            f"{vendor} is partly configured ({given} set): also set {', '.join(missing)}",
            field=missing[0],
        )


def _vendor_url(settings: Settings, variable: str, url: str, *, label: str = "") -> str:
    what = label or f"{variable}={url!r}"
    if not url.startswith(("https://", "http://")):
        raise ValidationFailed(f"{variable}: {what} must start with https://", field=variable)
    if settings.environment == "production" and not url.startswith("https://"):
        # Credentials travel with every call: never in clear text outside development.
        raise ValidationFailed(f"{variable}: {what} must use https:// in production", field=variable)
    return url.rstrip("/")
