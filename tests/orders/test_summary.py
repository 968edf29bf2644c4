"""The Segmentation chapter's numbers and renderers, and the chapter itself in both states."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from great_tables import GT
from matplotlib.figure import Figure
from rfm_fixtures import AS_OF

from analysis.orders import derive_customers
from analysis.orders import report as seg
from analysis.orders.segments import ACTIONS, CRM_LABEL_OF_SEGMENT, RFM_SEGMENTS, segment_of
from analysis.orders.summary import summarise, summary_from_environment
from analysis.orders.synthetic import generate_order_log

CHAPTER = Path(__file__).resolve().parents[2] / "chapters" / "segmentation.qmd"


@pytest.fixture(scope="module")
def generated_log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seg") / "orders.csv"
    generate_order_log(path, 30_000, seed=5)
    return path


@pytest.fixture(scope="module")
def summary(generated_log):
    return summarise(derive_customers(generated_log, "2011-06-30", with_activity=True))


def test_rf_map_covers_every_cell_once():
    cells = {(r, f): segment_of(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert set(cells.values()) == set(RFM_SEGMENTS)
    assert cells[(5, 5)] == "Champions" and cells[(1, 5)] == "Can't Lose Them" and cells[(3, 3)] == "Need Attention"
    assert set(CRM_LABEL_OF_SEGMENT) == set(RFM_SEGMENTS) == set(ACTIONS)


def test_shares_add_up_and_match_the_customer_table(summary):
    segments = summary.segments
    assert list(segments["RFMSegment"]) == list(RFM_SEGMENTS)
    assert segments["customers"].sum() == summary.customers
    assert segments["customer_share"].sum() == pytest.approx(1.0)
    assert segments["revenue_share"].sum() == pytest.approx(1.0)
    assert summary.labels["customers"].sum() == summary.customers
    # The top 20% of customers bring more than 20% of revenue in any skewed customer base.
    assert summary.top_revenue_share > summary.top_customer_share


def test_monthly_activity_counts_new_customers_once(summary, generated_log):
    monthly = summary.monthly
    assert (monthly["new_customers"] <= monthly["active_customers"]).all()
    assert monthly["new_customer_ratio"].between(0, 1).all()
    assert monthly["month"].is_monotonic_increasing and monthly["month"].iloc[-1] <= "2011-06"
    # Every customer is new exactly once: in the month of their first order.
    assert monthly["new_customers"].sum() == summary.customers


def test_headline_quotes_the_same_numbers_as_the_tables(summary):
    text = seg.headline(summary)
    high = summary.high_value
    assert f"{100 * summary.top_revenue_share:.1f}% of the last 12 months' revenue" in text
    assert f"{100 * high['revenue_share']:.1f}%" in text
    html = seg.size_table(summary).as_raw_html()
    champions = summary.segments.set_index("RFMSegment").loc["Champions"]
    assert f"{100 * champions['revenue_share']:.1f}%" in html


def test_renderers_return_tables_and_figures_with_fixed_ids(summary):
    for render, table_id in [(seg.size_table, "segmentation-sizes"), (seg.profile_table, "segmentation-profiles"),
                             (seg.action_table, "segmentation-actions"), (seg.cleaning_table, "segmentation-cleaning")]:
        table = render(summary)
        assert isinstance(table, GT)
        assert f'id="{table_id}"' in table.as_raw_html()
    assert isinstance(seg.share_figure(summary), Figure)
    assert len(seg.monthly_figure(summary).axes) == 3


def test_without_an_order_log_only_the_note_renders():
    assert summary_from_environment({}) is None
    note = seg.introduction(None)
    assert "ORDER_LOG" in note and "not" in note.lower()
    assert seg.size_table(None) is None and seg.monthly_figure(None) is None
    assert seg.section(None, "Title", "sec-x") == ""


def _chapter_code() -> list[str]:
    return re.findall(r"```\{python\}\n(.*?)```", CHAPTER.read_text(), flags=re.S)


@pytest.mark.parametrize("configured", [False, True])
def test_chapter_code_runs_in_both_states(configured, generated_log, monkeypatch, capsys):
    if configured:
        monkeypatch.setenv("ORDER_LOG", str(generated_log))
        monkeypatch.setenv("ORDER_LOG_AS_OF", "2011-06-30")
    else:
        monkeypatch.delenv("ORDER_LOG", raising=False)
    namespace: dict = {}
    results = []
    for chunk in _chapter_code():
        body = "\n".join(line for line in chunk.splitlines() if not line.startswith("#|"))
        exec(compile(body, str(CHAPTER), "exec"), namespace)  # noqa: S102 – our own chapter
        last = body.strip().splitlines()[-1]
        if not last.startswith(("print(", "from ", "import ", "s =", " ")) and "=" not in last.split("(")[0]:
            results.append(eval(last, namespace))  # noqa: S307 – the chunk's displayed value
    printed = capsys.readouterr().out
    if configured:
        assert "## Segment sizes and revenue shares" in printed and "@tbl-segmentation-sizes" in printed
        assert sum(isinstance(r, GT) for r in results) == 4 and sum(isinstance(r, Figure) for r in results) == 2
    else:
        assert "No order log configured" in printed and "##" not in printed.replace("## No order", "")
        assert all(r is None for r in results)


def test_a_relative_order_log_is_taken_from_the_project_root(generated_log, monkeypatch):
    from analysis.config import ROOT

    relative = Path("benchmarks/out/test_relative_orders.csv")
    (ROOT / relative).parent.mkdir(parents=True, exist_ok=True)
    (ROOT / relative).write_bytes(generated_log.read_bytes())
    try:
        monkeypatch.chdir(ROOT / "chapters")  # where Quarto runs a chapter
        summary = summary_from_environment({"ORDER_LOG": str(relative), "ORDER_LOG_AS_OF": AS_OF})
        assert summary is not None and summary.customers > 0
    finally:
        (ROOT / relative).unlink()


def test_the_chapter_names_its_snapshot(generated_log):
    from analysis.data import file_sha256

    summary = summary_from_environment({"ORDER_LOG": str(generated_log), "ORDER_LOG_AS_OF": AS_OF})
    assert summary.snapshot_sha256 == file_sha256(generated_log)
    assert f"`{summary.snapshot_sha256[:12]}`" in seg.scope(summary)
    assert f"{summary.cleaning.lines_read:,} order lines" in seg.scope(summary)
