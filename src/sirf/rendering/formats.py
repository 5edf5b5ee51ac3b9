"""Markdown to plain text (email, ticket replies) and to safe HTML (web pages, rich email).

HTML is made safe twice over: markdown-it's "js-default" preset never passes raw HTML through and
refuses ``javascript:``/``vbscript:``/``file:`` links, then nh3 keeps only a short allow-list of
tags, attributes and URL schemes. Either alone would be one bug away from script injection; the
text comes from people and, through overrides, from installation-edited templates.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from sirf.rendering.plain_text import PlainTextWriter

ALLOWED_TAGS = frozenset(
    [
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "s",
        "del",
        "ul",
        "ol",
        "li",
        "a",
        "code",
        "pre",
        "blockquote",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    ]
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with their content, not just unwrapped: their text is never meant to be shown.
DROPPED_WITH_CONTENT = frozenset({"script", "style"})
LINK_REL = "noopener noreferrer nofollow"


@cache
def _parser() -> MarkdownIt:
    # Single newlines become line breaks, as in chat and issue comments: the handbook's
    # ``**Label:** value`` lines follow each other without blank lines.
    parser = MarkdownIt("js-default", {"breaks": True})
    parser.add_render_rule("image", _image_as_alt_text)
    return parser


def _image_as_alt_text(self: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
    # Updates carry no images; showing the alt text keeps the words without fetching anything.
    token = tokens[index]
    alt = self.renderInlineAsText(token.children or [], options, env)
    return escapeHtml(alt)


def to_html(markdown: str) -> str:
    return _sanitised_html(_parser().parse(markdown))


def to_text(markdown: str) -> str:
    """Plain text with no Markdown syntax left; headings underlined, lists kept as ``-`` / ``1.``."""
    return PlainTextWriter().write(_parser().parse(markdown))


def to_text_and_html(markdown: str) -> tuple[str, str]:
    """Both formats from one parse (parsing is most of the cost of rendering an update)."""
    tokens = _parser().parse(markdown)
    return PlainTextWriter().write(tokens), _sanitised_html(tokens)


def _sanitised_html(tokens: Sequence[Token]) -> str:
    parser = _parser()
    rendered = parser.renderer.render(tokens, parser.options, {})
    return nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
