"""Request bodies. Unknown fields are refused so a typo is an error, not a silent no-op."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field


def _utc(value: datetime) -> datetime:
    from datetime import UTC

    return value.astimezone(UTC)


UtcTime = Annotated[AwareDatetime, AfterValidator(_utc)]
Text = Annotated[str, Field(max_length=20_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeclareBody(Body):
    title: Annotated[str, Field(min_length=1, max_length=500)]
    kind: Name
    severity: Annotated[int, Field(ge=1, le=4, strict=True)]
    source: Name = "support"
    summary: Text = ""
    affected_services: Annotated[list[Name], Field(max_length=50)] = []
    detected_at: UtcTime | None = None
    override_scope_reason: Text | None = None


class SeverityBody(Body):
    severity: Annotated[int, Field(ge=1, le=4, strict=True)]
    reason: Text


class PhaseBody(Body):
    phase: Name
    reason: Text = ""


class ReasonBody(Body):
    reason: Text = ""


class RequiredReasonBody(Body):
    reason: Annotated[str, Field(min_length=1, max_length=20_000)]


class AssignBody(Body):
    person: Name


class EmptyBody(Body):
    pass


class AttestBody(Body):
    criterion: Name
    note: Text


class ImpactBody(Body):
    customers_affected: Annotated[int, Field(ge=0, le=1_000_000_000, strict=True)] | None = None
    bulk_communication_needed: bool | None = None
    support_coordination_needed: bool | None = None
    complex_impact: bool | None = None
    resource_conflict: bool | None = None
    sla_at_risk: bool | None = None
    sirt_involved: bool | None = None
    affected_services: Annotated[list[Name], Field(max_length=50)] | None = None
    summary: Text | None = None


class TaskBody(Body):
    title: Annotated[str, Field(min_length=1, max_length=500)]
    owner: Name
    due_at: UtcTime | None = None


class TaskUpdateBody(Body):
    status: Name | None = None
    owner: Name | None = None
    due_at: UtcTime | None = None


class TeamBody(Body):
    team: Name
    contact: Name


class NoteBody(Body):
    text: Annotated[str, Field(min_length=1, max_length=100_000)]


class UserBody(Body):
    username: Name
    display_name: Annotated[str, Field(max_length=200)] = ""
    org_role: Name = "responder"


class TokenBody(Body):
    name: Name
    username: Name | None = None


class DraftBody(Body):
    template: Name
    public_state: Name | None = None
    components: Annotated[dict[Name, Name], Field(max_length=100)] | None = None
    next_update_at: UtcTime | None = None
    audience: Name | None = None
    corrects: Annotated[int, Field(ge=1, le=2**31 - 1, strict=True)] | None = None
    body: Annotated[str, Field(min_length=1, max_length=20_000)] | None = None


class EditBody(Body):
    body: Annotated[str, Field(min_length=1, max_length=20_000)] | None = None
    public_state: Name | None = None
    components: Annotated[dict[Name, Name], Field(max_length=100)] | None = None
    next_update_at: UtcTime | None = None


class ApproveBody(Body):
    etag: Annotated[str, Field(min_length=1, max_length=64)]
    as_reviewer: Name | None = Field(default=None, alias="as")


class PublishBody(Body):
    dry_run: bool = False


TicketRef = Annotated[str, Field(min_length=1, max_length=64)]
Keyword = Annotated[str, Field(min_length=1, max_length=200)]


class TicketBody(Body):
    subject: Annotated[str, Field(min_length=1, max_length=500)]
    requester: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text = ""
    priority: Annotated[str, Field(max_length=10)] = "normal"
    organization: Annotated[str, Field(max_length=200)] | None = None
    form: Annotated[str, Field(max_length=100)] | None = None
    tags: Annotated[list[Annotated[str, Field(max_length=80)]], Field(max_length=50)] = []
    public: bool = True


class MatchBody(Body):
    query: Annotated[str, Field(max_length=500)] = ""
    since: Annotated[str, Field(max_length=40)] | None = None  # "2h", "30m", "1d" or an ISO time
    tag: Annotated[str, Field(max_length=80)] | None = None
    unsolved_only: bool = False
    limit: Annotated[int, Field(ge=1, le=20_000, strict=True)] = 1000
    confirm: bool = False  # false: preview only; true: link what the query finds


class TicketRefsBody(Body):
    tickets: Annotated[list[TicketRef], Field(min_length=1, max_length=20_000)]


class RuleBody(Body):
    keywords: Annotated[list[Keyword], Field(max_length=20)] = []
    form: Annotated[str, Field(max_length=100)] | None = None
    organization: Annotated[str, Field(max_length=200)] | None = None
    since: UtcTime | None = None
    until: UtcTime | None = None


class BulkReplyBody(Body):
    update: Annotated[int, Field(ge=1, strict=True)] | None = None
    macro: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    status: Annotated[str, Field(max_length=10)] | None = None
    public: bool = True
    dry_run: bool = False


class TicketChangeBody(Body):
    status: Annotated[str, Field(max_length=10)] | None = None
    priority: Annotated[str, Field(max_length=10)] | None = None
    add_tags: Annotated[list[Annotated[str, Field(max_length=80)]], Field(max_length=50)] = []
    remove_tags: Annotated[list[Annotated[str, Field(max_length=80)]], Field(max_length=50)] = []
    satisfaction: Annotated[str, Field(max_length=10)] | None = None  # good | bad


class CommentBody(Body):
    body: Annotated[str, Field(min_length=1, max_length=60_000)]
    public: bool = True
