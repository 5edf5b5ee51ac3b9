"""Ticket text as comparable evidence, and tickets grouped by it (F8.6 top issues; surge detection).

The grouping must be explainable to a support lead reading a proposal, and identical however the
tickets arrive, so it is built from plain steps rather than a learned model:

1. **Words.** Lower-case; drop URLs, e-mail addresses, anything with a digit and punctuation; join
   phrasal verbs ("sign in", "sign-in", "signing in" and "signin" are one term); drop a small English
   and support-boilerplate stop-word list; strip common suffixes ("errors" -> "error", "failing" ->
   "fail"). People read the most common spelling of each term, never the stem.
2. **Weights.** Each subject term weighs 1; the description's terms (its opening only) share half the
   subject's weight between them: the subject names the issue, the description confirms it or adds
   noise, and two tickets alike only in their descriptions (a web form's boilerplate) never group.
   Symptom words such as "error" or "broken" weigh half: they say something is wrong, not what.
3. **Groups.** Tickets with the same subject terms form one bucket. Buckets are visited largest first
   (ties by their terms) and each joins the group whose signature it resembles most, if the cosine
   similarity reaches the threshold, else it starts a new group. Visiting the typical wording first
   lets it seed the group, so rarer wordings are compared with it rather than with each other.
4. **Signature.** A group is defined by its eight heaviest terms (unit length). ``Signature.matches``
   applies the same cosine test to any other ticket: a surge's baseline is counted with it, and the
   service attaches later tickets with it. (On synthetic streams over 99% of a group's own members
   pass it too; the rest joined as part of a bucket whose wording, on average, did.)
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import repeat
from operator import mul

from sirf.domain.errors import ValidationFailed
from sirf.domain.tickets import Ticket

DEFAULT_SIMILARITY = 0.5
SYMPTOM_FACTOR = 0.5
DESCRIPTION_SHARE = 0.5
# The most cosine similarity that terms found only in descriptions can contribute (see analyse).
DESCRIPTION_BOUND = DESCRIPTION_SHARE / math.sqrt(1 + DESCRIPTION_SHARE**2)
DESCRIPTION_CHARS = 1_000  # the opening states the problem; the rest is logs, quotes and signatures
DESCRIPTION_TERMS = 40
SIGNATURE_TERMS = 8
LABEL_TERMS = 4
LABEL_SHARE = 0.35  # a label word weighs at least this share of the group's heaviest term

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_QUOTES = "'\u2019"  # straight and typographic apostrophes: "can't" and "can\u2019t" are one word
_TOKEN = re.compile(r"[^\W_]+")  # runs of letters and digits
_APOSTROPHES = str.maketrans("", "", _QUOTES)

_STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any anymore anyone are arent as at be
    because been before being below between both but by can cannot cant could couldnt did didnt do
    does doesnt doing done dont during each either even every few for from further get gets getting
    got had hadnt has hasnt have havent having he her here hers him his how i id if ill im in into
    is isnt it its itself ive just keep keeps let like me might more most much must my myself need
    needs no nor not now of off oh ok okay on once only or other our ours out over own per please
    pls same seem seems she should shouldnt since so some someone something still such than that
    thats the their them then there these they theyre this those through to too try trying tried
    under unable until up us very via was wasnt we were werent weve what when where whether which
    while who whom why will with without wont would wouldnt yet you youre your yours yourself hi
    hello hey dear thanks thank thx cheers regards best kind sincerely team support asap urgent
    today yesterday tomorrow morning afternoon evening tonight right see seeing saw help
    """.split()  # noqa: SIM905 - one readable block beats 200 one-word lines
)
_PHRASAL_VERBS = frozenset({"sign", "log", "check", "set", "opt", "roll", "back", "top"})
_PARTICLES = frozenset({"in", "out", "up", "on", "off"})
_DOUBLE_KEPT = frozenset("lsz")  # "billing" -> "bill", not "bil"
_VOWELS = frozenset("aeiouy")


@lru_cache(maxsize=65_536)  # a pure function of one word; ticket text repeats words a lot
def stem(word: str) -> str:
    """A light, predictable suffix stripper: plurals, -ing, -ed and a final silent e.

    Not a linguist's stemmer: it only has to map the usual spellings of one word to one key,
    the same way every time ("charge", "charges", "charging", "charged" -> "charg").
    """
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _VOWELS & set(base):
            if base[-1] == base[-2] and base[-1] not in _VOWELS | _DOUBLE_KEPT:
                base = base[:-1]  # "stopped" -> "stop", "logging" -> "log"
            word = base
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


_SYMPTOMS = frozenset(
    stem(word)
    for word in ("error", "fail", "failure", "issue", "problem", "broken", "work", "wrong", "bug", "down")
)


def significant_words(text: str) -> list[tuple[str, str]]:
    """The text's significant words in order, each as (term, surface): the key and how it was written."""
    return list(_words(text))


def _words(text: str) -> Iterator[tuple[str, str]]:
    # Lazy, so a long description is read only as far as its first DESCRIPTION_TERMS terms.
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    text = text.lower().translate(_APOSTROPHES)
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    verb: tuple[str, str] | None = None  # a phrasal verb waiting to see whether a particle follows
    for match in _TOKEN.finditer(text):
        token = match.group()
        if verb is not None:
            term, surface = verb
            verb = None
            if token in _PARTICLES:
                yield term + token, f"{surface} {token}"
                continue
            yield term, surface
        if not token.isalpha() or not 2 <= len(token) <= 30:
            continue  # numbers, ids, versions and hashes say nothing about the issue
        term = stem(token)
        if term in _PHRASAL_VERBS:
            verb = (term, token)
        elif token not in _STOP_WORDS:
            yield term, token
    if verb is not None:
        yield verb


@dataclass(frozen=True, eq=False, slots=True)
class TicketText:
    """A ticket's weighted terms, ready to compare. ``key`` names its bucket: the subject's terms."""

    ticket: Ticket
    vector: dict[str, float]
    norm: float
    surfaces: dict[str, str]  # term -> spelling, in the order written (subject first)
    subject_terms: tuple[str, ...]
    key: tuple[str, ...]


def analyse(ticket: Ticket, subject_words: Iterable[tuple[str, str]] | None = None) -> TicketText:
    """The ticket's weighted terms (``subject_words``: the subject's words when already read)."""
    surfaces: dict[str, str] = {}
    subject = _weights(
        _words(ticket.subject) if subject_words is None else subject_words, surfaces, limit=None
    )
    opening = ticket.description[:DESCRIPTION_CHARS]
    described = _weights(_words(opening), surfaces, limit=DESCRIPTION_TERMS)
    # The description's terms together weigh DESCRIPTION_SHARE of the subject's (all of it when the
    # subject has no words), however long it is: it can confirm a subject, never replace it.
    scale = (DESCRIPTION_SHARE * _norm(subject) if subject else 1.0) / (_norm(described) or 1.0)
    vector = dict(subject)
    for term, weight in described.items():
        vector[term] = vector.get(term, 0.0) + weight * scale
    subject_terms = tuple(sorted(subject))
    # A subject without words ("Help!!") borrows the description's first words as its bucket key.
    key = subject_terms or tuple(sorted(list(described)[:3]))
    return TicketText(ticket, vector, _norm(vector), surfaces, subject_terms, key)


def lookup_terms(
    subject_terms: tuple[str, ...], vector: Mapping[str, float], threshold: float
) -> Iterable[str]:
    """The terms to look a ticket (or bucket) up by in an index of signatures.

    Terms found only in descriptions can give at most DESCRIPTION_BOUND of cosine similarity, so
    above that threshold a match must share a subject term and the subject's terms suffice: the
    index then skips the long, noisy descriptions without losing a single match.
    """
    return subject_terms if subject_terms and threshold > DESCRIPTION_BOUND else vector.keys()


def _weights(
    words: Iterable[tuple[str, str]], surfaces: dict[str, str], *, limit: int | None
) -> dict[str, float]:
    weights: dict[str, float] = {}
    for term, surface in words:
        if term in weights:
            continue
        if len(weights) == limit:
            break
        weights[term] = SYMPTOM_FACTOR if term in _SYMPTOMS else 1.0
        surfaces.setdefault(term, surface)
    return weights


def _norm(vector: Mapping[str, float]) -> float:
    return math.sqrt(sum(weight * weight for weight in vector.values()))


@dataclass(frozen=True)
class Signature:
    """The terms that define a group with unit-length weights; storable as plain (term, weight) pairs."""

    terms: tuple[tuple[str, float], ...]
    # The same pairs split in two, so a comparison runs as one C-level loop (it is the hot path).
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _weights: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_names", tuple(term for term, _ in self.terms))
        object.__setattr__(self, "_weights", tuple(weight for _, weight in self.terms))

    @classmethod
    def of(cls, weights: Mapping[str, float]) -> Signature:
        top = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:SIGNATURE_TERMS]
        norm = _norm(dict(top)) or 1.0
        return cls(tuple((term, weight / norm) for term, weight in top))

    def similarity(self, text: TicketText) -> float:
        """Cosine similarity between the ticket's terms and the signature, from 0 to 1."""
        return self.cosine(text.vector, text.norm)

    def cosine(self, vector: Mapping[str, float], norm: float) -> float:
        if not norm:
            return 0.0
        dot: float = sum(map(mul, self._weights, map(vector.get, self._names, repeat(0.0))))
        return dot / norm

    def matches(self, ticket: Ticket, *, threshold: float = DEFAULT_SIMILARITY) -> bool:
        return self.similarity(analyse(ticket)) >= threshold


def matches(ticket: Ticket, signature: Signature, *, threshold: float = DEFAULT_SIMILARITY) -> bool:
    """Whether a ticket belongs with a group or surge, judged as its members were."""
    return signature.matches(ticket, threshold=threshold)


class SignatureIndex:
    """Signatures indexed by their terms: which of them a ticket matches, without trying each one.

    Above DESCRIPTION_BOUND a match needs a shared subject term, so a ticket whose subject shares
    no indexed term is dismissed before its description is even read.
    """

    def __init__(self, signatures: Sequence[Signature], *, threshold: float = DEFAULT_SIMILARITY) -> None:
        self.signatures = tuple(signatures)
        self.threshold = threshold
        self._by_term: dict[str, list[int]] = defaultdict(list)
        for position, signature in enumerate(self.signatures):
            for term, _ in signature.terms:
                self._by_term[term].append(position)

    def matching(self, ticket: Ticket) -> list[int]:
        """Positions of the signatures the ticket matches, in order."""
        subject = list(_words(ticket.subject))
        shared = any(term in self._by_term for term, _ in subject)
        if self.threshold > DESCRIPTION_BOUND and subject and not shared:
            return []
        text = analyse(ticket, subject)
        terms = lookup_terms(text.subject_terms, text.vector, self.threshold)
        candidates = {position for term in terms for position in self._by_term.get(term, ())}
        return sorted(p for p in candidates if self.signatures[p].similarity(text) >= self.threshold)


@dataclass(frozen=True)
class TicketGroup:
    """Tickets about one issue. ``label`` is for people; ``signature`` decides membership."""

    label: str
    keywords: tuple[str, ...]
    tickets: tuple[Ticket, ...]  # oldest first
    signature: Signature

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(ticket.ref for ticket in self.tickets)

    @property
    def count(self) -> int:
        return len(self.tickets)

    @property
    def first_seen_at(self) -> datetime:
        return self.tickets[0].created_at

    @property
    def last_seen_at(self) -> datetime:
        return self.tickets[-1].created_at


class _Cluster:
    """A group while it grows: summed weights, the top terms (its signature) and its tickets."""

    def __init__(self, bucket: list[TicketText], profile: dict[str, float]) -> None:
        self.members = list(bucket)
        self.weights = dict(profile)
        self.signature = Signature.of(self.weights)

    def absorb(self, bucket: list[TicketText], profile: dict[str, float]) -> None:
        self.members.extend(bucket)
        for term, weight in profile.items():
            self.weights[term] = self.weights.get(term, 0.0) + weight
        # Weights only grow, so the new top terms are among the old ones and those just added.
        touched = {term: self.weights[term] for term, _ in self.signature.terms}
        touched.update((term, self.weights[term]) for term in profile)
        self.signature = Signature.of(touched)


def group_tickets(tickets: Iterable[Ticket], *, similarity: float = DEFAULT_SIMILARITY) -> list[TicketGroup]:
    """Group tickets by subject and description, largest group first (ties by label, then oldest ref).

    The result depends only on the set of tickets, not their order. Tickets without a single
    significant word are left out: they say nothing about which issue they report.
    """
    if not 0.0 < similarity <= 1.0:
        raise ValidationFailed("similarity must be above 0 and at most 1", field="similarity")
    texts = [analyse(ticket) for ticket in _canonical(tickets)]
    buckets: dict[tuple[str, ...], list[TicketText]] = defaultdict(list)
    for text in texts:
        if text.norm:
            buckets[text.key].append(text)
    ordered = sorted(buckets.items(), key=lambda item: (-len(item[1]), item[0]))
    clusters: list[_Cluster] = []
    index: dict[str, set[int]] = defaultdict(set)  # signature term -> clusters, so no all-pairs scan
    for _, bucket in ordered:
        profile = _profile(bucket)
        position = _closest(clusters, index, bucket[0].subject_terms, profile, similarity)
        if position is None:
            clusters.append(_Cluster(bucket, profile))
            position = len(clusters) - 1
        else:
            for term, _ in clusters[position].signature.terms:
                index[term].discard(position)
            clusters[position].absorb(bucket, profile)
        for term, _ in clusters[position].signature.terms:
            index[term].add(position)
    groups = [_finish(cluster) for cluster in clusters]
    return sorted(groups, key=lambda g: (-g.count, g.label, g.first_seen_at, g.refs[0]))


def top_issues(
    tickets: Iterable[Ticket], limit: int = 5, *, similarity: float = DEFAULT_SIMILARITY
) -> list[tuple[str, int]]:
    """F8.6 "top reported issues": (label, ticket count) for the largest groups, most reported first."""
    if limit < 0:
        raise ValidationFailed("the number of top issues cannot be negative", field="limit")
    return [(group.label, group.count) for group in group_tickets(tickets, similarity=similarity)[:limit]]


def latest_by_ref(tickets: Iterable[Ticket]) -> dict[str, Ticket]:
    """One snapshot per ref, the most recently updated, whatever order the snapshots came in."""
    latest: dict[str, Ticket] = {}
    for ticket in tickets:
        kept = latest.get(ticket.ref)
        if kept is None or _freshness(ticket) > _freshness(kept):
            latest[ticket.ref] = ticket
    return latest


def _canonical(tickets: Iterable[Ticket]) -> list[Ticket]:
    """Oldest first, so every later step (and every float sum) sees the same sequence."""
    return sorted(latest_by_ref(tickets).values(), key=lambda t: (t.created_at, t.ref))


def _freshness(ticket: Ticket) -> tuple[datetime, str, str, str, str]:
    # Beyond updated_at only to break ties the same way whatever the order (two edits in one second).
    return (
        ticket.updated_at,
        ticket.subject,
        ticket.description,
        ticket.organization or "",
        ticket.requester,
    )


def _closest(
    clusters: list[_Cluster],
    index: Mapping[str, set[int]],
    subject_terms: tuple[str, ...],
    profile: dict[str, float],
    similarity: float,
) -> int | None:
    """The most similar cluster reaching the threshold; the older one on a tie."""
    norm = _norm(profile)
    terms = lookup_terms(subject_terms, profile, similarity)
    candidates: set[int] = set().union(*(index.get(term, ()) for term in terms))
    scored = [(clusters[c].signature.cosine(profile, norm), -c) for c in candidates]
    score, negated = max(scored, default=(0.0, 0))
    return -negated if score >= similarity else None


def _profile(bucket: list[TicketText]) -> dict[str, float]:
    summed: dict[str, float] = {}
    for text in bucket:
        for term, weight in text.vector.items():
            summed[term] = summed.get(term, 0.0) + weight
    return summed


def _finish(cluster: _Cluster) -> TicketGroup:
    terms = [term for term, _ in cluster.signature.terms]
    spelled: dict[str, Counter[str]] = {term: Counter() for term in terms}
    places: dict[str, list[int]] = {term: [] for term in terms}
    for text in cluster.members:
        # ``surfaces`` keeps first-seen order, subject first: the order customers write the words in.
        for place, (term, surface) in enumerate(text.surfaces.items()):
            if term in spelled:
                spelled[term][surface] += 1
                places[term].append(place)
    words = {term: min(spelled[term].items(), key=lambda item: (-item[1], item[0]))[0] for term in terms}
    heaviest = cluster.signature.terms[0][1]
    strongest = [t for t, w in cluster.signature.terms[:LABEL_TERMS] if w >= LABEL_SHARE * heaviest]
    in_order = sorted(strongest, key=lambda term: (sum(places[term]) / len(places[term]), term))
    members = sorted((text.ticket for text in cluster.members), key=lambda t: (t.created_at, t.ref))
    return TicketGroup(
        label=" ".join(words[term] for term in in_order),
        keywords=tuple(words[term] for term in terms),
        tickets=tuple(members),
        signature=cluster.signature,
    )
