"""Composition root: settings -> database, framework, clock; and the first-start set-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from sirf.adapters import zendesk_webhooks
from sirf.adapters.builtin_tickets import BuiltinTickets
from sirf.adapters.channels import build_channels
from sirf.adapters.db.engine import Database, create_database
from sirf.adapters.db.unit_of_work import SqlUnitOfWork
from sirf.adapters.drafting import TemplateDrafting
from sirf.adapters.http import build_client
from sirf.adapters.zendesk import ZendeskConfig, ZendeskTickets
from sirf.config import Settings
from sirf.domain.framework import Framework
from sirf.framework.loader import load_framework
from sirf.services.context import Env, SystemClock
from sirf.services.delivery import Worker
from sirf.services.drafting import Drafting
from sirf.services.ports import Clock
from sirf.services.publishing import Channel
from sirf.services.ticket_ports import TicketSystem
from sirf.services.ticket_worker import TicketJobs


@dataclass
class Container:
    settings: Settings
    database: Database
    env: Env
    drafting_port: Drafting | None = None
    channels: dict[str, Channel] = field(default_factory=dict)
    ticket_port: TicketSystem | None = None
    http_clients: list[httpx.Client] = field(default_factory=list)

    @property
    def tickets(self) -> TicketSystem:
        if self.ticket_port is None:
            raise RuntimeError("the ticket system is not wired")
        return self.ticket_port

    @property
    def drafting(self) -> Drafting:
        if self.drafting_port is None:
            raise RuntimeError("the drafting port is not wired")
        return self.drafting_port

    def uow(self, *, keep_connection: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database, keep_connection=keep_connection)

    def close(self) -> None:
        for client in self.http_clients:
            client.close()
        self.database.dispose()


def build(settings: Settings, *, clock: Clock | None = None, framework: Framework | None = None) -> Container:
    """Everything the service needs, from settings; vendor channels only when configured."""
    framework = framework if framework is not None else load_framework(settings.framework_file)
    holder: list[httpx.Client] = []

    def shared_client() -> httpx.Client:
        if not holder:
            holder.append(build_client())
        return holder[0]

    channels = build_channels(settings, shared_client)
    database = create_database(settings.database_url)
    container = Container(
        settings,
        database,
        Env(clock or SystemClock(), framework),
        drafting_port=TemplateDrafting(framework, channels),
        channels={channel.name: channel for channel in channels},
    )
    container.ticket_port = build_ticket_system(settings, container, shared_client)
    container.http_clients.extend(holder)
    return container


def build_ticket_system(
    settings: Settings, container: Container, client: Callable[[], httpx.Client]
) -> TicketSystem:
    """Zendesk when configured, else the built-in ticket store."""
    if settings.zendesk_url and settings.zendesk_email and settings.zendesk_api_token:
        config = ZendeskConfig(
            base_url=settings.zendesk_url,
            email=settings.zendesk_email,
            api_token=settings.zendesk_api_token,
            rate_limit_rpm=settings.zendesk_rate_limit,
            rate_share=settings.zendesk_rate_share,
        )
        return ZendeskTickets(config, client())
    return BuiltinTickets(container.uow, container.env.clock)


@dataclass
class Jobs:
    """The worker's passes in turn: reminders and deliveries, then the ticket jobs."""

    name: str
    deliveries: Worker
    tickets: TicketJobs

    def run_once(self) -> int:
        return self.deliveries.run_once() + self.tickets.run_once()


def make_worker(container: Container, *, name: str) -> Jobs:
    worker = Worker(container.uow, container.env, container.drafting, container.channels, name=name)
    parse = zendesk_webhooks.parse_event if container.settings.zendesk_webhook_secret else None
    tickets = TicketJobs(container.uow, container.env, container.tickets, parse=parse, name=name)
    return Jobs(name, worker, tickets)
