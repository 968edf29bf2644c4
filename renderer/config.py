"""Read ``_quarto.yml``: the website's structure and the format options it sets.

Supported keys (anything else is ignored, as it would only change Quarto's
own output): ``project.type`` (must be ``website``), ``project.output-dir``,
``project.render``, ``project.resources``; ``website.title``,
``website.navbar.left/right``, ``website.search`` (on unless false),
``website.sidebar.contents`` (with nested ``section``),
``website.page-navigation``, ``website.page-footer``;
``format.html`` and ``format.typst`` options; top-level ``execute``.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ConfigError

# Folders Quarto never looks into for documents to render.
_IGNORED_DIRS = {"node_modules", "renv", "venv", "env", "site-packages", "__pycache__"}


@dataclass(frozen=True)
class NavItem:
    """A link (``href`` set) or a titled group (``children`` set)."""

    text: str | None = None
    href: str | None = None
    children: tuple = ()


@dataclass(frozen=True)
class Project:
    """What ``_quarto.yml`` says, with paths resolved against ``root``."""

    root: Path
    title: str
    output_dir: str
    render: tuple
    resources: tuple
    navbar_left: tuple
    navbar_right: tuple
    sidebar: tuple
    page_navigation: bool
    page_footer: str | None
    formats: dict = field(default_factory=dict)
    execute: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    # Where ``resources`` are read from and generated into: the project folder, unless a
    # build has its own (two builds at once must not publish each other's generated files).
    resource_root: Path | None = None

    @property
    def resources_from(self) -> Path:
        return self.resource_root if self.resource_root is not None else self.root

    def documents(self) -> list[Path]:
        """Project-relative ``.qmd`` paths to render, in a stable order.

        ``project.render`` wins when present (globs, ``!`` excludes); otherwise,
        as Quarto does, every ``.qmd`` not in a folder or file starting with
        ``_`` or ``.``.
        """
        if self.render:
            include = [p for p in self.render if not p.startswith("!")]
            exclude = [p[1:] for p in self.render if p.startswith("!")]
            found: list[Path] = []
            for pattern in include:
                matches = sorted(self.root.glob(pattern))
                if not matches and not any(ch in pattern for ch in "*?["):
                    raise ConfigError(f"_quarto.yml: project.render lists {pattern!r}, which does not exist")
                for match in matches:
                    rel = match.relative_to(self.root)
                    if match.suffix == ".qmd" and rel not in found and not any(
                            fnmatch.fnmatch(rel.as_posix(), ex.rstrip("/")) or rel.as_posix().startswith(ex)
                            for ex in exclude):
                        found.append(rel)
            return found
        found = []
        for path in sorted(self.root.rglob("*.qmd")):
            rel = path.relative_to(self.root)
            if any(part.startswith(("_", ".")) or part in _IGNORED_DIRS for part in rel.parts):
                continue
            if rel.parts[0] == self.output_dir:
                continue
            found.append(rel)
        return found


def _nav_items(entries, where: str) -> tuple:
    items = []
    for entry in entries or []:
        if isinstance(entry, str):
            items.append(NavItem(href=entry))
        elif isinstance(entry, dict):
            if "contents" in entry or "menu" in entry:
                children = entry.get("contents", entry.get("menu"))
                if isinstance(children, str):
                    raise ConfigError(f"_quarto.yml: {where}: 'contents: {children}' (auto listing) is not "
                                      f"supported by the builtin renderer; list the pages explicitly")
                items.append(NavItem(text=entry.get("section", entry.get("text")),
                                     href=entry.get("href"), children=_nav_items(children, where)))
            elif "href" in entry or "file" in entry:
                items.append(NavItem(text=entry.get("text"), href=entry.get("href", entry.get("file"))))
            else:
                raise ConfigError(f"_quarto.yml: {where}: item {entry!r} needs an 'href'")
        else:
            raise ConfigError(f"_quarto.yml: {where}: item {entry!r} must be a path or a mapping")
    return tuple(items)


def _format_options(raw_format) -> dict:
    """``format:`` as ``{name: options}``; Quarto allows a bare name or a list too."""
    if raw_format is None:
        return {}
    if isinstance(raw_format, str):
        return {raw_format: {}}
    if isinstance(raw_format, list):
        return {str(name): {} for name in raw_format}
    if isinstance(raw_format, dict):
        return {str(name): (opts if isinstance(opts, dict) else {}) for name, opts in raw_format.items()}
    raise ConfigError(f"format: {raw_format!r} must be a name or a mapping of names to options")


def format_options(raw_format) -> dict:
    """Public form of the ``format:`` normaliser, used for front matter too."""
    return _format_options(raw_format)


def load_project(root: Path) -> Project:
    """Read ``<root>/_quarto.yml``.

    Raises
    ------
    ConfigError
        The file is missing, is not YAML, or is not a ``website`` project.
    """
    root = Path(root).resolve()
    config_path = root / "_quarto.yml"
    if not config_path.is_file():
        raise ConfigError(f"{root}: no _quarto.yml here; the renderer needs a Quarto project folder")
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{config_path}: not valid YAML: {error}") from error
    project = raw.get("project") or {}
    kind = project.get("type", "default")
    if kind != "website":
        raise ConfigError(f"{config_path}: project type is {kind!r}; the builtin renderer builds 'website' projects")
    website = raw.get("website") or {}
    navbar = website.get("navbar") or {}
    sidebar = website.get("sidebar") or {}
    if isinstance(sidebar, list):  # Quarto allows several sidebars; the first is the site's.
        sidebar = sidebar[0] if sidebar else {}
    footer = website.get("page-footer")
    if isinstance(footer, dict):
        footer = " ".join(str(footer[k]) for k in ("left", "center", "right") if isinstance(footer.get(k), str))

    def as_tuple(value):
        if value is None:
            return ()
        return tuple(value) if isinstance(value, list) else (value,)

    return Project(
        root=root,
        title=str(website.get("title") or raw.get("title") or root.name),
        output_dir=str(project.get("output-dir", "_site")),
        render=tuple(str(p) for p in as_tuple(project.get("render"))),
        resources=tuple(str(p) for p in as_tuple(project.get("resources"))),
        navbar_left=_nav_items(navbar.get("left"), "website.navbar.left"),
        navbar_right=_nav_items(navbar.get("right"), "website.navbar.right"),
        sidebar=_nav_items(sidebar.get("contents"), "website.sidebar.contents"),
        page_navigation=bool(website.get("page-navigation", True)),
        page_footer=str(footer) if footer else None,
        formats=_format_options(raw.get("format") or {"html": {}}),
        execute=dict(raw.get("execute") or {}),
        raw=raw,
    )
