"""A data-source URL safe to print: no password, token or other secret ever reaches a page.

``postgres://analyst:s3cret@db.example.com/shop#customers`` is shown as
``postgres://db.example.com/shop#customers``: the whole user-info part goes (a
user name alone can be sensitive too), and query parameters whose name says
secret (password, token, key, ...) keep their name with the value replaced.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|auth|credential|signature", re.IGNORECASE)
REDACTED = "REDACTED"


def public_url(url: str) -> str:
    """``url`` without credentials (see the module docstring); anything unparsable becomes its scheme only."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return str(url).split(":", 1)[0] + "://(unparsable URL)"
    host = parts.netloc.rpartition("@")[2]
    query = urlencode([(name, REDACTED if SECRET_PARAMETER.search(name) else value)
                       for name, value in parse_qsl(parts.query, keep_blank_values=True)], safe="/")
    text = urlunsplit((parts.scheme, host, parts.path, query, parts.fragment)) or str(url)
    if not host and str(url).startswith(f"{parts.scheme}://"):  # duckdb:///file.db keeps its three slashes
        text = f"{parts.scheme}://{text[len(parts.scheme) + 1:]}"
    return text


# A URL ends before whitespace, quotes or brackets, and never on the punctuation after it.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"()]*[^\s'\"():,.;]")


def scrub_urls(text: str) -> str:
    """``text`` with every URL in it passed through :func:`public_url`: for error messages,
    which may quote the URL a user typed or an engine's own connection error."""
    return _URL_IN_TEXT.sub(lambda match: public_url(match.group(0)), str(text))
