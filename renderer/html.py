"""Pandoc AST to a website page: navbar, sidebar, table of contents, previous/next links.

Every asset (CSS, JS) is copied from ``renderer/templates`` into the site, so
a page fetches nothing from the network.
"""
from __future__ import annotations

import html
import json
import os
import shutil
from pathlib import Path, PurePosixPath
from string import Template

from .config import NavItem
from .pandoc import run_pandoc
from .site_map import Page, SiteMap

TEMPLATES = Path(__file__).parent / "templates"
ASSET_DIR = "site_libs/renderer"
_SPLIT = "<!--renderer:split-->"


def copy_assets(site_dir: Path) -> None:
    """Copy the site's stylesheet and script into ``site_libs/renderer``."""
    target = site_dir / ASSET_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name in ("site.css", "site.js", "search.js"):
        shutil.copyfile(TEMPLATES / name, target / name)


def _fragment(ast: dict, toc: bool, toc_depth: int, what: str) -> tuple[str, str, str]:
    """Body HTML, table of contents HTML and syntax-highlighting CSS from one Pandoc run."""
    args = ["-f", "json", "-t", "html5", "--section-divs", "--mathml", "--wrap=none",
            f"--template={TEMPLATES / 'fragment.html'}"]
    if toc:
        args += ["--toc", f"--toc-depth={toc_depth}"]
    out = run_pandoc(args, json.dumps(ast), what)
    highlighting, toc_html, body = out.split(_SPLIT)
    return body.strip(), toc_html.strip(), highlighting.strip()


def search_enabled(site: SiteMap) -> bool:
    """Quarto turns website search on unless ``website.search`` is ``false``."""
    return ((site.project.raw.get("website") or {}).get("search", True)) is not False


def _search_box(prefix: str) -> tuple[str, str]:
    """The navbar's search form and the scripts it needs (Fuse.js from site_libs, then ours)."""
    form = (f'<form class="navbar-search" role="search" data-site-root="{html.escape(prefix)}">'
            '<input type="search" class="search-input" placeholder="Search" aria-label="Search the site" '
            'autocomplete="off" spellcheck="false">'
            '<ul class="search-results" aria-label="Search results" aria-live="polite" hidden></ul></form>')
    scripts = (f'<script src="{html.escape(prefix)}site_libs/fuse/fuse.min.js" defer></script>'
               f'<script src="{html.escape(prefix)}{ASSET_DIR}/search.js" defer></script>')
    return form, scripts


def _link(site: SiteMap, item: NavItem, page: Page, css_class: str) -> str:
    href = site.resolve(item.href, page.primary)
    target = site.page_for(item.href)
    active = " active" if target is not None and target.source == page.source else ""
    current = ' aria-current="page"' if active else ""
    return (f'<a class="{css_class}{active}" href="{html.escape(href)}"{current}>'
            f"{html.escape(site.text_for(item))}</a>")


def _navbar_items(site: SiteMap, items, page: Page) -> str:
    out = []
    for item in items:
        if item.children:
            inner = "".join(f"<li>{_link(site, child, page, 'nav-link')}</li>"
                            for child in item.children if child.href)
            out.append(f'<li class="nav-menu"><span class="nav-menu-title">{html.escape(item.text or "")}</span>'
                       f"<ul>{inner}</ul></li>")
        elif item.href:
            out.append(f"<li>{_link(site, item, page, 'nav-link')}</li>")
    return "".join(out)


def _sidebar_items(site: SiteMap, items, page: Page) -> str:
    out = []
    for item in items:
        if item.children:
            heading = (_link(site, item, page, "sidebar-section-link") if item.href
                       else f'<span class="sidebar-section-title">{html.escape(item.text or "")}</span>')
            out.append(f'<li class="sidebar-section">{heading}<ul>'
                       f"{_sidebar_items(site, item.children, page)}</ul></li>")
        elif item.href:
            out.append(f"<li>{_link(site, item, page, 'sidebar-link')}</li>")
    return "".join(out)


def _page_navigation(site: SiteMap, page: Page) -> str:
    order = site.reading_order()
    if page not in order:
        return ""
    index = order.index(page)
    parts = []
    if index > 0:
        prev = order[index - 1]
        href = html.escape(site.resolve(prev.source, page.primary))
        parts.append(f'<a class="nav-page nav-page-previous" rel="prev" href="{href}">'
                     f'<span class="nav-page-label">Previous</span>'
                     f'<span class="nav-page-text">{html.escape(prev.title)}</span></a>')
    if index < len(order) - 1:
        nxt = order[index + 1]
        href = html.escape(site.resolve(nxt.source, page.primary))
        parts.append(f'<a class="nav-page nav-page-next" rel="next" href="{href}">'
                     f'<span class="nav-page-label">Next</span>'
                     f'<span class="nav-page-text">{html.escape(nxt.title)}</span></a>')
    return f'<nav class="page-navigation" aria-label="Pages">{"".join(parts)}</nav>' if parts else ""


def render_page(site: SiteMap, page: Page, ast: dict, options: dict, out_path: Path, front_matter: dict) -> None:
    """Write one complete HTML page for ``page`` to ``out_path``."""
    toc = bool(options.get("toc", False))
    body, toc_html, highlighting = _fragment(ast, toc, int(options.get("toc-depth", 3)), page.source)
    root = os.path.relpath(".", start=str(PurePosixPath(page.primary).parent)).replace(os.sep, "/")
    prefix = "" if root == "." else root + "/"
    sidebar = _sidebar_items(site, site.project.sidebar, page)
    extra_css = "".join(
        f'<link rel="stylesheet" href="{html.escape(prefix + css)}">'
        for css in ([options["css"]] if isinstance(options.get("css"), str) else options.get("css") or []))
    subtitle = front_matter.get("subtitle")
    description = front_matter.get("description")
    header = f'<h1 class="title">{html.escape(page.title)}</h1>'
    if subtitle:
        header += f'<p class="subtitle">{html.escape(str(subtitle))}</p>'
    if description:
        header += f'<p class="description">{html.escape(str(description))}</p>'
    toc_title = html.escape(str(options.get("toc-title", "On this page")))
    toc_block = (f'<nav id="TOC" class="toc" aria-label="On this page"><h2>{toc_title}</h2>{toc_html}</nav>'
                 if toc and toc_html else "")
    footer = site.project.page_footer
    search, scripts = _search_box(prefix) if search_enabled(site) else ("", "")
    template = Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(template.substitute(
        page_title=html.escape(f"{page.title} – {site.project.title}" if page.title != site.project.title
                               else page.title),
        site_title=html.escape(site.project.title),
        home=html.escape(site.resolve("index.qmd" if "index.qmd" in site.pages else next(iter(site.pages)),
                                      page.primary)),
        assets=prefix + ASSET_DIR,
        extra_css=extra_css,
        scripts=scripts,
        search=search,
        highlighting=highlighting,
        navbar_left=_navbar_items(site, site.project.navbar_left, page),
        navbar_right=_navbar_items(site, site.project.navbar_right, page),
        sidebar=f'<nav id="sidebar" class="sidebar" aria-label="Site"><ul>{sidebar}</ul></nav>' if sidebar else "",
        layout_class=" has-sidebar" if sidebar else "",
        toc=toc_block,
        toc_class=" has-toc" if toc_block else "",
        header=header,
        body=body,
        page_navigation=_page_navigation(site, page) if site.project.page_navigation else "",
        footer=f'<footer class="page-footer">{html.escape(footer)}</footer>' if footer else "",
    ), encoding="utf-8")
