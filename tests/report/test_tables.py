"""The report tables: ids, notes, content at displayed precision, PDF conversion, escaping."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from itertools import combinations

import pytest
import typst

from analysis import tables
from analysis.model.targeting import build_targeting
from analysis.model.results import PREDICTOR_UNITS, SE_HC3, segment_term
from renderer.pandoc import run_pandoc
from displayed import (HOSTILE_ATTRIBUTE, HOSTILE_IMG, TABLE_BUILDERS, decimals_shown, displayed_number,
                       relabel_segment)

BUILDERS = TABLE_BUILDERS
WITHOUT_SEGMENT_LABELS = {"model_fit", "target_lists"}


@pytest.fixture(scope="module")
def classical(classical_results):
    return classical_results


@pytest.fixture(scope="module")
def hostile(hostile_results):
    return hostile_results


def rendered(results, name: str) -> str:
    return BUILDERS[name](results).as_raw_html()


def title_of(page: str) -> str:
    return re.search(r'<td[^>]*class="[^"]*gt_title[^"]*"[^>]*>(.*?)</td>', page, re.S).group(1)


def flat(text: str) -> str:
    """Text with markup escapes and line wrapping removed, for searching converted output."""
    return re.sub(r"\s+", " ", html.unescape(text).replace("\\", ""))


# ---- ids, titles and source notes -------------------------------------------------------------

@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_table_has_its_fixed_id_and_a_title(results, name):
    first, second = rendered(results, name), rendered(results, name)
    table_id = tables.TABLE_IDS[name]
    assert f'<div id="{table_id}"' in first
    assert title_of(first).strip(), "title cell is empty"
    assert first == second, "the same results must render byte-identical HTML"


DESCRIPTIVE = ("segment_profile",)  # describe the data, not the model: no R²/SE footnote (issue 10 section 6)


def _notes(results, name) -> str:
    notes = " ".join(re.findall(r'class="gt_sourcenote"[^>]*>(.*?)</td>', rendered(results, name), re.S))
    return html.unescape(re.sub(r"<[^>]+>", "", notes))


@pytest.mark.parametrize("name", DESCRIPTIVE)
def test_descriptive_tables_carry_no_model_footnote(results, name):
    text = _notes(results, name)
    assert "R² =" not in text and "Residual SE" not in text and "Standard errors:" not in text


@pytest.mark.parametrize("name", [name for name in BUILDERS if name not in DESCRIPTIVE])
def test_every_source_note_names_n_r_squared_residual_se_and_se_type(results, name):
    text = _notes(results, name)
    n = re.search(r"N = ([\d,]+) customers", text)
    r_squared = re.search(r"R² = (\d+\.\d+)", text)
    sigma = re.search(r"Residual SE = (\$[\d,]+\.\d+)", text)
    assert n and r_squared and sigma, text
    assert int(n.group(1).replace(",", "")) == results.n
    assert abs(float(r_squared.group(1)) - results.full.r_squared) <= 0.0005
    assert abs(displayed_number(sigma.group(1)) - results.full.sigma) <= 0.005
    assert f"Standard errors: {'HC3' if results.se_type == SE_HC3 else 'classical'}" in text


def test_heteroskedastic_data_report_hc3_and_say_why(results):
    assert results.diagnostics.bp_p < results.alpha, "the default data are heteroskedastic by design"
    text = html.unescape(rendered(results, "coefficients"))
    assert "Breusch–Pagan rejects constant residual variance" in text
    assert "use HC3 heteroskedasticity-consistent standard errors" in text
    assert "Inference (HC3)" in text
    rows = tables.coefficient_rows(results).set_index("term")
    for term in ("Recency", "Frequency", "MonetaryValue"):
        shown = displayed_number(rows.loc[term, "std_error"])
        hc3 = results.coefficients.set_index("term").loc[term, "std_error_hc3"]
        assert abs(shown - hc3) <= 0.005


def test_homoskedastic_data_report_classical_standard_errors(classical):
    text = html.unescape(rendered(classical, "coefficients"))
    assert "does not reject constant residual variance" in text
    assert "classical OLS standard errors are used" in text
    assert "HC3" not in text
    rows = tables.coefficient_rows(classical).set_index("term")
    source = classical.coefficients.set_index("term")
    for term in ("Recency", "Frequency", "MonetaryValue"):
        assert abs(displayed_number(rows.loc[term, "std_error"]) - source.loc[term, "std_error"]) <= 0.005


# ---- coefficients ----------------------------------------------------------------------------

def test_coefficients_are_grouped_with_a_muted_reference_row(results):
    rows = tables.coefficient_rows(results)
    segment_group = f"Segment (vs {results.reference})"
    assert set(rows["group"]) == {"RFM signals", segment_group}
    assert rows.loc[rows["group"] == "RFM signals", "term"].to_list() == ["Recency", "Frequency", "MonetaryValue"]
    segment_rows = rows[rows["group"] == segment_group]
    assert len(segment_rows) == len(results.levels)
    reference = segment_rows.iloc[0]
    assert reference["label"] == f"{results.reference} (reference)" and bool(reference["is_reference"])
    assert reference["estimate"] == "—" and reference["p"] == ""
    page = rendered(results, "coefficients")
    for group in ("RFM signals", segment_group):
        assert re.search(rf'class="gt_group_heading"[^>]*>{re.escape(group)}</th>', page)
    muted = re.search(r'<th[^>]*style="[^"]*italic[^"]*"[^>]*>([^<]*)</th>', page)
    assert muted and muted.group(1) == f"{results.reference} (reference)"


def test_each_predictor_has_its_unit(results):
    rows = tables.coefficient_rows(results).set_index("term")
    assert rows.loc["Recency", "unit"] == "per day since last order"
    assert rows.loc["Frequency", "unit"] == "per order"
    assert rows.loc["MonetaryValue", "unit"] == "per $1 of average basket"
    assert set(PREDICTOR_UNITS) <= set(rows.index)


def test_coefficient_cells_match_the_reported_estimates(results):
    rows = tables.coefficient_rows(results).set_index("term")
    for term in rows.index[~rows["is_reference"]]:
        fitted = results.coefficient(term)
        assert abs(displayed_number(rows.loc[term, "estimate"]) - fitted.estimate) <= 0.005
        assert abs(displayed_number(rows.loc[term, "t"]) - fitted.t) <= 0.005
        low, high = (displayed_number(part) for part in rows.loc[term, "ci"].split(" to "))
        assert abs(low - fitted.ci_low) <= 0.005 and abs(high - fitted.ci_high) <= 0.005


def test_p_values_below_the_floor_show_as_less_than(results, classical):
    for fitted in (results, classical):
        rows = tables.coefficient_rows(fitted).set_index("term")
        for term in rows.index[~rows["is_reference"]]:
            p = fitted.coefficient(term).p
            shown = rows.loc[term, "p"]
            if p < 0.001:
                assert shown == "<0.001"
            else:
                assert decimals_shown(shown) == 3 and abs(float(shown) - p) <= 0.0005
    tiny = tables.coefficient_rows(results)["p"].eq("<0.001").sum()
    ordinary = (~tables.coefficient_rows(classical)["p"].isin(["<0.001", ""])).sum()
    assert tiny >= 1 and ordinary >= 1, "both p formats should be exercised"


# ---- model fit ---------------------------------------------------------------------------------

def test_model_fit_cells_equal_the_results_at_displayed_precision(results):
    rows = tables.model_fit_rows(results).set_index("statistic")
    for key in ("r_squared", "adj_r_squared", "sigma", "f", "aic", "bic", "n"):
        for column, fit in (("rfm_only", results.rfm_only), ("full", results.full)):
            shown = rows.loc[key, column]
            tolerance = 0.5 * 10 ** -decimals_shown(shown)
            assert abs(displayed_number(shown) - getattr(fit, key)) <= tolerance + 1e-9, (key, column, shown)
    delta = rows.loc["delta_r_squared", "full"]
    assert abs(displayed_number(delta) - (results.full.r_squared - results.rfm_only.r_squared)) <= 0.0005
    assert abs(displayed_number(rows.loc["nested_f", "full"]) - results.nested.f) <= 0.05
    assert rows.loc["delta_r_squared", "rfm_only"] == ""
    assert f"{results.nested.df_num}," in rows.loc["nested_f", "label"]


# ---- segment effects ---------------------------------------------------------------------------

def test_segment_effects_cover_every_pair_with_holm_p_at_least_raw_p(results):
    rows = tables.segment_effect_rows(results)
    pairs = {frozenset(pair) for pair in zip(rows["segment"], rows["versus"])}
    assert pairs == {frozenset(pair) for pair in combinations(results.levels, 2)}
    assert (results.contrasts["p_holm"] >= results.contrasts["p"] - 1e-15).all()
    for raw, holm in zip(rows["p"], rows["p_holm"]):
        assert displayed_number(holm) >= displayed_number(raw)
    assert "Holm p" in rendered(results, "segment_effects")


def test_reference_pairs_read_as_segment_minus_reference_like_the_coefficients(results):
    rows = tables.segment_effect_rows(results)
    against = rows[rows["versus"] == results.reference]
    assert len(against) == len(results.levels) - 1
    assert rows.index[rows["versus"] == results.reference].to_list() == list(range(len(against)))
    coefficients = tables.coefficient_rows(results).set_index("term")
    for row in against.itertuples():
        assert row.difference == coefficients.loc[segment_term(row.segment), "estimate"]


# ---- misaligned customers and segment profile ------------------------------------------------

def test_misaligned_customers_are_flagged_and_ranked(results):
    rows = tables.misaligned_customer_rows(results, top=10)
    assert len(rows) == min(10, results.misaligned_count())
    flagged = results.customers.set_index("CustomerID")
    assert flagged.loc[rows["CustomerID"], "misaligned"].all()
    assert (flagged.loc[rows["CustomerID"], "Segment"].to_list() == rows["segment"].to_list())
    with pytest.raises(ValueError, match="at least 1"):
        tables.misaligned_customer_rows(results, top=0)


def test_misaligned_counts_add_up_to_the_flagged_total(results):
    rows = tables.misaligned_count_rows(results)
    by_segment = rows.iloc[:-1]
    assert by_segment["segment"].to_list() == list(results.levels)
    counts = [int(c.replace(",", "")) for c in by_segment["misaligned"]]
    assert counts == [results.misaligned_count(level) for level in results.levels]
    assert int(rows.iloc[-1]["misaligned"].replace(",", "")) == sum(counts) == results.misaligned_count()


def test_target_lists_table_counts_every_list_member(results):
    targeting = build_targeting(results)
    rows = tables.target_list_rows(results, targeting)
    assert rows["key"].to_list() == [target.key for target in targeting.lists]
    sizes = [int(c.replace(",", "")) for c in rows["customers"]]
    assert sizes == [target.size for target in targeting.lists]
    assert sum(sizes) <= results.n, "a customer is on at most one list"
    for row, target in zip(rows.itertuples(), targeting.lists):
        assert abs(displayed_number(row.value_total) - target.expected_value_total) <= 0.5


def test_profile_shares_sum_to_one_hundred_percent(results):
    rows = tables.segment_profile_rows(results)
    segments, total = rows.iloc[:-1], rows.iloc[-1]
    rounding = 0.05 * len(segments) + 1e-9
    for column in ("share", "value_share"):
        assert abs(sum(displayed_number(v) for v in segments[column]) - 100) <= rounding
        assert total[column] == "100.0%"
    assert sum(int(c.replace(",", "")) for c in segments["customers"]) == results.n
    high = results.customers[results.customers["Segment"] == segments.iloc[0]["segment"]]
    assert abs(displayed_number(segments.iloc[0]["recency_median"]) - high["Recency"].median()) <= 0.05


# ---- PDF route: Pandoc HTML reader → Typst ----------------------------------------------------

def body_columns(page: str) -> int:
    """Cells in the first data row of the HTML table (row-group heading rows skipped)."""
    body = page[page.index("<tbody"):]
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        return len(re.findall(r"<t[dh][\s>]", row))
    raise AssertionError("no data row")


def html_to_typst(html: str) -> str:
    """Pandoc's HTML reader and Typst writer, the pinned binary the renderer uses."""
    return run_pandoc(["-f", "html", "-t", "typst"], html, "table test")


@pytest.mark.parametrize("name", list(BUILDERS))
def test_each_table_survives_pandoc_as_a_real_typst_table(results, name):
    table = BUILDERS[name](results)
    typst_source = html_to_typst(table.as_raw_html())
    assert "#table(" in typst_source and "kind: table" in typst_source
    text = flat(typst_source)
    assert flat(title_of(table.as_raw_html())) in text, "title lost"
    if name not in DESCRIPTIVE:
        assert f"N = {results.n:,} customers" in text, "source note lost"
    else:
        assert "basket is the average order value" in text, "source note lost"
    assert not re.search(r"<(table|tr|td|th|style)[\s>]", typst_source), "raw HTML leaked"
    assert f"columns: {body_columns(table.as_raw_html())}," in typst_source


def test_converted_tables_compile_to_pdf(results, tmp_path):
    parts = [html_to_typst(builder(results).as_raw_html())
             for builder in BUILDERS.values()]
    source = tmp_path / "tables.typ"
    source.write_text("\n".join(parts), encoding="utf-8")
    pdf = typst.compile(str(source))
    assert pdf[:5] == b"%PDF-" and len(pdf) > 5000


# ---- escaping ----------------------------------------------------------------------------------

class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)


SAFE_TAGS = {"div", "style", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "span", "colgroup", "col"}


def tags_in(page: str) -> set[str]:
    collector = _TagCollector()
    collector.feed(page)
    return collector.tags


def test_customer_ids_are_escaped_in_the_misaligned_table(hostile):
    rows = tables.misaligned_customer_rows(hostile)
    assert rows["CustomerID"].str.startswith("<img").any(), "the hostile IDs should reach the table"
    page = tables.misaligned_customers(hostile).as_raw_html()
    assert tags_in(page) <= SAFE_TAGS
    assert "<img" not in page.lower()
    assert "&lt;img src=x onerror=alert(" in page


def test_segment_labels_are_escaped_in_every_table(results):
    relabelled = relabel_segment(relabel_segment(results, "At Risk", HOSTILE_IMG), results.reference,
                                 HOSTILE_ATTRIBUTE)
    for name in BUILDERS:
        page = rendered(relabelled, name)
        assert tags_in(page) <= SAFE_TAGS, name
        assert "<img" not in page.lower() and "<script" not in page.lower(), name
        if name not in WITHOUT_SEGMENT_LABELS:
            assert html.escape(HOSTILE_IMG, quote=False) in page, f"{name}: the label should still show, as text"
