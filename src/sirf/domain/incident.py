"""The incident aggregate: severity (F3.1), lifecycle (F3), roles (F5/F6), impact facts and
triggers (F7.1/F7.2), release criteria (F7.3), tasks (F4.2), teams (F2) and notes.

Every method takes the actor and the time, checks the rules, changes state and records one typed
event in ``pending``; the unit of work stores state and events in one transaction. Permission
(RACI) is checked by the service layer before calling, because it needs the caller's identity.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime

from sirf.domain import events as ev
from sirf.domain.errors import InvalidTransition, NotFound, ReleaseBlocked, RoleConflict, ValidationFailed
from sirf.domain.framework import Framework
from sirf.domain.lifecycle import ACTIVE_PHASES, PHASE_STAMPS, Phase, check_transition, is_reopen
from sirf.domain.public_state import PublicState
from sirf.domain.regions import Region, region_on_shift
from sirf.domain.release import Attestation, CriterionStatus, ReleaseCriterion, evaluate_release
from sirf.domain.roles import SUPPORT_ROLES, Role, RoleAssignment, Source, Team, TeamEngagement
from sirf.domain.scope import IncidentKind
from sirf.domain.severity import Severity
from sirf.domain.tasks import Task, TaskStatus
from sirf.domain.triggers import Engagement, ImpactFacts, TriggerContext, criteria_met


def clean_text(value: str, *, field_name: str, max_length: int, multiline: bool = False) -> str:
    """Trim, refuse empty, over-long or control-character text (a newline only where allowed)."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip() if multiline else value.strip()
    if not text:
        raise ValidationFailed(f"{field_name} must not be empty", field=field_name)
    if len(text) > max_length:
        raise ValidationFailed(
            f"{field_name} is {len(text)} characters; the limit is {max_length}", field=field_name
        )
    allowed = {"\n", "\t"} if multiline else set()
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs") and char not in allowed:
            raise ValidationFailed(
                f"{field_name} contains a control character (U+{ord(char):04X}); remove it", field=field_name
            )
    return text


@dataclass
class Incident:
    id: int
    title: str
    kind: IncidentKind
    source: Source
    severity: Severity
    highest_severity: Severity
    phase: Phase
    region: Region
    declared_by: str
    declared_at: datetime
    detected_at: datetime
    triaged_at: datetime | None = None
    first_response_at: datetime | None = None
    first_customer_communication_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    times_reopened: int = 0
    summary: str = ""
    affected_services: tuple[str, ...] = ()
    facts: ImpactFacts = field(default_factory=ImpactFacts)
    scope_override: str | None = None
    public_state: PublicState | None = None
    last_public_update_at: datetime | None = None
    next_update_due_at: datetime | None = None
    assignments: list[RoleAssignment] = field(default_factory=list)
    tasks: dict[int, Task] = field(default_factory=dict)
    attestations: dict[ReleaseCriterion, Attestation] = field(default_factory=dict)
    teams: dict[Team, TeamEngagement] = field(default_factory=dict)
    version: int = 0
    pending: list[ev.Event] = field(default_factory=list, repr=False, compare=False)

    # ----- declaring -------------------------------------------------------------------------

    @classmethod
    def declare(
        cls,
        *,
        title: str,
        kind: IncidentKind,
        severity: Severity,
        source: Source,
        actor: str,
        at: datetime,
        framework: Framework,
        detected_at: datetime | None = None,
        summary: str = "",
        affected_services: tuple[str, ...] = (),
    ) -> Incident:
        detected = detected_at or at
        if detected > at:
            raise ValidationFailed("detected_at cannot be in the future", field="detected_at")
        incident = cls(
            id=0,
            title=clean_text(title, field_name="title", max_length=framework.max_title_length),
            kind=kind,
            source=source,
            severity=severity,
            highest_severity=severity,
            phase=Phase.DETECTION,
            region=region_on_shift(framework.region_hours, at),
            declared_by=actor,
            declared_at=at,
            detected_at=detected,
            summary=_clean_summary(summary),
            affected_services=_clean_services(affected_services),
        )
        incident._record(
            ev.IncidentDeclared(
                at=at,
                actor=actor,
                title=incident.title,
                kind=kind.value,
                severity=severity.value,
                source=source.value,
                detected_at=detected,
                region=incident.region.value,
            )
        )
        return incident

    def record_scope_override(self, *, reported_kind: str, reason: str, actor: str, at: datetime) -> None:
        reason = clean_text(reason, field_name="override reason", max_length=2000, multiline=True)
        self.scope_override = reported_kind
        self._record(ev.ScopeOverridden(at=at, actor=actor, reported_kind=reported_kind, reason=reason))

    # ----- severity and lifecycle --------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.phase in ACTIVE_PHASES

    def change_severity(self, severity: Severity, *, reason: str, actor: str, at: datetime) -> None:
        self._ensure_not_closed()
        reason = clean_text(reason, field_name="reason", max_length=2000, multiline=True)
        if severity == self.severity:
            raise ValidationFailed(f"incident is already {severity.label}", field="severity")
        previous = self.severity
        self.severity = severity
        if severity.is_more_severe_than(self.highest_severity):
            self.highest_severity = severity
        self._record(
            ev.SeverityChanged(
                at=at, actor=actor, previous=previous.value, severity=severity.value, reason=reason
            )
        )

    def move_to(self, target: Phase, *, actor: str, at: datetime, reason: str = "") -> None:
        check_transition(self.phase, target)
        previous = self.phase
        reopening = is_reopen(previous, target)
        if reopening or reason.strip():
            label = "reopen reason" if reopening else "reason"
            reason = clean_text(reason, field_name=label, max_length=2000, multiline=True)
        if reopening:
            self.times_reopened += 1
            self.resolved_at = None  # active again; the timeline keeps the earlier resolution
            self._record(
                ev.IncidentReopened(at=at, actor=actor, reason=reason, times_reopened=self.times_reopened)
            )
        self.phase = target
        stamp = PHASE_STAMPS.get(target)
        # Resolution is re-stamped after a reopening; every other stamp keeps the first time.
        if stamp and (getattr(self, stamp) is None or target is Phase.RESOLUTION):
            setattr(self, stamp, at)
        self._record(
            ev.PhaseChanged(
                at=at, actor=actor, previous=previous.value, phase=target.value, reason=reason.strip()
            )
        )

    # ----- roles -------------------------------------------------------------------------------

    def holder(self, role: Role) -> str | None:
        current = self._current_assignment(role)
        return current.holder if current else None

    def roles_of(self, person: str) -> set[Role]:
        return {a.role for a in self.assignments if a.active and a.holder == person}

    def held_roles(self) -> set[Role]:
        return {a.role for a in self.assignments if a.active}

    def assign(self, role: Role, person: str, *, actor: str, at: datetime, framework: Framework) -> None:
        self._ensure_not_closed()
        current = self._current_assignment(role)
        if current and current.holder == person:
            raise ValidationFailed(f"{person} already holds {role.label}", field="person")
        self._check_distinct(role, person, framework)
        if current:
            self._replace_assignment(current, released_at=at, released_by=actor)
        ordinal = 1 + sum(1 for a in self.assignments if a.role is role)
        self.assignments.append(RoleAssignment(role, ordinal, person, at, actor))
        previous = current.holder if current else None
        self._record(
            ev.RoleAssigned(at=at, actor=actor, role=role.value, holder=person, previous_holder=previous)
        )

    def release(self, role: Role, *, actor: str, at: datetime) -> None:
        """Release a role; CMOC and SMOC only when all six F7.3 criteria hold right now."""
        self._ensure_not_closed()
        current = self._current_assignment(role)
        if current is None:
            raise ValidationFailed(f"{role.label} is not assigned on incident #{self.id}", field="role")
        checklist = self.release_checklist() if role in SUPPORT_ROLES else []
        missing = [status for status in checklist if not status.holds]
        if missing:
            raise ReleaseBlocked(
                f"{role.label} cannot be released yet (F7.3); not yet met: "
                + "; ".join(f"{s.criterion.value} ({s.description})" for s in missing),
                missing=[s.criterion.value for s in missing],
            )
        self._replace_assignment(current, released_at=at, released_by=actor)
        met = [s.criterion.value for s in checklist]
        self._record(
            ev.RoleReleased(at=at, actor=actor, role=role.value, holder=current.holder, criteria=met)
        )

    def _current_assignment(self, role: Role) -> RoleAssignment | None:
        return next((a for a in self.assignments if a.role is role and a.active), None)

    def _replace_assignment(self, old: RoleAssignment, *, released_at: datetime, released_by: str) -> None:
        index = self.assignments.index(old)
        self.assignments[index] = replace(old, released_at=released_at, released_by=released_by)

    def _check_distinct(self, role: Role, person: str, framework: Framework) -> None:
        for pair in framework.distinct_roles:
            if role not in pair:
                continue
            for other in pair - {role}:
                if self.holder(other) == person:
                    raise RoleConflict(
                        f"{person} holds {other.label}; the framework needs {role.label} and "
                        f"{other.label} to be two different people",
                        roles=[role.value, other.value],
                    )

    # ----- impact, triggers and release ----------------------------------------------------------

    def update_impact(
        self,
        facts: ImpactFacts,
        *,
        actor: str,
        at: datetime,
        affected_services: tuple[str, ...] | None = None,
        summary: str | None = None,
    ) -> None:
        self._ensure_not_closed()
        changes: dict[str, object] = {
            name: value for name, value in vars(facts).items() if getattr(self.facts, name) != value
        }
        services = (
            _clean_services(affected_services) if affected_services is not None else self.affected_services
        )
        cleaned_summary = _clean_summary(summary) if summary is not None else self.summary
        if services != self.affected_services:
            changes["affected_services"] = list(services)
        if cleaned_summary != self.summary:
            changes["summary"] = cleaned_summary
        if not changes:
            raise ValidationFailed("nothing changed: the impact facts already have these values")
        self.facts, self.affected_services, self.summary = facts, services, cleaned_summary
        self._record(ev.ImpactUpdated(at=at, actor=actor, changes=changes))

    def engagements(self, framework: Framework, *, at: datetime) -> list[Engagement]:
        """F7: for each role with trigger rules, whether to engage it, why, and whom to propose."""
        ctx = TriggerContext(
            facts=self.facts,
            kind=self.kind,
            from_security=self.source is Source.SECURITY,
            several_customers=framework.triggers.several_customers,
        )
        region = region_on_shift(framework.region_hours, at)
        verdicts = []
        for role in framework.triggers.by_role:
            met = criteria_met(framework.triggers, role, ctx)
            holder = self.holder(role)
            proposed = None
            if met and holder is None:
                proposed = framework.roster.on_call(role, region)
            verdicts.append(Engagement(role, bool(met), met, holder, proposed))
        return verdicts

    def propose_engagement(self, engagement: Engagement, *, actor: str, at: datetime) -> None:
        self._ensure_not_closed()
        self._record(
            ev.EngagementProposed(
                at=at,
                actor=actor,
                role=engagement.role.value,
                proposed=engagement.proposed,
                criteria=[c.name for c in engagement.criteria_met],
            )
        )

    def release_signals(self) -> dict[ReleaseCriterion, bool | None]:
        """What sirf can compute itself today; ticket data adds more signals later."""
        documented = True if self.phase in (Phase.RESOLUTION, Phase.CLOSURE) else None
        return {ReleaseCriterion.FINAL_STATUS_DOCUMENTED: documented}

    def release_checklist(self) -> list[CriterionStatus]:
        return evaluate_release(self.release_signals(), self.attestations)

    def attest(self, criterion: ReleaseCriterion, *, note: str, actor: str, at: datetime) -> None:
        self._ensure_not_closed()
        note = clean_text(note, field_name="note", max_length=2000, multiline=True)
        self.attestations[criterion] = Attestation(criterion, actor, at, note)
        self._record(ev.CriterionAttested(at=at, actor=actor, criterion=criterion.value, note=note))

    # ----- tasks, teams, notes ------------------------------------------------------------------

    def add_task(
        self, title: str, *, owner: str, actor: str, at: datetime, due_at: datetime | None = None
    ) -> Task:
        self._ensure_not_closed()
        title = clean_text(title, field_name="task title", max_length=500)
        owner = clean_text(owner, field_name="owner", max_length=100)
        number = max(self.tasks, default=0) + 1
        task = Task(number, title, owner, TaskStatus.OPEN, at, actor, at, due_at)
        self.tasks[number] = task
        self._record(ev.TaskAdded(at=at, actor=actor, number=number, title=title, owner=owner, due_at=due_at))
        return task

    def update_task(
        self,
        number: int,
        *,
        actor: str,
        at: datetime,
        status: TaskStatus | None = None,
        owner: str | None = None,
        due_at: datetime | None = None,
    ) -> Task:
        self._ensure_not_closed()
        task = self.tasks.get(number)
        if task is None:
            raise NotFound(f"incident #{self.id} has no task {number}", task=number)
        changes: dict[str, object] = {}
        if status is not None and status is not task.status:
            changes["status"] = status
        if owner is not None and owner.strip() != task.owner:
            changes["owner"] = clean_text(owner, field_name="owner", max_length=100)
        if due_at is not None and due_at != task.due_at:
            changes["due_at"] = due_at
        if not changes:
            raise ValidationFailed(f"task {number} already has these values")
        updated = replace(task, updated_at=at, **changes)  # type: ignore[arg-type]
        self.tasks[number] = updated
        self._record(ev.TaskUpdated(at=at, actor=actor, number=number, changes=changes))
        return updated

    def engage_team(self, team: Team, *, contact: str, actor: str, at: datetime) -> None:
        self._ensure_not_closed()
        contact = clean_text(contact, field_name="contact", max_length=200)
        self.teams[team] = TeamEngagement(team, contact, at, actor)
        self._record(ev.TeamEngaged(at=at, actor=actor, team=team.value, contact=contact))

    def add_note(self, text: str, *, actor: str, at: datetime, max_length: int) -> None:
        text = clean_text(text, field_name="note", max_length=max_length, multiline=True)
        self._record(ev.NoteAdded(at=at, actor=actor, text=text))

    # ----- communication (F8, F9.4) --------------------------------------------------------------

    def record_publication(
        self,
        *,
        update_id: int,
        template: str,
        customer_facing: bool,
        public_state: PublicState | None,
        next_update_due_at: datetime | None,
        actor: str,
        at: datetime,
    ) -> None:
        """A status update went out: stamp the first customer communication and the cadence clock."""
        if customer_facing and self.first_customer_communication_at is None:
            self.first_customer_communication_at = at
        if public_state is not None:
            self.public_state = public_state
            self.last_public_update_at = at
            self.next_update_due_at = next_update_due_at
        self._record(
            ev.UpdatePublished(
                at=at,
                actor=actor,
                update_id=update_id,
                template=template,
                public_state=public_state.value if public_state else None,
                next_update_due_at=next_update_due_at,
            )
        )

    def record_draft(self, *, update_id: int, template: str, audience: str, actor: str, at: datetime) -> None:
        self._record(
            ev.UpdateDrafted(at=at, actor=actor, update_id=update_id, template=template, audience=audience)
        )

    def record_approval(self, *, update_id: int, reviewer: str, etag: str, actor: str, at: datetime) -> None:
        self._record(ev.UpdateApproved(at=at, actor=actor, update_id=update_id, reviewer=reviewer, etag=etag))

    def record_delivery(self, *, update_id: int, channel: str, state: str, detail: str, at: datetime) -> None:
        self._record(
            ev.DeliveryOutcome(
                at=at, actor="sirf", update_id=update_id, channel=channel, state=state, detail=detail
            )
        )

    def record_ticket_event(self, event: ev.Event) -> None:
        """The ticket use cases' facts (tag created or retired, tickets linked) join the timeline."""
        if not event.type.startswith("tickets."):
            raise ValueError(f"{event.type} is not a ticket event")
        self._record(event)

    # ----- internals ----------------------------------------------------------------------------

    def _ensure_not_closed(self) -> None:
        if self.phase is Phase.CLOSURE:
            raise InvalidTransition(
                f"incident #{self.id} is closed; only notes can be added",
                current=self.phase.value,
                allowed=[],
            )

    def _record(self, event: ev.Event) -> None:
        self.pending.append(event)

    def take_events(self) -> list[ev.Event]:
        taken, self.pending = self.pending, []
        return taken


def _clean_services(services: tuple[str, ...]) -> tuple[str, ...]:
    cleaned: list[str] = []
    for name in services:
        text = clean_text(name, field_name="affected service", max_length=100)
        if text not in cleaned:
            cleaned.append(text)
    return tuple(cleaned)


def _clean_summary(summary: str) -> str:
    return (
        clean_text(summary, field_name="summary", max_length=5000, multiline=True) if summary.strip() else ""
    )
