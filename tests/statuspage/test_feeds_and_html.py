"""The Atom and RSS feeds and the HTML page, from stored rows (pure)."""

from __future__ import annotations

from sirf.statuspage.feeds import atom, rss
from sirf.statuspage.html import render_page
from sirf.statuspage.page import PageInfo
from sirf.statuspage.snapshot import Snapshot, build_snapshot
from tests.statuspage.builders import component, parse_xml, post

PAGE = PageInfo("sirf status", "https://status.example.com")
A = "{http://www.w3.org/2005/Atom}"
HOSTILE = '<script>alert("t")</script><a href="javascript:alert(1)">x</a>'
# What a publish could have stored if the sanitiser had let something through.
HOSTILE_HTML = (
    '<p>Hi <a href="javascript:alert(2)">link</a><script>alert(3)</script><img src=x onerror=y></p>'
)


def two_incidents() -> Snapshot:
    posts = [
        post(1, 7, minutes=0, title="Sign-in fails", body="Looking."),
        post(2, 8, minutes=3, title=HOSTILE, html=HOSTILE_HTML),
        post(3, 7, minutes=5, title="Sign-in fails", state="resolved", body="Fixed."),
    ]
    return build_snapshot(posts, [component("web", "degraded-performance", minutes=3)])


def test_atom_has_one_entry_per_update_newest_first() -> None:
    feed = parse_xml(atom(two_incidents(), PAGE))
    assert feed.tag == f"{A}feed"
    assert feed.findtext(f"{A}updated") == "2026-03-02T09:05:00Z"
    assert feed.find(f"{A}author/{A}name") is not None
    entries = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}id") for e in entries] == [
        "https://status.example.com/status#update-3",
        "https://status.example.com/status#update-2",
        "https://status.example.com/status#update-1",
    ]
    first = entries[0]
    assert first.findtext(f"{A}title") == "Sign-in fails (Resolved)"
    assert first.findtext(f"{A}updated") == "2026-03-02T09:05:00Z"
    content = first.find(f"{A}content")
    assert content is not None
    assert content.get("type") == "html"
    assert content.text == "<p>Fixed.</p>"
    link = first.find(f"{A}link")
    assert link is not None
    assert link.get("href") == "https://status.example.com/status#incident-7"


def test_rss_has_one_item_per_update_newest_first() -> None:
    root = parse_xml(rss(two_incidents(), PAGE))
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("link") == "https://status.example.com/status"
    items = channel.findall("item")
    assert [i.findtext("guid") for i in items] == [
        "https://status.example.com/status#update-3",
        "https://status.example.com/status#update-2",
        "https://status.example.com/status#update-1",
    ]
    assert items[0].findtext("pubDate") == "Mon, 02 Mar 2026 09:05:00 GMT"
    assert items[0].findtext("description") == "<p>Fixed.</p>"


def test_empty_feeds_are_valid() -> None:
    empty = build_snapshot([], [])
    assert parse_xml(atom(empty, PAGE)).findall(f"{A}entry") == []
    channel = parse_xml(rss(empty, PAGE)).find("channel")
    assert channel is not None
    assert channel.findall("item") == []


def test_hostile_titles_and_bodies_are_inert_in_feeds() -> None:
    snapshot = two_incidents()
    for raw in (atom(snapshot, PAGE), rss(snapshot, PAGE)):
        assert b"<script" not in raw  # the title is escaped text, never markup
    feed = parse_xml(atom(snapshot, PAGE))
    entry = feed.findall(f"{A}entry")[1]
    assert entry.findtext(f"{A}title") == f"{HOSTILE} (Investigating)"  # kept as text, not dropped
    content = entry.findtext(f"{A}content") or ""
    assert content == '<p>Hi <a rel="noopener noreferrer nofollow">link</a></p>'
    channel = parse_xml(rss(snapshot, PAGE)).find("channel")
    assert channel is not None
    assert channel.findall("item")[1].findtext("description") == content


def test_control_characters_do_not_break_the_xml() -> None:
    snapshot = build_snapshot([post(1, 7, minutes=0, title="bad\x00\x1b title")], [])
    entry = parse_xml(atom(snapshot, PAGE)).find(f"{A}entry")
    assert entry is not None
    assert entry.findtext(f"{A}title") == "bad title (Investigating)"


def test_the_page_shows_active_incidents_components_history_and_feeds() -> None:
    html = render_page(two_incidents(), page_name="sirf status").decode()
    active, rest = html.split('id="components-heading"')
    components, history = rest.split('id="history-heading"')
    assert 'id="incident-8"' in active
    assert 'id="incident-7"' not in active
    assert "Degraded performance" in components
    assert 'id="incident-7"' in history
    assert history.index('id="update-3"') < history.index('id="update-1"')  # newest first
    assert '<time datetime="2026-03-02T09:05:00.000Z">2026-03-02 09:05 UTC</time>' in history
    assert 'href="history.atom"' in html
    assert 'href="history.rss"' in html
    assert 'href="status/style.css"' in html


def test_hostile_titles_and_bodies_are_inert_in_the_page() -> None:
    html = render_page(two_incidents(), page_name="sirf status").decode()
    assert "<script" not in html
    assert 'href="javascript:' not in html
    assert "onerror=" not in html
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in html
    assert "<p>Hi <a" in html  # the sanitised body is kept as HTML
    assert " style=" not in html  # no inline style: the page's CSP forbids it


def test_an_empty_page_says_so() -> None:
    html = render_page(build_snapshot([], []), page_name="sirf status").decode()
    assert "All Systems Operational" in html
    assert "No active incidents." in html
    assert "No past incidents." in html
