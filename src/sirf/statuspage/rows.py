"""What the status page is built from: the rows the built-in page stores when a public update is
published (``status_page_posts``, ``status_page_components``), as plain typed values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PostRow:
    """One published public update, with the incident's title and severity as they were published."""

    id: int
    incident_id: int
    title: str
    severity: int
    public_state: str
    components: Mapping[str, str]
    body_markdown: str
    body_html: str
    published_at: datetime


@dataclass(frozen=True)
class PostIndex:
    """The few columns of a post needed to choose which incidents the page lists."""

    id: int
    incident_id: int
    public_state: str
    published_at: datetime


@dataclass(frozen=True)
class ComponentRow:
    name: str
    status: str
    updated_at: datetime


@dataclass(frozen=True)
class Published:
    posts: tuple[PostRow, ...]
    components: tuple[ComponentRow, ...]


def index_of(post: PostRow) -> PostIndex:
    return PostIndex(post.id, post.incident_id, post.public_state, post.published_at)
