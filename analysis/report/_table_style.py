"""The house look of every report table: restrained, booktabs-like, numbers right-aligned.

Alignment is written inline on the cells (``tab_style``) as well as by class,
because Pandoc's HTML reader ignores the ``<style>`` block but reads an inline
``text-align``: that is what aligns the columns of the PDF table. Everything else is cosmetic for the web.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from great_tables import GT, loc, style

# Quarto's Typst output turns table CSS into Typst text settings
# (quarto-post/typst-css-property-processing.lua). Only named weights survive that
# everywhere: a numeric weight is quoted into a string Typst rejects, and `initial`
# (great_tables' default for subtitles and stubs) has no translation at all. A generic
# family such as `sans-serif` is not a font Typst can find, so the list names fonts only;
# browsers and Typst fall through it to the first one installed.
TABLE_FONT_NAMES = ["-apple-system", "BlinkMacSystemFont", "Segoe UI", "Roboto", "Oxygen", "Ubuntu",
                    "Cantarell", "Helvetica Neue", "Fira Sans", "Droid Sans", "Arial"]
RULE_COLOUR = "#333333"
MUTED_COLOUR = "#767676"   # grey that still passes WCAG AA contrast on white
LIGHT_RULE_COLOUR = "#D9D9D9"


def build_table(frame: pd.DataFrame, *, table_id: str, title: str, subtitle: str | None,
                labels: dict[str, str], numeric: Sequence[str], notes: Sequence[str],
                rowname_col: str | None = None, groupname_col: str | None = None,
                hidden: Sequence[str] = (), stubhead: str | None = None) -> GT:
    """A GT in the house style from a frame of already-formatted strings.

    Parameters
    ----------
    frame : DataFrame
        Displayed cells (strings); great_tables escapes them as text.
    labels : dict
        Column label for every visible column.
    numeric : sequence of str
        Columns to right-align, in the browser and in the PDF.
    notes : sequence of str
        Source notes, one footer line each.
    """
    table = GT(frame, rowname_col=rowname_col, groupname_col=groupname_col, id=table_id, auto_align=False)
    table = table.tab_header(title=title, subtitle=subtitle)
    if stubhead is not None:
        table = table.tab_stubhead(label=stubhead)
    if hidden:
        table = table.cols_hide(list(hidden))
    table = table.cols_label(**labels)
    text_columns = [c for c in frame.columns if c not in numeric and c not in hidden
                    and c not in (rowname_col, groupname_col)]
    if text_columns:
        table = (table.cols_align("left", text_columns)
                 .tab_style(style.text(align="left"), loc.body(columns=text_columns))
                 .tab_style(style.text(align="left"), loc.column_labels(columns=text_columns)))
    if rowname_col is not None:
        table = (table.tab_style(style.text(align="left"), loc.stub())
                 .tab_style(style.text(align="left"), loc.stubhead()))
    if numeric:
        table = (table.cols_align("right", list(numeric))
                 .tab_style(style.text(align="right"), loc.body(columns=list(numeric)))
                 .tab_style(style.text(align="right"), loc.column_labels(columns=list(numeric))))
    for note in notes:
        table = table.tab_source_note(note)
    return _house_options(table, table_id)


def mute_rows(table: GT, rows: list[int]) -> GT:
    """Grey italics for rows that carry no estimate of their own (reference levels, totals)."""
    if not rows:
        return table
    return (table.tab_style(style.text(color=MUTED_COLOUR, style="italic"), loc.body(rows=rows))
            .tab_style(style.text(color=MUTED_COLOUR, style="italic"), loc.stub(rows=rows)))


def bold_rows(table: GT, rows: list[int]) -> GT:
    """A totals row, set apart the way printed tables do."""
    if not rows:
        return table
    total_style = [style.text(weight="bold"), style.borders(sides="top", color=RULE_COLOUR)]
    return table.tab_style(total_style, loc.body(rows=rows)).tab_style(total_style, loc.stub(rows=rows))


def _house_options(table: GT, table_id: str) -> GT:
    return table.tab_options(
        table_font_names=TABLE_FONT_NAMES, table_font_size="14px",
        table_border_top_style="solid", table_border_top_width="2px", table_border_top_color=RULE_COLOUR,
        table_border_bottom_style="solid", table_border_bottom_width="2px",
        table_border_bottom_color=RULE_COLOUR,
        heading_align="left", heading_title_font_size="16px", heading_title_font_weight="bold",
        heading_subtitle_font_size="13px", heading_subtitle_font_weight="normal",
        heading_border_bottom_color=RULE_COLOUR,
        heading_border_bottom_width="1px", heading_padding="3px",
        column_labels_font_weight="bold", column_labels_border_bottom_color=RULE_COLOUR,
        column_labels_border_bottom_width="1px", column_labels_border_top_color=RULE_COLOUR,
        column_labels_border_top_width="1px",
        row_group_font_weight="bold", row_group_border_top_color=LIGHT_RULE_COLOUR,
        row_group_border_bottom_color=LIGHT_RULE_COLOUR, row_group_border_bottom_width="1px",
        table_body_hlines_color="transparent", table_body_border_bottom_color=RULE_COLOUR,
        stub_border_style="none", stub_font_weight="normal", stub_row_group_font_weight="normal",
        data_row_padding="4px",
        source_notes_font_size="12px", source_notes_padding="3px",
        # Figures in a column line up digit under digit.
        table_additional_css=[f"#{table_id} .gt_row {{ font-variant-numeric: tabular-nums; }}",
                              f"#{table_id} .gt_sourcenote {{ color: #555555; line-height: 1.35; }}",
                              f"#{table_id} .gt_stub {{ white-space: nowrap; }}",
                              # Long notes wrap at the table's width instead of widening it.
                              f"#{table_id} .gt_sourcenote .gt_from_md {{ display: block; contain: inline-size; }}"],
    )
