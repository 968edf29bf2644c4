"""A small Online Retail order log whose customer table was worked out by hand.

As of 2011-06-30 the 12-month window is 2010-07-01 .. 2011-06-30 and the 6-month
holdout 2011-07-01 .. 2011-12-30. Hand-checked answers (see HAND_CHECKED):

* 12345 – two invoices on 2011-06-01 (same day, two orders): 6 x 2.55 + 4 x 1.25 = 20.30
  and 1 x 10.00; a cancellation C100003 of 1 x 22086 on 2011-06-05, which matches no
  invoice 100003 and so nets by customer, product and quantity against 100002: that
  order nets to 0 and is no order; one duplicated line (removed); an order before the
  window (2010-03-01, 15.00); a holdout order (written "12345.0", 2 x 7.50 = 15.00) and
  one after the holdout (ignored).
  Recency 29, Frequency 1, MonetaryValue 20.30, CustomerValue 0.3 x 20.30 + 15.00 = 21.09.
* 23456 – one order on 2010-12-25 of 99.99 and a zero-price line (removed).
  Recency 187, Frequency 1, MonetaryValue 99.99, CustomerValue 0.3 x 99.99 = 30.00 (29.997).
* 34567 – lapsed: only 2010-05-10 (40.00) before the window, and 5.00 in the holdout.
  Recency 416, Frequency 0, MonetaryValue 0, CustomerValue 5.00.
* 45678 – three orders of 10.00, 10.00, 10.01: MonetaryValue 30.01 / 3 = 10.00 (to the cent),
  Recency 112, CustomerValue 0.3 x 30.01 = 9.00 (9.003).
* 67890 – an order on 2010-06-30 (window start, excluded) and one on the as-of day (8.00):
  Recency 0, Frequency 1, MonetaryValue 8.00, CustomerValue 2.40.
* 56789 – first order after the as-of date: not a customer yet, not in the table.
* one line without a customer (removed).
"""
from __future__ import annotations

import csv
from pathlib import Path

from analysis.orders.cancellations import CancellationCounts

COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
           "CustomerID", "Country"]
AS_OF = "2011-06-30"

ROWS = [
    # 12345
    ["100001", "85123A", "WHITE HANGING HEART", "6", "6/1/2011 9:00", "2.55", "12345", "United Kingdom"],
    ["100001", "71053", "WHITE METAL LANTERN", "4", "6/1/2011 9:00", "1.25", "12345", "United Kingdom"],
    ["100001", "85123A", "WHITE HANGING HEART", "6", "6/1/2011 9:00", "2.55", "12345", "United Kingdom"],
    ["100002", "22086", "PAPER CHAIN KIT", "1", "6/1/2011 15:30", "10.00", "12345", "United Kingdom"],
    ["C100003", "22086", "PAPER CHAIN KIT", "-1", "6/5/2011 10:00", "10.00", "12345", "United Kingdom"],
    ["100004", "84029G", "KNITTED UNION FLAG", "3", "3/1/2010 11:00", "5.00", "12345", "United Kingdom"],
    ["100005", "21730", "GLASS STAR FROSTED", "2", "8/15/2011 12:00", "7.50", "12345.0", "United Kingdom"],
    ["100006", "21730", "GLASS STAR FROSTED", "100", "2/1/2012 12:00", "1.00", "12345", "United Kingdom"],
    # 23456
    ["100010", "22752", "SET 7 BABUSHKA", "1", "12/25/2010 10:00", "99.99", "23456", "France"],
    ["100011", "POST", "POSTAGE", "1", "2/1/2011 10:00", "0.00", "23456", "France"],
    # 34567
    ["100020", "21754", "HOME BUILDING BLOCK", "2", "5/10/2010 10:00", "20.00", "34567", "Germany"],
    ["100021", "21755", "LOVE BUILDING BLOCK", "1", "7/1/2011 10:00", "5.00", "34567", "Germany"],
    # 45678
    ["100030", "22960", "JAM MAKING SET", "1", "1/10/2011 10:00", "10.00", "45678", "United Kingdom"],
    ["100031", "22960", "JAM MAKING SET", "1", "2/10/2011 10:00", "10.00", "45678", "United Kingdom"],
    ["100032", "22961", "JAM JAR", "1", "3/10/2011 10:00", "10.01", "45678", "United Kingdom"],
    # 67890
    ["100040", "22913", "RED COAT RACK", "1", "6/30/2010 10:00", "50.00", "67890", "United Kingdom"],
    ["100041", "22914", "BLUE COAT RACK", "1", "6/30/2011 16:00", "8.00", "67890", "United Kingdom"],
    # 56789: a customer only from after the as-of date
    ["100050", "22915", "GREEN COAT RACK", "1", "7/15/2011 10:00", "12.00", "56789", "United Kingdom"],
    # a guest checkout
    ["100060", "22916", "CAFÉ SIGN £5", "1", "4/1/2011 10:00", "5.00", "", "United Kingdom"],
]

HAND_CHECKED = {
    "12345": dict(Recency=29, Frequency=1, MonetaryValue=20.30, CustomerValue=21.09,
                  Revenue12m=20.30, HoldoutRevenue=15.00),
    "23456": dict(Recency=187, Frequency=1, MonetaryValue=99.99, CustomerValue=30.00,
                  Revenue12m=99.99, HoldoutRevenue=0.0),
    "34567": dict(Recency=416, Frequency=0, MonetaryValue=0.0, CustomerValue=5.00,
                  Revenue12m=0.0, HoldoutRevenue=5.00),
    "45678": dict(Recency=112, Frequency=3, MonetaryValue=10.00, CustomerValue=9.00,
                  Revenue12m=30.01, HoldoutRevenue=0.0),
    "67890": dict(Recency=0, Frequency=1, MonetaryValue=8.00, CustomerValue=2.40,
                  Revenue12m=8.00, HoldoutRevenue=0.0),
}

# Quintile scores over these five customers (rank 0..4 -> score 1..5; ties share the lower score)
# and the segments they map to.
HAND_CHECKED_SCORES = {
    "12345": (4, 2, 4, "Potential Loyalists", "Medium Value"),
    "23456": (2, 2, 5, "Hibernating", "Low Value"),
    "34567": (1, 1, 1, "Hibernating", "Low Value"),
    "45678": (3, 5, 3, "Loyal", "High Value"),
    "67890": (5, 2, 2, "Potential Loyalists", "Medium Value"),
}

HAND_CHECKED_CLEANING = dict(lines_read=19, missing_customer=1, cancellations=1, non_positive=1,
                             duplicates=1, kept=15, dedupe=True, identical_kept=0,
                             netting=CancellationCounts(by_invoice=0, by_match=1, unmatched=0))


def write_log(path: Path, rows=ROWS, columns=COLUMNS, encoding: str = "utf-8") -> Path:
    """Write rows as CSV in the given encoding."""
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path
