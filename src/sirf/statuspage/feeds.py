"""History feeds: Atom 1.0 (RFC 4287) and RSS 2.0, one entry per published update, newest first.

Written with ElementTree, so every title and body is escaped by the serialiser; the body is the
sanitised HTML, carried as escaped text (Atom ``type="html"``, RSS ``description``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from sirf.statuspage.page import PageInfo
from sirf.statuspage.sanitise import xml_text
from sirf.statuspage.snapshot import PageUpdate, Snapshot

ATOM_PATH = "/history.atom"
RSS_PATH = "/history.rss"
ATOM_NS = "http://www.w3.org/2005/Atom"
# Atom requires <updated> on the feed; a page with nothing published has no date of its own.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
# The RSS feed's self link is an atom:link; ElementTree's prefix table is global, and this is the
# conventional prefix, so registering it once is harmless to anyone else.
ET.register_namespace("atom", ATOM_NS)


def entry_title(update: PageUpdate) -> str:
    return xml_text(f"{update.title} ({update.label})")


def atom(snapshot: Snapshot, page: PageInfo) -> bytes:
    # Plain tag names under an explicit default namespace: ElementTree's own namespace handling
    # would either prefix every tag or refuse the unqualified attributes Atom uses.
    feed = ET.Element("feed", xmlns=ATOM_NS)
    _text(feed, "id", page.base_url + ATOM_PATH)
    _text(feed, "title", xml_text(f"{page.name}: history"))
    _text(feed, "updated", _rfc3339(snapshot.updated_at or NEVER))
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href=page.url)
    ET.SubElement(feed, "link", rel="self", type="application/atom+xml", href=page.base_url + ATOM_PATH)
    _text(ET.SubElement(feed, "author"), "name", xml_text(page.name))
    for update in snapshot.feed:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", page.update_url(update.id))
        _text(entry, "title", entry_title(update))
        _text(entry, "updated", _rfc3339(update.at))
        _text(entry, "published", _rfc3339(update.at))
        link = page.incident_url(update.incident_id)
        ET.SubElement(entry, "link", rel="alternate", type="text/html", href=link)
        _text(entry, "content", xml_text(update.body_html), type="html")
    written: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return written


def rss(snapshot: Snapshot, page: PageInfo) -> bytes:
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", xml_text(f"{page.name}: history"))
    _text(channel, "link", page.url)
    _text(channel, "description", xml_text(f"Status updates published on {page.name}"))
    _text(channel, "language", "en")
    if snapshot.updated_at is not None:
        _text(channel, "lastBuildDate", format_datetime(snapshot.updated_at.astimezone(UTC), usegmt=True))
    self_link = {"href": page.base_url + RSS_PATH, "rel": "self", "type": "application/rss+xml"}
    ET.SubElement(channel, _atom("link"), self_link)
    for update in snapshot.feed:
        item = ET.SubElement(channel, "item")
        _text(item, "title", entry_title(update))
        _text(item, "link", page.incident_url(update.incident_id))
        _text(item, "guid", page.update_url(update.id), isPermaLink="false")
        _text(item, "pubDate", format_datetime(update.at.astimezone(UTC), usegmt=True))
        _text(item, "description", xml_text(update.body_html))
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def _atom(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
