"""Every number the chapter's prose states, against pandas on the hand-made log; both directions of each rule."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from chapter_fixtures import (AS_OF, concentration_reference, cohort_reference, customer_frame, orders_frame,
                              write_chapter_log)

from analysis.orders import words as w
from analysis.orders.summary import build_summary


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    return write_chapter_log(tmp_path_factory.mktemp("words") / "orders.csv")


@pytest.fixture(scope="module")
def labels(tmp_path_factory):
    path = tmp_path_factory.mktemp("labels") / "customers.csv"
    pd.DataFrame({"CustomerID": ["1001", "1002", "1003", "1007"],
                  "Segment": ["At Risk", "High Value", "High Value", "Low Value"]}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def s(log, labels):
    return build_summary(str(log), AS_OF, labels_path=labels)


def pct(x):
    return f"{100 * x:.1f}%"


def with_concentration(s, **changes):
    c = dataclasses.replace(s.aggregates.concentration, **changes)
    return dataclasses.replace(s, aggregates=dataclasses.replace(s.aggregates, concentration=c))


def test_scope_numbers(s):
    c = customer_frame()
    assert w.customers(s) == f"{len(c)}" == "10"
    assert w.lines_read(s) == "20" and w.kept_share(s) == pct(18 / 20)
    assert w.revenue(s) == f"${c['Revenue12m'].sum():,.0f}"
    o = orders_frame()
    assert w.first_day(s) == "2010-02-01" and w.last_day(s) == "2011-07-10" and w.as_of(s) == AS_OF
    assert o["day"].min().date().isoformat() == w.first_day(s)


def test_log_origin_both_ways(s):
    assert w.log_origin(s) == "the configured order log"
    assert w.log_origin(dataclasses.replace(s, configured=False)) == "the default order log of the simulated business"


def test_concentration_numbers(s):
    ref = concentration_reference()
    assert w.buyers(s) == str(ref["buyers"])
    assert w.top_share_of_buyers(s) == "20%"
    assert w.top_revenue_share(s) == pct(ref["top_revenue_share"])
    assert w.half_buyer_share(s) == pct(ref["half_buyers"] / ref["buyers"])
    assert w.gini(s) == f"{ref['gini']:.2f}"


def test_pareto_comparison_both_directions(s):
    assert s.aggregates.concentration.top_revenue_share < 0.8 and w.pareto_comparison(s) == "less than"
    assert w.pareto_comparison(with_concentration(s, top_revenue_share=0.86)) == "more than"
    assert w.pareto_comparison(with_concentration(s, top_revenue_share=0.8001)) == "exactly"


@pytest.mark.parametrize("gini, words", [(0.75, "highly concentrated"), (0.6, "highly concentrated"),
                                         (0.5, "concentrated"), (0.39, "fairly evenly spread"), (0.0, "fairly evenly spread")])
def test_gini_words_bands(s, gini, words):
    assert w.gini_words(with_concentration(s, gini=gini)) == words


def test_segment_sentences(s, log):
    from analysis.orders import derive_customers

    customers = derive_customers(log, AS_OF).customers
    sizes = customers["RFMSegment"].value_counts()
    assert w.largest_segment_share(s) == pct(sizes.max() / len(customers))
    assert sizes[w.largest_segment(s)] == sizes.max()
    revenue = customers.groupby("RFMSegment")["Revenue12m"].sum()
    assert w.top_revenue_segment(s) == revenue.idxmax()
    assert w.top_revenue_segment_share(s) == pct(revenue.max() / revenue.sum())
    high = customers[customers["Segment"] == "High Value"]
    assert w.high_value_customer_share(s) == pct(len(high) / len(customers))
    assert w.high_value_revenue_share(s) == pct(high["Revenue12m"].sum() / customers["Revenue12m"].sum())


def test_best_cell_sentence_all_directions(s, log):
    from analysis.orders import derive_customers

    customers = derive_customers(log, AS_OF).customers
    buyers = customers[customers["Frequency"] > 0]
    best = buyers[(buyers["R_score"] == 5) & (buyers["F_score"] == 5)]["MonetaryValue"]
    overall = buyers["MonetaryValue"].mean()
    sentence = w.best_cell_sentence(s)
    if best.empty:
        assert sentence.startswith("No buyer")
    else:
        assert f"${best.mean():,.2f} per order" in sentence and f"${overall:,.2f} of all buyers" in sentence
        assert ("more than" if best.mean() > overall else "less than") in sentence

    def with_best(value):
        grid = s.aggregates.rf_grid.copy()
        grid.loc[(grid["R_score"] == 5) & (grid["F_score"] == 5), "monetary_mean"] = value
        return dataclasses.replace(s, aggregates=dataclasses.replace(s.aggregates, rf_grid=grid))

    mean = s.aggregates.mean_order_value
    assert "more than" in w.best_cell_sentence(with_best(mean + 1))
    assert "less than" in w.best_cell_sentence(with_best(mean - 1))
    assert "the same as" in w.best_cell_sentence(with_best(mean))
    assert w.best_cell_sentence(with_best(np.nan)).startswith("No buyer falls")


def test_distribution_sentence_numbers(s):
    c = customer_frame()
    assert w.median_recency(s) == f"{c['Recency'].median():,.0f}"
    assert w.median_frequency(s) == f"{c['Frequency'].median():.0f}"
    buyers = c[c["Frequency"] > 0]
    assert w.median_monetary(s) == f"${buyers['MonetaryValue'].median():,.2f}"
    assert w.one_order_share(s) == pct((c["lifetime_orders"] == 1).mean())


def test_inactivity_numbers(s):
    c = customer_frame()
    for days in (60, 90, 120):
        inactive = c["Recency"] >= days
        assert w.inactive_share(s, days) == pct(inactive.mean())
        assert w.inactive_count(s, days) == str(inactive.sum())
        assert w.inactive_revenue(s, days) == f"${c.loc[inactive, 'Revenue12m'].sum():,.0f}"
        assert w.inactive_revenue_share(s, days) == pct(c.loc[inactive, "Revenue12m"].sum() / c["Revenue12m"].sum())


def test_retention_sentences_from_pandas_and_when_nothing_is_followed(s):
    ref = cohort_reference()
    sizes = ref[ref["age"] == 0].set_index("cohort")["active"]
    for age in (1, 3):
        cohorts = sorted(sizes.index)
        # Complete as of 2011-06-30 (a month end): cohort + age <= June 2011.
        followed = [c for c in cohorts if c + age <= 2011 * 12 + 5][-3:]
        size = sizes[followed].sum()
        active = ref[(ref["age"] == age) & ref["cohort"].isin(followed)]["active"].sum()
        sentence = w.retention_sentence(s, age)
        assert f"Of the {size} customers" in sentence and f"{pct(active / size)} ordered again {age} month" in sentence
    empty = dataclasses.replace(s.aggregates.cohorts, latest={1: None, 3: None})
    nothing = dataclasses.replace(s, aggregates=dataclasses.replace(s.aggregates, cohorts=empty))
    assert w.retention_sentence(nothing, 3) == ("No cohort has been followed for 3 full months yet, so retention "
                                                "after 3 months cannot be given.")
    single = dataclasses.replace(s.aggregates.cohorts, latest={1: ("2011-05", "2011-05", 4, 0.25)})
    one = dataclasses.replace(s, aggregates=dataclasses.replace(s.aggregates, cohorts=single))
    assert w.retention_sentence(one, 1) == ("Of the 4 customers acquired in the 2011-05 cohort, 25.0% ordered "
                                            "again 1 month after the month of their first order.")


def test_last_full_month_sentence_at_month_end_and_mid_month(s, log, labels):
    o = orders_frame()
    june = o[(o["day"] >= "2011-06-01") & (o["day"] <= "2011-06-30")]
    first = o.groupby("customer")["day"].min()
    new = sum(first[c] >= pd.Timestamp("2011-06-01") for c in june["customer"].unique())
    active = june["customer"].nunique()
    assert w.last_full_month_sentence(s) == (
        f"In 2011-06, the last full month, revenue was ${june['revenue'].sum():,.0f} from {active} active "
        f"customers, {pct(new / active)} of them ordering for the first time.")
    mid = build_summary(str(log), "2011-06-15", labels_path=labels)
    assert w.last_full_month_sentence(mid).startswith("In 2011-05, the last full month")
    none = dataclasses.replace(mid, monthly=mid.monthly[mid.monthly["month"] == "2011-06"])
    assert w.last_full_month_sentence(none) == "No calendar month of the log had ended by the as-of date."


def test_label_sentences_both_ways(s, log, tmp_path):
    c = s.crosstab
    assert w.labels_sentence(s).startswith(f"{c.matched} of the 10 customers of the log carry a CRM label")
    assert pct(c.agreement) in w.labels_sentence(s) and pct(1 - c.agreement) in w.labels_sentence(s)
    # 1001 is labelled At Risk and 1007 Low Value; whether they now buy like Champions/Loyal is in the cross-tab.
    assert w.label_lag_sentence(s).startswith(f"{c.at_risk_but_valuable} customers the CRM labels At Risk")
    assert f"and {c.high_but_lapsed} it labels High Value" in w.label_lag_sentence(s)
    no_ids = tmp_path / "no_ids.csv"
    pd.DataFrame({"Segment": ["High Value"]}).to_csv(no_ids, index=False)
    bare = build_summary(str(log), AS_OF, labels_path=no_ids)
    assert w.labels_sentence(bare).startswith("No CRM labels are available")
    assert w.label_lag_sentence(bare) == ""


def test_lag_counts_match_a_pandas_crosstab(s, log, labels):
    from analysis.orders import derive_customers

    customers = derive_customers(log, AS_OF).customers
    crm = pd.read_csv(labels, dtype=str).rename(columns={"Segment": "CRM"})
    joined = customers.merge(crm, on="CustomerID")
    valuable = joined["RFMSegment"].isin(["Champions", "Loyal"]) & joined["CRM"].isin(["At Risk", "Low Value"])
    lapsed = joined["RFMSegment"].isin(["At Risk", "Can't Lose Them", "Hibernating"]) & (joined["CRM"] == "High Value")
    assert (s.crosstab.at_risk_but_valuable, s.crosstab.high_but_lapsed) == (valuable.sum(), lapsed.sum())
    assert lapsed.sum() >= 1  # 1003 is lapsed and labelled High Value: the rule's "yes" side occurs
