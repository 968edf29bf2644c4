"""A seeded simulated business: the order log of a subscription e-commerce brand.

One home for every synthetic order log: the default data (``data/orders.parquet``,
written by :mod:`analysis.orders.default_data`), the tests and the benchmark.

Customers follow a buy-till-you-die process, the Pareto/NBD of Schmittlein, Morrison
and Colombo (1987): while alive, a customer orders as a Poisson process with her own
rate (rates gamma-distributed across customers); she stays alive for an exponential
lifetime whose dropout rate is also gamma-distributed. On top of that:

* **subscribers** (a share of new customers) get a monthly box on a near-regular
  cadence until they churn, and some **pause** for a few months and come back;
* **seasonality**: a monthly factor on ordering and on acquisition (a Q4 peak, a
  summer dip), applied by thinning the Poisson process;
* **new customers every month**, their number growing slowly;
* **a long right tail of spend**: each customer's mean basket is log-normal, each
  order's spend gamma around it (the gamma-gamma idea of Fader, Hardie and Lee 2005);
* **guest checkouts** (no customer id), **cancellations** (``C`` + the invoice number,
  or, as some systems do, ``C`` + a new number; some change the quantity and match
  nothing) and **duplicate scans** (a line repeated within its invoice).

Nothing here is tuned to make any model fit: the parameters describe the business.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DAY_US = 86_400 * 1_000_000
# Jan..Dec. Ordering peaks before Christmas and dips in summer; acquisition peaks in
# November (gifting) and January (resolutions).
ORDER_SEASON = (0.95, 0.85, 0.95, 0.95, 1.0, 0.9, 0.85, 0.85, 1.0, 1.05, 1.35, 1.5)
ACQUISITION_SEASON = (1.3, 1.0, 0.95, 0.9, 0.9, 0.8, 0.75, 0.8, 0.95, 1.05, 1.4, 1.25)
COUNTRIES = ("United States", "Canada", "United Kingdom")
COUNTRY_SHARES = (0.8, 0.12, 0.08)
BOXES = (("BOX-S", "SMALL MONTHLY BOX", 24.0), ("BOX-M", "MONTHLY BOX", 34.0), ("BOX-L", "LARGE MONTHLY BOX", 52.0))


@dataclass(frozen=True)
class BusinessParameters:
    """Everything that defines the simulated business (documented in ``data/README.md``)."""

    start: date = date(2023, 1, 1)
    months: int = 30
    new_customers_per_month: float = 260.0   # in the first month, before seasonality
    monthly_growth: float = 0.01
    subscriber_share: float = 0.35
    order_rate_shape: float = 0.8             # Pareto/NBD r: heterogeneity of shop-order rates
    mean_days_between_orders: float = 75.0    # shop orders, across customers
    dropout_shape: float = 1.5                # Pareto/NBD s: heterogeneity of dropout rates
    mean_lifetime_days: float = 420.0
    box_cadence_days: float = 30.0
    pause_share: float = 0.25                 # of subscribers, one pause each
    pause_days: tuple[int, int] = (45, 150)
    basket_median: float = 42.0               # USD, shop orders
    basket_log_sd: float = 0.75               # spread of customers' mean baskets
    order_spend_shape: float = 4.0            # gamma shape of one order's spend around the mean
    guest_order_share: float = 0.08
    cancellation_share: float = 0.03          # of orders with a customer
    cancel_new_number_share: float = 0.3      # credit note numbered afresh, not C + invoice
    cancel_quantity_change_share: float = 0.1
    duplicate_line_share: float = 0.008
    products: int = 300
    first_customer_id: int = 12001
    first_invoice: int = 100001

    @property
    def end(self) -> date:
        """First day after the log."""
        index = self.start.year * 12 + self.start.month - 1 + self.months
        return date(index // 12, index % 12 + 1, 1)


def simulate_order_log(params: BusinessParameters = BusinessParameters(), seed: int = 20240601) -> pa.Table:
    """The business's order lines, in the Online Retail layout, as an Arrow table.

    ``InvoiceDate`` is a timestamp; ``CustomerID`` is text, missing for guests. Lines are
    sorted by date and invoice number. Same parameters and seed, same table, bit for bit.
    """
    rng = np.random.default_rng(seed)
    start_us = _us(params.start)
    span_days = (params.end - params.start).days
    customers = _customers(rng, params, span_days)
    orders = _orders(rng, params, customers, span_days)
    lines = _lines(rng, params, orders, customers)
    lines = _cancellations(rng, params, lines)
    lines = _duplicate_scans(rng, params, lines)
    order = np.lexsort((lines["line"], lines["invoice_sort"], lines["at"]))
    lines = {name: values[order] for name, values in lines.items()}
    stock, description, box_price = _catalogue(params)
    customer_ids = np.where(lines["customer"] >= 0, lines["customer"] + params.first_customer_id, -1)
    return pa.table({
        "InvoiceNo": pa.array(lines["invoice"], pa.string()),
        "StockCode": pa.array(stock[lines["product"]], pa.string()),
        "Description": pa.array(description[lines["product"]], pa.string()),
        "Quantity": pa.array(lines["quantity"], pa.int64()),
        "InvoiceDate": pa.array(start_us + lines["at"], pa.timestamp("us")).cast(pa.timestamp("s"), safe=False),
        "UnitPrice": pa.array(np.round(lines["price"], 2), pa.float64()),
        "CustomerID": pc.cast(pa.array(customer_ids, pa.int64(), mask=customer_ids < 0), pa.string()),
        "Country": pa.array(np.array(COUNTRIES)[lines["country"]], pa.string()),
    })


def _us(day: date) -> int:
    return (day - date(1970, 1, 1)).days * DAY_US


def _season(params: BusinessParameters, day: np.ndarray, factors) -> np.ndarray:
    month = (np.datetime64(params.start, "D") + day.astype("int64")).astype("datetime64[M]").astype(int) % 12
    return np.asarray(factors)[month]


def _customers(rng, params: BusinessParameters, span_days: int) -> dict[str, np.ndarray]:
    """Arrival day, lifetime, rates and spend of every customer, in order of arrival."""
    month_starts = np.array([(np.datetime64(params.start, "M") + m).astype("datetime64[D]")
                             for m in range(params.months + 1)]) - np.datetime64(params.start, "D")
    month_starts = month_starts.astype(int)
    season = np.asarray(ACQUISITION_SEASON)[(params.start.month - 1 + np.arange(params.months)) % 12]
    arrivals = rng.poisson(params.new_customers_per_month * (1 + params.monthly_growth) ** np.arange(params.months)
                           * season)
    month = np.repeat(np.arange(params.months), arrivals)
    born = np.sort(month_starts[month] + rng.random(month.size) * np.diff(month_starts)[month])
    n = born.size
    dropout = rng.gamma(params.dropout_shape, 1 / (params.dropout_shape * params.mean_lifetime_days), n)
    rate = rng.gamma(params.order_rate_shape, 1 / (params.order_rate_shape * params.mean_days_between_orders), n)
    subscriber = rng.random(n) < params.subscriber_share
    pause_length = np.where(subscriber & (rng.random(n) < params.pause_share),
                            rng.integers(*params.pause_days, n), 0)
    lifetime = rng.exponential(1 / dropout)
    return {
        "born": born, "death": np.minimum(born + lifetime + pause_length, span_days), "rate": rate,
        "subscriber": subscriber, "box": rng.choice(len(BOXES), n, p=(0.3, 0.5, 0.2)),
        "pause_start": born + rng.random(n) * lifetime, "pause_length": pause_length,
        "basket": params.basket_median * np.exp(params.basket_log_sd * rng.standard_normal(n)),
        "country": rng.choice(len(COUNTRIES), n, p=COUNTRY_SHARES),
    }


def _orders(rng, params: BusinessParameters, c: dict, span_days: int) -> dict[str, np.ndarray]:
    """Order times (days since start): the first order, shop orders, boxes, guests."""
    n = c["born"].size
    alive = c["death"] - c["born"]
    top = max(ORDER_SEASON)
    # Shop orders: Poisson at rate x season while alive, drawn at the peak rate and thinned.
    counts = rng.poisson(c["rate"] * top * alive)
    who = np.repeat(np.arange(n), counts)
    at = c["born"][who] + rng.random(who.size) * alive[who]
    keep = rng.random(who.size) < _season(params, at, ORDER_SEASON) / top
    who, at = who[keep], at[keep]
    paused = (at >= c["pause_start"][who]) & (at < c["pause_start"][who] + c["pause_length"][who])
    shop_who, shop_at = who[~paused], at[~paused]
    # Boxes: every cadence from the first order, with a day or two of jitter, skipping the pause.
    subs = np.flatnonzero(c["subscriber"])
    boxes = np.floor(alive[subs] / params.box_cadence_days).astype(int)
    box_who = np.repeat(subs, boxes)
    k = np.arange(box_who.size) - np.repeat(np.cumsum(boxes) - boxes, boxes) + 1
    box_at = c["born"][box_who] + k * params.box_cadence_days + rng.normal(0, 1.5, box_who.size)
    pause_end = c["pause_start"][box_who] + c["pause_length"][box_who]
    box_at = np.where(box_at >= c["pause_start"][box_who], box_at + c["pause_length"][box_who], box_at)
    keep = (box_at < c["death"][box_who]) & (box_at < span_days) & ~((box_at >= c["pause_start"][box_who])
                                                                      & (box_at < pause_end))
    box_who, box_at = box_who[keep], box_at[keep]
    first_at = c["born"]
    members = np.concatenate([np.arange(n), shop_who, box_who])
    times = np.concatenate([first_at, shop_at, box_at])
    kind = np.concatenate([np.where(c["subscriber"], 1, 0), np.zeros(shop_who.size, int), np.ones(box_who.size, int)])
    # Guests: orders without an account, spread like everyone else's over the calendar.
    n_guests = int(round(params.guest_order_share * members.size / (1 - params.guest_order_share)))
    guest_at = rng.choice(times, n_guests) + rng.normal(0, 3, n_guests)
    members = np.concatenate([members, np.full(n_guests, -1)])
    times = np.clip(np.concatenate([times, guest_at]), 0, span_days - 1e-3)
    kind = np.concatenate([kind, np.zeros(n_guests, int)])
    # Orders happen in shop hours: 7:00 to 23:00, to the minute.
    minutes = np.floor(times) * 1440 + 420 + np.floor(rng.random(times.size) * 960)
    order = np.lexsort((members, minutes))
    return {"customer": members[order], "at": minutes[order].astype(np.int64) * 60_000_000,
            "kind": kind[order]}


def _catalogue(params: BusinessParameters):
    """Stock codes, descriptions and prices; box codes come first."""
    stock = np.array([code for code, _, _ in BOXES] + [str(21000 + i) for i in range(params.products)], dtype=object)
    names = ("MUG", "TEA TIN", "COFFEE BEANS", "CANDLE", "NOTEBOOK", "TOTE BAG", "GIFT CARD", "SNACK PACK")
    description = np.array([name for _, name, _ in BOXES]
                           + [f"{names[i % len(names)]} {i // len(names) + 1}" for i in range(params.products)],
                           dtype=object)
    # Prices from $2.50 to $60, log-spaced and scattered over the codes (popular is not cheap).
    spread = (np.arange(params.products) * 37 % params.products) / params.products
    prices = np.array([price for _, _, price in BOXES]
                      + list(np.round(2.5 * np.exp(np.log(60 / 2.5) * spread), 2)))
    return stock, description, prices


def _lines(rng, params: BusinessParameters, o: dict, c: dict) -> dict[str, np.ndarray]:
    """Lines of every order: a box line for boxes, shop items filling each order's spend."""
    _, _, prices = _catalogue(params)
    n_orders = o["customer"].size
    member = o["customer"] >= 0
    basket = np.where(member, c["basket"][np.maximum(o["customer"], 0)],
                      params.basket_median * np.exp(params.basket_log_sd * rng.standard_normal(n_orders)))
    spend = rng.gamma(params.order_spend_shape, basket / params.order_spend_shape)
    is_box = o["kind"] == 1
    items = np.where(is_box, rng.binomial(1, 0.3, n_orders) * (1 + rng.poisson(0.5, n_orders)),
                     1 + rng.poisson(1.6, n_orders))
    counts = items + is_box
    which = np.repeat(np.arange(n_orders), counts)
    line = np.arange(which.size) - np.repeat(np.cumsum(counts) - counts, counts)
    box_line = is_box[which] & (line == 0)
    popularity = 1 / np.arange(1, params.products + 1) ** 0.8
    product = len(BOXES) + rng.choice(params.products, which.size, p=popularity / popularity.sum())
    product = np.where(box_line, c["box"][np.maximum(o["customer"], 0)][which], product)
    share = rng.dirichlet(np.ones(3), which.size)[:, 0] * 3 / np.maximum(items[which], 1)
    quantity = np.where(box_line, 1, np.clip(np.round(share * spend[which] / prices[product]), 1, 48))
    country = np.where(member, c["country"][np.maximum(o["customer"], 0)], rng.choice(3, n_orders, p=COUNTRY_SHARES))
    number = np.arange(n_orders) + params.first_invoice
    return {"invoice": number[which].astype(str).astype(object), "invoice_sort": number[which],
            "line": line, "customer": o["customer"][which], "at": o["at"][which], "product": product,
            "quantity": quantity.astype(np.int64), "price": prices[product], "country": country[which]}


def _cancellations(rng, params: BusinessParameters, lines: dict) -> dict[str, np.ndarray]:
    """Credit notes: all or some lines of ~3% of member orders, a few days later, negated."""
    numbers = np.unique(lines["invoice_sort"][lines["customer"] >= 0])
    chosen = numbers[rng.random(numbers.size) < params.cancellation_share]
    picked = np.isin(lines["invoice_sort"], chosen)
    whole = np.isin(lines["invoice_sort"], chosen[rng.random(chosen.size) < 0.7])
    take = picked & (whole | (rng.random(picked.size) < 0.5))
    credit = {name: values[take].copy() for name, values in lines.items()}
    # A few days later, the same for every line of one credit note.
    delay = {number: rng.integers(0, 14) * DAY_US + rng.integers(1, 600) * 60_000_000 for number in chosen}
    credit["at"] = credit["at"] + np.array([delay[n] for n in credit["invoice_sort"]], dtype=np.int64)
    fresh = {number: rng.random() < params.cancel_new_number_share for number in chosen}
    last = int(lines["invoice_sort"].max())
    renumber = {number: last + 1 + i for i, number in enumerate(n for n in chosen if fresh[n])}
    credit["invoice_sort"] = np.array([renumber.get(n, n) for n in credit["invoice_sort"]], dtype=np.int64)
    credit["invoice"] = np.array(["C" + str(n) for n in credit["invoice_sort"]], dtype=object)
    changed = (rng.random(credit["quantity"].size) < params.cancel_quantity_change_share) & (credit["quantity"] > 1)
    credit["quantity"] = -np.where(changed, credit["quantity"] - 1, credit["quantity"])
    end_us = (params.end - params.start).days * DAY_US - 60_000_000
    keep = credit["at"] <= end_us
    return {name: np.concatenate([lines[name], credit[name][keep]]) for name in lines}


def _duplicate_scans(rng, params: BusinessParameters, lines: dict) -> dict[str, np.ndarray]:
    """A share of lines scanned twice: identical in every column, within the same invoice."""
    twice = rng.random(lines["quantity"].size) < params.duplicate_line_share
    return {name: np.concatenate([values, values[twice]]) for name, values in lines.items()}


def generate_order_log(path: Path, n_lines: int, seed: int = 20261123) -> None:
    """Write about ``n_lines`` lines of the business (2010-2011) as an Online Retail CSV.

    For tests and the benchmark: the default business over 24 months from 2010-01-01,
    with arrivals scaled to the line count, six-digit customer ids, dates as month/day/year text (as Online
    Retail exports have them, so parsing cost is realistic) and ~20% guest orders.
    """
    base = BusinessParameters(start=date(2010, 1, 1), months=24, guest_order_share=0.2)
    per_customer = 20.4  # lines per customer (guests included) with these parameters, measured
    scale = n_lines / (per_customer * base.new_customers_per_month * 24 * 1.04)
    # Six-digit ids, so a hand-made log's five-digit customers never collide with these.
    params = BusinessParameters(start=base.start, months=24, guest_order_share=0.2, first_customer_id=100001,
                                new_customers_per_month=base.new_customers_per_month * scale)
    table = simulate_order_log(params, seed)
    text_dates = pc.strftime(table["InvoiceDate"], format="%m/%d/%Y %H:%M")
    table = table.set_column(table.schema.get_field_index("InvoiceDate"), "InvoiceDate", text_dates)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    pacsv.write_csv(table, temporary)
    os.replace(temporary, path)
