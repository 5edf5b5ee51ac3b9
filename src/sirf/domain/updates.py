"""Status updates and their approval (F5.1, F5.3, F6.1, F8).

An update moves draft -> in review -> approved -> published. Who must approve depends on its
audience: every customer-facing message needs the CMOC (F5.1); a public status-page update needs
the CMOC and the IMOC, two different people (F6.1); on a security incident SIRT reviews as well
(F5.3). Internal updates (stakeholder channels, executives) need no approval.

An approval binds to the exact text through its ETag: any edit voids it (the approval stays on
record, naming the text it approved). It also binds to the
role the approver held: when a role changes hands, the old holder's approval stops counting.
Published text is immutable; a correction is a new update that names the one it corrects.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sirf.domain.errors import Conflict, PermissionDenied, ValidationFailed
from sirf.domain.public_state import ComponentStatus, PublicState
from sirf.domain.roles import Role

BLANK = re.compile(r"\[\[TODO: ([^\]]+)\]\]")
STATUS_PAGE_TEXT_LIMIT = 220  # handbook: body before the final link, so social posts are not cut
MAX_BODY = 20_000


class Audience(StrEnum):
    PUBLIC = "public"  # the status page, and everything customers read
    CUSTOMER = "customer"  # direct customer messages (ticket replies, email)
    INTERNAL = "internal"  # stakeholder channels and executives

    @classmethod
    def parse(cls, value: str) -> Audience:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValidationFailed(f"unknown audience {value!r}: use public, customer or internal") from None


class UpdateState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in-review"
    APPROVED = "approved"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Reviewer(StrEnum):
    CMOC = "cmoc"
    IMOC = "imoc"
    SIRT = "sirt"


@dataclass(frozen=True)
class Approval:
    by: str
    reviewer: Reviewer
    etag: str
    at: datetime


@dataclass(frozen=True)
class ApprovalStatus:
    required: tuple[Reviewer, ...]
    satisfied: tuple[Reviewer, ...]
    problems: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.problems and set(self.required) <= set(self.satisfied)

    @property
    def missing(self) -> tuple[Reviewer, ...]:
        return tuple(r for r in self.required if r not in self.satisfied)


def required_reviewers(audience: Audience, *, security: bool) -> tuple[Reviewer, ...]:
    if audience is Audience.INTERNAL:
        return ()
    base = (Reviewer.CMOC, Reviewer.IMOC) if audience is Audience.PUBLIC else (Reviewer.CMOC,)
    return (*base, Reviewer.SIRT) if security else base


def blanks_in(text: str) -> list[str]:
    return [match.group(1).strip() for match in BLANK.finditer(text)]


def text_before_final_link(text: str) -> str:
    """The part of a status-page message a social post would show before the trailing URL."""
    stripped = text.rstrip()
    match = re.search(r"\s*\S*https?://\S+$", stripped)
    return stripped[: match.start()] if match else stripped


@dataclass
class StatusUpdate:
    id: int
    incident_id: int
    sequence: int
    template: str
    audience: Audience
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    state: UpdateState = UpdateState.DRAFT
    public_state: PublicState | None = None
    components: dict[str, ComponentStatus] = field(default_factory=dict)
    next_update_at: datetime | None = None
    corrects: int | None = None
    approvals: list[Approval] = field(default_factory=list)
    published_at: datetime | None = None
    published_by: str | None = None
    version: int = 0

    @property
    def etag(self) -> str:
        """Identifies the exact content under review: text, state, components and announced time."""
        content = {
            "body": self.body,
            "public_state": self.public_state.value if self.public_state else None,
            "components": {name: status.value for name, status in sorted(self.components.items())},
            "next_update_at": self.next_update_at.isoformat() if self.next_update_at else None,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]

    @property
    def blanks(self) -> list[str]:
        return blanks_in(self.body)

    def warnings(self) -> list[str]:
        if self.audience is not Audience.PUBLIC:
            return []
        length = len(text_before_final_link(self.body))
        if length > STATUS_PAGE_TEXT_LIMIT:
            return [
                f"the status-page text is {length} characters before its final link; keep it within "
                f"{STATUS_PAGE_TEXT_LIMIT} so social posts are not cut off"
            ]
        return []

    def edit(
        self,
        *,
        at: datetime,
        body: str | None = None,
        public_state: PublicState | None = None,
        components: dict[str, ComponentStatus] | None = None,
        next_update_at: datetime | None = None,
    ) -> bool:
        """Change the content; any change voids every approval. Returns whether anything changed."""
        self._ensure_editable()
        before = self.etag
        if body is not None:
            self.body = check_body(body)
        if public_state is not None:
            self.public_state = public_state
        if components is not None:
            self.components = dict(components)
        if next_update_at is not None:
            self.next_update_at = next_update_at
        if self.etag == before:
            return False
        # Earlier approvals stay on record but no longer count: they name the old ETag.
        if self.state is UpdateState.APPROVED:
            self.state = UpdateState.IN_REVIEW
        self.updated_at = at
        return True

    def request_review(self, *, at: datetime) -> None:
        if self.state is not UpdateState.DRAFT:
            raise Conflict(f"update {self.id} is {self.state.value}; only a draft can be sent for review")
        self.state = UpdateState.IN_REVIEW
        self.updated_at = at

    def approve(self, approval: Approval) -> None:
        if self.state not in (UpdateState.IN_REVIEW, UpdateState.APPROVED):
            raise Conflict(f"update {self.id} is {self.state.value}; ask for review first (request-review)")
        if approval.etag != self.etag:
            raise Conflict(
                f"update {self.id} changed since you read it; review the current text and approve again",
                current_etag=self.etag,
            )
        self.approvals.append(approval)

    def mark(self, state: UpdateState, *, at: datetime) -> None:
        self.state = state
        self.updated_at = at

    def publish(self, *, by: str, at: datetime) -> None:
        if self.state is UpdateState.PUBLISHED:
            raise Conflict(f"update {self.id} is already published", update=self.id)
        if self.state is not UpdateState.APPROVED:
            raise Conflict(
                f"update {self.id} is {self.state.value}; it needs its approvals before publishing"
            )
        blanks = self.blanks
        if blanks:
            raise ValidationFailed(
                f"update {self.id} still has {len(blanks)} blank(s) to fill: " + "; ".join(blanks),
                blanks=blanks,
            )
        self.state = UpdateState.PUBLISHED
        self.published_at, self.published_by, self.updated_at = at, by, at

    def withdraw(self, *, at: datetime) -> None:
        if self.state is UpdateState.PUBLISHED:
            raise Conflict(f"update {self.id} is published; issue a correction instead")
        self.mark(UpdateState.WITHDRAWN, at=at)

    def _ensure_editable(self) -> None:
        if self.state is UpdateState.PUBLISHED:
            raise Conflict(f"update {self.id} is published and its text is immutable; issue a correction")
        if self.state is UpdateState.WITHDRAWN:
            raise Conflict(f"update {self.id} was withdrawn; draft a new one")


def check_body(body: str) -> str:
    text = body.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed("the update text must not be empty", field="body")
    if len(text) > MAX_BODY:
        raise ValidationFailed(
            f"the update text is {len(text)} characters; the limit is {MAX_BODY}", field="body"
        )
    if "\x00" in text:
        raise ValidationFailed("the update text contains a NUL character", field="body")
    return text


def approval_status(
    update: StatusUpdate,
    *,
    holders: dict[Role, str | None],
    security: bool,
    sirt_reviewers: frozenset[str],
) -> ApprovalStatus:
    """Which required reviews currently count, and what stands in the way of the rest (F5.1, F6.1, F5.3)."""
    required = required_reviewers(update.audience, security=security)
    current = [a for a in update.approvals if a.etag == update.etag]
    satisfied: list[Reviewer] = []
    by_reviewer: dict[Reviewer, str] = {}
    for approval in current:
        # One person satisfies one capacity at most: their first counting approval.
        if approval.by in by_reviewer.values() or approval.reviewer in by_reviewer:
            continue
        if _still_counts(approval, holders, sirt_reviewers):
            by_reviewer[approval.reviewer] = approval.by
            satisfied.append(approval.reviewer)
    problems: list[str] = []
    if Reviewer.CMOC in required and Reviewer.IMOC in required:
        cmoc, imoc = holders.get(Role.CMOC), holders.get(Role.IMOC)
        if cmoc and cmoc == imoc:
            problems.append(
                f"{cmoc} holds both CMOC and IMOC; a public update needs two different people (F6.1): "
                "hand one of the roles over"
            )
    for reviewer in required:
        if reviewer in (Reviewer.CMOC, Reviewer.IMOC) and not holders.get(Role(reviewer.value)):
            problems.append(f"no {reviewer.value.upper()} is assigned; assign one to approve")
    return ApprovalStatus(tuple(required), tuple(satisfied), tuple(problems))


def _still_counts(
    approval: Approval, holders: dict[Role, str | None], sirt_reviewers: frozenset[str]
) -> bool:
    if approval.reviewer is Reviewer.SIRT:
        return approval.by in sirt_reviewers
    return holders.get(Role(approval.reviewer.value)) == approval.by


def reviewer_capacities(
    person: str, *, holders: dict[Role, str | None], sirt_reviewers: frozenset[str]
) -> list[Reviewer]:
    capacities = [Reviewer(role.value) for role in (Role.CMOC, Role.IMOC) if holders.get(role) == person]
    if person in sirt_reviewers:
        capacities.append(Reviewer.SIRT)
    return capacities


def choose_capacity(
    update: StatusUpdate,
    person: str,
    *,
    holders: dict[Role, str | None],
    security: bool,
    sirt_reviewers: frozenset[str],
    wanted: Reviewer | None,
) -> Reviewer:
    """The capacity in which ``person`` approves: the one asked for, else the first still missing.

    One approval is one capacity: a person holding CMOC and IMOC cannot satisfy both with one click,
    and the author's approval does not count twice (F6.1).
    """
    required = required_reviewers(update.audience, security=security)
    capacities = [
        c
        for c in reviewer_capacities(person, holders=holders, sirt_reviewers=sirt_reviewers)
        if c in required
    ]
    if not capacities:
        names = " or ".join(r.value.upper() for r in required) or "nobody (internal updates need no approval)"
        raise PermissionDenied(f"{person} cannot approve update {update.id}: approval is needed from {names}")
    if wanted is not None:
        if wanted not in capacities:
            raise PermissionDenied(f"{person} cannot approve as {wanted.value.upper()}")
        return wanted
    if any(a.by == person and a.etag == update.etag for a in update.approvals):
        raise Conflict(
            f"{person} has already approved update {update.id}; one person's approval counts once (F6.1)"
        )
    return capacities[0]
