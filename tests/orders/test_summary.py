"""The Segmentation chapter's entry point, its failure modes and the chapter file itself."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from chapter_fixtures import AS_OF, write_chapter_log
from great_tables import GT
from matplotlib.figure import Figure

from analysis.errors import DataValidationError, OrderLogError
from analysis.orders import summary as summary_module
from analysis.orders.segments import ACTIONS, CRM_LABEL_OF_SEGMENT, RFM_SEGMENTS, segment_of
from analysis.orders.summary import build_summary, order_log_location, summary_from_environment

CHAPTER = Path(__file__).resolve().parents[2] / "chapters" / "segmentation.qmd"
CHUNK = re.compile(r"```\{python\}\n(.*?)```", flags=re.S)
INLINE = re.compile(r"`\{python\}\s+(?P<expr>[^`]+?)\s*`")


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Path:
    return write_chapter_log(tmp_path_factory.mktemp("seg") / "orders.csv")


@pytest.fixture(scope="module")
def labels(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("labels") / "customers.csv"
    pd.DataFrame({"CustomerID": ["1001", "1002", "1003", "1007", "9999"],
                  "Segment": ["At Risk", "high value", "High Value", "Low Value", "Medium Value"]}).to_csv(path, index=False)
    return path


def test_rf_map_covers_every_cell_once():
    cells = {(r, f): segment_of(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert set(cells.values()) == set(RFM_SEGMENTS)
    assert cells[(5, 5)] == "Champions" and cells[(1, 5)] == "Can't Lose Them" and cells[(3, 3)] == "Need Attention"
    assert set(CRM_LABEL_OF_SEGMENT) == set(RFM_SEGMENTS) == set(ACTIONS)


def test_segment_table_adds_up_and_has_medians(log, labels):
    s = build_summary(str(log), AS_OF, labels_path=labels)
    segments = s.segments
    assert list(segments["RFMSegment"]) == list(RFM_SEGMENTS)
    assert segments["customers"].sum() == s.customers == 10
    assert segments["customer_share"].sum() == pytest.approx(1.0)
    assert segments["revenue_share"].sum() == pytest.approx(1.0)
    from analysis.orders import derive_customers

    customers = derive_customers(log, AS_OF).customers
    medians = customers.groupby("RFMSegment")[["Recency", "Frequency", "MonetaryValue"]].median()
    indexed = segments.set_index("RFMSegment")
    for segment, row in medians.iterrows():
        assert indexed.loc[segment, "recency_median"] == row["Recency"]
        assert indexed.loc[segment, "frequency_median"] == row["Frequency"]
        assert indexed.loc[segment, "monetary_median"] == pytest.approx(row["MonetaryValue"], abs=1e-9)


def test_crosstab_counts_the_join_on_customer_id(log, labels):
    s = build_summary(str(log), AS_OF, labels_path=labels)
    from analysis.orders import derive_customers

    customers = derive_customers(log, AS_OF).customers
    crm = pd.read_csv(labels, dtype=str)
    crm["Segment"] = crm["Segment"].str.title()
    joined = customers.merge(crm.rename(columns={"Segment": "CRM"}), on="CustomerID")
    c = s.crosstab
    assert c.available and c.matched == len(joined) == 4 and c.customers == 10
    for row in joined.itertuples():
        assert c.counts.loc[row.RFMSegment, row.CRM] >= 1
    assert c.counts.to_numpy().sum() == 4
    agreeing = (joined["RFMSegment"].map(CRM_LABEL_OF_SEGMENT) == joined["CRM"]).sum()
    assert c.agreeing == agreeing


def test_labels_without_customer_ids_or_with_no_overlap_are_unavailable(log, tmp_path):
    no_ids = tmp_path / "no_ids.csv"
    pd.DataFrame({"Segment": ["High Value"]}).to_csv(no_ids, index=False)
    assert not build_summary(str(log), AS_OF, labels_path=no_ids).crosstab.available
    other = tmp_path / "other.csv"
    pd.DataFrame({"CustomerID": ["C1"], "Segment": ["High Value"]}).to_csv(other, index=False)
    c = build_summary(str(log), AS_OF, labels_path=other).crosstab
    assert not c.available and c.matched == 0 and c.counts.to_numpy().sum() == 0


def test_a_bad_crm_label_names_file_column_and_rows(log, tmp_path):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"CustomerID": ["1001", "1002"], "Segment": ["High Value", "Platinum"]}).to_csv(bad, index=False)
    with pytest.raises(DataValidationError, match=r"'Segment'.*rows 3\)"):
        build_summary(str(log), AS_OF, labels_path=bad)


def test_default_log_is_used_when_order_log_is_unset(log, monkeypatch):
    monkeypatch.setattr(summary_module, "DEFAULT_ORDER_LOG", log)
    assert order_log_location({}) == (str(log), False)
    s = summary_from_environment({"ORDER_LOG_AS_OF": AS_OF})
    assert not s.configured and s.location == str(log) and s.customers == 10


def test_missing_default_log_fails_instead_of_an_empty_chapter(tmp_path, monkeypatch):
    monkeypatch.setattr(summary_module, "DEFAULT_ORDER_LOG", tmp_path / "absent.parquet")
    with pytest.raises(OrderLogError, match="default order log is missing"):
        summary_from_environment({})


def test_a_configured_log_that_breaks_a_rule_fails_with_rule_column_and_lines(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("InvoiceNo,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
                   "1,1,6/1/2011 9:00,2.50,17850\n1,1,not a date,2.50,17850\n")
    with pytest.raises(OrderLogError) as raised:
        summary_from_environment({"ORDER_LOG": str(bad)})
    message = str(raised.value)
    assert message.startswith("Segmentation chapter, $ORDER_LOG:")
    assert "column 'InvoiceDate'" in message and "unparsable dates" in message and "line 3: 'not a date'" in message


def test_a_relative_order_log_is_taken_from_the_project_root(log, monkeypatch):
    from analysis.config import ROOT

    relative = Path("benchmarks/out/test_relative_orders.csv")
    (ROOT / relative).parent.mkdir(parents=True, exist_ok=True)
    (ROOT / relative).write_bytes(log.read_bytes())
    try:
        monkeypatch.chdir(ROOT / "chapters")  # where Quarto runs a chapter
        s = summary_from_environment({"ORDER_LOG": str(relative), "ORDER_LOG_AS_OF": AS_OF})
        assert s.configured and s.customers == 10
    finally:
        (ROOT / relative).unlink()


def test_the_chapter_names_its_snapshot(log, labels):
    from analysis.data import file_sha256
    from analysis.orders import report

    s = summary_from_environment({"ORDER_LOG": str(log), "ORDER_LOG_AS_OF": AS_OF, "CUSTOMER_DATA": str(labels)})
    assert s.snapshot_sha256 == file_sha256(log)
    html = report.snapshot_table(s).as_raw_html()
    assert s.snapshot_sha256[:16] in html and "20 / 18" in html and str(labels) in html


def _chapter_parts() -> tuple[list[str], str]:
    text = CHAPTER.read_text()
    return CHUNK.findall(text), CHUNK.sub("", text)


def test_chapter_runs_with_every_value_and_cross_reference(log, labels, monkeypatch, capsys):
    monkeypatch.setenv("ORDER_LOG", str(log))
    monkeypatch.setenv("ORDER_LOG_AS_OF", AS_OF)
    monkeypatch.setenv("CUSTOMER_DATA", str(labels))
    chunks, prose = _chapter_parts()
    namespace: dict = {}
    shown = []
    for chunk in chunks:
        options = [line for line in chunk.splitlines() if line.startswith("#|")]
        body = "\n".join(line for line in chunk.splitlines() if not line.startswith("#|"))
        exec(compile(body, str(CHAPTER), "exec"), namespace)  # noqa: S102 – our own chapter
        label = next((o.split(":", 1)[1].strip() for o in options if o.startswith("#| label:")), None)
        if label:
            shown.append((label, eval(body.strip().splitlines()[-1], namespace)))  # noqa: S307
    values = [eval(m["expr"], namespace) for m in INLINE.finditer(prose)]  # noqa: S307
    assert all(isinstance(v, str) for v in values)
    # Inline values are plain text: no Markdown, no HTML.
    assert not [v for v in values if re.search(r"[*_`<>\[\]#|]", v)]
    filled = INLINE.sub(lambda m: str(eval(m["expr"], namespace)), prose)  # noqa: S307
    assert "not configured" not in filled.lower() and "None" not in filled
    assert len(shown) >= 8
    assert sum(isinstance(o, Figure) for _, o in shown) >= 6 and sum(isinstance(o, GT) for _, o in shown) >= 6
    for label, _ in shown:
        assert label.startswith(("fig-segmentation-", "tbl-segmentation-"))
        assert f"@{label}" in prose, f"{label} is never referenced in the text"
    assert "fig-segmentation-cohorts" in dict(shown) and "fig-segmentation-lorenz" in dict(shown)
    capsys.readouterr()


def test_chapter_types_no_number():
    _, prose = _chapter_parts()
    text = INLINE.sub("", prose)
    text = re.sub(r"\{#[^}]+\}|@[\w-]+|`[^`]*`|\[[^\]]*\]\([^)]*\)", "", text)
    # Only the scale's fixed words may carry digits: scores 1-5, the R x F corners, 12 months,
    # the 30-day bins, the 60/90/120-day thresholds and the Pareto 80%.
    allowed = {"1", "5", "12", "30", "60", "90", "120", "80"}
    digits = set(re.findall(r"\d+", text.split("---", 2)[2]))
    assert digits <= allowed, digits - allowed


def test_the_summary_is_cached_by_content_so_a_changed_log_or_label_file_is_never_served_stale(tmp_path, labels):
    from analysis.orders import summary_cache

    log = write_chapter_log(tmp_path / "orders.csv")
    environ = {"ORDER_LOG": str(log), "ORDER_LOG_AS_OF": AS_OF, "CUSTOMER_DATA": str(labels)}
    key = summary_cache.summary_cache_key(str(log), AS_OF, [], labels.resolve(), True)
    entry = summary_cache.SUMMARY_CACHE_DIR / f"{key}.pkl"
    entry.unlink(missing_ok=True)
    first = summary_from_environment(environ)
    assert entry.is_file()  # the second page reads this instead of re-deriving the log
    again = summary_from_environment(environ)
    assert again.customers == first.customers and again.revenue == first.revenue
    assert again.segments.equals(first.segments)
    # The same log with its last order line gone: a new key, new numbers.
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    log.write_text("".join(lines[:-1]), encoding="utf-8")
    assert summary_cache.summary_cache_key(str(log), AS_OF, [], labels.resolve(), True) != key
    shorter = summary_from_environment(environ)
    assert shorter.cleaning.lines_read == first.cleaning.lines_read - 1
    # A different label file: a new key too (the crosstab joins the labels).
    other = tmp_path / "labels.csv"
    other.write_text(labels.read_text(encoding="utf-8").replace("At Risk", "Low Value"), encoding="utf-8")
    assert summary_cache.summary_cache_key(str(log), AS_OF, [], other, True) != \
        summary_cache.summary_cache_key(str(log), AS_OF, [], labels.resolve(), True)


def test_a_broken_log_is_reported_every_time_and_nothing_is_cached(tmp_path):
    bad = tmp_path / "orders.csv"
    bad.write_text("not,an,order,log\n1,2,3,4\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(OrderLogError):
            summary_from_environment({"ORDER_LOG": str(bad)})
