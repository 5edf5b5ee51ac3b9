"""The incident room's tickets panel in Debian's chromium: built-in tickets come in (one with a
hostile subject), a responder links more by number, pages through them, previews a bulk reply from
a macro and sends it; the worker sends it (in-process here) and the panel's polling shows the run
complete. The room with the panel passes axe-core, htmx works under the strict CSP, and times show
in the viewer's zone with UTC on hover."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sirf.adapters.builtin_tickets import BuiltinTickets
from sirf.bootstrap import Container
from sirf.domain.framework import Framework
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.roles import Source
from sirf.domain.severity import Severity
from sirf.domain.ticket_policy import TicketPolicy
from sirf.services import bulk_replies, incidents
from sirf.services.bulk_runner import BulkReplyRunner
from sirf.services.tickets import NewTicket, create_builtin_ticket
from tests.browser.conftest import ARTIFACTS, assert_accessible, person, screenshot, sign_in

ADMIN = Actor("root", OrgRole.ADMIN)
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)>"
MACROS = {"ack": "Hi {{ requester }}, we know about {{ incident_title }} and are working on it."}


@pytest.fixture
def framework() -> Framework:
    return Framework(
        tickets=TicketPolicy(macros=MACROS, opted_out_organizations=frozenset({"Customer org 3"}))
    )


@pytest.fixture
def desk(container: Container) -> Iterator[BuiltinTickets]:
    system = BuiltinTickets(container.uow, container.env.clock)
    container.ticket_port = system
    yield system
    container.ticket_port = None


def new_ticket(container: Container, subject: str, *, tags: tuple[str, ...] = (), **fields: Any) -> str:
    fields.setdefault("requester", "Dana Customer")
    created, _ = create_builtin_ticket(
        NewTicket(subject=subject, tags=tags, **fields), actor=ADMIN, uow=container.uow(), env=container.env
    )
    return created.ref


def finish_runs(container: Container, incident_id: int) -> None:
    """The worker's bulk-reply passes, in this process, until no run of the incident is running."""
    runner = BulkReplyRunner(container.uow, container.env, container.tickets, poll_interval=0.0)
    for _ in range(50):
        runner.run_once(budget=2.0)
        if all(p.finished for p in bulk_replies.list_runs(incident_id, uow=container.uow())):
            return
    raise AssertionError("the bulk reply did not finish")


def test_the_tickets_panel_from_linking_to_a_sent_bulk_reply(
    browser: Any, site: str, container: Container, desk: BuiltinTickets
) -> None:
    person(container, "carol")
    declared = incidents.declare_incident(
        incidents.Declaration(
            title="Checkout fails for EU customers",
            kind="saas-outage",
            severity=Severity.SEV2,
            source=Source.SUPPORT,
        ),
        actor=ADMIN,
        uow=container.uow(),
        env=container.env,
    )
    tag = f"incident_{declared.id}"
    # 28 tickets carrying the incident's tag are linked as they arrive; two more are linked by hand.
    for n in range(27):
        new_ticket(
            container,
            f"Card payment times out at checkout ({n})",
            tags=(tag,),
            organization=f"Customer org {n % 4}",
            requester=f"Customer {n}",
        )
    new_ticket(container, HOSTILE, tags=(tag,))
    loose = [
        new_ticket(container, "Charged twice after retrying"),
        new_ticket(container, "Checkout page 502"),
    ]

    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Asia/Tokyo")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    csp: list[str] = []
    page.on(
        "console",
        lambda message: csp.append(message.text) if "Content Security Policy" in message.text else None,
    )
    sign_in(page, site, "carol")
    page.goto(f"{site}/incidents/{declared.id}#panel-tickets")
    page.wait_for_selector("#panel-tickets")
    assert page.inner_text("[data-testid=linked-count]") == "28"
    assert page.inner_text("[data-testid=ticket-tag]").strip() == tag
    # The figures are worked out after the page has loaded, and swapped in by htmx.
    page.wait_for_selector("#tickets-figures [data-testid=figure-customers]")
    assert page.inner_text("[data-testid=figure-tickets]").startswith("28:")

    page.fill("#link-tickets", ", ".join(loose))
    page.click("#link-submit")
    page.wait_for_selector("#flash:has-text('Tickets linked')")
    assert page.inner_text("[data-testid=linked-count]") == "30"
    assert page.locator("[data-testid=linked-ticket]").count() == 25
    page.click("#tickets-more")  # htmx swaps in the longer list
    # (A selector, not wait_for_function: the page's CSP forbids the eval that polling a string needs.)
    page.wait_for_selector("#linked-tickets tbody tr:nth-child(30)")
    assert page.locator("[data-testid=linked-ticket]").count() == 30
    # All shown: the focus is on the note that replaced the button (same id), not lost to the page.
    assert page.evaluate("document.activeElement.id") == "tickets-more"
    assert page.inner_text("#tickets-more") == "All 30 linked tickets are shown."
    # The hostile subject is text; created times are in the viewer's zone, UTC on hover.
    assert HOSTILE in page.inner_text("#linked-tickets")
    created = page.locator("#linked-tickets time").first
    assert created.get_attribute("data-local") is not None
    assert (created.get_attribute("title") or "").endswith(" UTC")
    assert "GMT+9" in created.inner_text() or "JST" in created.inner_text()

    page.select_option("#reply-source", "macro:ack")
    page.select_option("#reply-status", "pending")
    page.click("#reply-preview-submit")
    page.wait_for_selector("[data-testid=reply-preview]")
    assert page.inner_text("[data-testid=preview-targets]") == "24"
    assert page.inner_text("[data-testid=preview-excluded]") == "6"  # Customer org 3 opted out
    assert "we know about Checkout fails for EU customers" in page.inner_text("[data-testid=merged-text]")
    assert_accessible(page)  # the room with the whole tickets panel, the dry run open

    page.click("#reply-send-submit")
    page.wait_for_selector("[data-testid=reply-run][data-state=running]")
    assert page.inner_text("[data-testid=run-progress]") == "6 of 30 tickets done"
    finish_runs(container, declared.id)
    # The runs fragment polls every 3 s while a run is running.
    page.wait_for_selector("[data-testid=reply-run][data-state=completed]")
    assert page.inner_text("[data-testid=run-progress]") == "30 of 30 tickets done"
    assert page.inner_text("[data-testid=run-replied]") == "24"
    page.wait_for_selector("#tickets-figures [data-testid=figure-customers]")
    page.locator("#panel-tickets").scroll_into_view_if_needed()
    assert_accessible(page)
    screenshot(page, "room-tickets")
    page.locator("#panel-tickets").screenshot(path=str(ARTIFACTS / "room-tickets-panel.png"))
    assert dialogs == []
    assert csp == []
    context.close()
