"""How numbers are displayed, shared by tables and prose so a sentence and a cell always agree."""
from __future__ import annotations

import math

P_FLOOR = 0.001


def usd(value: float, decimals: int = 2) -> str:
    """Dollars with thousands separators; the minus sign goes before the dollar sign.

    >>> usd(-1234.567)
    '-$1,234.57'
    """
    text = f"${abs(value):,.{decimals}f}"
    return f"-{text}" if round(value, decimals) < 0 else text


def number(value: float, decimals: int = 2) -> str:
    """Plain number with thousands separators.

    >>> number(2294.1248, 1)
    '2,294.1'
    """
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:,.{decimals}f}"


def integer(value: float) -> str:
    """Whole number with thousands separators.

    >>> integer(5000)
    '5,000'
    """
    return f"{int(round(value)):,}"


def percent(share: float, decimals: int = 1) -> str:
    """A share in [0, 1] as a percentage.

    >>> percent(0.7338)
    '73.4%'
    """
    return f"{100 * share:.{decimals}f}%"


def pvalue(p: float) -> str:
    """p-values as journals print them: three decimals, "<0.001" below that.

    >>> pvalue(2e-9), pvalue(0.0456)
    ('<0.001', '0.046')
    """
    return f"<{P_FLOOR:.3f}" if p < P_FLOOR else f"{p:.3f}"


def usd_interval(low: float, high: float, decimals: int = 2) -> str:
    """A confidence interval in dollars.

    >>> usd_interval(-3.2, 10)
    '-$3.20 to $10.00'
    """
    return f"{usd(low, decimals)} to {usd(high, decimals)}"
