"""The in-memory snapshot every public request is answered from.

A request looks at the clock; at most once per ``interval`` one request checks the version stamp
(two small queries, in a worker thread so the event loop never waits on the database) and, when
it changed, the snapshot is rebuilt and every document re-rendered before it replaces the old one.
Requests that arrive meanwhile are answered from the current snapshot without waiting.

When the database fails, the last good snapshot keeps being served and the failure is logged once
(and its recovery once). Before any snapshot exists, the caller gets None and answers 503.

Documents embed absolute URLs built from the request's host, so they are rendered per base URL,
once per snapshot. At most ``max_bases`` hosts get their own; past that, requests get the
documents for the server's own address (``fallback_url``), so made-up Host headers can neither
grow memory, evict the real host's documents nor make every request render.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy.exc import DBAPIError

from sirf.adapters.db.engine import Database
from sirf.services.ports import Clock
from sirf.statuspage import documents, feeds
from sirf.statuspage.html import render_page
from sirf.statuspage.page import HTML_PATH, PAGE_NAME, PageInfo
from sirf.statuspage.responses import ATOM_TYPE, JSON_TYPE, RSS_TYPE, Document, html_document
from sirf.statuspage.snapshot import Snapshot, build_snapshot
from sirf.statuspage.store import load_published, read_stamp

log = logging.getLogger("sirf.statuspage")

Documents = Mapping[str, Document]


@dataclass(frozen=True)
class _Built:
    stamp: str
    snapshot: Snapshot
    html: Document
    by_base: dict[str, Documents] = field(default_factory=dict)


def render_documents(snapshot: Snapshot, page: PageInfo, html: Document) -> Documents:
    rendered = {
        path: Document(body, JSON_TYPE) for path, body in documents.json_documents(snapshot, page).items()
    }
    rendered[feeds.ATOM_PATH] = Document(feeds.atom(snapshot, page), ATOM_TYPE)
    rendered[feeds.RSS_PATH] = Document(feeds.rss(snapshot, page), RSS_TYPE)
    rendered[HTML_PATH] = html
    return rendered


class SnapshotCache:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        page_name: str = PAGE_NAME,
        interval: timedelta = timedelta(seconds=1),
        max_bases: int = 8,
    ) -> None:
        self.database = database  # read .engine on every check: it may be replaced (tests, reconnects)
        self.clock = clock
        self.page_name = page_name
        self.interval = interval
        self.max_bases = max_bases
        self._built: _Built | None = None
        self._checked_at: datetime | None = None
        self._checking = False  # touched only on the event loop: lets other requests skip the wait
        self._lock = threading.Lock()  # one check or rebuild at a time, whichever thread runs it
        self._failing = False

    async def documents(self, base_url: str, fallback_url: str) -> Documents | None:
        if self._due(self.clock.now()) and (self._built is None or not self._checking):
            self._checking = True
            try:
                await anyio.to_thread.run_sync(self.refresh)
            finally:
                self._checking = False
        built = self._built
        return None if built is None else self._for_base(built, base_url, fallback_url)

    def refresh(self) -> None:
        """Check the stamp and rebuild if it changed (blocking; at most once per interval)."""
        with self._lock:
            now = self.clock.now()
            if not self._due(now):
                return
            try:
                self._built = self._rebuilt(self._built)
            except DBAPIError as exc:
                self._failed("the database is unavailable (%s)", type(exc).__name__)
            except Exception:  # a bug must not take the page down either; the traceback is logged once
                self._failed("rebuilding the snapshot failed", exc_info=True)
            else:
                if self._failing:
                    log.info("status page: the snapshot is current again")
                    self._failing = False
            finally:
                self._checked_at = now

    def _due(self, now: datetime) -> bool:
        last = self._checked_at
        # A clock that stepped backwards counts as due, so a wall-clock jump cannot freeze the page.
        return last is None or not timedelta(0) <= now - last < self.interval

    def _rebuilt(self, old: _Built | None) -> _Built:
        with self.database.engine.connect() as connection, connection.begin():
            # The stamp is read first: data loaded after it is at least as new, never older.
            stamp = read_stamp(connection)
            if old is not None and old.stamp == stamp:
                return old
            published = load_published(connection)
        snapshot = build_snapshot(published.posts, published.components)
        html = html_document(render_page(snapshot, page_name=self.page_name))
        built = _Built(stamp, snapshot, html)
        for base in tuple(old.by_base) if old else ():
            built.by_base[base] = render_documents(snapshot, self._page(base), html)
        return built

    def _for_base(self, built: _Built, base_url: str, fallback_url: str) -> Documents:
        found = built.by_base.get(base_url)
        if found is not None:
            return found
        if len(built.by_base) >= self.max_bases:
            base_url = fallback_url
            found = built.by_base.get(base_url)
            if found is not None:
                return found
        found = render_documents(built.snapshot, self._page(base_url), built.html)
        built.by_base[base_url] = found
        return found

    def _page(self, base_url: str) -> PageInfo:
        return PageInfo(self.page_name, base_url)

    def _failed(self, message: str, *args: object, exc_info: bool = False) -> None:
        if self._failing:
            return
        self._failing = True
        serving = "serving the last good snapshot" if self._built else "answering 503 until it loads"
        log.warning("status page: " + message + "; %s", *args, serving, exc_info=exc_info)
