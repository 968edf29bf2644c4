"""An HTML table (great_tables, pandas, any) as native Typst, styled from its own CSS.

Pandoc's HTML reader keeps a table's cells but drops most of its look; Quarto
adds the look back by translating the CSS of each cell into Typst properties.
This does the same for the builtin renderer, from the juiced (computed) CSS of
:mod:`renderer.html_tree`, and nothing specific to one table package:

* leading rows made of one cell spanning every column (a title, a subtitle)
  and trailing footer rows of that kind (source notes) are set as blocks above
  and below the grid, as wide as the grid, so a long note wraps instead of
  widening the last column;
* every other cell keeps its row and column spans, its alignment (horizontal
  and vertical), weight, style, colour, size, padding and background; header
  rows repeat on a page break;
* borders follow CSS border-collapse (the wider one wins) and become
  ``table.hline`` segments; a rule drawn by an element inside a cell (a
  spanner's underline) becomes the cell's own rule.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from . import typst_css as css
from .typst_markup import TEXT_FUNCTION as _TEXT, inline_markup
from .html_tree import PX_TO_PT, Element, length_pt, parse_fragment

# Attached to the tables written here, so the preamble's rules for Pandoc's own tables skip them.
STYLED_TABLE_LABEL = "qr-styled-table"
# Extra horizontal padding of every cell when a title widens the table (a Typst variable).
_GROW = "qr-pad"
# A table wider than the page is set smaller, but never below this share of its size.
MIN_FIT = 0.75
_ANY_TAG = ("span", "div", "p", "strong", "b", "em", "i", "a", "code")


class UnsupportedTable(ValueError):
    """The fragment is not one plain HTML table (none, several, or nested ones)."""


@dataclass
class _Cell:
    element: Element
    row: int
    col: int
    colspan: int
    rowspan: int


@dataclass
class _Row:
    element: Element
    section: Element | None
    cells: list


def html_table_to_typst(fragment: str) -> str:
    """Typst code (markup mode) drawing the one table in ``fragment``.

    Raises
    ------
    UnsupportedTable
        The fragment holds no table, several, or a table inside a table.
    """
    root = parse_fragment(fragment)
    tables = root.find_all("table")
    if len(tables) != 1 or tables[0].find_all("table"):
        raise UnsupportedTable(f"expected one table, found {len(tables)}")
    table = tables[0]
    rows = _rows(table)
    columns = max((c.col + c.colspan for row in rows for c in row.cells), default=0)
    if columns == 0:
        raise UnsupportedTable("the table has no cells")
    heading, core, notes = _split(rows, columns)
    captions = [c for c in table.children if isinstance(c, Element) and c.tag == "caption"]
    return _emit(table, columns, captions + [r.cells[0].element for r in heading], core,
                 [r.cells[0].element for r in notes])


def _rows(table: Element) -> list[_Row]:
    rows = []
    for child in table.children:
        if not isinstance(child, Element) or css.is_hidden(child):
            continue
        if child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(_Row(tr, child, []) for tr in child.children
                        if isinstance(tr, Element) and tr.tag == "tr" and not css.is_hidden(tr))
        elif child.tag == "tr":
            rows.append(_Row(child, None, []))
    occupied: set = set()
    for index, row in enumerate(rows):
        col = 0
        for cell in row.element.children:
            if not isinstance(cell, Element) or cell.tag not in ("td", "th") or css.is_hidden(cell):
                continue
            while (index, col) in occupied:
                col += 1
            colspan, rowspan = _span(cell, "colspan"), _span(cell, "rowspan")
            rowspan = min(rowspan, len(rows) - index)
            for r in range(index, index + rowspan):
                for c in range(col, col + colspan):
                    occupied.add((r, c))
            row.cells.append(_Cell(cell, index, col, colspan, rowspan))
            col += colspan
    return rows


def _span(cell: Element, name: str) -> int:
    try:
        return max(1, int(cell.attrs.get(name, "1") or 1))
    except ValueError:
        return 1


def _is_banner(row: _Row, columns: int) -> bool:
    return len(row.cells) == 1 and row.cells[0].colspan == columns and row.cells[0].rowspan == 1


def _split(rows: list[_Row], columns: int) -> tuple[list, list, list]:
    """(heading rows, grid rows, note rows): banners in the head go above, footer banners below."""
    start = 0
    while start < len(rows) and rows[start].section is not None and rows[start].section.tag == "thead" \
            and _is_banner(rows[start], columns):
        start += 1
    end = len(rows)
    while end > start and rows[end - 1].section is not None and rows[end - 1].section.tag == "tfoot" \
            and _is_banner(rows[end - 1], columns):
        end -= 1
    core = rows[start:end]
    for row in core:  # grid rows renumbered from 0
        for cell in row.cells:
            cell.row -= start
    return rows[:start], core, rows[end:]


def _emit(table: Element, columns: int, heading: list, core: list, notes: list) -> str:
    base = css.text_settings(table.style)
    body_cells = [c for row in core if row.section is None or row.section.tag != "thead"
                  for c in row.cells if c.colspan == 1]
    column_align = []
    for col in range(columns):
        found = Counter(css.alignment(c.element.style) for c in body_cells if c.col == col)
        column_align.append(found.most_common(1)[0][0] if found else "start + horizon")
    default_inset = Counter(css.inset(c.element.style, _GROW) for c in body_cells).most_common(1)
    default_inset = default_inset[0][0] if default_inset else f"(x: 5pt + {_GROW}, y: 3pt)"

    header_rows = [row for row in core if row.section is not None and row.section.tag == "thead"]
    header_cells = [_cell(c, column_align, default_inset, base, header=True) for row in header_rows for c in row.cells]
    other_cells = [_cell(c, column_align, default_inset, base, header=False)
                   for row in core if row not in header_rows for c in row.cells]
    lines = [f"table.hline(y: {y}, start: {start}, end: {end}, stroke: {stroke})"
             for y, start, end, stroke in _hlines(table, core, columns)]
    items = [f"columns: {_columns(table, columns, body_cells, base)}", f"align: ({', '.join(column_align)},)",
             f"inset: {default_inset}", "stroke: none"]
    if header_cells:
        items.append("table.header(repeat: true,\n    " + ",\n    ".join(header_cells) + ")")
    items.extend(other_cells + lines)
    grid_text = {k: v for k, v in base.items() if k != "size"}
    text = f"#set text(size: qr-base{', ' if grid_text else ''}{css.text_arguments(grid_text)})\n"
    # CSS sets a cell ragged unless it says `justify`; the page's justified paragraphs must not leak in.
    grid = (f"[{text}#set par(justify: false)\n"
            # Measuring mode: every space breaks the line, so the grid's width is its widest word
            # (or no-wrap run): what a browser calls min-content width.
            f"#let {_TEXT}(qr-s) = if qr-min {{ qr-s.split(\" \").join(linebreak()) }} else {{ qr-s }}\n"
            "#table(\n  ") + ",\n  ".join(items) + f"\n) <{STYLED_TABLE_LABEL}>]"

    outer = [f"{side}: {b[2]}" for side in ("top", "bottom") if (b := css.border(table.style, side))]
    place = "center" if table.style.get("margin-left", "").strip() == "auto" else "start"
    parts = [_banner(e, base) for e in heading] + ["qr-table"] + [_banner(e, base) for e in notes]
    size = base.get("size", "1em")
    headings = ", ".join(_natural_width(e, base) for e in heading)
    return ("#block(width: 100%, breakable: true, layout(qr-size => {\n"
            f"  let {_TEXT}(qr-s) = qr-s\n"
            f"  let qr-grid(qr-base, {_GROW}, qr-min: false) = {grid}\n"
            # Cells wrap as in a browser; when even the widest words do not fit, the text shrinks,
            # down to MIN_FIT of its size, rather than overflow its columns.
            f"  let qr-least = measure(qr-grid({size}, 0pt, qr-min: true)).width\n"
            f"  let qr-fit = if qr-least > qr-size.width {{ calc.max({MIN_FIT}, qr-size.width / qr-least) }} else {{ 1 }}\n"
            f"  let qr-table = qr-grid({size} * qr-fit, 0pt)\n"
            "  let qr-width = calc.min(measure(qr-table, width: qr-size.width).width, qr-size.width)\n"
            # As in a browser, a title wider than the columns widens the table (up to the page),
            # the extra shared evenly between the columns, rather than wrapping above them.
            f"  let qr-heading = calc.min(qr-size.width, calc.max(0pt, {headings}))\n"
            "  if qr-heading > qr-width {\n"
            f"    qr-table = qr-grid({size} * qr-fit, (qr-heading - qr-width) / {2 * columns})\n"
            "    qr-width = calc.min(measure(qr-table, width: qr-size.width).width, qr-size.width)\n"
            "  }\n"
            f"  align({place}, block(width: qr-width, breakable: true, stroke: ({', '.join(outer)}{',' if len(outer) == 1 else ''}), {{\n"
            "    set block(spacing: 0pt)\n"
            "    " + "\n    ".join(parts) + "\n"
            "  }))\n"
            "}))\n")


def _natural_width(element: Element, base: dict) -> str:
    """Typst expression: the width a title needs on one line, padding included."""
    settings = {**base, **css.text_settings(element.style)}
    text = f"#set text({css.text_arguments(settings)}); " if settings else ""
    sides = sum((length_pt(element.style.get(f"padding-{side}")) or 0) for side in ("left", "right"))
    return f"measure([{text}{inline_markup(element)}]).width + {sides:g}pt"


def _columns(table: Element, columns: int, body_cells: list, base: dict) -> str:
    """Widths from ``<col style="width: ...">`` when every column states one, else sized to content.

    A column whose cells must not wrap (``white-space: nowrap``) gets its widest
    cell's width: Typst's sizing of auto columns would otherwise squeeze it when
    the table is wide, and its text would run into the next column.
    """
    widths = []
    for col in table.find_all("col"):
        for _ in range(_span(col, "span")):
            widths.append(col.style.get("width", "").strip())
    if len(widths) == columns and all(re.fullmatch(r"[\d.]+(%|px|pt)", w) for w in widths):
        return "(" + ", ".join(f"{float(w[:-2]) * PX_TO_PT:g}pt" if w.endswith("px") else w for w in widths) + ",)"
    tracks = []
    for col in range(columns):
        cells = [c for c in body_cells if c.col == col]
        if not any(c.element.style.get("white-space", "").strip() in ("nowrap", "pre") for c in cells):
            tracks.append("auto")
            continue
        measured = []
        for cell in cells:
            settings = _text_settings(cell.element.style, base)
            arguments = css.text_arguments({**{k: v for k, v in base.items() if k != "size"}, **settings})
            measured.append(f"measure([#set text(size: qr-base{', ' if arguments else ''}{arguments}); "
                            f"{inline_markup(cell.element)}]).width")
        padding = sum((length_pt(cells[0].element.style.get(f"padding-{side}")) or 0) for side in ("left", "right"))
        tracks.append(f"calc.max({', '.join(measured)}) + {padding:g}pt + 2 * {_GROW}")
    return f"({', '.join(tracks)},)" if any(t != "auto" for t in tracks) else f"{columns}"


def _text_settings(style: dict, base: dict) -> dict:
    """The cell's text settings that differ from the table's, sizes relative to the table's."""
    settings = {k: v for k, v in css.text_settings(style).items() if base.get(k) != v}
    if "size" in settings and str(base.get("size", "")).endswith("pt") and settings["size"].endswith("pt"):
        # Relative to the grid's text, so shrinking a wide table shrinks every cell alike.
        settings["size"] = f"{float(settings['size'][:-2]) / float(base['size'][:-2]):.3g}em"
    return settings


def _cell(cell: _Cell, column_align: list, default_inset: str, base: dict, header: bool) -> str:
    style = cell.element.style
    args = []
    if cell.colspan > 1:
        args.append(f"colspan: {cell.colspan}")
    if cell.rowspan > 1:
        args.append(f"rowspan: {cell.rowspan}")
    align = css.alignment(style)
    if cell.colspan > 1 or align != column_align[cell.col]:
        args.append(f"align: {align}")
    cell_inset = css.inset(_padded(cell.element), _GROW)
    if cell_inset != default_inset:
        args.append(f"inset: {cell_inset}")
    fill = css.background(style)
    if fill:
        args.append(f"fill: {fill}")
    settings = _text_settings(style, base)
    if header and "weight" not in settings:
        # The preamble bolds the first row of Pandoc's tables; say this cell's own weight.
        settings["weight"] = css.weight(style.get("font-weight")) or "regular"
    prefix = f"#set text({css.text_arguments(settings)}); " if settings else ""
    return f"table.cell({', '.join(args)})[{prefix}{inline_markup(cell.element)}]"


def _padded(element: Element) -> dict:
    """The cell's style, its vertical padding grown by that of a ruled element inside it.

    The rule of such an element becomes the cell's (see :func:`_hlines`), so its
    padding moves to the cell too: GT's spanner label keeps its distance from its rule.
    """
    inside = [e for e in element.find_all(*_ANY_TAG) if css.border(e.style, "bottom") or css.border(e.style, "top")]
    if not inside:
        return element.style
    style = dict(element.style)
    for side in ("top", "bottom"):
        total = sum((length_pt(e.style.get(f"padding-{side}")) or 0) for e in [element, inside[0]])
        style[f"padding-{side}"] = f"{total}pt"
    return style


def _banner(element: Element, base: dict) -> str:
    """A title, subtitle or note: a block as wide as the grid, with the cell's own look."""
    style = element.style
    args = ["width: 100%", f"inset: {css.inset(style)}"]
    fill = css.background(style)
    if fill:
        args.append(f"fill: {fill}")
    strokes = [f"{side}: {b[2]}" for side in ("top", "bottom") if (b := css.border(style, side))]
    if strokes:
        args.append(f"stroke: ({', '.join(strokes)},)")
    settings = {**base, **css.text_settings(style)}
    horizontal = css.alignment(style).split(" + ")[0]
    text = (f"#set text({css.text_arguments(settings)}); " if settings else "") + "#set par(justify: false); "
    return f"block({', '.join(args)})[{text}#align({horizontal})[{inline_markup(element)}]]"


def _hlines(table: Element, core: list, columns: int) -> list[tuple]:
    """Horizontal rules of the grid, per column resolved as CSS border-collapse, merged into segments."""
    best: dict = {}
    # Where a cell spans several rows no rule crosses it, whatever its neighbours' rows say.
    crossed = {(y, col) for row in core for cell in row.cells for y in range(cell.row + 1, cell.row + cell.rowspan)
               for col in range(cell.col, cell.col + cell.colspan)}

    def offer(y: int, start: int, end: int, candidate):
        if candidate is None:
            return
        for col in range(start, end):
            if (y, col) not in crossed:
                best[(y, col)] = css.strongest(best.get((y, col)), candidate)

    last = len(core)
    sections: dict = {}
    for index, row in enumerate(core):
        offer(index, 0, columns, css.border(row.element.style, "top"))
        offer(index + 1, 0, columns, css.border(row.element.style, "bottom"))
        if row.section is not None:
            first, _ = sections.get(id(row.section), (index, row.section))
            sections[id(row.section)] = (first, row.section)
            sections[(id(row.section), "end")] = index + 1
        for cell in row.cells:
            # A rule drawn by an element inside the cell (a GT spanner's underline) is the cell's rule:
            # a block with width: 100% there would make Typst widen the last spanned column to the page.
            inside = [cell.element, *cell.element.find_all(*_ANY_TAG)]
            offer(cell.row, cell.col, cell.col + cell.colspan,
                  css.strongest(*(css.border(e.style, "top") for e in inside)))
            offer(cell.row + cell.rowspan, cell.col, cell.col + cell.colspan,
                  css.strongest(*(css.border(e.style, "bottom") for e in inside)))
    for key, value in list(sections.items()):
        if isinstance(key, int):
            first, section = value
            offer(first, 0, columns, css.border(section.style, "top"))
            offer(sections[(key, "end")], 0, columns, css.border(section.style, "bottom"))
    segments = []
    for y in range(last + 1):
        col = 0
        while col < columns:
            chosen = best.get((y, col))
            if chosen is None:
                col += 1
                continue
            end = col
            while end < columns and best.get((y, end)) == chosen:
                end += 1
            segments.append((y, col, end, chosen[2]))
            col = end
    return segments


def html_tables_to_blocks(fragments: dict, what: str) -> dict:
    """``{key: html}`` to ``{key: [Pandoc blocks]}``: raw Typst where the table converts, else Pandoc's reader."""
    from .pandoc import html_to_blocks

    blocks, fallback = {}, {}
    for key, fragment in fragments.items():
        try:
            blocks[key] = [{"t": "RawBlock", "c": ["typst", html_table_to_typst(fragment)]}]
        except UnsupportedTable:
            fallback[key] = fragment
    blocks.update(html_to_blocks(fallback, what))
    return blocks
