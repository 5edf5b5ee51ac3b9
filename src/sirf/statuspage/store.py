"""Reading the published rows. Two cheap queries tell whether anything changed (the version stamp);
only then is the page's content loaded: first the post index, then the chosen incidents' posts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from sirf.adapters.db import comms_tables as ct
from sirf.statuspage.rows import ComponentRow, PostIndex, PostRow, Published
from sirf.statuspage.selection import choose

_CHUNK = 500  # ids per IN (...) list, far below every driver's parameter limit


def read_stamp(connection: Connection) -> str:
    """Changes whenever a post is added or a component changes; posts are never edited."""
    p, c = ct.status_page_posts, ct.status_page_components
    newest, count = connection.execute(select(func.max(p.c.id), func.count()).select_from(p)).one()
    rows = connection.execute(select(c.c.name, c.c.status, c.c.updated_at).order_by(c.c.name)).all()
    digest = hashlib.sha256(repr([(name, status, str(at)) for name, status, at in rows]).encode())
    return f"{newest or 0}-{count}-{digest.hexdigest()[:16]}"


def load_published(connection: Connection) -> Published:
    p = ct.status_page_posts
    query = select(p.c.id, p.c.incident_id, p.c.public_state, p.c.published_at)
    index = [PostIndex(*row) for row in connection.execute(query)]
    wanted = sorted(choose(index).needed)
    posts: list[PostRow] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = connection.execute(select(p).where(p.c.incident_id.in_(chunk))).mappings()
        posts.extend(_post(row) for row in rows)
    return Published(tuple(posts), tuple(_components(connection)))


def _post(row: Any) -> PostRow:
    return PostRow(
        id=row["id"],
        incident_id=row["incident_id"],
        title=row["title"],
        severity=row["severity"],
        public_state=row["public_state"],
        components=dict(row["components"] or {}),
        body_markdown=row["body_markdown"],
        body_html=row["body_html"],
        published_at=row["published_at"],
    )


def _components(connection: Connection) -> Iterable[ComponentRow]:
    c = ct.status_page_components
    for row in connection.execute(select(c.c.name, c.c.status, c.c.updated_at)):
        yield ComponentRow(row.name, row.status, row.updated_at)
