"""The server-rendered ``/status`` page (Jinja2, autoescaped, no script) and its stylesheet."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from sirf.statuspage.page import iso
from sirf.statuspage.snapshot import Snapshot


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("sirf.statuspage", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["iso"] = iso
    environment.filters["utc"] = human_utc
    return environment


def human_utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def render_page(snapshot: Snapshot, *, page_name: str) -> bytes:
    template = _environment().get_template("status.html")
    return template.render(snapshot=snapshot, page_name=page_name).encode()


@cache
def stylesheet() -> bytes:
    return resources.files("sirf.statuspage").joinpath("templates/style.css").read_bytes()
