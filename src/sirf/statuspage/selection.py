"""Which incidents and updates the page shows. Statuspage's ``incidents.json`` lists the 50 most
recent incidents plus every unresolved one; the feeds carry the most recent updates. The same rule
runs on the post index before loading (so only those incidents' posts are read) and again in the
builder, which makes the builder's output independent of how much the loader read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sirf.domain.public_state import PublicState
from sirf.statuspage.rows import PostIndex

INCIDENT_LIMIT = 50
FEED_LIMIT = 50


@dataclass(frozen=True)
class Selection:
    listed: frozenset[int]  # incident ids for incidents.json and the page
    unresolved: frozenset[int]
    feed: tuple[int, ...]  # post ids, newest first
    feed_incidents: frozenset[int]

    @property
    def needed(self) -> frozenset[int]:
        """Every incident whose posts the page needs (listed ones and those the feeds mention)."""
        return self.listed | self.feed_incidents


def choose(
    index: Iterable[PostIndex], *, incident_limit: int = INCIDENT_LIMIT, feed_limit: int = FEED_LIMIT
) -> Selection:
    posts = sorted(index, key=_chronological)
    first: dict[int, PostIndex] = {}
    latest: dict[int, PostIndex] = {}
    for post in posts:
        first.setdefault(post.incident_id, post)
        latest[post.incident_id] = post
    unresolved = {i for i, post in latest.items() if post.public_state != PublicState.RESOLVED.value}
    newest = sorted(first, key=lambda i: _chronological(first[i]), reverse=True)[:incident_limit]
    feed = posts[::-1][:feed_limit]
    return Selection(
        listed=frozenset(unresolved | set(newest)),
        unresolved=frozenset(unresolved),
        feed=tuple(post.id for post in feed),
        feed_incidents=frozenset(post.incident_id for post in feed),
    )


def _chronological(post: PostIndex) -> tuple[object, int]:
    return (post.published_at, post.id)
