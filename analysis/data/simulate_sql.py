"""The generating process of :mod:`.simulate` as one DuckDB ``CREATE TABLE``, for tables too big for Python.

:func:`simulate_sql` draws the same distribution as :func:`~.simulate.simulate_customers`
(labels, the two planted quirks, gamma recency capped at a year, negative-binomial
frequency, log-normal baskets, the linear value with heteroskedastic Student-t noise),
but every draw is computed inside DuckDB from a 64-bit hash of the row number and the
draw's number, so 100M customers never pass through Python and a rerun gives the same table.
It is not numpy's stream: the same ``n`` gives other customers than
``simulate_customers(n)``, from the same distribution.

The draws are exact transformations of uniforms:

- Gamma(1.5, s) = s * (E + Z^2 / 2), with E ~ Exp(1) and Z ~ N(0, 1) (Gamma(1) + Gamma(1/2));
- NegBin(3, p) failures = the sum of three geometric counts floor(ln U / ln(1 - p));
- Student t with 5 df = Z / sqrt(C / 5), C ~ chi-square(5) = 2 (E1 + E2) + Z'^2;
- normals by Box-Muller, two from each pair of uniforms.
"""
from __future__ import annotations

from .simulate import (FREQUENT_SMALL_BASKET_SHARE, NOISE_BASE_USD, NOISE_PER_DOLLAR, NOISE_T_DF, SEGMENT_PROFILES,
                       SEGMENT_SHARES, STRONG_AT_RISK_SHARE, TRUE_COEFFICIENTS)

# Frequency and basket centre of a "Medium Value" customer who orders often but spends little
# (simulate_customers uses the same two numbers).
FREQUENT_SMALL_FREQUENCY, FREQUENT_SMALL_BASKET = 12, 30
_NB_SIZE = 3            # negative_binomial(3, 3 / (3 + mean)) in simulate_customers
_GAMMA_SHAPE = 1.5
_RECENCY_CAP = 365
_DRAWS = 64             # uniforms per row available to the hash (row * 64 + draw stays a BIGINT to 1e17 rows)


def _uniform(draw: int) -> str:
    """A uniform (0, 1) draw per row: the top 53 bits of DuckDB's hash of ``64 * row + draw``.

    One integer per (row, draw), not ``hash(row, draw)``: DuckDB combines the hashes of
    several arguments so weakly that ``hash(i, 0)`` and ``hash(i, 1)`` correlate at 0.62
    (measured over 100,000 rows), which made the labels and the quirks depend on each
    other; the single-integer hashes correlate below 0.002.
    """
    if not 0 <= draw < _DRAWS:
        raise ValueError(f"draw {draw} outside 0..{_DRAWS - 1}")
    return f"((hash(i * {_DRAWS} + {draw}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0"


def _normal_pair(draw: int) -> tuple[str, str]:
    """Two independent N(0, 1) draws (Box-Muller) from the uniforms ``draw`` and ``draw + 1``."""
    radius = f"sqrt(-2 * ln({_uniform(draw)}))"
    angle = f"2 * pi() * {_uniform(draw + 1)}"
    return f"{radius} * cos({angle})", f"{radius} * sin({angle})"


def _double(value: float) -> str:
    """A DOUBLE literal: DuckDB reads ``16.67`` as a DECIMAL, and decimal arithmetic per row is slow."""
    return f"{float(value)!r}::DOUBLE"


def _by_code(values: list[float]) -> str:
    """The value of the row's label, chosen by its integer code (cheaper than comparing label text)."""
    return "CASE code " + " ".join(f"WHEN {k} THEN {_double(v)}" for k, v in enumerate(values)) + " END"


def simulate_sql(n: int, table: str = "customers") -> str:
    """``CREATE TABLE table`` with ``n`` customers drawn as :func:`~.simulate.simulate_customers` does.

    Three statements: the row numbers are written to a table first, because DuckDB's
    ``range()`` runs on one thread and so would the whole generation reading from it; a
    table scan runs on every thread. The row numbers compress to almost nothing and are
    dropped at the end.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute(simulate_sql(1000))
    >>> con.execute("SELECT count(*), min(CustomerID) FROM customers").fetchone()
    (1000, 'C0001')
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    levels = list(SEGMENT_SHARES)
    cuts, cumulative = [], 0.0
    for k, share in enumerate(list(SEGMENT_SHARES.values())[:-1]):
        cumulative += share
        cuts.append(f"WHEN u < {_double(cumulative)} THEN {k}")
    code = f"CASE {' '.join(cuts)} ELSE {len(levels) - 1} END"
    profiles = [SEGMENT_PROFILES[level] for level in levels]
    recency_scale = _by_code([p.recency_mean_days / _GAMMA_SHAPE for p in profiles])
    frequency = _by_code([p.frequency_mean for p in profiles])
    basket = _by_code([p.basket_median_usd for p in profiles])
    strong, at_risk, medium = SEGMENT_PROFILES["High Value"], levels.index("At Risk"), levels.index("Medium Value")
    z_recency, z_basket = _normal_pair(20)
    z_noise, z_chi = _normal_pair(22)
    geometric = " + ".join(f"floor(ln({_uniform(30 + k)}) / log_q)" for k in range(_NB_SIZE))
    exponentials = " + ".join(f"-ln({_uniform(40 + k)})" for k in range((NOISE_T_DF - 1) // 2))
    chi_square = f"2 * ({exponentials}) + ({z_chi}) * ({z_chi})"   # 2 Gamma(2) + chi2(1) = chi2(5)
    c = TRUE_COEFFICIENTS
    effect = _by_code([c.get(f"Segment[{level}]", 0.0) for level in levels])
    label = "[" + ", ".join(f"'{level}'" for level in levels) + "][code + 1]"
    t_scale = (NOISE_T_DF / (NOISE_T_DF - 2)) ** 0.5
    width = len(str(n))
    rows = f"{table}_row_numbers"
    return f"""
CREATE TABLE {rows} AS SELECT i FROM range({n}) t(i);
CREATE TABLE {table} AS
WITH labelled AS (
  SELECT i, {code} AS code, {_uniform(1)} AS quirk
  FROM (SELECT i, {_uniform(0)} AS u FROM {rows})
), centred AS (
  SELECT i, code,
         CASE WHEN code = {at_risk} AND quirk < {_double(STRONG_AT_RISK_SHARE)} THEN {_double(strong.frequency_mean)}
              WHEN code = {medium} AND quirk < {_double(FREQUENT_SMALL_BASKET_SHARE)}
                   THEN {_double(FREQUENT_SMALL_FREQUENCY)}
              ELSE {frequency} END AS frequency_centre,
         CASE WHEN code = {at_risk} AND quirk < {_double(STRONG_AT_RISK_SHARE)} THEN {_double(strong.basket_median_usd)}
              WHEN code = {medium} AND quirk < {_double(FREQUENT_SMALL_BASKET_SHARE)}
                   THEN {_double(FREQUENT_SMALL_BASKET)}
              ELSE {basket} END AS basket_centre
  FROM labelled
), drawn AS (
  SELECT i, code,
         least(round({recency_scale} * (-ln({_uniform(2)}) + 0.5::DOUBLE * ({z_recency}) * ({z_recency}))),
               {_RECENCY_CAP})::INTEGER AS Recency,
         ({geometric})::INTEGER AS Frequency,
         round(basket_centre * exp(0.5::DOUBLE * ({z_basket}) - 0.125::DOUBLE), 2) AS MonetaryValue
  FROM (SELECT *, ln(frequency_centre / ({_double(_NB_SIZE)} + frequency_centre)) AS log_q FROM centred)
), valued AS (
  SELECT *, {_double(c['Intercept'])} + {_double(c['Recency'])} * Recency + {_double(c['Frequency'])} * Frequency
            + {_double(c['MonetaryValue'])} * MonetaryValue + {effect} AS expected
  FROM drawn
)
SELECT 'C' || lpad((i + 1)::VARCHAR, {width}, '0') AS CustomerID,
       round(expected + ({_double(NOISE_BASE_USD)} + {_double(NOISE_PER_DOLLAR)} * abs(expected))
             * ({z_noise}) / sqrt(({chi_square}) / {_double(NOISE_T_DF)}) / {_double(t_scale)}, 2) AS CustomerValue,
       Recency, Frequency, MonetaryValue, {label} AS Segment
FROM valued;
DROP TABLE {rows};
"""
