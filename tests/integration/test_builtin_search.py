"""Searching the built-in ticket store: every word in the subject or description (any case, '%'
and '_' taken literally), newest first, time and status filters, and a tag found past the first page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sirf.adapters.builtin_tickets import SEARCH_PAGE, BuiltinTickets
from sirf.bootstrap import Container
from sirf.domain.tickets import Ticket, TicketStatus
from sirf.services.ticket_ports import TicketSearch
from sirf.services.tickets import BUILTIN
from tests.services.fakes import FakeClock

pytestmark = pytest.mark.storage


def seed(container: Container, tickets: list[Ticket]) -> None:
    uow = container.uow()
    with uow(write=True):
        uow.tickets.upsert(BUILTIN, tickets)
        uow.commit()


def ticket(n: int, subject: str, clock: FakeClock, **fields: object) -> Ticket:
    at = clock.now() - timedelta(minutes=n)
    return Ticket(ref=str(n), subject=subject, created_at=at, updated_at=at, **fields)  # type: ignore[arg-type]


def refs(system: BuiltinTickets, search: TicketSearch) -> list[str]:
    return [t.ref for t in system.search(search)]


def test_words_time_status_and_literal_wildcards(container: Container, clock: FakeClock) -> None:
    seed(
        container,
        [
            ticket(1, "Cannot SIGN in", clock),
            ticket(2, "Sign-in page blank", clock, description="cannot load it"),
            ticket(3, "Billing", clock, description="we cannot sign in either", status=TicketStatus.SOLVED),
            ticket(4, "100% down", clock),
            ticket(5, "100 percent down", clock),
            ticket(90, "Cannot sign in (old)", clock),
        ],
    )
    system = BuiltinTickets(container.uow, container.env.clock)
    assert refs(system, TicketSearch(text="cannot sign")) == ["1", "2", "3", "90"]
    assert refs(system, TicketSearch(text="cannot sign", unsolved_only=True)) == ["1", "2", "90"]
    assert refs(system, TicketSearch(text="cannot sign", since=clock.now() - timedelta(minutes=30))) == [
        "1",
        "2",
        "3",
    ]
    assert refs(system, TicketSearch(text="100%")) == ["4"]
    assert refs(system, TicketSearch(text="cannot sign", limit=2)) == ["1", "2"]


def test_a_tag_is_found_past_the_first_page(container: Container, clock: FakeClock) -> None:
    plain = [ticket(n, f"Question {n}", clock) for n in range(1, SEARCH_PAGE + 50)]
    tagged = [
        ticket(SEARCH_PAGE + 100 + n, "Question", clock, tags=frozenset({"incident_9"})) for n in range(3)
    ]
    seed(container, plain + tagged)
    system = BuiltinTickets(container.uow, container.env.clock)
    assert refs(system, TicketSearch(tag="incident_9")) == [t.ref for t in tagged]
    assert refs(system, TicketSearch(tag="incident_9", limit=1)) == [tagged[0].ref]
