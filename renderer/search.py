"""``search.json``: the site's search index, in the shape Quarto's website search reads.

Quarto (``website-search.ts``) indexes each rendered page after it is written:
the title from ``h1.title``, one entry for the page (text outside the level-2
sections, ``section: ""``) and one entry per ``section.level2`` with an id
(``href#id``, ``section`` = its ``h2``). Titles, navigation and the table of
contents are not indexed; text is HTML-escaped. Each entry is
``{objectID, href, title, section, text, crumbs}``. This module does the same
from our own pages, so the same search script works on either site.
"""
from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from pathlib import Path

from .config import NavItem

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Inside <main>, these never hold searchable text (Quarto removes the title block, scripts, styles).
_SKIPPED = {"script", "style", "nav", "button"}
# Tags that end a line of text: without a break, "a</p><p>b" would index as "ab".
_BLOCKS = {"p", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td", "th", "br", "pre",
           "figure", "figcaption", "table", "caption", "ul", "ol", "dt", "dd", "blockquote", "math"}


class _PageText(HTMLParser):
    """Collects the text of ``<main>``: per level-2 section, and the rest of the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []  # (tag, role): role is "main", "section:<id>", "h2", "skip" or ""
        self.title: list[str] = []
        self.page: list[str] = []
        self.sections: dict[str, dict] = {}
        self.order: list[str] = []

    def _roles(self) -> list[str]:
        return [role for _tag, role in self.stack]

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self.handle_data("\n")
        if tag in _VOID:
            return
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        role = ""
        if tag == "main":
            role = "main"
        elif tag == "h1" and "title" in classes:
            role = "title"
        elif tag in _SKIPPED or (tag == "header" and "page-header" in classes):
            role = "skip"
        elif tag == "section" and "level2" in classes and attributes.get("id"):
            role = f"section:{attributes['id']}"
            self.sections[attributes["id"]] = {"title": [], "text": []}
            self.order.append(attributes["id"])
        elif tag == "h2" and any(r.startswith("section:") for r in self._roles()):
            role = "h2"
        self.stack.append((tag, role))

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self.handle_data("\n")
        # Pop to the matching tag; Pandoc's HTML is well formed, this only guards stray closers.
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        roles = self._roles()
        if "title" in roles:
            self.title.append(data)
            return
        if "main" not in roles or "skip" in roles:
            return
        section = next((r.split(":", 1)[1] for r in reversed(roles) if r.startswith("section:")), None)
        if section is None:
            self.page.append(data)
        elif "h2" in roles:
            self.sections[section]["title"].append(data)
        else:
            self.sections[section]["text"].append(data)


def _clean(pieces: list[str]) -> str:
    lines = (" ".join(line.split()) for line in "".join(pieces).splitlines())
    return "\n".join(line for line in lines if line)


def page_entries(page_html: str, href: str, site_title: str, crumbs: list[str]) -> list[dict]:
    """Search entries for one rendered page, in Quarto's ``search.json`` shape."""
    parser = _PageText()
    parser.feed(page_html)
    parser.close()
    title = _clean(parser.title) or site_title
    entries = []

    def add(object_id: str, section: str, text: str) -> None:
        if text:  # Quarto skips empty entries
            entries.append({"objectID": object_id, "href": object_id, "title": title, "section": section,
                            "text": html.escape(text), "crumbs": crumbs})

    add(href, "", _clean(parser.page))
    for section_id in parser.order:
        section = parser.sections[section_id]
        add(f"{href}#{section_id}", _clean(section["title"]), _clean(section["text"]))
    return entries


def sidebar_crumbs(items: tuple, text_for, page_for) -> dict:
    """``{page source: [section titles..., page text]}`` from the sidebar, as Quarto's breadcrumbs."""
    crumbs: dict[str, list[str]] = {}

    def walk(entries: tuple, trail: list[str]) -> None:
        for item in entries:
            item: NavItem
            if item.children:
                walk(item.children, trail + [item.text or ""])
            elif item.href:
                page = page_for(item.href)
                if page is not None and page.source not in crumbs:
                    crumbs[page.source] = [t for t in trail if t] + [text_for(item)]

    walk(items, [])
    return crumbs


def write_search_index(site_dir: Path, site) -> Path:
    """Index every HTML page of ``site`` (a SiteMap) already written under ``site_dir``."""
    crumbs = sidebar_crumbs(site.project.sidebar, site.text_for, site.page_for)
    entries = []
    for page in site.pages.values():
        href = page.outputs.get("html")
        if href is None or not (site_dir / href).is_file():
            continue
        entries.extend(page_entries((site_dir / href).read_text(encoding="utf-8"), href, site.project.title,
                                    crumbs.get(page.source, [page.title])))
    target = site_dir / "search.json"
    target.write_text(json.dumps(entries, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8")
    return target
