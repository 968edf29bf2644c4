"""Text from data or the file system, made literal inside HTML (element content and quoted attributes)."""
from __future__ import annotations

import html


def html_text(value: object) -> str:
    """``value`` escaped for HTML text and double- or single-quoted attributes.

    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(value), quote=True)
