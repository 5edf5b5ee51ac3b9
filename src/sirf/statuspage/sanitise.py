"""Text made safe for the public page and its feeds.

``body_html`` was sanitised when the update was published; it is cleaned again here with the same
allow-lists because this page is public and anonymous, and a row may predate today's lists.
XML 1.0 cannot carry most control characters at all, so they are removed before a feed is written.
"""

from __future__ import annotations

import re

import nh3

from sirf.rendering import formats

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(formats.ALLOWED_TAGS),
        clean_content_tags=set(formats.DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in formats.ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(formats.ALLOWED_URL_SCHEMES),
        link_rel=formats.LINK_REL,
        strip_comments=True,
    )


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)
