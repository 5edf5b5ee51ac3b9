"""The incident room's tickets panel through the web forms, on SQLite and PostgreSQL: the linked
tickets with their figures, linking, unlinking and the rule, the bulk-reply wizard from the dry run
to the worker's progress and a cancel, what a viewer may not do, hostile ticket text, and the
figures cache that keeps the polled fragments fast."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from sirf.adapters.builtin_tickets import BuiltinTickets
from sirf.bootstrap import Container
from sirf.domain.bulk_reply import ItemState
from sirf.domain.framework import Framework
from sirf.domain.impact import ImpactFigures, QueueThresholds, compute_impact
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.roles import Role, Source
from sirf.domain.severity import Severity
from sirf.domain.ticket_policy import TicketPolicy
from sirf.domain.tickets import Satisfaction, Ticket, TicketPriority, TicketStatus
from sirf.services import bulk_replies, engagement, incidents
from sirf.services import communications as comms
from sirf.services.bulk_runner import BulkReplyRunner
from sirf.services.tickets import BUILTIN
from sirf.web.ticket_panel import MAX_SHOWN, PAGE, FiguresCache, FiguresView, shown_count
from tests.conftest import FakeClock
from tests.web.conftest import Browser, Site

ADMIN = Actor("root", OrgRole.ADMIN)
OPTED_OUT = "Opted Out Inc"
MACROS = {
    "ack": "Hi {{ requester }}, we know about {{ incident_title }} "
    "(your ticket {{ ticket_id }}: {{ subject }}).",
    "later": "We are still working on {{ incident_title }}.",
}
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def framework() -> Framework:
    return Framework(tickets=TicketPolicy(opted_out_organizations=frozenset({OPTED_OUT}), macros=MACROS))


@pytest.fixture
def desk(container: Container) -> Iterator[BuiltinTickets]:
    """The built-in ticket system, wired as ``sirf.bootstrap.build`` wires it without Zendesk."""
    system = BuiltinTickets(container.uow, container.env.clock)
    container.ticket_port = system
    yield system
    container.ticket_port = None


def declare(container: Container, title: str = "Checkout fails for EU customers") -> int:
    declaration = incidents.Declaration(
        title=title, kind="saas-outage", severity=Severity.SEV2, source=Source.SUPPORT
    )
    return incidents.declare_incident(declaration, actor=ADMIN, uow=container.uow(), env=container.env).id


def store(container: Container, *tickets: Ticket) -> None:
    """Tickets in the built-in store (as if customers had written in), not linked to anything yet."""
    uow = container.uow()
    with uow(write=True):
        uow.tickets.upsert(BUILTIN, list(tickets))
        uow.commit()


def ticket(ref: int, clock: FakeClock, *, minutes_ago: float = 10, **fields: Any) -> Ticket:
    created = clock.now() - timedelta(minutes=minutes_ago)
    fields.setdefault("subject", f"Card payment times out at checkout ({ref})")
    fields.setdefault("requester", f"Customer {ref}")
    return Ticket(ref=str(ref), created_at=created, updated_at=created, **fields)


def link_in_store(container: Container, incident_id: int, refs: list[str]) -> None:
    uow = container.uow()
    with uow(write=True):
        ids = uow.tickets.ids(BUILTIN, refs)
        uow.tickets.link(
            incident_id, list(ids.values()), reason="manual", by="root", at=container.env.clock.now()
        )
        uow.commit()


def follow(browser: Browser, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return browser.get(response.headers["location"]).text


def rows(page: str, testid: str = "linked-ticket") -> list[str]:
    return re.findall(rf'data-testid="{testid}" data-ref="([^"]+)"', page)


def between(page: str, start: str, end: str = "</section>") -> str:
    assert start in page, f"{start!r} is not on the page"
    return page.split(start, 1)[1].split(end, 1)[0]


def shown_by(page: str, name: str) -> str:
    found = re.search(rf'data-testid="{name}"[^>]*>(.*?)</', page, re.DOTALL)
    assert found, f"no {name} on the page"
    return " ".join(found.group(1).split())


def room(browser: Browser, incident_id: int, **params: str) -> str:
    response = browser.get(f"/incidents/{incident_id}", params=params)
    assert response.status_code == 200, response.text
    return response.text


def fragment(browser: Browser, incident_id: int, name: str = "", **params: str) -> str:
    path = f"/incidents/{incident_id}/fragments/tickets" + (f"/{name}" if name else "")
    response = browser.get(path, params=params, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.text
    return response.text


# ----- reading -------------------------------------------------------------------------------------


def test_the_panel_shows_the_tag_the_newest_tickets_and_the_figures(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    # 30 tickets, one a minute; #1000 is the oldest. One urgent ticket waits past its 30 minutes
    # (breached), one is close to them (at risk); two organisations and requesters without one.
    tickets = [
        ticket(1000 + n, clock, minutes_ago=30 - n, organization=("Acme" if n % 3 == 0 else None))
        for n in range(30)
    ]
    tickets[0] = ticket(1000, clock, minutes_ago=45, priority=TicketPriority.URGENT, organization="Initech")
    tickets[5] = ticket(1005, clock, minutes_ago=25, priority=TicketPriority.URGENT, status=TicketStatus.OPEN)
    store(container, *tickets)
    link_in_store(container, incident_id, [t.ref for t in tickets])
    carol = site.signed_in("carol")

    page = room(carol, incident_id)
    panel = between(page, 'id="panel-tickets"', "</section>\n</div>")
    assert f"<code>incident_{incident_id}</code>" in panel
    assert 'data-testid="tag-retired"' not in panel
    assert shown_by(page, "linked-count") == "30"
    shown = rows(panel)
    assert shown == [str(1029 - n) for n in range(PAGE)]  # the newest 25, newest first
    assert "Show 5 more" in panel
    first = between(panel, 'data-ref="1029">', "</tr>")
    assert "Card payment times out at checkout (1029)" in first
    assert "<td>normal</td>" in first
    assert "<td>new</td>" in first
    # Created times are UTC in the markup; localtime.js shows them in the viewer's zone.
    assert '<time datetime="2026-03-02T08:59:00Z" title="2026-03-02 08:59 UTC">' in first
    # Nothing computed yet: the figures come as a fragment once the page has loaded.
    assert 'id="figures-loading"' in panel
    assert 'hx-trigger="load, every 15s"' in panel

    more = fragment(carol, incident_id, shown="50")
    assert len(rows(more)) == 30
    assert "Show 5 more" not in more
    assert '<p class="hint" id="tickets-more" tabindex="-1">All 30 linked tickets are shown.</p>' in more
    assert f'hx-get="/incidents/{incident_id}/fragments/tickets?shown=50"' in more
    assert len(rows(room(carol, incident_id, shown="50"))) == 30  # "Show more" without JavaScript

    figures = fragment(carol, incident_id, "figures")
    # Customers: two organisations (Acme, Initech) plus the 20 requesters who belong to none.
    assert shown_by(figures, "figure-customers").startswith("22 ")
    assert shown_by(figures, "figure-tickets").startswith("30: 30 unsolved, 30 awaiting")
    assert shown_by(figures, "figure-per-hour") == "30 tickets"
    assert shown_by(figures, "sla-at-risk-count") == "1"
    assert rows(figures, "sla-at-risk") == ["1005"]
    assert shown_by(figures, "sla-breached-count") == "1"
    assert rows(figures, "sla-breached") == ["1000"]
    assert 'data-testid="top-issue"' in figures
    assert 'data-health="strained"' in figures  # 30 waiting for a first response: over 25
    # Once worked out, the room shows them at once and only polls for changes.
    page = room(carol, incident_id)
    assert 'id="figures-loading"' not in page
    assert shown_by(page, "sla-breached-count") == "1"


def test_many_tickets_render_only_what_is_shown(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    # 40 unanswered urgent tickets, all past their 30 minutes: every one is breached.
    tickets = [ticket(2000 + n, clock, minutes_ago=60 + n, priority=TicketPriority.URGENT) for n in range(40)]
    store(container, *tickets)
    link_in_store(container, incident_id, [t.ref for t in tickets])
    carol = site.signed_in("carol")

    figures = fragment(carol, incident_id, "figures")
    assert shown_by(figures, "sla-breached-count") == "40"
    assert rows(figures, "sla-breached") == [str(2039 - n) for n in range(10)]  # longest overdue first
    assert "The 10 overdue longest." in figures
    assert len(rows(room(carol, incident_id))) == PAGE


def test_csat_is_shown_against_its_baseline_with_the_trend(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    now = clock.now()

    def rated(ref: int, good: bool, *, days_ago: float = 0) -> Ticket:
        rating = Satisfaction.GOOD if good else Satisfaction.BAD
        at = now - timedelta(days=days_ago, minutes=5)
        answered = at - timedelta(minutes=30)
        return ticket(
            ref,
            clock,
            minutes_ago=days_ago * 1440 + 60,
            status=TicketStatus.SOLVED,
            first_response_at=answered,
            satisfaction=rating,
            satisfaction_at=at,
        )

    # The incident's tickets: 1 good, 3 bad (25%); other tickets of the last 30 days: 9 good, 1 bad.
    incident = [rated(800, True), rated(801, False), rated(802, False), rated(803, False)]
    baseline = [rated(900 + n, n != 0, days_ago=3) for n in range(10)]
    store(container, *incident, *baseline)
    link_in_store(container, incident_id, [t.ref for t in incident])

    figures = fragment(site.signed_in("carol"), incident_id, "figures")
    assert shown_by(figures, "figure-csat").startswith("25% from 4 ratings, against a baseline of 90%:")
    assert shown_by(figures, "csat-trend") == "declining"
    assert shown_by(figures, "sla-compliance").startswith("100% of the tickets answered or past due met")


def test_fragments_of_a_missing_incident_are_not_found(site: Site, desk: BuiltinTickets) -> None:
    carol = site.signed_in("carol")
    for name in ("", "/figures", "/runs"):
        response = carol.get(f"/incidents/999/fragments/tickets{name}", headers={"HX-Request": "true"})
        assert response.status_code == 404
        assert "incident #999 does not exist." in response.text


def test_a_closed_incidents_tag_shows_as_retired(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    uow = container.uow()
    with uow(write=True):
        uow.tickets.retire_tag(incident_id, clock.now())
        uow.commit()
    page = fragment(site.signed_in("carol"), incident_id)
    assert 'data-testid="tag-retired">retired</span>' in page
    assert "its tag links no more tickets" in page


def test_a_hostile_ticket_subject_is_shown_as_text(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    store(container, ticket(3000, clock, subject=HOSTILE, requester='<img src=x onerror="alert(2)">'))
    link_in_store(container, incident_id, ["3000"])
    carol = site.signed_in("carol")

    for page in (room(carol, incident_id), fragment(carol, incident_id)):
        assert HOSTILE not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    preview = carol.post(f"/incidents/{incident_id}/tickets/replies/preview", {"source": "macro:ack"})
    assert preview.status_code == 200
    assert HOSTILE not in preview.text
    assert "<img src=x" not in preview.text
    merged = between(preview.text, 'data-testid="merged-text">', "</pre>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in merged
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in merged


# ----- linking ---------------------------------------------------------------------------------------


def test_link_unlink_and_the_rule_through_the_forms(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    store(
        container,
        ticket(101, clock, subject="Checkout is down"),
        ticket(102, clock, subject="Cannot pay"),
        ticket(103, clock, subject="EU payments fail at the last step"),
        ticket(104, clock, subject="Password reset"),
    )
    carol = site.signed_in("carol")
    base = f"/incidents/{incident_id}/tickets"

    linked = carol.post(f"{base}/link", {"tickets": "#101, 102"})
    assert linked.headers["location"] == f"/incidents/{incident_id}?done=tickets-linked#flash"
    page = follow(carol, linked)
    # The notice shows in the panel, where the redirect scrolls to (not at the top of the room).
    notice = '<p class="notice" role="status" id="flash">Tickets linked; the incident tag is being added'
    assert notice in between(page, 'id="panel-tickets"', 'id="tickets-live"')
    assert shown_by(page, "linked-count") == "2"
    assert sorted(rows(page)) == ["101", "102"]
    assert "Those tickets were linked already" in follow(
        carol, carol.post(f"{base}/link", {"tickets": "102"})
    )

    missing = carol.post(f"{base}/link", {"tickets": "102 999"})
    assert missing.status_code == 404
    problem = between(missing.text, 'id="problem-tickets-link"', "</div>")
    assert "no ticket #999 in builtin" in problem
    assert 'value="102 999"' in missing.text  # what was typed stays in the field
    empty = carol.post(f"{base}/link", {"tickets": " , "})
    assert empty.status_code == 422
    assert "give one or more ticket numbers" in between(empty.text, 'id="problem-tickets-link"', "</div>")

    page = follow(carol, carol.post(f"{base}/unlink", {"ticket": "#101"}))
    assert "Ticket unlinked" in page
    assert rows(page) == ["102"]
    again = carol.post(f"{base}/unlink", {"ticket": "101"})
    assert again.status_code == 404
    assert f"#101 is not linked to incident #{incident_id}." in again.text

    page = follow(carol, carol.post(f"{base}/rule", {"keywords": "checkout\n  EU payments \n\n"}))
    assert "Linking rule set" in page
    assert shown_by(page, "link-rule") == "any of “checkout”, “EU payments”"
    assert sorted(rows(page)) == ["101", "102", "103"]  # stored matches linked at once; 104 does not match
    assert "checkout\nEU payments</textarea>" in page  # the form starts from the rule in force
    blank = carol.post(f"{base}/rule", {"keywords": "  \n"})
    assert blank.status_code == 422
    assert "give at least one word or phrase" in between(blank.text, 'id="problem-tickets-rule"', "</div>")
    assert 'id="rule-editor" open' in blank.text
    page = follow(carol, carol.post(f"{base}/rule/clear"))
    assert "Linking rule cleared" in page
    assert "none: tickets are linked by the tag or by number" in shown_by(page, "link-rule")
    assert shown_by(page, "linked-count") == "3"


def test_a_ticket_action_without_the_csrf_token_is_refused(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    store(container, ticket(101, clock))
    carol = site.signed_in("carol")
    response = carol.post(
        f"/incidents/{incident_id}/tickets/link", {"tickets": "101", "csrf_token": "forged"}
    )
    assert response.status_code == 403
    cross_site = carol.post(
        f"/incidents/{incident_id}/tickets/link",
        {"tickets": "101"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403
    assert shown_by(room(carol, incident_id), "linked-count") == "0"


# ----- bulk replies ------------------------------------------------------------------------------------


def runner(container: Container) -> BulkReplyRunner:
    return BulkReplyRunner(container.uow, container.env, container.tickets, poll_interval=0.0)


def run_worker(container: Container, incident_id: int, run_id: int) -> None:
    """The worker's bulk-reply passes, in-process, until the run ends."""
    work = runner(container)
    for _ in range(50):
        work.run_once(budget=2.0)
        if bulk_replies.reply_progress(incident_id, run_id, uow=container.uow()).finished:
            return
    raise AssertionError(f"bulk reply {run_id} did not finish")


def run_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-testid="reply-run" data-run-id="(\d+)"', page)]


def test_a_bulk_reply_from_preview_to_progress(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    store(
        container,
        ticket(201, clock, minutes_ago=3, requester="Dana"),
        ticket(202, clock, minutes_ago=2, requester="Eve"),
        ticket(203, clock, minutes_ago=1, requester="Finn", organization=OPTED_OUT),
    )
    link_in_store(container, incident_id, ["201", "202", "203"])
    carol = site.signed_in("carol")
    base = f"/incidents/{incident_id}/tickets/replies"

    page = room(carol, incident_id)
    wizard = between(page, 'id="reply-form"', "</form>")
    assert '<option value="macro:ack">Macro: ack</option>' in wizard
    assert '<option value="solved">solved</option>' in wizard
    assert 'id="no-runs"' in page

    preview = carol.post(f"{base}/preview", {"source": "macro:ack", "status": "pending"})
    assert preview.status_code == 200
    dry = between(preview.text, 'data-testid="reply-preview"', 'id="tickets-runs"')
    assert shown_by(dry, "preview-targets") == "2"
    assert shown_by(dry, "preview-excluded") == "1"
    assert rows(dry, "preview-target") == ["202", "201"]
    assert 'data-reason="organisation opted out">organisation opted out: 1' in dry
    assert shown_by(dry, "merged-text") == (
        "Hi Eve, we know about Checkout fails for EU customers "
        "(your ticket 202: Card payment times out at checkout (202))."
    )
    assert '<option value="pending" selected>' in preview.text  # the choice is kept
    assert 'name="expected" value="2"' in dry
    assert ">Send to 2 tickets</button>" in dry
    assert bulk_replies.list_runs(incident_id, uow=container.uow()) == []  # a dry run sends nothing

    page = follow(carol, carol.post(base, {"source": "macro:ack", "status": "pending", "expected": "2"}))
    assert "Bulk reply under way" in page
    (run_id,) = run_ids(page)
    run = between(page, f'id="run-{run_id}"', "</article>")
    assert 'data-state="running"' in page
    assert shown_by(run, "run-progress") == "1 of 3 tickets done"  # the opted-out one is left out at once
    assert shown_by(run, "run-waiting") == "2"
    assert "sets the status to pending" in run
    assert f'id="cancel-run-{run_id}-submit"' in run
    assert 'hx-trigger="every 3s"' in fragment(carol, incident_id, "runs")

    run_worker(container, incident_id, run_id)
    runs = fragment(carol, incident_id, "runs")
    assert 'data-state="completed"' in runs
    assert shown_by(runs, "run-progress") == "3 of 3 tickets done"
    assert (shown_by(runs, "run-replied"), shown_by(runs, "run-skipped")) == ("2", "1")
    assert "cancel-run" not in runs
    assert 'hx-trigger="every 15s"' in runs
    counts = bulk_replies.reply_progress(incident_id, run_id, uow=container.uow()).counts
    assert counts[ItemState.REPLIED] == 2

    # The same text again: everyone who got it is left out now, so there is nothing to send.
    again = carol.post(f"{base}/preview", {"source": "macro:ack"})
    assert shown_by(again.text, "preview-targets") == "0"
    assert "already received this reply: 2" in again.text
    assert "reply-send-form" not in again.text
    assert 'data-testid="preview-nobody"' in again.text


def test_a_running_bulk_reply_can_be_cancelled(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    store(container, *(ticket(300 + n, clock) for n in range(3)))
    link_in_store(container, incident_id, ["300", "301", "302"])
    carol = site.signed_in("carol")
    page = follow(
        carol,
        carol.post(f"/incidents/{incident_id}/tickets/replies", {"source": "macro:later", "expected": "3"}),
    )
    (run_id,) = run_ids(page)

    page = follow(carol, carol.post(f"/incidents/{incident_id}/tickets/replies/{run_id}/cancel"))
    assert "Bulk reply cancelled" in page
    run = between(page, f'id="run-{run_id}"', "</article>")
    assert 'data-state="cancelled"' in page
    assert shown_by(run, "run-skipped") == "3"
    assert "cancel-run" not in run
    runner(container).run_once(budget=1.0)  # the worker leaves a cancelled run alone
    assert (
        bulk_replies.reply_progress(incident_id, run_id, uow=container.uow()).counts[ItemState.REPLIED] == 0
    )


def test_sending_stops_when_the_targets_changed_since_the_preview(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    store(container, ticket(401, clock), ticket(402, clock))
    link_in_store(container, incident_id, ["401"])
    carol = site.signed_in("carol")
    base = f"/incidents/{incident_id}/tickets/replies"
    assert ">Send to 1 ticket</button>" in carol.post(f"{base}/preview", {"source": "macro:ack"}).text

    link_in_store(container, incident_id, ["402"])  # linked by someone else meanwhile
    refused = carol.post(base, {"source": "macro:ack", "expected": "1"})
    assert refused.status_code == 409
    problem = between(refused.text, 'id="problem-tickets-reply"', "</div>")
    assert "would now go to 2 tickets, not the 1 previewed" in problem
    assert ">Send to 2 tickets</button>" in refused.text  # the new dry run, ready to send
    assert bulk_replies.list_runs(incident_id, uow=container.uow()) == []


def publish(container: Container, incident_id: int, body: str) -> int:
    """An update drafted, approved by IMOC and CMOC and published, through the use cases."""
    env, drafting = container.env, container.drafting
    cmoc, imoc = Actor("carol", OrgRole.RESPONDER), Actor("ivan", OrgRole.RESPONDER)
    for role, person in ((Role.CMOC, cmoc), (Role.IMOC, imoc)):
        engagement.assign_role(incident_id, role, person.username, actor=ADMIN, uow=container.uow(), env=env)
    update_id = comms.draft_update(
        incident_id,
        comms.DraftRequest(template="initial"),
        actor=cmoc,
        uow=container.uow(),
        env=env,
        drafting=drafting,
    ).update.id
    kw: dict[str, Any] = {"uow": container.uow(), "env": env, "drafting": drafting}
    comms.edit_update(
        update_id, body=body, public_state=None, components=None, next_update_at=None, actor=cmoc, **kw
    )
    comms.request_review(update_id, actor=cmoc, uow=container.uow(), env=env, drafting=drafting)
    for person in (imoc, cmoc):
        etag = comms.get_update(update_id, uow=container.uow(), env=env, drafting=drafting).update.etag
        comms.approve_update(
            update_id,
            etag=etag,
            as_reviewer=None,
            actor=person,
            uow=container.uow(),
            env=env,
            drafting=drafting,
        )
    comms.publish_update(
        update_id, dry_run=False, actor=cmoc, uow=container.uow(), env=env, drafting=drafting
    )
    return update_id


def test_a_published_update_is_offered_and_a_draft_is_refused(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    carol, ivan = site.signed_in("carol"), site.signed_in("ivan")
    incident_id = declare(container)
    store(container, ticket(501, clock, requester="Dana"))
    link_in_store(container, incident_id, ["501"])
    update_id = publish(
        container,
        incident_id,
        "**Checkout** fails for some EU customers. We are rolling back. https://status.example.com/1",
    )

    page = room(carol, incident_id)
    assert f'<option value="update:{update_id}">Update {update_id}: initial (published)</option>' in page
    preview = carol.post(
        f"/incidents/{incident_id}/tickets/replies/preview", {"source": f"update:{update_id}"}
    )
    assert preview.status_code == 200
    assert f"Preview: update {update_id}" in preview.text
    merged = shown_by(preview.text, "merged-text")
    assert merged.startswith("Checkout fails for some EU customers.")  # plain text, not Markdown
    assert "**" not in merged

    # A draft is not approved text: the use case refuses it, and the page says why, in place.
    draft_id = comms.draft_update(
        incident_id,
        comms.DraftRequest(template="periodic"),
        actor=Actor("carol", OrgRole.RESPONDER),
        uow=container.uow(),
        env=container.env,
        drafting=container.drafting,
    ).update.id
    refused = carol.post(
        f"/incidents/{incident_id}/tickets/replies/preview", {"source": f"update:{draft_id}"}
    )
    assert refused.status_code == 422
    assert "only a published update" in between(refused.text, 'id="problem-tickets-reply"', "</div>")
    assert "Traceback" not in refused.text
    bad = carol.post(f"/incidents/{incident_id}/tickets/replies/preview", {"source": "nothing"})
    assert bad.status_code == 422
    assert "choose a published update or a macro" in bad.text
    status = carol.post(
        f"/incidents/{incident_id}/tickets/replies/preview", {"source": "macro:ack", "status": "closed"}
    )
    assert status.status_code == 422
    assert "open, pending or solved, not closed" in status.text

    # With CMOC held by carol, ivan (IMOC) may not send bulk replies: RACI, in place.
    refused = ivan.post(f"/incidents/{incident_id}/tickets/replies", {"source": "macro:ack", "expected": "1"})
    assert refused.status_code == 403
    assert "ivan" in between(refused.text, 'id="problem-tickets-reply"', "</div>")


# ----- viewers -----------------------------------------------------------------------------------------


def test_a_viewer_sees_the_panel_but_cannot_act(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    incident_id = declare(container)
    store(container, ticket(601, clock), ticket(602, clock))
    link_in_store(container, incident_id, ["601"])
    carol = site.signed_in("carol")
    page = follow(
        carol,
        carol.post(f"/incidents/{incident_id}/tickets/replies", {"source": "macro:ack", "expected": "1"}),
    )
    (run_id,) = run_ids(page)
    vera = site.signed_in("vera", "viewer")

    page = room(vera, incident_id)
    assert rows(page) == ["601"]
    assert f'id="run-{run_id}"' in page
    for form in ("link-form", "unlink-form", "rule-form", "reply-form", f"cancel-run-{run_id}"):
        assert f'id="{form}"' not in page
    assert f'id="cancel-run-{run_id}"' not in fragment(vera, incident_id, "runs")

    base = f"/incidents/{incident_id}/tickets"
    attempts: dict[str, list[tuple[str, dict[str, str]]]] = {
        "tickets-link": [(f"{base}/link", {"tickets": "602"}), (f"{base}/unlink", {"ticket": "601"})],
        "tickets-rule": [(f"{base}/rule", {"keywords": "checkout"}), (f"{base}/rule/clear", {})],
        "tickets-reply": [
            (f"{base}/replies/preview", {"source": "macro:ack"}),
            (f"{base}/replies", {"source": "macro:later", "expected": "1"}),
        ],
        "tickets-runs": [(f"{base}/replies/{run_id}/cancel", {})],
    }
    for panel, posts in attempts.items():
        for path, data in posts:
            refused = vera.post(path, data)
            assert refused.status_code == 403, path
            assert "vera is a viewer" in between(refused.text, f'id="problem-{panel}"', "</div>"), path
    page = room(carol, incident_id)
    assert rows(page) == ["601"]
    assert run_ids(page) == [run_id]
    assert 'data-state="running"' in page


# ----- the figures cache -------------------------------------------------------------------------------


def test_the_figures_fragment_serves_stored_figures_and_refreshes_them_after_the_response(
    site: Site, container: Container, clock: FakeClock, desk: BuiltinTickets
) -> None:
    cache = FiguresCache(fresh_for=0.0)  # always stale: every request refreshes after answering
    site.app.state.web_ticket_figures = cache
    incident_id = declare(container)
    store(container, ticket(701, clock), ticket(702, clock))
    link_in_store(container, incident_id, ["701"])
    carol = site.signed_in("carol")
    assert shown_by(fragment(carol, incident_id, "figures"), "figure-tickets").startswith("1:")

    link_in_store(container, incident_id, ["702"])  # e.g. by a webhook: the cache does not know
    assert shown_by(fragment(carol, incident_id, "figures"), "figure-tickets").startswith("1:")  # at once
    assert shown_by(fragment(carol, incident_id, "figures"), "figure-tickets").startswith("2:")  # refreshed
    # A ticket action from the page drops the stored figures: the next ones are worked out anew.
    follow(carol, carol.post(f"/incidents/{incident_id}/tickets/unlink", {"ticket": "702"}))
    assert shown_by(fragment(carol, incident_id, "figures"), "figure-tickets").startswith("1:")
    link_in_store(container, incident_id, ["702"])
    assert shown_by(fragment(carol, incident_id, "figures", recompute="1"), "figure-tickets").startswith("2:")


def figures_at(moment: datetime) -> FiguresView:
    impact: ImpactFigures = compute_impact([], now=moment, thresholds=QueueThresholds())
    return FiguresView(impact, [], 0, [], 0, None)


class Ticking:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_figures_cache_is_stale_by_either_clock_and_refreshes_once_at_a_time() -> None:
    ticking = Ticking()
    cache = FiguresCache(fresh_for=10.0, expire_after=60.0, size=2, monotonic=ticking)
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert cache.peek(1, t0) == (None, True)
    cache.store(1, figures_at(t0))
    assert cache.peek(1, t0)[1] is False
    assert cache.peek(1, t0 + timedelta(seconds=11))[1] is True  # the service's clock moved on
    ticking.now += 11
    assert cache.peek(1, t0)[1] is True  # the server's clock moved on

    assert cache.claim(1) is True
    assert cache.claim(1) is False  # one refresh at a time per incident
    cache.refresh(1, lambda: figures_at(t0 + timedelta(minutes=1)))
    view, stale = cache.peek(1, t0 + timedelta(minutes=1))
    assert view is not None
    assert view.computed_at == t0 + timedelta(minutes=1)
    assert not stale
    assert cache.claim(1) is True

    def fails() -> FiguresView:
        raise RuntimeError("database gone")

    cache.refresh(1, fails)  # logged; the old figures stay and the next refresh may run
    assert cache.peek(1, t0 + timedelta(minutes=1))[0] == view
    assert cache.claim(1) is True

    cache.store(2, figures_at(t0 + timedelta(minutes=1)))
    cache.store(3, figures_at(t0 + timedelta(minutes=1)))  # over the size: the least recently used goes
    assert cache.peek(1, t0 + timedelta(minutes=1))[0] is None
    assert cache.peek(3, t0 + timedelta(minutes=1))[0] is not None
    cache.forget(3)
    assert cache.peek(3, t0 + timedelta(minutes=1))[0] is None

    # Nobody looked for over a minute: not shown at all (worked out anew instead).
    assert cache.peek(2, t0 + timedelta(minutes=2, seconds=1)) == (None, True)


def test_a_lost_refresh_is_given_up_after_a_minute() -> None:
    ticking = Ticking()
    cache = FiguresCache(monotonic=ticking)
    assert cache.claim(7) is True  # claimed, but its response failed: the refresh never ran
    ticking.now += 30
    assert cache.claim(7) is False
    ticking.now += 31
    assert cache.claim(7) is True


def test_shown_counts_are_whole_pages_within_bounds() -> None:
    assert [shown_count(raw) for raw in (None, "", "abc", "-5", "0", "1", "25", "26", "50")] == [
        PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, 2 * PAGE, 2 * PAGE,
    ]  # fmt: skip
    assert shown_count("999999") == MAX_SHOWN
