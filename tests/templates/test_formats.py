"""Markdown to text and HTML: readable text, and HTML with no way to run script."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sirf.rendering.formats import LINK_REL, to_html, to_text
from sirf.templates.context import TemplateContext
from sirf.templates.registry import TEMPLATES

HOSTILE = [
    "<script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](data:image/png;base64,iVBORw0KGgo=)",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x3C;script&#x3E;",
    "[a [b](javascript:alert(1))](https://ok.example)",
    "[[x](javascript:alert(1))](javascript:alert(2))",
    '[ok](https://ok.example "t" onclick=alert(1))',
    '[ok](https://ok.example" onmouseover="alert(1))',
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "<!-- <script>alert(1)</script> -->",
    "**[x](javascript:alert(1))**",
]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def parsed(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _Collector()
    collector.feed(html)
    return collector.tags


def assert_harmless(html: str) -> None:
    assert "<script" not in html.lower()
    for tag, attrs in parsed(html):
        assert tag not in {"script", "style", "iframe", "svg", "img", "object", "embed"}
        for name, value in attrs:
            assert not name.lower().startswith("on"), (tag, name)
            assert name in {"href", "title", "rel", "start"}, (tag, name)
            if name == "href":
                scheme = (value or "").strip().lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), value


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_yields_harmless_html(markdown: str) -> None:
    assert_harmless(to_html(markdown))


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_yields_plain_text(markdown: str) -> None:
    text = to_text(markdown)
    assert text.endswith("\n")


@settings(max_examples=200)
@given(
    st.lists(st.sampled_from([*"<>/\"'=&#;:()[]!*_`\n ", "script", "onerror", "javascript", "a"])).map(
        "".join
    )
)
def test_random_markup_yields_harmless_html(markdown: str) -> None:
    assert_harmless(to_html(markdown))


def test_links_are_kept_with_safe_rel() -> None:
    html = to_html("[status](https://status.example/incidents/42)")
    assert parsed(html) == [
        ("p", []),
        ("a", [("href", "https://status.example/incidents/42"), ("rel", LINK_REL)]),
    ]


def test_images_show_their_alt_text_only() -> None:
    assert to_html("![chart <b>](https://x.example/c.png)") == "<p>chart &lt;b&gt;</p>\n"


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_plain_text_has_no_markdown_left(name: str, full: TemplateContext, minimal: TemplateContext) -> None:
    for context in (minimal, full):
        text = to_text(TEMPLATES[name].render(context))
        assert "**" not in text
        assert "##" not in text
        assert "[[TODO:" in text or context is full  # blanks stay visible in every format


def test_plain_text_keeps_structure_readable() -> None:
    markdown = (
        "## Incident #1 - Title\n**Status:** In Progress\n\n### Actions\n- first\n- [docs](https://d.example)\n"
        "\n1. one\n2. two\n\n> quoted *text*\n"
    )
    assert to_text(markdown) == (
        "Incident #1 - Title\n===================\n\nStatus: In Progress\n\nActions\n-------\n\n"
        "- first\n- docs (https://d.example)\n\n1. one\n2. two\n\n> quoted text\n"
    )


def test_template_html_keeps_fields_on_their_own_lines(full: TemplateContext) -> None:
    html = to_html(TEMPLATES["initial"].render(full))
    assert "<strong>Status:</strong> Resolved<br>" in html
    assert "<h3>Customer Impact</h3>" in html
