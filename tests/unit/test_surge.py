"""Surge detection and top issues on a synthetic ticket stream with known surges and no-surge controls.

The stream: 14 days and a bit of background tickets with a daily rhythm (busier 08:00-18:00 UTC):
a dozen recurring low-rate topics, one always-busy topic (password resets), and one-off tickets made
of invented words. Surges are injected into the last hour with varied wording, case and punctuation.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sirf.domain.errors import ValidationFailed
from sirf.domain.similarity import significant_words, stem
from sirf.domain.surge import (
    Surge,
    SurgePolicy,
    detect_surges,
    group_tickets,
    matches,
    top_issues,
)
from sirf.domain.tickets import Ticket

NOW = datetime(2026, 3, 10, 10, 40, tzinfo=UTC)
HOUR = timedelta(hours=1)

SIGN_IN = (
    ("Cannot sign in", "Since this morning none of our users can sign in. The page shows an error."),
    ("can't sign-in!!", "I get 'something went wrong' when I try to sign in to the dashboard."),
    ("SIGN IN ERROR", "Sign in fails with error 500, see https://status.example.com/x?y=1"),
    ("Sign in failing since 10:00", "Our whole team is locked out, sign in just spins."),
    ("Unable to sign in to the dashboard", "Hi, the sign in button does nothing. Thanks, Kim"),
    ("sign-in not working", "We cannot sign in from Chrome or Firefox, error on the login page."),
    ("Signing in broken?", "Please help: signing in returns us to the start page. kim@example.com"),
    ("cannot sign in - error page", "Sign in error for all of our accounts."),
)
DOUBLE_CHARGE = (
    ("Charged twice for March invoice", "Our card was charged twice for the same invoice."),
    ("Double charge on invoice", "The invoice was charged two times, please refund one."),
    ("invoice charged twice!", "We see two charges for one invoice on our statement."),
    ("We were charged twice", "Duplicate charge for our subscription invoice."),
    ("Duplicate charge on our invoice", "Charged twice this month, invoice attached."),
)
PASSWORD_RESET = (
    ("Password reset email not arriving", "I asked for a password reset but no email came."),
    ("password reset email missing", "The reset email never arrives in my inbox."),
    ("No password reset email", "Requested a password reset twice, nothing received."),
)
RECURRING = (
    (("How do I export to CSV?", "Where is the CSV export for reports?"), "export csv report"),
    (("Change billing address", "Update the billing address on file"), "billing address company"),
    (("Add a new user seat", "How to add seats for new users"), "seat user licence"),
    (("Webhook deliveries delayed", "webhook delivery delay"), "webhook delivery endpoint"),
    (("Mobile app crashes on launch", "iOS app crash at start"), "mobile app crash phone"),
    (("Set up SSO with Okta", "Configure SAML single sign-on"), "sso saml okta"),
    (("Delete my account", "Request to delete account data"), "delete account gdpr"),
    (("API rate limit reached", "Too many requests from the API"), "api rate limit"),
    (("Dark mode request", "Feature request: dark theme"), "feature theme colour"),
    (("Upload of large files fails", "Large attachment upload error"), "upload attachment size"),
    (("Calendar sync missing events", "Events not syncing to calendar"), "calendar sync event"),
    (("Translate interface to German", "German language for the interface"), "language translation"),
)
SYLLABLES = ("ka", "lo", "mi", "ru", "te", "zo", "pa", "ne", "vi", "qu", "bo", "sa", "fe", "di", "gu")


@dataclass(frozen=True)
class Injection:
    """``count`` tickets in the last hour, cycling through ``texts``, from ``organisations``."""

    texts: Sequence[tuple[str, str]]
    count: int
    organisations: Sequence[str] = ("Acme", "Globex", "Initech", "Umbrella", "Hooli")


def _rhythm(moment: datetime) -> float:
    return 1.5 if 8 <= moment.hour < 18 else 0.3


def _poisson(rng: random.Random, rate: float) -> int:
    # Knuth's method: fine for the small rates of a test stream.
    limit, count, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


class Stream:
    """Builds tickets; refs are unique and every ticket's fields are drawn from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocabulary = sorted({_word(self.rng) for _ in range(400)})
        self.serial = 0

    def ticket(self, subject: str, description: str, at: datetime, organisation: str | None = None) -> Ticket:
        self.serial += 1
        org = organisation if organisation is not None else f"Org {self.rng.randint(1, 300)}"
        return Ticket(
            ref=str(10_000 + self.serial),
            subject=subject,
            description=description,
            created_at=at,
            updated_at=at,
            organization=org,
            requester=f"user{self.serial}@example.com",
        )

    def noise(self, *, days: int = 15, now: datetime = NOW, busy: int = 6) -> list[Ticket]:
        """Background tickets from ``days`` before ``now`` up to ``now``."""
        tickets: list[Ticket] = []
        hour = now.replace(minute=0, second=0, microsecond=0) - days * 24 * HOUR
        while hour <= now:
            rhythm = _rhythm(hour)
            for subjects, words in RECURRING:
                for _ in range(_poisson(self.rng, 0.25 * rhythm)):
                    tickets.append(self._at(hour, now, self.rng.choice(subjects), f"Hello, {words}."))
            for _ in range(busy if rhythm > 1 else 1):
                subject, description = self.rng.choice(PASSWORD_RESET)
                tickets.append(self._at(hour, now, subject, description))
            for _ in range(_poisson(self.rng, 10 * rhythm)):
                subject = " ".join(self.rng.sample(self.vocabulary, self.rng.randint(2, 4)))
                description = " ".join(self.rng.sample(self.vocabulary, self.rng.randint(8, 20)))
                tickets.append(self._at(hour, now, subject.capitalize(), description))
            hour += HOUR
        return [t for t in tickets if t.created_at <= now]

    def inject(self, injection: Injection, *, now: datetime = NOW) -> list[Ticket]:
        tickets = []
        for index in range(injection.count):
            subject, description = injection.texts[index % len(injection.texts)]
            at = now - timedelta(seconds=self.rng.randint(0, 3599))
            organisation = injection.organisations[index % len(injection.organisations)]
            tickets.append(self.ticket(subject, description, at, organisation))
        return tickets

    def _at(self, hour: datetime, now: datetime, subject: str, description: str) -> Ticket:
        at = hour + timedelta(seconds=self.rng.randint(0, 3599))
        return self.ticket(subject, description, min(at, now + HOUR))


def _split(tickets: list[Ticket], now: datetime = NOW, window: timedelta = HOUR) -> tuple[list[Ticket], ...]:
    recent = [t for t in tickets if now - window < t.created_at <= now]
    history = [t for t in tickets if t.created_at <= now - window]
    return recent, history


def _detect(tickets: list[Ticket], policy: SurgePolicy | None = None) -> list[Surge]:
    recent, history = _split(tickets)
    return detect_surges(recent, history, now=NOW, policy=policy or SurgePolicy())


Noise = tuple[Stream, list[Ticket]]


@pytest.fixture(scope="module")
def noise() -> Noise:
    stream = Stream(seed=7)
    return stream, stream.noise()


# --- surge detection -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_surge_in_background_noise(seed: int) -> None:
    stream = Stream(seed)
    assert _detect(stream.noise()) == []


def test_injected_surge_is_found_with_its_evidence(noise: Noise) -> None:
    stream, background = noise
    injected = stream.inject(Injection(SIGN_IN, 14))
    surges = _detect(background + injected)
    assert len(surges) == 1
    surge = surges[0]
    assert "sign in" in surge.label
    assert {t.ref for t in injected} <= set(surge.refs)
    assert 14 <= surge.count <= 15  # an SSO "sign-on" ticket may join; nothing unrelated
    assert surge.baseline_per_window < 0.5
    assert surge.ratio == pytest.approx(surge.count / 0.5)
    assert surge.organisations == ("Acme", "Globex", "Initech", "Umbrella", "Hooli")  # 3, 3, 3, 3, 2
    assert len(surge.sample_subjects) == 5
    newest = max(injected, key=lambda t: t.created_at)
    assert surge.sample_subjects[0] == newest.subject
    assert surge.first_seen_at == min(t.created_at for t in injected)
    assert surge.reason.startswith(f"{surge.count} tickets about '{surge.label}' in the last hour")
    assert "threshold 3x and at least 5" in surge.reason
    assert [start.hour for start, _ in surge.hourly_counts] == [5, 6, 7, 8, 9, 10]
    assert sum(count for _, count in surge.hourly_counts) >= surge.count


def test_a_new_ticket_matches_the_surge_and_an_unrelated_one_does_not(noise: Noise) -> None:
    stream, background = noise
    surge = _detect(background + stream.inject(Injection(SIGN_IN, 10)))[0]
    later = NOW + timedelta(minutes=5)
    assert matches(stream.ticket("Can't sign in anymore", "error on sign in", later), surge.signature)
    assert not matches(stream.ticket("Invoice charged twice", "refund please", later), surge.signature)


def test_two_simultaneous_surges_are_found_separately(noise: Noise) -> None:
    stream, background = noise
    sign_in = stream.inject(Injection(SIGN_IN, 12))
    charge = stream.inject(Injection(DOUBLE_CHARGE, 8, organisations=("Stark", "Wayne")))
    surges = _detect(background + sign_in + charge)
    assert len(surges) == 2
    by_refs = {frozenset(s.refs): s for s in surges}
    sign_in_surge = next(s for refs, s in by_refs.items() if {t.ref for t in sign_in} <= refs)
    charge_surge = next(s for refs, s in by_refs.items() if {t.ref for t in charge} <= refs)
    assert charge_surge.count == 8
    assert charge_surge.organisations == ("Stark", "Wayne")
    assert "charge" in charge_surge.label
    assert not set(sign_in_surge.refs) & set(charge_surge.refs)


def test_a_busy_topic_doubling_is_not_a_surge_but_tripling_is(noise: Noise) -> None:
    stream, background = noise
    assert _detect(background + stream.inject(Injection(PASSWORD_RESET, 6))) == []  # 6 usual + 6 = 2x
    surges = _detect(background + stream.inject(Injection(PASSWORD_RESET, 13)))  # 6 usual + 13 > 3x
    assert len(surges) == 1
    assert "password reset" in surges[0].label
    assert surges[0].baseline_per_window == pytest.approx(6.0, abs=0.5)


def test_min_count_is_respected(noise: Noise) -> None:
    stream, background = noise
    tickets = background + stream.inject(Injection(SIGN_IN, 4))
    assert _detect(tickets) == []
    assert [s.label for s in _detect(tickets, SurgePolicy(min_count=4))] == ["sign in"]


def test_a_high_multiple_needs_a_bigger_jump(noise: Noise) -> None:
    stream, background = noise
    tickets = background + stream.inject(Injection(SIGN_IN, 8))
    assert len(_detect(tickets)) == 1
    assert _detect(tickets, SurgePolicy(multiple=20.0)) == []  # 8 < 20 x floor 0.5


def test_detection_ignores_order_and_how_tickets_are_split(noise: Noise) -> None:
    stream, background = noise
    tickets = background + stream.inject(Injection(SIGN_IN, 9)) + stream.inject(Injection(DOUBLE_CHARGE, 6))
    expected = _detect(tickets)
    shuffled = list(tickets)
    random.Random(99).shuffle(shuffled)
    assert _detect(shuffled) == expected
    assert detect_surges([], shuffled, now=NOW) == expected


def _at(ref: str, at: datetime, subject: str = "Cannot sign in") -> Ticket:
    return Ticket(ref=ref, subject=subject, created_at=at, updated_at=at, organization=f"Org {ref}")


def test_baseline_is_the_same_time_of_day_window_averaged_over_the_baseline_days() -> None:
    day = timedelta(days=1)
    # One matching ticket in each of the 14 earlier windows (now - d days - 1h, now - d days] ...
    history = [_at(f"h{d}", NOW - d * day - timedelta(minutes=30)) for d in range(1, 15)]
    history.append(_at("edge-in", NOW - day))  # the window's end is inclusive
    history += [
        _at("edge-out", NOW - day - HOUR),  # ... its start is not
        _at("day-15", NOW - 15 * day),  # older than the baseline days
        _at("other-hour", NOW - 3 * day - 5 * HOUR),  # another time of day
        _at("other-topic", NOW - 2 * day, subject="Invoice charged twice"),
        _at("earlier-today", NOW - 2 * HOUR),  # shown per hour, not part of the baseline
    ]
    recent = [_at(f"r{i}", NOW - timedelta(minutes=5 * i)) for i in range(5)]  # 09:40 < t <= 10:40
    [surge] = detect_surges(recent, history, now=NOW, policy=SurgePolicy(multiple=3.0))
    assert surge.baseline_per_window == pytest.approx(15 / 14)
    assert surge.ratio == pytest.approx(5 / (15 / 14))
    assert surge.reason == (
        "5 tickets about 'sign in' in the last hour against a baseline of 1.1 per hour "
        "(4.7x, threshold 3x and at least 5)"
    )
    assert surge.hourly_counts == tuple(
        (datetime(2026, 3, 10, hour, tzinfo=UTC), count)
        for hour, count in [(5, 0), (6, 0), (7, 0), (8, 1), (9, 0), (10, 5)]
    )
    assert surge.first_seen_at == NOW - timedelta(minutes=20)
    assert surge.refs == ("r4", "r3", "r2", "r1", "r0")
    assert surge.customers == 5
    assert detect_surges(recent, history, now=NOW, policy=SurgePolicy(multiple=5.0)) == []


def test_now_must_be_aware() -> None:
    with pytest.raises(ValidationFailed):
        detect_surges([], [], now=datetime(2026, 1, 1, 10, 0))


# --- grouping and top issues ---------------------------------------------------------------------


def _plain(subject: str, ref: str, description: str = "", minute: int = 0) -> Ticket:
    at = NOW - timedelta(minutes=minute)
    return Ticket(ref=ref, subject=subject, description=description, created_at=at, updated_at=at)


def test_group_tickets_groups_variants_and_labels_them() -> None:
    tickets = [_plain(subject, f"s{i}", description) for i, (subject, description) in enumerate(SIGN_IN)]
    tickets += [
        _plain(subject, f"c{i}", description) for i, (subject, description) in enumerate(DOUBLE_CHARGE)
    ]
    tickets.append(_plain("Dark mode request", "x1"))
    groups = group_tickets(tickets)
    assert [(g.label, g.count) for g in groups][:2] == [("sign in", 8), ("charged twice invoice", 5)]
    assert groups[0].keywords[0] == "sign in"
    assert groups[2].refs == ("x1",)


def test_top_issues_counts_most_reported_first() -> None:
    tickets = [_plain("Cannot sign in", f"a{i}", minute=i) for i in range(3)]
    tickets += [_plain("Export to CSV broken", f"b{i}", minute=i) for i in range(2)]
    tickets += [_plain("CSV export fails", "b9"), _plain("Dark mode", "c1"), _plain("Help!!!", "d1")]
    # Equal counts: by label. Label words keep the order customers use most.
    assert top_issues(tickets) == [("export csv", 3), ("sign in", 3), ("dark mode", 1)]
    assert top_issues(tickets, limit=1) == [("export csv", 3)]
    assert top_issues([]) == []


def test_snapshots_of_one_ticket_count_once() -> None:
    old = _plain("Cannot sign in", "1")
    newer = Ticket(ref="1", subject="Export broken", created_at=old.created_at, updated_at=NOW + HOUR)
    assert top_issues([old, newer, old]) == [("export broken", 1)]


TEXTS = SIGN_IN + DOUBLE_CHARGE + PASSWORD_RESET + (("Dark mode", ""), ("Webhook delay", "Sign in ok"))
WORDLESS = ("?!", "")


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(st.tuples(st.sampled_from((*TEXTS, WORDLESS)), st.integers(0, 6)), max_size=25),
    data=st.data(),
)
def test_grouping_does_not_depend_on_order(
    picks: list[tuple[tuple[str, str], int]], data: st.DataObject
) -> None:
    tickets = [_plain(subject, f"t{i}", text, minute) for i, ((subject, text), minute) in enumerate(picks)]
    shuffled = data.draw(st.permutations(tickets))
    groups = group_tickets(tickets)
    assert group_tickets(shuffled) == groups
    grouped = [ref for group in groups for ref in group.refs]
    assert len(grouped) == len(set(grouped))  # each ticket in one group at most ...
    assert {t.ref for t in tickets if t.subject != "?!"} == set(grouped)  # ... and all with words in one
    assert [g.count for g in groups] == sorted((g.count for g in groups), reverse=True)


# --- text normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("errors", "error"),
        ("failing", "fail"),
        ("failed", "fail"),
        ("logged", "log"),
        ("billing", "bill"),
        ("replies", "reply"),
        ("charges", "charg"),
        ("charging", "charg"),
        ("status", "status"),
        ("api", "api"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_significant_words_drop_noise_and_join_phrasal_verbs() -> None:
    text = "Hi! Can't SIGN-IN since 10:00, see https://x.io/a?b=1 or mail bob@example.com — errors everywhere"
    assert significant_words(text) == [
        ("signin", "sign in"),
        ("mail", "mail"),
        ("error", "errors"),
        ("everywher", "everywhere"),
    ]


# --- policy --------------------------------------------------------------------------------------


def test_policy_from_mapping() -> None:
    policy = SurgePolicy.from_mapping(
        {"multiple": 4, "min_count": 8, "window": "30m", "baseline_days": 7, "similarity": 0.6}
    )
    assert policy == SurgePolicy(
        multiple=4.0, min_count=8, window=timedelta(minutes=30), baseline_days=7, similarity=0.6
    )
    assert SurgePolicy.from_mapping({}) == SurgePolicy()
    assert SurgePolicy.from_mapping({"window": "1h30m"}).window == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"multiple": 1}, "multiple"),
        ({"multiple": "3"}, "multiple"),
        ({"min_count": 0}, "min_count"),
        ({"min_count": True}, "min_count"),
        ({"min_count": 2.5}, "min_count"),
        ({"window": "1 hour"}, "window"),
        ({"window": "0m"}, "window"),
        ({"window": "25h"}, "window"),
        ({"window": 60}, "window"),
        ({"baseline_days": 0}, "baseline_days"),
        ({"similarity": 1.5}, "similarity"),
        ({"baseline_floor": 0}, "baseline_floor"),
        ({"treshold": 3}, "treshold"),
    ],
)
def test_policy_from_mapping_refuses_bad_values(data: dict[str, object], key: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        SurgePolicy.from_mapping(data, path="tickets.surge")
    assert caught.value.details["field"] == f"tickets.surge.{key}"
    assert f"tickets.surge.{key}" in caught.value.message or "unknown key" in caught.value.message
    assert "for example" in caught.value.message or "use multiple" in caught.value.message


def test_policy_refuses_a_table_of_the_wrong_type() -> None:
    with pytest.raises(ValidationFailed, match=r"tickets\.surge: expected a table"):
        SurgePolicy.from_mapping(["multiple"], path="tickets.surge")  # type: ignore[arg-type]
