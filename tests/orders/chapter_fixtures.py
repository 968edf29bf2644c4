"""A small hand-made order log for the Segmentation chapter, and its answers worked out in pandas.

Ten customers as of 2011-06-30 (a month end, so June is complete). Chosen so that the
chapter's edge cases occur: revenue ties (1001 and 1002 both 200.00; 1004 and 1006 both
40.00), a lapsed customer (1003), an order on the window's first day (1009) and on the
as-of day (1010), an order after the as-of date (1010, ignored), a cancellation that matches
no order (counted and dropped; netting has its own tests) and a guest line (cleaned away).

The reference functions below compute every number from these rows with plain pandas,
independently of the Ibis expressions they check.
"""
from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from rfm_fixtures import COLUMNS, write_log

AS_OF = "2011-06-30"
AS_OF_DATE = date(2011, 6, 30)

# (invoice, date m/d/Y, quantity, unit price, customer)
ORDERS = [
    ("200001", "8/15/2010 10:00", 5, 10.00, "1001"),
    ("200002", "1/10/2011 10:00", 1, 50.00, "1001"),
    ("200003", "6/20/2011 10:00", 4, 25.00, "1001"),
    ("200004", "6/29/2011 10:00", 2, 100.00, "1002"),
    ("200005", "2/1/2010 10:00", 3, 10.00, "1003"),
    ("200006", "3/5/2011 10:00", 1, 10.00, "1004"),
    ("200007", "4/5/2011 10:00", 1, 10.00, "1004"),
    ("200008", "5/5/2011 10:00", 1, 10.00, "1004"),
    ("200009", "6/5/2011 10:00", 1, 10.00, "1004"),
    ("200010", "2/14/2011 10:00", 3, 25.00, "1005"),
    ("200011", "12/1/2010 10:00", 1, 20.00, "1006"),
    ("200012", "1/2/2011 10:00", 1, 20.00, "1006"),
    ("200013", "5/31/2011 10:00", 1, 500.00, "1007"),
    ("200014", "11/11/2010 10:00", 1, 15.00, "1008"),
    ("200015", "7/1/2010 10:00", 1, 60.00, "1009"),
    ("200016", "4/1/2011 10:00", 2, 30.00, "1009"),
    ("200017", "6/30/2011 16:00", 1, 5.00, "1010"),
    ("200018", "7/10/2011 10:00", 1, 99.00, "1010"),  # after as-of: in no chapter number
]
NOISE = [
    ("C200019", "6/21/2011 10:00", -3, 25.00, "1001"),  # cancellation matching no order
    ("200020", "6/1/2011 10:00", 1, 12.00, ""),          # guest checkout
]


def rows(orders=ORDERS + NOISE) -> list[list[str]]:
    return [[invoice, "22086", "ITEM", str(q), day, f"{p:.2f}", customer, "United Kingdom"]
            for invoice, day, q, p, customer in orders]


def write_chapter_log(path):
    return write_log(path, rows=rows(), columns=COLUMNS)


# ---------------------------------------------------------------------------------------
# Independent answers, from the clean orders with pandas.

def orders_frame() -> pd.DataFrame:
    frame = pd.DataFrame(ORDERS, columns=["invoice", "at", "quantity", "price", "customer"])
    frame["day"] = pd.to_datetime(frame["at"], format="%m/%d/%Y %H:%M").dt.normalize()
    frame["revenue"] = frame["quantity"] * frame["price"]
    return frame[frame["day"] <= pd.Timestamp(AS_OF_DATE)]


def customer_frame() -> pd.DataFrame:
    """Recency, 12-month frequency and revenue per customer, from first principles."""
    o = orders_frame()
    window_start = pd.Timestamp("2010-06-30")  # exclusive
    in_window = o[o["day"] > window_start]
    frame = pd.DataFrame({
        "Recency": (pd.Timestamp(AS_OF_DATE) - o.groupby("customer")["day"].max()).dt.days,
        "Frequency": in_window.groupby("customer")["invoice"].nunique(),
        "Revenue12m": in_window.groupby("customer")["revenue"].sum(),
        "lifetime_orders": o.groupby("customer")["invoice"].nunique(),
    }).fillna(0)
    frame["MonetaryValue"] = np.where(frame["Frequency"] > 0, frame["Revenue12m"] / frame["Frequency"].clip(lower=1), 0)
    return frame


def concentration_reference() -> dict:
    revenue = customer_frame()["Revenue12m"]
    x = np.sort(revenue[revenue > 0].to_numpy())[::-1]
    n, total = len(x), x.sum()
    top = math.ceil(n / 5)
    cumulative = np.cumsum(x)
    # Gini from its definition: mean absolute difference over twice the mean.
    gini = np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean())
    return {"buyers": n, "revenue": total, "top_buyers": top, "top_revenue_share": cumulative[top - 1] / total,
            "half_buyers": int(np.argmax(cumulative >= total / 2)) + 1, "gini": gini}


def cohort_reference() -> pd.DataFrame:
    """Active customers per (cohort month, months since) from the orders."""
    o = orders_frame()
    o["month"] = o["day"].dt.year * 12 + o["day"].dt.month - 1
    active = o[["customer", "month"]].drop_duplicates()
    active["cohort"] = active.groupby("customer")["month"].transform("min")
    active["age"] = active["month"] - active["cohort"]
    return active.groupby(["cohort", "age"]).size().rename("active").reset_index()
