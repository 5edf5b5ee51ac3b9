"""How fast the incident room and the htmx fragments it and the dashboard poll answer, with a long
timeline and many linked tickets.

    .venv/bin/python bench/room.py                       # SQLite and PostgreSQL (~2 min)
    .venv/bin/python bench/room.py --quick               # smaller samples (~1 min)
    .venv/bin/python bench/room.py --backends sqlite --requests 500 --events 2000

Per backend: seed in-process through the service layer (users, one incident with ``--events``
timeline entries: notes, role changes, severity and phase changes, tasks and status updates drafted,
approved and published; plus other active incidents for the dashboard), then ``--tickets`` (2,000)
built-in tickets linked to the room's incident, bulk-inserted through the repository
(``uow.tickets.upsert`` + ``uow.tickets.link``), with unlinked rated tickets for the CSAT baseline.
Then start ``sirf server --no-migrate`` on that database, sign in over HTTP as a responder (POST
/login with the sign-in form's CSRF token; the ``sirf_session`` cookie) and time GETs of the room
page, its timeline fragment, the dashboard fragment and the tickets panel's fragments (linked
tickets; impact and SLA figures as polled, served from the server's figures cache; and the same
figures worked out anew, ``?recompute=1``): sequentially (one person) and at ``--concurrency``
(default 4) in flight, with bench/loadgen.py. The targets (issue: a room with 500 events and 2,000
linked tickets <= 200 ms at p95, fragment refresh <= 100 ms at p95) are judged on the sequential
figures. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import loadgen
import report
import run
import servers
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

if TYPE_CHECKING:
    from sirf.bootstrap import Container
    from sirf.domain.accounts import User

RESULTS_DIR = run.RESULTS_DIR
BACKENDS = run.BACKENDS
ROOM_P95_MS, FRAGMENT_P95_MS = 200.0, 100.0
ADMIN, CMOC, IMOC, SMOC = "bench-admin", "bench-cmoc", "bench-imoc", "bench-smoc"
VIEWER = IMOC  # signs in; the update left in review waits for their approval (dashboard)
PASSWORD = "bench room password, not a secret"  # noqa: S105
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ENTRY_MARK = 'data-testid="timeline-entry"'
TICKET_MARK = 'data-testid="linked-ticket"'
ISSUES = (
    "Card payment times out at checkout",
    "Charged twice after retrying the payment",
    "Checkout page shows error 502",
    "Cannot sign in since this morning",
    "Invoice download fails with an error",
    "Search returns no results for existing orders",
    "API requests to /v2/payments return 503",
    "Refund stuck in pending for days",
)
DETAILS = ("", " (EU)", " - urgent", " on mobile", " for all our users", " again", " since 09:00")
SERVICES = ("checkout", "payments", "api", "web", "search")
NOTE_TEXTS = (
    "Error rate on {service} still at {n}% of requests; no change since the last check.",
    "Rolled back the {service} config change from this morning on one canary host; watching.",
    "Customer reports via support mention timeouts on {service} from the EU region ({n} tickets "
    "in the last 10 minutes). Forwarded the request ids to the engineers on the bridge.",
    "Database connection pool on {service} saturated again at {n} connections; raised the limit "
    "temporarily and opened a follow-up to find what holds the connections.",
    "Spoke with the account team: two enterprise customers escalated. Sharing the public status "
    "page link with them and noting the next update time.",
    "Latency p99 for {service} back under {n}0 ms for five minutes; keeping the incident open "
    "until it holds for thirty.",
)
UPDATE_BODY = (
    "**Checkout errors for some EU customers**\n\n"
    "Since 09:12 UTC some customers in the EU region see errors or timeouts when they pay. "
    "Update {n}: we have identified a saturated database connection pool behind the payments "
    "service and are rolling out a fix.\n\n"
    "- Affected: checkout, payments\n"
    "- Not affected: sign-in, search, the public API\n"
    "- Workaround: retrying the payment after a minute usually succeeds\n\n"
    "We will post again within 30 minutes. https://status.example.com/incidents/1"
)


@dataclass(frozen=True)
class Plan:
    backends: tuple[str, ...]
    requests: int
    warmup: int
    concurrency: int
    events: int
    updates: int
    incidents: int
    tickets: int
    pg_admin_url: str
    log_level: str
    quick: bool


def parse_args(argv: list[str] | None = None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma list of sqlite, postgresql")
    parser.add_argument(
        "--requests", type=int, help="timed requests per page and mode (default 250; quick 100)"
    )
    parser.add_argument("--warmup", type=int, help="untimed requests first (default 20; quick 10)")
    parser.add_argument("--concurrency", type=int, default=4, help="in flight in the second mode (default 4)")
    parser.add_argument("--events", type=int, default=500, help="timeline entries of the room's incident")
    parser.add_argument("--updates", type=int, default=4, help="status updates (all published but the last)")
    parser.add_argument("--incidents", type=int, default=10, help="active incidents (the dashboard's cards)")
    parser.add_argument(
        "--tickets", type=int, default=2000, help="tickets linked to the room's incident (default 2000)"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("SIRF_BENCH_PG_URL", run.DEFAULT_PG_URL),
        help="PostgreSQL URL used to create and drop the bench database (env SIRF_BENCH_PG_URL)",
    )
    parser.add_argument("--log-level", default="INFO", help="server log level (default INFO: access log on)")
    parser.add_argument("--quick", action="store_true", help="smaller samples")
    args = parser.parse_args(argv)
    backends = tuple(b.strip() for b in args.backends.split(",") if b.strip())
    if not backends or set(backends) - set(BACKENDS):
        parser.error(f"--backends: use {', '.join(BACKENDS)} (got {args.backends!r})")
    if args.updates < 1 or args.incidents < 1 or args.events < 50 or args.tickets < 0:
        parser.error("need --updates >= 1, --incidents >= 1, --events >= 50 and --tickets >= 0")
    return Plan(
        backends=backends,
        requests=args.requests or (100 if args.quick else 250),
        warmup=args.warmup if args.warmup is not None else (10 if args.quick else 20),
        concurrency=args.concurrency,
        events=args.events,
        updates=args.updates,
        incidents=args.incidents,
        tickets=args.tickets,
        pg_admin_url=args.pg_url,
        log_level=args.log_level.upper(),
        quick=args.quick,
    )


progress = run.progress


# --- seeding, in-process through the service layer ----------------------------------------------


@dataclass(frozen=True)
class Seeded:
    incident_id: int
    timeline_entries: int
    notes: int
    updates_published: int
    updates_in_review: int
    active_incidents: int
    linked_tickets: int
    baseline_tickets: int
    seconds: float


class Seeder:
    """Writes what a long incident accumulates, each step through the same use case as the API."""

    def __init__(self, container: Container) -> None:
        self.c = container
        self.users: dict[str, User] = {}
        self.notes = 0

    def kw(self) -> dict[str, Any]:
        return {"uow": self.c.uow(), "env": self.c.env}

    def actor(self, name: str) -> Any:
        return self.users[name].as_actor()

    def create_users(self) -> None:
        from sirf.domain.raci import OrgRole
        from sirf.services.accounts import create_user
        from sirf.services.passwords import set_password

        for name in (ADMIN, CMOC, IMOC, SMOC):
            role = OrgRole.ADMIN if name == ADMIN else OrgRole.RESPONDER
            self.users[name] = create_user(name, org_role=role, actor=None, **self.kw())
        # The production hasher (the server verifies with it): one hash, one check per backend.
        set_password(VIEWER, PASSWORD, hasher=PasswordHash((Argon2Hasher(),)), **self.kw())

    def declare(self, n: int, severity: int, services: tuple[str, ...]) -> int:
        from sirf.domain.severity import Severity
        from sirf.services.incidents import Declaration, declare_incident

        declaration = Declaration(
            title="Bench room: checkout errors for EU customers" if n == 0 else f"Bench incident {n}",
            kind="saas-outage",
            severity=Severity(severity),
            summary="Payments time out for part of the EU region; support sees a spike in tickets.",
            affected_services=services,
        )
        return declare_incident(declaration, actor=self.actor(ADMIN), **self.kw()).id

    def assign(self, incident_id: int, role: str, person: str) -> None:
        from sirf.domain.roles import Role
        from sirf.services.engagement import assign_role

        assign_role(incident_id, Role(role), person, actor=self.actor(ADMIN), **self.kw())

    def note(self, incident_id: int) -> int:
        from sirf.services.work import add_note

        n = self.notes
        self.notes += 1
        text = NOTE_TEXTS[n % len(NOTE_TEXTS)].format(service=SERVICES[n % len(SERVICES)], n=n % 40 + 2)
        author = (CMOC, IMOC, ADMIN)[n % 3]  # holders of a role throughout, and an admin
        entry, _ = add_note(incident_id, text, actor=self.actor(author), **self.kw())
        return entry.seq

    def last_seq(self, incident_id: int) -> int:
        uow = self.c.uow()
        with uow(write=False):
            last = uow.incidents.last_entry(incident_id)
        return last.seq if last else 0

    def update(self, incident_id: int, template: str, number: int, *, publish: bool) -> None:
        """Draft from the template, edit the body (no blanks), request review; approve and publish."""
        from sirf.services import communications as comms

        cmoc, imoc = self.actor(CMOC), self.actor(IMOC)
        deps: dict[str, Any] = {"drafting": self.c.drafting}
        drafted = comms.draft_update(
            incident_id, comms.DraftRequest(template=template), actor=cmoc, **self.kw(), **deps
        )
        update_id = drafted.update.id
        edited = comms.edit_update(
            update_id,
            body=UPDATE_BODY.format(n=number),
            public_state=None,
            components=None,
            next_update_at=None,
            actor=cmoc,
            **self.kw(),
            **deps,
        )
        if edited.blanks:
            raise RuntimeError(f"update {update_id} still has blanks: {edited.blanks}")
        etag = comms.request_review(update_id, actor=cmoc, **self.kw(), **deps).update.etag
        if not publish:
            return
        for person in (imoc, cmoc):
            comms.approve_update(update_id, etag=etag, as_reviewer=None, actor=person, **self.kw(), **deps)
        comms.publish_update(update_id, dry_run=False, actor=cmoc, **self.kw(), **deps)

    def milestones(self, incident_id: int, updates: int) -> list[Callable[[], object]]:
        """The non-note steps of the incident, in order; notes are spread between them."""
        from sirf.domain.lifecycle import Phase
        from sirf.domain.severity import Severity
        from sirf.services import engagement, incidents, work

        admin = self.actor(ADMIN)

        def phase(target: Phase) -> Callable[[], object]:
            return lambda: incidents.change_phase(
                incident_id, target, reason="bench", actor=admin, **self.kw()
            )

        def task(title: str, owner: str) -> Callable[[], object]:
            return lambda: work.add_task(
                incident_id, title, owner=owner, due_at=None, actor=admin, **self.kw()
            )

        def hand_smoc(person: str) -> Callable[[], object]:
            return lambda: self.assign(incident_id, "smoc", person)

        steps: list[Callable[[], object]] = [
            phase(Phase.TRIAGE),
            task("Collect failing request ids from support", CMOC),
            phase(Phase.RESPONSE),
            task("Check the payments connection pool", IMOC),
            lambda: incidents.change_severity(
                incident_id, Severity(1), reason="more EU customers affected", actor=admin, **self.kw()
            ),
            hand_smoc(ADMIN),
            task("Brief the account team", SMOC),
            lambda: engagement.update_impact(
                incident_id, {"customers_affected": 140, "sla_at_risk": True}, actor=admin, **self.kw()
            ),
            hand_smoc(SMOC),
        ]
        for number in range(1, updates + 1):
            template = "initial" if number == 1 else "periodic"
            published = number < updates

            def step(template: str = template, number: int = number, published: bool = published) -> None:
                self.update(incident_id, template, number, publish=published)

            steps.insert(min(len(steps), 2 * number - 1), step)
        return steps

    def long_incident(self, events: int, updates: int) -> int:
        incident_id = self.declare(0, 2, ("checkout", "payments"))
        for role, person in (("cmoc", CMOC), ("imoc", IMOC), ("smoc", SMOC)):
            self.assign(incident_id, role, person)
        steps = self.milestones(incident_id, updates)
        seq = self.last_seq(incident_id)
        spacing = max(1, (events - seq) // (len(steps) + 1))
        for step in steps:
            target = seq + spacing
            while seq < target:
                seq = self.note(incident_id)
            step()
            seq = self.last_seq(incident_id)
        while seq < events:
            seq = self.note(incident_id)
        return incident_id

    def tickets(self, incident_id: int, count: int, seed: int = 7) -> tuple[int, int]:
        """``count`` built-in tickets linked to the incident and a quarter as many unlinked, rated ones
        from the last 30 days (the CSAT baseline), bulk-inserted in one transaction. Times are
        relative to the real clock (the server uses it): arrivals over 36 hours peaking a third of
        the way in; a mix of priorities, organisations, regions and segment tags; most answered, a
        third of the solved ones rated."""
        import random
        from datetime import timedelta

        from sirf.domain.tickets import Satisfaction, Ticket, TicketPriority, TicketStatus
        from sirf.services.tickets import BUILTIN, classify

        rng = random.Random(seed)
        now = datetime.now(UTC)
        policy = self.c.env.framework.tickets
        organisations = [f"Customer org {n}" for n in range(max(1, count // 8))]
        priorities = [TicketPriority.URGENT] + [TicketPriority.HIGH] * 3 + [TicketPriority.NORMAL] * 5
        priorities += [TicketPriority.LOW]
        tags = ["segment_enterprise", "segment_smb", "segment_personal", "region_emea", "region_amer"]

        def one(ref: int, created: datetime, *, linked: bool) -> Ticket:
            answered = created + timedelta(minutes=rng.expovariate(1 / 50)) if rng.random() < 0.75 else None
            if answered is not None and answered > now:
                answered = None
            solved = answered is not None and rng.random() < 0.5
            status = TicketStatus.SOLVED if solved else rng.choice((TicketStatus.NEW, TicketStatus.OPEN))
            rated = solved and rng.random() < 0.33
            rating = Satisfaction.GOOD if rng.random() < 0.8 else Satisfaction.BAD
            issue = ISSUES[min(len(ISSUES) - 1, int(rng.expovariate(0.6)))] if linked else rng.choice(ISSUES)
            ticket = Ticket(
                ref=str(ref),
                subject=issue + rng.choice(DETAILS),
                description=f"Customer report {ref}: {issue.lower()}. Order {rng.randrange(10**6)}.",
                priority=rng.choice(priorities),
                status=status,
                requester=f"customer{rng.randrange(count * 3 + 1)}@example.com",
                organization=rng.choice(organisations) if rng.random() < 0.6 else None,
                tags=frozenset(rng.sample(tags, 2)),
                created_at=created,
                updated_at=answered or created,
                first_response_at=answered,
                last_public_reply_at=answered,
                satisfaction=rating if rated else None,
                satisfaction_at=answered if rated else None,
            )
            return classify(ticket, policy)

        span = 36 * 3600
        linked = [
            one(100_000 + n, now - timedelta(seconds=span - rng.triangular(0, span, span / 3)), linked=True)
            for n in range(count)
        ]
        baseline = [
            one(500_000 + n, now - timedelta(days=rng.uniform(2, 30)), linked=False)
            for n in range(count // 4)
        ]
        uow = self.c.uow()
        with uow(write=True):
            ids = uow.tickets.upsert(BUILTIN, linked + baseline)
            chosen = [ids[t.ref] for t in linked]
            uow.tickets.link(incident_id, chosen, reason="bench", by=ADMIN, at=now)
            uow.commit()
        return len(linked), len(baseline)

    def other_incidents(self, count: int) -> None:
        for n in range(1, count + 1):
            incident_id = self.declare(n, n % 4 + 1, (SERVICES[n % len(SERVICES)],))
            for role, person in (("cmoc", CMOC), ("imoc", IMOC)):
                self.assign(incident_id, role, person)


def seed(database_url: str, data_dir: Path, plan: Plan) -> Seeded:
    from sirf.adapters.db import migrate
    from sirf.bootstrap import build
    from sirf.config import Settings

    started = time.perf_counter()
    data_dir.mkdir(parents=True, exist_ok=True)
    container = build(Settings.from_env({"SIRF_DATA_DIR": str(data_dir), "DATABASE_URL": database_url}))
    try:
        migrate.upgrade(container.database)
        seeder = Seeder(container)
        seeder.create_users()
        incident_id = seeder.long_incident(plan.events, plan.updates)
        seeder.other_incidents(plan.incidents - 1)
        linked, baseline = seeder.tickets(incident_id, plan.tickets)
        return Seeded(
            incident_id=incident_id,
            timeline_entries=seeder.last_seq(incident_id),
            notes=seeder.notes,
            updates_published=plan.updates - 1,
            updates_in_review=1,
            active_incidents=plan.incidents,
            linked_tickets=linked,
            baseline_tickets=baseline,
            seconds=round(time.perf_counter() - started, 1),
        )
    finally:
        container.close()


# --- the server and the session -----------------------------------------------------------------


def database_url(backend: str, plan: Plan, root: Path, stack: ExitStack) -> str:
    if backend == "sqlite":
        return f"sqlite:///{root / 'sirf-data' / 'sirf.db'}"
    name = f"sirf_bench_room_{os.getpid()}"
    url = servers.create_postgres_database(plan.pg_admin_url, name)
    stack.callback(servers.drop_postgres_database, plan.pg_admin_url, name)
    return url


def start_sirf(url: str, root: Path, plan: Plan, stack: ExitStack) -> servers.Server:
    port = servers.free_port()
    env = servers.clean_environment(
        {
            "SIRF_DATA_DIR": str(root / "sirf-data"),
            "SIRF_CONFIG_HOME": str(root / "sirf-config"),
            "DATABASE_URL": url,
            "SIRF_HOST": servers.HOST,
            "SIRF_PORT": str(port),
            "SIRF_LOG_LEVEL": plan.log_level,
        }
    )
    argv = [str(run.SIRF_BIN), "server", "--port", str(port), "--no-migrate"]
    server = servers.start("sirf", argv, env, port, root / "sirf-server.log")
    stack.callback(server.stop)
    return server


def sign_in(server: servers.Server) -> tuple[str, float]:
    """POST /login with the sign-in form's CSRF token; the session cookie and the seconds it took."""
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as client:
        form = client.get("/login")
        found = TOKEN_FIELD.search(form.text)
        if form.status_code != 200 or not found:
            raise RuntimeError(f"GET /login: {form.status_code}, no CSRF token field")
        started = time.perf_counter()
        answer = client.post(
            "/login",
            data={"csrf_token": found.group(1), "username": VIEWER, "password": PASSWORD, "next": "/"},
        )
        took = time.perf_counter() - started
        cookie = client.cookies.get("sirf_session")
        if answer.status_code != 303 or not cookie:
            raise RuntimeError(f"POST /login as {VIEWER}: {answer.status_code} {answer.text[:300]}")
        return cookie, took


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    htmx: bool  # an htmx poll (HX-Request) rather than a page load
    p95_target_ms: float
    judged: bool = True  # False: shown for information, no verdict
    light: bool = False  # costly: fewer requests, sequentially only


def targets(incident_id: int) -> list[Target]:
    room = f"/incidents/{incident_id}"
    return [
        Target("room page", room, False, ROOM_P95_MS),
        Target("timeline fragment", f"{room}/fragments/timeline", True, FRAGMENT_P95_MS),
        Target("dashboard fragment", "/fragments/dashboard", True, FRAGMENT_P95_MS),
        Target("tickets fragment", f"{room}/fragments/tickets?shown=25", True, FRAGMENT_P95_MS),
        Target("figures fragment", f"{room}/fragments/tickets/figures", True, FRAGMENT_P95_MS),
        # What a poll would cost without the figures cache (and what "Work them out again now" or the
        # first view after a ticket action costs): for information, as no poll waits for it.
        Target(
            "figures recomputed",
            f"{room}/fragments/tickets/figures?recompute=1",
            True,
            FRAGMENT_P95_MS,
            judged=False,
            light=True,
        ),
    ]


def page_request(port: int, target: Target, cookie: str, current_url: str) -> bytes:
    """The request a browser (or htmx, polling) sends, with the session cookie."""
    lines = [
        f"GET {target.path} HTTP/1.1",
        f"Host: {servers.HOST}:{port}",
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        f"Cookie: sirf_session={cookie}",
    ]
    if target.htmx:
        lines += ["HX-Request: true", f"HX-Current-URL: http://{servers.HOST}:{port}{current_url}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def check_answers(server: servers.Server, cookie: str, chosen: list[Target]) -> dict[str, dict[str, Any]]:
    """One GET of each: it must be the page (not a sign-in redirect); its size and timeline entries."""
    found: dict[str, dict[str, Any]] = {}
    headers = {"Cookie": f"sirf_session={cookie}"}
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as client:
        for target in chosen:
            extra = {"HX-Request": "true"} if target.htmx else {}
            answer = client.get(target.path, headers=headers | extra)
            if answer.status_code != 200 or "text/html" not in answer.headers.get("content-type", ""):
                raise RuntimeError(f"GET {target.path}: {answer.status_code} {answer.text[:300]}")
            found[target.name] = {
                "bytes": len(answer.content),
                "timeline_entries_shown": answer.text.count(ENTRY_MARK),
                "linked_tickets_shown": answer.text.count(TICKET_MARK),
            }
    return found


def measure(
    server: servers.Server, request: bytes, plan: Plan, concurrency: int, *, light: bool = False
) -> dict[str, Any]:
    """``light``: a fifth of the requests (at least 20) and 2 warm-up, for a costly page."""
    outcome = loadgen.measure(
        servers.HOST,
        server.port,
        lambda n: request,
        requests=max(20, plan.requests // 5) if light else plan.requests,
        warmup=2 if light else plan.warmup,
        concurrency=concurrency,
        cpu_probes={"server": server.cpu_seconds, "host": servers.host_cpu_seconds},
    )
    figures = outcome.as_dict()
    figures["server_cpu_ms_per_request"] = round(outcome.cpu_s["server"] / outcome.requests * 1000, 2)
    figures["host_cores"] = round(outcome.cpu_s["host"] / outcome.duration_s, 2)
    return figures


def run_backend(backend: str, plan: Plan, root: Path) -> dict[str, Any]:
    with ExitStack() as stack:
        root.mkdir(parents=True)
        url = database_url(backend, plan, root, stack)
        progress(
            f"{backend}: seeding a {plan.events}-entry timeline, {plan.tickets} linked tickets "
            f"and {plan.incidents} active incidents"
        )
        seeded = seed(url, root / "sirf-data", plan)
        progress(
            f"{backend}: seeded in {seeded.seconds} s ({seeded.timeline_entries} timeline entries, "
            f"{seeded.notes} of them notes; {seeded.linked_tickets} linked tickets); starting sirf"
        )
        server = start_sirf(url, root, plan, stack)
        cookie, login_s = sign_in(server)
        chosen = targets(seeded.incident_id)
        answers = check_answers(server, cookie, chosen)
        room_path = chosen[0].path
        results: dict[str, Any] = {}
        for mode, concurrency in (("sequential", 1), (f"concurrency {plan.concurrency}", plan.concurrency)):
            for target in chosen:
                if target.light and concurrency > 1:
                    continue
                request = page_request(server.port, target, cookie, room_path)
                figures = measure(server, request, plan, concurrency, light=target.light)
                figures |= {
                    "path": target.path,
                    "p95_target_ms": target.p95_target_ms,
                    "judged": target.judged,
                } | answers[target.name]
                results.setdefault(target.name, {})[mode] = figures
                progress(
                    f"  {target.name:<20} {mode:<14} p50 {figures['p50_ms']:6.1f}  "
                    f"p95 {figures['p95_ms']:6.1f}  p99 {figures['p99_ms']:6.1f} ms  "
                    f"{figures['rps']:5.0f} req/s  server CPU "
                    f"{figures['server_cpu_ms_per_request']:5.1f} ms/req  errors {figures['errors']}"
                )
        return {
            "seeded": asdict(seeded),
            "login_s": round(login_s, 3),
            "pages": results,
            "memory_mb": server.memory_mb(),
            "server_log_errors": run.count_log_errors(server.log_path),
        }


# --- results ------------------------------------------------------------------------------------


def verdicts(results: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(backend, target, figure, passed), judged on the sequential run; any error fails."""
    found = []
    for backend, outcome in results["backends"].items():
        for name, modes in outcome["pages"].items():
            seq = modes["sequential"]
            if not seq.get("judged", True):
                continue
            limit = seq["p95_target_ms"]
            passed = seq["errors"] == 0 and seq["p95_ms"] <= limit
            found.append((backend, f"{name} p95 <= {limit:g} ms", f"{seq['p95_ms']:.1f} ms", passed))
    return found


def markdown(results: dict[str, Any], judged: list[tuple[str, str, str, bool]]) -> str:
    plan = results["settings"]
    lines = [
        f"## Incident room ({plan['requests']} timed requests per page and mode, {plan['warmup']} warm-up)",
        "",
        "| backend | page | mode | p50 ms | p95 ms | p99 ms | max ms | req/s | server CPU ms/req "
        "| host cores | KB | entries shown | tickets shown | errors |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, outcome in results["backends"].items():
        for name, modes in outcome["pages"].items():
            for mode, f in modes.items():
                lines.append(
                    f"| {backend} | {name} | {mode} | {f['p50_ms']:.1f} | {f['p95_ms']:.1f} "
                    f"| {f['p99_ms']:.1f} | {f['max_ms']:.1f} | {f['rps']:.0f} "
                    f"| {f['server_cpu_ms_per_request']:.1f} "
                    f"| {f['host_cores']:.2f} | {f['bytes'] / 1024:.1f} | {f['timeline_entries_shown']} "
                    f"| {f.get('linked_tickets_shown', 0)} | {f['errors']} |"
                )
    lines += [
        "",
        "| backend | seeded | timeline entries | notes | updates | active incidents | linked tickets "
        "| baseline tickets | sign-in s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, outcome in results["backends"].items():
        s = outcome["seeded"]
        lines.append(
            f"| {backend} | {s['seconds']} s | {s['timeline_entries']} | {s['notes']} "
            f"| {s['updates_published']} published, {s['updates_in_review']} in review "
            f"| {s['active_incidents']} | {s['linked_tickets']} | {s['baseline_tickets']} "
            f"| {outcome['login_s']} |"
        )
    lines += ["", "| backend | target (sequential) | figure | verdict |", "|---|---|---:|:---:|"]
    lines += [f"| {b} | {t} | {fig} | {'PASS' if ok else 'FAIL'} |" for b, t, fig, ok in judged]
    lines += [
        "",
        "The room and the figures fragment serve the impact figures from the server's cache (worked out "
        "again after the response once 10 s old); `figures recomputed` is the cost of working them out, "
        "what a poll would take without the cache (not judged: no poll waits for it; it runs after the "
        "response, at most once per 10 s per incident).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    if "postgresql" in plan.backends and (problem := servers.postgres_reachable(plan.pg_admin_url)):
        sys.exit(f"PostgreSQL is not reachable at {plan.pg_admin_url}: {problem}\nUse --backends sqlite.")
    started = time.perf_counter()
    settings = {k: v for k, v in asdict(plan).items() if k != "pg_admin_url"}
    results: dict[str, Any] = {"environment": run.environment(), "settings": settings, "backends": {}}
    busy = results["environment"]["host_busy_before"] = run.host_busy()
    if busy > report.HOST_BUSY_WARNING:
        progress(f"warning: the host is already {busy:.0%} busy; figures will be higher and noisier")
    with tempfile.TemporaryDirectory(prefix="sirf-bench-room-") as tmp:
        for backend in plan.backends:
            results["backends"][backend] = run_backend(backend, plan, Path(tmp) / backend)
    results["environment"]["host_busy_after"] = run.host_busy()
    judged = verdicts(results)
    results["targets"] = [{"backend": b, "target": t, "figure": f, "passed": ok} for b, t, f, ok in judged]
    results["tickets_measured"] = plan.tickets > 0
    results["duration_s"] = round(time.perf_counter() - started, 1)
    path = run.save(results, name="room")
    print(markdown(results, judged))
    progress(f"done in {results['duration_s']} s; results in {path.relative_to(run.BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
