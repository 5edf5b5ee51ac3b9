"""Pre-rendered responses: bytes plus every header, computed once per snapshot, never per request.

All of the page is public: any origin may read it (CORS ``*``, GET and HEAD), caches may keep it
for 30 s, and a strong ETag (a hash of the bytes) lets clients revalidate with ``If-None-Match``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sirf.api.middleware import SECURITY_HEADERS

Headers = list[tuple[bytes, bytes]]

JSON_TYPE = b"application/json; charset=utf-8"
ATOM_TYPE = b"application/atom+xml; charset=utf-8"
RSS_TYPE = b"application/rss+xml; charset=utf-8"
HTML_TYPE = b"text/html; charset=utf-8"
CSS_TYPE = b"text/css; charset=utf-8"
# The HTML page loads its own stylesheet and nothing else; the app-wide policy (default-src 'none')
# would block that stylesheet, so these pages carry their own, still without any script.
HTML_POLICY = (
    b"default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
CSP = b"content-security-policy"
# These answers are sent before the app's middleware runs (see routes.py), so they carry the app's
# security headers themselves; the cache policy and, for HTML, the CSP are their own.
SECURITY: Headers = [(k, v) for k, v in SECURITY_HEADERS if k != b"cache-control"]
PUBLIC: Headers = [(b"cache-control", b"public, max-age=30"), (b"access-control-allow-origin", b"*")]


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: bytes
    csp: bytes | None = None  # None: the app-wide policy
    etag: bytes = field(init=False)
    headers: Headers = field(init=False)
    not_modified_headers: Headers = field(init=False)

    def __post_init__(self) -> None:
        etag = b'"' + hashlib.sha256(self.body).hexdigest()[:32].encode() + b'"'
        security = [(k, self.csp if k == CSP and self.csp else v) for k, v in SECURITY]
        common = [(b"etag", etag), *PUBLIC, *security]
        full = [(b"content-type", self.content_type), (b"content-length", str(len(self.body)).encode())]
        object.__setattr__(self, "etag", etag)
        object.__setattr__(self, "headers", full + common)
        object.__setattr__(self, "not_modified_headers", common)


def html_document(body: bytes) -> Document:
    return Document(body, HTML_TYPE, csp=HTML_POLICY)


PREFLIGHT: Headers = [
    *SECURITY,
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
    (b"access-control-allow-headers", b"If-None-Match, If-Modified-Since, Cache-Control"),
    (b"access-control-max-age", b"86400"),
    (b"allow", b"GET, HEAD, OPTIONS"),
    (b"content-length", b"0"),
]
UNAVAILABLE_BODY = json.dumps(
    {
        "type": "https://sirf.dev/problems/unavailable",
        "title": "Status page unavailable",
        "status": 503,
        "detail": "the status page has not been loaded yet and the database does not answer; retry shortly",
        "code": "unavailable",
    }
).encode()
UNAVAILABLE: Headers = [
    (b"content-type", b"application/problem+json"),
    (b"content-length", str(len(UNAVAILABLE_BODY)).encode()),
    (b"retry-after", b"1"),
    (b"cache-control", b"no-store"),
    (b"access-control-allow-origin", b"*"),
    *SECURITY,
]
NOT_ALLOWED_BODY = json.dumps(
    {
        "type": "https://sirf.dev/problems/method_not_allowed",
        "title": "Method not allowed",
        "status": 405,
        "detail": "the status page is read-only: use GET or HEAD",
        "code": "method_not_allowed",
    }
).encode()
NOT_ALLOWED: Headers = [
    (b"content-type", b"application/problem+json"),
    (b"content-length", str(len(NOT_ALLOWED_BODY)).encode()),
    (b"allow", b"GET, HEAD, OPTIONS"),
    (b"cache-control", b"no-store"),
    *SECURITY,
]


def etag_matches(header: bytes, etag: bytes) -> bool:
    """``If-None-Match`` uses the weak comparison (RFC 9110 13.1.2): ``W/`` is ignored; ``*`` matches."""
    for candidate in header.split(b","):
        tag = candidate.strip()
        if tag == b"*" or tag.removeprefix(b"W/") == etag:
            return True
    return False
