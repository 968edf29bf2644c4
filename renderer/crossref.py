"""Number figures, tables and sections, and resolve ``@fig-``, ``@tbl-``, ``@sec-``.

Rules, following Quarto's cross-reference documentation for a website page
(https://quarto.org/docs/authoring/cross-references.html):

* Numbering is per document (websites are not books), in document order,
  starting at 1; figures and tables are counted separately.
* Captions read ``Figure 1: caption`` / ``Table 1: caption``; references read
  ``Figure 1`` / ``Table 1`` / ``Section 2.1`` and link to the target.
* Sections are numbered only with ``number-sections: true``; levels above the
  first one used are dropped, so a page whose sections start at ``##`` numbers
  them 1, 2, ... with ``###`` as 1.1. A reference to an unnumbered section
  shows the section's title. Headings with class ``.unnumbered`` get no number.
* An unresolved reference renders as ``?@fig-x`` (bold) and is reported, as
  Quarto does.

The same filter runs for HTML and Typst, so the PDF and the site agree.
"""
from __future__ import annotations

import re
from typing import Callable

PREFIXES = {"fig": "Figure", "tbl": "Table", "sec": "Section"}
_REF_ID = re.compile(r"^(fig|tbl|sec)-", re.IGNORECASE)


def _text(text: str) -> list:
    out = []
    for i, word in enumerate(text.split(" ")):
        if i:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def stringify(inlines: list) -> str:
    """Plain text of a list of Pandoc inlines."""
    parts = []
    for node in inlines:
        kind = node.get("t")
        if kind == "Str":
            parts.append(node["c"])
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Emph", "Strong", "SmallCaps", "Strikeout", "Underline", "Superscript", "Subscript"):
            parts.append(stringify(node["c"]))
        elif kind in ("Span", "Quoted", "Cite"):
            parts.append(stringify(node["c"][-1]) if kind != "Quoted" else stringify(node["c"][1]))
        elif kind in ("Link", "Image"):
            parts.append(stringify(node["c"][1]))
        elif kind in ("Code", "Math", "RawInline"):
            parts.append(node["c"][1])
    return "".join(parts)


class _Numbering:
    def __init__(self, number_sections: bool):
        self.number_sections = number_sections
        self.counters = {"fig": 0, "tbl": 0}
        self.levels = [0] * 7
        self.targets: dict[str, str] = {}  # id -> what a reference to it reads, e.g. "Figure 2"
        self.duplicates: list[str] = []

    def register(self, ident: str, text: str):
        if ident in self.targets:
            self.duplicates.append(ident)
        self.targets[ident] = text

    def next(self, kind: str) -> int:
        self.counters[kind] += 1
        return self.counters[kind]


def _caption_inlines(kind: str, number: int, caption: list) -> list:
    label = f"{PREFIXES[kind]} {number}"
    return _text(label + ":") + [{"t": "Space"}] + caption if caption else _text(label)


def _split_caption(blocks: list) -> tuple[list, list]:
    """Quarto's div syntax: the last paragraph of a ``#fig-``/``#tbl-`` div is its caption."""
    if len(blocks) > 1 and blocks[-1]["t"] in ("Para", "Plain"):
        return blocks[:-1], blocks[-1]["c"]
    return blocks, []


def _find_table(blocks: list):
    for block in blocks:
        if block["t"] == "Table":
            return block
        if block["t"] in ("Div", "Figure"):
            found = _find_table(block["c"][-1])
            if found is not None:
                return found
    return None


def _figure(ident: str, classes: list, caption: list, content: list) -> dict:
    return {"t": "Figure", "c": [[ident, classes, []],
                                 [None, [{"t": "Plain", "c": caption}] if caption else []], content]}


class _Numberer:
    """First pass: number targets in document order and rewrite their captions."""

    def __init__(self, numbering: _Numbering, html_tables: dict):
        self.n = numbering
        self.html_tables = html_tables

    def blocks(self, blocks: list) -> list:
        out = []
        for block in blocks:
            replaced = self.block(block)
            out.extend(replaced if isinstance(replaced, list) else [replaced])
        return out

    def block(self, block: dict):
        kind = block["t"]
        if kind == "Header":
            return self.header(block)
        if kind == "Div":
            (ident, classes, attrs), content = block["c"]
            if ident in self.html_tables:
                return self.blocks(self.html_tables[ident])
            if ident.startswith("fig-") or "qr-figure" in classes:
                content, caption = _split_caption(self.blocks(content))
                if ident.startswith("fig-"):
                    caption = _caption_inlines("fig", self.n.next("fig"), caption)
                    self.n.register(ident, f"Figure {self.n.counters['fig']}")
                return _figure(ident, ["quarto-float", "quarto-figure"], caption, content)
            if ident.startswith("tbl-"):
                content, caption = _split_caption(self.blocks(content))
                number = self.n.next("tbl")
                self.n.register(ident, f"Table {number}")
                caption = _caption_inlines("tbl", number, caption)
                table = _find_table(content)
                if table is not None:
                    # A real table carries its own caption (above it, in HTML and Typst).
                    table["c"][1] = [None, [{"t": "Plain", "c": caption}]]
                    return {"t": "Div", "c": [[ident, ["quarto-float", "quarto-table"], attrs], content]}
                return _figure(ident, ["quarto-float", "quarto-table"], caption, content)
            block["c"][1] = self.blocks(content)
            return block
        if kind == "Figure":
            ident = block["c"][0][0]
            block["c"][2] = self.blocks(block["c"][2])
            if ident.startswith(("fig-", "tbl-")):
                key = ident[:3]
                caption_blocks = block["c"][1][1]
                caption = caption_blocks[0]["c"] if caption_blocks else []
                number = self.n.next(key)
                self.n.register(ident, f"{PREFIXES[key]} {number}")
                block["c"][1] = [None, [{"t": "Plain", "c": _caption_inlines(key, number, caption)}]]
            return block
        if kind == "Table":
            ident = block["c"][0][0]
            if ident.startswith("tbl-"):
                caption_blocks = block["c"][1][1]
                caption = caption_blocks[0]["c"] if caption_blocks else []
                number = self.n.next("tbl")
                self.n.register(ident, f"Table {number}")
                block["c"][1] = [None, [{"t": "Plain", "c": _caption_inlines("tbl", number, caption)}]]
            return block
        if kind in ("Para", "Plain"):
            inlines = [i for i in block["c"] if i["t"] not in ("Space", "SoftBreak")]
            # Markdown figure: ![Caption](file.png){#fig-x} alone in its paragraph.
            if len(inlines) == 1 and inlines[0]["t"] == "Image" and inlines[0]["c"][0][0].startswith("fig-"):
                image = inlines[0]
                ident = image["c"][0][0]
                caption = image["c"][1]
                number = self.n.next("fig")
                self.n.register(ident, f"Figure {number}")
                alt = dict(image["c"][0][2]).get("fig-alt")
                image["c"][0] = ["", image["c"][0][1], [kv for kv in image["c"][0][2] if kv[0] != "fig-alt"]]
                image["c"][1] = _text(alt) if alt else []
                return _figure(ident, ["quarto-float", "quarto-figure"], _caption_inlines("fig", number, caption),
                               [{"t": "Plain", "c": [image]}])
            return block
        if kind in ("BlockQuote",):
            block["c"] = self.blocks(block["c"])
        elif kind in ("BulletList",):
            block["c"] = [self.blocks(item) for item in block["c"]]
        elif kind == "OrderedList":
            block["c"][1] = [self.blocks(item) for item in block["c"][1]]
        return block

    def header(self, block: dict):
        level, (ident, classes, attrs), inlines = block["c"]
        title = stringify(inlines)
        if self.n.number_sections and "unnumbered" not in classes:
            self.n.levels[level] += 1
            for deeper in range(level + 1, 7):
                self.n.levels[deeper] = 0
            parts = self.n.levels[1:level + 1]
            while parts and parts[0] == 0:
                parts = parts[1:]  # a page that starts at ## numbers its sections 1, 2, ...
            number = ".".join(str(p) for p in parts)
            block["c"][2] = [{"t": "Span", "c": [["", ["header-section-number"], []], [{"t": "Str", "c": number}]]},
                             {"t": "Space"}] + inlines
            if ident:
                self.n.register(ident, f"Section {number}")
        elif ident:
            self.n.register(ident, title)
        return block


def _map_inlines(node, fn):
    """Apply ``fn`` to every inline list found anywhere in ``node`` (depth first)."""
    if isinstance(node, list):
        for item in node:
            _map_inlines(item, fn)
        if node and all(isinstance(i, dict) and "t" in i for i in node):
            node[:] = fn(node)
    elif isinstance(node, dict):
        for value in node.values():
            _map_inlines(value, fn)


def apply_crossrefs(ast: dict, number_sections: bool, rewrite_link: Callable[[str], str] | None = None,
                    html_tables: dict | None = None) -> list[str]:
    """Number targets and resolve references in ``ast`` (a Pandoc JSON document), in place.

    Parameters
    ----------
    ast : dict
        Pandoc JSON, as read from ``pandoc -t json``.
    number_sections : bool
        The document's ``number-sections`` option.
    rewrite_link : callable, optional
        Maps a link target (e.g. ``other.qmd#part``) to its output (``other.html#part``).
    html_tables : dict, optional
        Placeholder div id to Pandoc blocks, spliced in before numbering.

    Returns
    -------
    list of str
        Warnings: unresolved or duplicate references.
    """
    numbering = _Numbering(number_sections)
    ast["blocks"] = _Numberer(numbering, html_tables or {}).blocks(ast["blocks"])
    warnings = [f"duplicate cross-reference label #{d}" for d in numbering.duplicates]

    def resolve(inlines: list) -> list:
        out = []
        for node in inlines:
            if node.get("t") == "Cite":
                citations = node["c"][0]
                if all(_REF_ID.match(c["citationId"]) for c in citations):
                    for i, citation in enumerate(citations):
                        if i:
                            out.extend([{"t": "Str", "c": ","}, {"t": "Space"}])
                        out.extend(_reference(citation, numbering, warnings))
                    continue
            elif node.get("t") == "Link" and rewrite_link is not None:
                node["c"][2][0] = rewrite_link(node["c"][2][0])
            out.append(node)
        return out

    _map_inlines(ast["blocks"], resolve)
    return warnings


def _reference(citation: dict, numbering: _Numbering, warnings: list) -> list:
    ident = citation["citationId"]
    key = ident.lower()
    target = numbering.targets.get(key[:4] + ident[4:]) or numbering.targets.get(ident)
    if target is None:
        warnings.append(f"unable to resolve cross-reference @{ident}")
        return [{"t": "Strong", "c": [{"t": "Str", "c": f"?@{ident}"}]}]
    text = target
    if ident[0].isupper():
        text = text[0].upper() + text[1:]
    inlines = citation.get("citationPrefix", [])
    prefix = (inlines + [{"t": "Space"}]) if inlines else []
    suffix = citation.get("citationSuffix", [])
    link = {"t": "Link", "c": [["", ["quarto-xref"], []], _text(text),
                               ["#" + ident[:4].lower() + ident[4:], ""]]}
    return prefix + [link] + suffix
