"""Where every document's outputs go, and the titles navigation shows for them."""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import PurePosixPath

from .config import NavItem, Project
from .errors import ConfigError

OUTPUT_SUFFIX = {"html": ".html", "typst": ".pdf"}


@dataclass(frozen=True)
class Page:
    """One rendered document: source path, title, and output path per format (all posix, project-relative)."""

    source: str
    title: str
    outputs: dict

    @property
    def primary(self) -> str:
        """What links to this document point at: its HTML page, else its PDF (as Quarto links them)."""
        return self.outputs.get("html") or next(iter(self.outputs.values()))


class SiteMap:
    """All pages of the site, looked up by source path."""

    def __init__(self, project: Project, pages: list[Page]):
        self.project = project
        self.pages = {page.source: page for page in pages}

    def page_for(self, href: str) -> Page | None:
        return self.pages.get(posixpath.normpath(href.lstrip("/")))

    def resolve(self, href: str, from_page: str) -> str:
        """A navigation ``href`` (project-relative) as a link relative to the page ``from_page``."""
        if "://" in href or href.startswith(("mailto:", "#")):
            return href
        path, _, anchor = href.partition("#")
        target = self.page_for(path)
        if target is not None:
            path = target.primary
        elif path.endswith(".qmd"):
            raise ConfigError(f"_quarto.yml links to {href!r}, which is not one of the rendered documents")
        relative = os.path.relpath(path, start=str(PurePosixPath(from_page).parent)).replace(os.sep, "/")
        return relative + (f"#{anchor}" if anchor else "")

    def rewrite_body_link(self, target: str, source: str) -> str:
        """A link written in ``source``'s markdown to another ``.qmd`` points at that page's output."""
        if "://" in target or target.startswith(("#", "mailto:")):
            return target
        path, _, anchor = target.partition("#")
        if not path.endswith(".qmd"):
            return target
        project_path = posixpath.normpath(posixpath.join(str(PurePosixPath(source).parent), path))
        page = self.page_for(project_path)
        if page is None:
            return target
        return self.resolve(page.source + (f"#{anchor}" if anchor else ""), self.pages[source].primary)

    def text_for(self, item: NavItem) -> str:
        if item.text:
            return item.text
        page = self.page_for(item.href or "")
        if page is not None:
            return page.title
        return item.href or ""

    def reading_order(self) -> list[Page]:
        """HTML pages in the order previous/next links follow: the sidebar's, else the navbar's."""
        hrefs: list[str] = []

        def walk(items):
            for item in items:
                if item.href:
                    hrefs.append(item.href)
                walk(item.children)

        walk(self.project.sidebar or (self.project.navbar_left + self.project.navbar_right))
        ordered = []
        for href in hrefs:
            page = self.page_for(href)
            if page is not None and "html" in page.outputs and page not in ordered:
                ordered.append(page)
        return ordered
