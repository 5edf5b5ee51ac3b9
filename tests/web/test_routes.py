"""Keep the web edge honest: every page needs a session, every post a CSRF check."""

from __future__ import annotations

from fastapi.routing import APIRoute

from sirf.web import routes_admin, routes_auth, routes_pages, routes_room, routes_updates
from sirf.web.context import current_visitor, guard_origin, posted_form
from sirf.web.routes_auth import pre_session_form

ANONYMOUS = {"/login", "/set-password", "/first-password"}


def calls(dependant: object) -> set[object]:
    """Every dependency callable, however deeply nested."""
    found: set[object] = set()
    for dependency in getattr(dependant, "dependencies", []):
        found.add(dependency.call)
        found |= calls(dependency)
    return found


def test_every_page_needs_a_session_and_every_post_a_csrf_check() -> None:
    routers = (routes_auth, routes_pages, routes_room, routes_updates, routes_admin)
    seen = 0
    for module in routers:
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            needed = calls(route.dependant)
            assert guard_origin in needed, f"{route.path} skips the Origin check"
            if route.path not in ANONYMOUS:
                assert current_visitor in needed, f"{route.path} is reachable without signing in"
            if "POST" in route.methods:
                assert needed & {posted_form, pre_session_form}, f"POST {route.path} has no CSRF token check"
            seen += 1
    assert seen > 25
