"""Strings from the data or the file system print as themselves, in every target."""
from __future__ import annotations

import re
import shutil

import pypandoc
import pytest
from chapter_fixtures import AS_OF, write_chapter_log
from matplotlib.text import Text

from analysis.orders import figures as segfig
from analysis.orders import report as seg
from analysis.orders import words as w
from analysis.io.escape_figure_text import figure_text as plot_text
from analysis.io.escape_markdown import markdown_text
from analysis.orders.summary import summary_from_environment

HOSTILE = "we<b>ird</b> *bold* _x_ $1$ [a](b) `c` #h"


def test_markdown_text_reads_back_as_the_same_text_through_pandoc():
    for text in (HOSTILE, "data/orders_*v2*.csv", "<script>alert(1)</script>", "a\\b", "1. not a list"):
        html = pypandoc.convert_text(markdown_text(text), "html", format="markdown")
        plain = pypandoc.convert_text(markdown_text(text), "plain", format="markdown").strip()
        assert plain == " ".join(text.split())
        assert "<b>" not in html and "<script" not in html and "<em>" not in html and "<a " not in html


def test_markdown_text_flattens_line_breaks():
    assert markdown_text("a\n# heading") == "a \\# heading"


def test_plot_text_is_never_mathtext():
    label = Text(text=plot_text("$5 to $10"))
    shown, is_math = label._preprocess_math(label.get_text())
    assert (shown, is_math) == ("$5 to $10", False)
    raw = Text(text="$5 to $10")
    assert raw._preprocess_math(raw.get_text())[1] is True  # what escaping prevents


@pytest.fixture(scope="module")
def hostile_summary(tmp_path_factory):
    folder = tmp_path_factory.mktemp("x") / "dir <i>$a$ [l](u)"
    folder.mkdir()
    log = write_chapter_log(folder / "orders_*new*_<b>x<b>.csv")
    return summary_from_environment({"ORDER_LOG": str(log), "ORDER_LOG_AS_OF": AS_OF,
                                     "CUSTOMER_DATA": str(folder / "none.csv")}), log


def test_a_path_with_markup_does_not_reach_the_prose(hostile_summary):
    s, log = hostile_summary
    values = [getattr(w, name)(s) for name in ("customers", "log_origin", "lines_read", "first_day", "last_day",
                                                 "as_of", "revenue", "labels_sentence")]
    for value in values:
        assert "<" not in value and "*" not in value and log.name not in value
    assert all(log.name not in note for note in seg.notes_markdown(s).splitlines())


def test_tables_escape_the_path_for_html(hostile_summary):
    s, log = hostile_summary
    html = seg.snapshot_table(s).as_raw_html()
    assert "&lt;b&gt;x&lt;b&gt;" in html and "<b>x<b>" not in html and "<i>$a$" not in html


def test_tables_survive_the_pdf_route(hostile_summary):
    """The PDF is made by Pandoc from the table's HTML: the path must come out as text in Typst."""
    s, log = hostile_summary
    typst = pypandoc.convert_text(seg.snapshot_table(s).as_raw_html(), "typst", format="html")
    # Typst escapes its markup characters with a backslash; undone, the path reads back whole.
    assert log.name in re.sub(r"\\(.)", r"\1", typst)
    assert "#emph" not in typst and "#link" not in typst


def test_figures_draw_with_hostile_names(hostile_summary):
    s, _ = hostile_summary
    for make in (segfig.share_figure, segfig.rf_heatmap_figure, segfig.rfm_histograms_figure,
                 segfig.orders_figure, segfig.lorenz_figure, segfig.cohort_figure, segfig.monthly_figure):
        figure = make(s)
        figure.canvas.draw()  # mathtext errors surface at draw time
        texts = [t.get_text() for t in figure.findobj(Text)]
        assert not [t for t in texts if t.count("$") - t.count(r"\$") >= 2]
