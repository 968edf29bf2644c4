"""Campaign lists as interactive tables on the web page and as static tables in a PDF.

One display object carries two representations and lets the document format
choose, the way Jupyter front ends and Quarto do (quarto-cli
``src/core/jupyter/display-data.ts``: HTML formats take ``text/html`` first;
Typst and other non-HTML formats take ``text/markdown`` first). The builtin
renderer follows the same priority (``renderer/weave.py``).

- ``text/html``: an `itables <https://mwouts.github.io/itables/>`_ DataTable
  (sortable, searchable, paged) in **offline mode**: DataTables' JavaScript and
  CSS come from the pinned itables wheel and are embedded in the page, so
  nothing is fetched at view time (no CDN). The table carries itables' own
  ``quarto-html-table-processing: none`` marker, so Quarto leaves it alone.
- ``text/markdown``: the first rows as a pipe table, every cell escaped, with a
  line saying how many more rows the CSV download holds. A PDF cannot sort;
  its reader gets the top of the list and the file.

Why not ``itables.show``: it displays HTML only (``IPython.display.HTML``), whose
plain-text twin ``<IPython.core.display.HTML object>`` is what a PDF would print.
Why not ``itables.to_markdown_table``: it escapes only ``|``, so a customer ID
holding ``*`` or ``$`` would become emphasis or math in the PDF.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..io.escape_markdown import markdown_text
from ..model.targeting import TargetList

# Reader-facing column names for TargetList.members (MEMBER_COLUMNS), in display order.
COLUMN_LABELS = {
    "CustomerID": "Customer",
    "Segment": "CRM label",
    "Recency": "Days since last order",
    "Frequency": "Orders (12 months)",
    "MonetaryValue": "Average basket (USD)",
    "CustomerValue": "Customer value (USD)",
    "fitted": "Modelled value (USD)",
    "rfm_prediction": "RFM-predicted value (USD)",
}
_COUNT_COLUMNS = ("Recency", "Frequency")
PAGE_LENGTH = 10
STATIC_ROWS = 10  # rows a PDF shows; the CSV holds the rest
# Rows the web page's table holds (the top of the list). Every row is embedded in the page as
# JSON: at 1M customers the three lists held 190,000 rows, a 25 MB page that a phone cannot
# open and that took ~10 s to build; 5,000 rows per list keep the page near 2 MB. The CSV holds all.
INTERACTIVE_ROWS = 5_000


@dataclass(frozen=True)
class CampaignTable:
    """A campaign list for display: the HTML widget and its static twin, built once."""

    html: str
    markdown: str
    plain: str

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/markdown": self.markdown, "text/plain": self.plain}


def display_frame(target: TargetList) -> pd.DataFrame:
    """The list's members with reader-facing names; counts as integers, money to the cent.

    Numbers stay numbers (not formatted strings) so that DataTables sorts them numerically.
    """
    frame = target.members[list(COLUMN_LABELS)].copy()
    for column in _COUNT_COLUMNS:
        frame[column] = frame[column].round().astype("int64")
    money = [c for c in COLUMN_LABELS if c not in _COUNT_COLUMNS and c not in ("CustomerID", "Segment")]
    frame[money] = frame[money].round(2)
    return frame.rename(columns=COLUMN_LABELS)


def _static_markdown(frame: pd.DataFrame, csv_name: str, rows: int, total: int | None = None) -> str:
    """A pipe table of the first ``rows`` rows, every cell literal, and where the rest is."""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    header = "| " + " | ".join(markdown_text(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("--:" if is_number else ":--" for is_number in numeric) + "|"
    lines = [header, rule]
    for values in frame.head(rows).itertuples(index=False):
        cells = [f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)
                 for v in values]
        lines.append("| " + " | ".join(markdown_text(cell) for cell in cells) + " |")
    total = max(total or 0, len(frame))
    note = (f"The first {min(rows, len(frame)):,} of {total:,} customers, by RFM-predicted value; "
            f"{_where_the_rest_is(len(frame), total, markdown_text(csv_name))}.")
    return "\n".join(lines) + "\n\n" + note + "\n"


def _where_the_rest_is(listed: int, total: int, csv_name: str) -> str:
    """The clause both tables end with: an engine list's CSV holds only its first ``listed``.

    ``csv_name`` comes already escaped for the target format.
    """
    if total > listed:
        return f"the first {listed:,} are in {csv_name}, the rest stay in the engine"
    return f"the full list is in {csv_name}"


def _interactive_note(shown: int, listed: int, total: int, csv_name: str) -> str:
    """Under the web table, when it holds only the top of the list: how much, and where the rest is."""
    from ..io.escape_html import html_text

    return (f'<p class="campaign-note">This table holds the top {shown:,} of {total:,} customers, '
            f"by RFM-predicted value; {_where_the_rest_is(listed, total, html_text(csv_name))}.</p>")


def campaign_table(target: TargetList, *, page_length: int = PAGE_LENGTH,
                   static_rows: int = STATIC_ROWS, interactive_rows: int = INTERACTIVE_ROWS) -> CampaignTable:
    """The display object for one campaign list.

    Parameters
    ----------
    target : TargetList
        From ``report.setup().targeting``; members are already sorted by
        RFM-predicted value, highest first, which is the table's initial order.
    page_length : int
        Rows per page of the interactive table.
    static_rows : int
        Rows in the static (PDF) table.
    interactive_rows : int
        Rows the web table holds (the top of the list); a note under it says where the rest are.
    """
    import itables  # imported by the one page that shows lists, not by every chapter

    frame = display_frame(target)
    csv_name = f"{target.key}_list.csv"
    table = itables.to_html_datatable(
        frame.head(interactive_rows), caption=None, connected=False, showIndex=False, pageLength=page_length,
        lengthMenu=[10, 25, 50, 100], classes="display compact", allow_html=False,
        # Customer IDs and labels are text from the data: never interpreted as HTML.
        maxBytes=0,  # never let itables drop rows from the middle: the cut is ours, at the top N
        table_id=f"campaign-{target.key}", display_logo_when_loading=False,
    )
    if len(frame) > interactive_rows or target.size > len(frame):
        table += _interactive_note(min(interactive_rows, len(frame)), len(frame), target.size, csv_name)
    plain = f"{target.name} list: {target.size:,} customers (see {csv_name})"
    return CampaignTable(html=table, markdown=_static_markdown(frame, csv_name, static_rows, target.size), plain=plain)


def datatables_library() -> CampaignTable:
    """DataTables' JavaScript and CSS for the page, from the pinned itables wheel; show it once.

    This is what ``itables.init_notebook_mode(connected=False)`` displays, as one
    object whose markdown is empty: a PDF shows nothing for it (``init_notebook_mode``
    displays ``IPython.display.HTML``, whose text twin a PDF would print). The
    tables wait for it (an ``itables-version-ready`` event), so it may come before
    or after them, and it defines the library only once per page.
    """
    from itables import options as itables_options
    from itables.javascript import generate_init_offline_itables_html

    html = generate_init_offline_itables_html(itables_options.dt_bundle)
    return CampaignTable(html=html, markdown="", plain="")
