"""What the incident room's tickets panel shows, read through the ticket use cases.

Only what is on screen is rendered: the newest linked tickets (25 at first, more on request), the
ten most urgent SLA entries of each list, the newest bulk replies. The impact figures are the one
costly part (every linked ticket is loaded, grouped into top issues and put on the SLA clock: about
100 ms for 2,000 tickets), so they are kept per incident in ``FiguresCache`` and served from there
at once; when they are older than ``FRESH_FOR`` seconds, one refresh runs after the response
(stale-while-revalidate), so no poll waits for the work. Figures nobody asked for in
``EXPIRE_AFTER`` seconds are worked out anew rather than shown, and a ticket action from these
pages drops the incident's entry, so its result is never shown with figures from before it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from starlette.background import BackgroundTask

from sirf.bootstrap import Container
from sirf.domain.bulk_reply import ALLOWED_STATUS_CHANGES, ReplySource, check_status_change
from sirf.domain.errors import NotFound, ValidationFailed
from sirf.domain.impact import ImpactFigures
from sirf.domain.linking import LinkRule
from sirf.domain.sla import SlaAssessment
from sirf.domain.tickets import Ticket, TicketStatus
from sirf.domain.updates import StatusUpdate, UpdateState
from sirf.services import bulk_replies as br
from sirf.services.ports import UnitOfWork
from sirf.services.room import Room
from sirf.services.ticket_figures import IncidentFigures, incident_figures
from sirf.services.tickets import linked_tickets
from sirf.web.forms import Form

log = logging.getLogger(__name__)

PAGE = 25  # linked tickets shown at first, and added by "Show more"
MAX_SHOWN = 1000  # the most one page of the list may show (the use case's limit)
TOP = 10  # entries shown of each SLA list
FINISHED_RUNS_SHOWN = 5
FRESH_FOR = 10.0  # seconds the figures are served without a refresh
EXPIRE_AFTER = 60.0  # seconds after which stored figures are not shown at all (worked out anew)
CLAIM_FOR = 60.0  # seconds after which an unfinished refresh counts as lost (another may start)
TARGETS_SHOWN = 25  # preview: targets listed with their subject (all numbers are listed too)


def shown_count(raw: str | None) -> int:
    """How many linked tickets to show: a multiple of ``PAGE`` from one page up to ``MAX_SHOWN``.
    Anything else (missing, not a number) is one page; it comes from a URL anyone can edit."""
    if not raw or not raw.isdigit():
        return PAGE
    wanted = max(PAGE, min(int(raw), MAX_SHOWN))
    return -(-wanted // PAGE) * PAGE if wanted < MAX_SHOWN else MAX_SHOWN


# ----- linked tickets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedView:
    tag: str | None  # None: the incident predates tickets; linking one creates its tag
    retired: bool
    rule: LinkRule | None
    total: int
    tickets: list[Ticket]  # newest first
    shown: int  # how many were asked for (the polled refresh asks for as many again)

    @property
    def more(self) -> bool:
        return self.total > len(self.tickets) and len(self.tickets) < MAX_SHOWN

    @property
    def next_shown(self) -> int:
        return min(len(self.tickets) + PAGE, MAX_SHOWN)

    @property
    def paged(self) -> bool:
        """Whether "Show more" was used (more than one page was asked for)."""
        return self.shown > PAGE

    @property
    def more_count(self) -> int:
        """How many more "Show more" adds."""
        return min(self.total, self.next_shown) - len(self.tickets)


def load_linked(uow: UnitOfWork, incident_id: int, shown: int) -> LinkedView:
    try:
        page = linked_tickets(incident_id, limit=shown, offset=0, uow=uow)
    except NotFound:
        # Either the incident does not exist or it has no tag yet; listing its bulk replies tells
        # the two apart (it raises NotFound only for a missing incident).
        br.list_runs(incident_id, uow=uow)
        return LinkedView(None, False, None, 0, [], shown)
    return LinkedView(page.tag, page.retired, page.rule, page.total, page.tickets, shown)


# ----- impact and SLA figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class FiguresView:
    """The figures as the panel shows them: the SLA lists cut to their ``TOP`` entries."""

    impact: ImpactFigures
    at_risk: list[SlaAssessment]
    at_risk_count: int
    breached: list[SlaAssessment]
    breached_count: int
    compliance: float | None

    @property
    def computed_at(self) -> datetime:
        return self.impact.computed_at

    @classmethod
    def of(cls, figures: IncidentFigures) -> FiguresView:
        at_risk, breached = figures.at_risk, figures.breached
        return cls(
            impact=figures.impact,
            at_risk=at_risk[:TOP],
            at_risk_count=len(at_risk),
            breached=breached[:TOP],
            breached_count=len(breached),
            compliance=figures.compliance,
        )


def compute_figures(container: Container, incident_id: int, uow: UnitOfWork | None = None) -> FiguresView:
    figures = incident_figures(incident_id, uow=uow or container.uow(), env=container.env)
    return FiguresView.of(figures)


def figures_cache(request: Request) -> FiguresCache:
    cache: FiguresCache = request.app.state.web_ticket_figures
    return cache


@dataclass
class _Entry:
    view: FiguresView
    stamp: float  # monotonic seconds when computed


class FiguresCache:
    """The newest figures per incident (at most ``size`` incidents, least recently used dropped),
    and which incidents have a refresh under way, so one runs at a time per incident. A refresh
    claimed but never run (its response failed before it was sent) is given up after
    ``CLAIM_FOR`` seconds, so an incident's figures never stop refreshing."""

    def __init__(
        self,
        *,
        fresh_for: float = FRESH_FOR,
        expire_after: float = EXPIRE_AFTER,
        size: int = 256,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fresh_for = fresh_for
        self.expire_after = expire_after
        self.size = size
        self._monotonic = monotonic
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._refreshing: dict[int, float] = {}  # incident -> monotonic seconds when claimed
        self._lock = threading.Lock()

    def peek(self, incident_id: int, now: datetime) -> tuple[FiguresView | None, bool]:
        """The stored figures and whether they are stale: older than ``fresh_for`` seconds by the
        server's clock or by the service's clock (``now``), whichever says more. Figures older than
        ``expire_after`` (nobody looked for a while) are dropped rather than shown."""
        with self._lock:
            entry = self._entries.get(incident_id)
            if entry is None:
                return None, True
            age = max(self._monotonic() - entry.stamp, (now - entry.view.computed_at).total_seconds())
            if age > self.expire_after:
                del self._entries[incident_id]
                return None, True
            self._entries.move_to_end(incident_id)
            return entry.view, age > self.fresh_for

    def store(self, incident_id: int, view: FiguresView) -> None:
        with self._lock:
            self._entries[incident_id] = _Entry(view, self._monotonic())
            self._entries.move_to_end(incident_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, incident_id: int) -> None:
        with self._lock:
            self._entries.pop(incident_id, None)

    def claim(self, incident_id: int) -> bool:
        """True for the one caller that is to refresh the incident's figures now."""
        with self._lock:
            now = self._monotonic()
            claimed = self._refreshing.get(incident_id)
            if claimed is not None and now - claimed < CLAIM_FOR:
                return False
            self._refreshing[incident_id] = now
            return True

    def refresh(self, incident_id: int, compute: Callable[[], FiguresView]) -> None:
        """Run after a response: compute and store; a failure keeps the old figures (and is logged)."""
        try:
            self.store(incident_id, compute())
        except Exception:
            log.exception("refreshing the ticket figures of incident #%s failed", incident_id)
        finally:
            with self._lock:
                self._refreshing.pop(incident_id, None)


def cached_figures(
    cache: FiguresCache, container: Container, incident_id: int
) -> tuple[FiguresView | None, BackgroundTask | None]:
    """The stored figures without computing any, and the refresh to run after the response when
    they are stale (None when fresh, missing or already being refreshed)."""
    view, stale = cache.peek(incident_id, container.env.clock.now())
    if view is None or not stale or not cache.claim(incident_id):
        return view, None
    return view, BackgroundTask(cache.refresh, incident_id, lambda: compute_figures(container, incident_id))


def current_figures(
    cache: FiguresCache, container: Container, uow: UnitOfWork, incident_id: int, *, recompute: bool
) -> tuple[FiguresView, BackgroundTask | None]:
    """The stored figures (refreshed after the response when stale); computed now when there are
    none yet or ``recompute`` asks for it."""
    if not recompute:
        view, refresh = cached_figures(cache, container, incident_id)
        if view is not None:
            return view, refresh
    view = compute_figures(container, incident_id, uow)
    cache.store(incident_id, view)
    return view, None


# ----- bulk replies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunsView:
    runs: list[br.RunProgress]  # running ones, then the newest finished ones; newest first

    @property
    def running(self) -> bool:
        return any(not p.finished for p in self.runs)


def load_runs(uow: UnitOfWork, incident_id: int) -> RunsView:
    every = sorted(br.list_runs(incident_id, uow=uow), key=lambda p: p.run.id, reverse=True)
    running = [p for p in every if not p.finished]
    finished = [p for p in every if p.finished][:FINISHED_RUNS_SHOWN]
    return RunsView(running + finished)


@dataclass(frozen=True)
class ReplyChoice:
    value: str  # "update:<id>" or "macro:<name>", as posted
    label: str


def reply_choices(room: Room, macros: dict[str, str] | None) -> list[ReplyChoice]:
    """Approved texts only: the incident's published updates (newest first), then the macros."""
    published: list[StatusUpdate] = [
        card.view.update for card in room.updates if card.view.update.state is UpdateState.PUBLISHED
    ]
    choices = [ReplyChoice(f"update:{u.id}", f"Update {u.id}: {u.template} (published)") for u in published]
    choices += [ReplyChoice(f"macro:{name}", f"Macro: {name}") for name in sorted(macros or {})]
    return choices


STATUS_CHOICES: tuple[TicketStatus, ...] = ALLOWED_STATUS_CHANGES


def reply_request(form: Form) -> br.ReplyRequest:
    """The wizard's choice as the use case takes it; raises ValidationFailed for a bad choice."""
    kind, _, ref = form.get("source").partition(":")
    sources = {"update": ReplySource.UPDATE, "macro": ReplySource.MACRO}
    if kind not in sources or not ref.strip():
        raise ValidationFailed("choose a published update or a macro to reply with", field="source")
    return br.ReplyRequest(sources[kind], ref.strip(), status=check_status_change(form.get("status") or None))


@dataclass(frozen=True)
class ReplyPreview:
    """The dry run as the wizard shows it, with what the "Send" form posts back."""

    plan: br.ReplyPlan
    source: str
    status: str

    @property
    def targets(self) -> list[br.Planned]:
        return self.plan.targets

    @property
    def listed(self) -> list[br.Planned]:
        return self.plan.targets[:TARGETS_SHOWN]

    @property
    def first_text(self) -> str | None:
        targets = self.plan.targets
        return targets[0].text if targets else None

    @property
    def excluded_by_reason(self) -> list[tuple[str, list[str]]]:
        """(reason, ticket numbers), the most common reason first."""
        refs: dict[str, list[str]] = {}
        for item in self.plan.excluded:
            refs.setdefault(item.excluded or "", []).append(item.ticket.ref)
        return sorted(refs.items(), key=lambda entry: -len(entry[1]))


# ----- the panel as the room page shows it -----------------------------------------------------------


@dataclass(frozen=True)
class TicketPanel:
    linked: LinkedView
    runs: RunsView
    figures: FiguresView | None  # None: not computed yet; the page loads them as a fragment
    choices: list[ReplyChoice]
    statuses: tuple[TicketStatus, ...]
    preview: ReplyPreview | None


def room_panel(
    cache: FiguresCache,
    container: Container,
    uow: UnitOfWork,
    room: Room,
    *,
    shown: int,
    preview: ReplyPreview | None = None,
) -> tuple[TicketPanel, BackgroundTask | None]:
    incident_id = room.incident.id
    linked, runs = load_linked(uow, incident_id, shown), load_runs(uow, incident_id)
    figures, refresh = cached_figures(cache, container, incident_id)
    panel = TicketPanel(
        linked=linked,
        runs=runs,
        figures=figures,
        choices=reply_choices(room, dict(container.env.framework.tickets.macros)),
        statuses=STATUS_CHOICES,
        preview=preview,
    )
    return panel, refresh
