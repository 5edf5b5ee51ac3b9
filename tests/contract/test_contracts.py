"""Keep the edges honest: every error is mapped, every setting documented, every route authenticated."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from sirf.api.errors import STATUS
from sirf.config import SETTINGS_DOC, Settings
from sirf.domain.errors import ALL_ERRORS, DomainError

ROOT = Path(__file__).parents[2]


def test_every_domain_error_has_an_http_status_and_a_documented_code() -> None:
    subclasses = set(DomainError.__subclasses__())
    assert subclasses == set(ALL_ERRORS)
    contract = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for error in ALL_ERRORS:
        assert error in STATUS, f"{error.__name__} is not mapped in api/errors.py"
        assert f"| {error.code} |" in contract, f"{error.code} is not documented in docs/api.md"


def test_every_setting_is_read_from_a_documented_variable() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    config_source = (ROOT / "src" / "sirf" / "config.py").read_text(encoding="utf-8")
    variables = set(re.findall(r'environ\.get\("([A-Z_]+)"', config_source)) | set(
        re.findall(r'_int\(environ, "([A-Z_]+)"', config_source)
    )
    variables -= {"HOME", "XDG_DATA_HOME"}
    assert variables == set(SETTINGS_DOC)
    for name in SETTINGS_DOC:
        assert name in readme, f"{name} is not documented in README.md"
    assert len(dataclasses.fields(Settings)) == len(SETTINGS_DOC)


def test_every_api_route_requires_a_token() -> None:
    from fastapi.routing import APIRoute

    from sirf.api import routes_accounts, routes_engagement, routes_incidents, routes_updates
    from sirf.api.context import current_caller

    routers = (
        routes_incidents.router,
        routes_engagement.router,
        routes_accounts.router,
        routes_updates.router,
    )
    for router in routers:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            dependencies = {dependency.call for dependency in route.dependant.dependencies}
            assert current_caller in dependencies, f"{route.path} is reachable without a token"
