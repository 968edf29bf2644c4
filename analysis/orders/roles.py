"""Which column of the order log plays which role.

The defaults are the Online Retail names (``InvoiceNo, StockCode, Description,
Quantity, InvoiceDate, UnitPrice, CustomerID, Country``), so that layout needs no
mapping at all. Other logs map roles with repeated ``--column ROLE=NAME``.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..errors import OrderLogError

ROLES = ("customer", "order", "date", "quantity", "price", "amount", "product")
# Roles whose default column may be absent: the role is then switched off, not an error.
OPTIONAL_DEFAULTS = ("order", "product")

ONLINE_RETAIL_NAMES = {
    "customer": "CustomerID",
    "order": "InvoiceNo",
    "date": "InvoiceDate",
    "quantity": "Quantity",
    "price": "UnitPrice",
    "product": "StockCode",
}


@dataclass(frozen=True)
class ColumnRoles:
    """Column names for each role; ``None`` means the role is not used.

    Attributes
    ----------
    customer, date : str
        Always required.
    order : str or None
        Invoice / order number. Without it an order is one customer's purchases
        on one calendar day.
    quantity, price : str or None
        Line revenue is ``quantity * price`` ...
    amount : str or None
        ... unless the log carries the line revenue itself.
    product : str or None
        Product / stock code; used only to match a cancellation to the line it
        cancels. Without it, cancellations are matched by invoice number alone.
    explicit : frozenset of str
        Roles the user mapped; only these are reported as "missing" by name
        when absent, defaults are allowed to fall back (order).
    """

    customer: str = ONLINE_RETAIL_NAMES["customer"]
    order: str | None = ONLINE_RETAIL_NAMES["order"]
    date: str = ONLINE_RETAIL_NAMES["date"]
    quantity: str | None = ONLINE_RETAIL_NAMES["quantity"]
    price: str | None = ONLINE_RETAIL_NAMES["price"]
    amount: str | None = None
    product: str | None = ONLINE_RETAIL_NAMES["product"]
    explicit: frozenset[str] = frozenset()

    @property
    def uses_amount(self) -> bool:
        """True when line revenue comes from one amount column."""
        return self.amount is not None

    def mapped(self) -> dict[str, str]:
        """Role -> column for every role in use."""
        return {role: getattr(self, role) for role in ROLES if getattr(self, role) is not None}


def parse_column_roles(specs: Sequence[str] | None) -> ColumnRoles:
    """Turn ``["customer=cust_id", "amount=total"]`` into :class:`ColumnRoles`.

    An empty name (``order=``) switches the role off. Mapping ``amount`` drops the
    default quantity and price columns; mapping both styles is an error.

    Examples
    --------
    >>> parse_column_roles(["amount=total", "order="]).mapped()
    {'customer': 'CustomerID', 'date': 'InvoiceDate', 'amount': 'total', 'product': 'StockCode'}
    """
    names: dict[str, str | None] = {}
    for spec in specs or ():
        role, sep, name = spec.partition("=")
        role = role.strip().lower()
        if not sep:
            raise OrderLogError(f"--column {spec!r}: expected ROLE=NAME, e.g. --column customer=cust_id")
        if role not in ROLES:
            raise OrderLogError(f"--column {spec!r}: unknown role {role!r}; roles are {', '.join(ROLES)}")
        if role in names:
            raise OrderLogError(f"--column: role {role!r} is mapped twice")
        names[role] = name.strip() or None
    for required in ("customer", "date"):
        if required in names and names[required] is None:
            raise OrderLogError(f"--column {required}=: the {required} role cannot be switched off")

    amount = names.get("amount")
    line_style = {"quantity", "price"} & names.keys()
    if amount is not None and any(names[r] is not None for r in line_style):
        raise OrderLogError("--column: map either amount, or quantity and price, not both")

    roles = replace(ColumnRoles(), explicit=frozenset(names), **names)
    if amount is not None:
        roles = replace(roles, quantity=None, price=None)
    elif roles.quantity is None or roles.price is None:
        raise OrderLogError("--column: line revenue needs both quantity and price, or an amount column")
    return roles


def resolve_roles(roles: ColumnRoles, available: Iterable[str], source: str) -> ColumnRoles:
    """Check the mapped columns exist; fall back to day-orders if the default order column is absent.

    Raises
    ------
    OrderLogError
        Naming every missing column, its role, and the columns the log does have.
    """
    available = list(available)
    present = set(available)
    for role in OPTIONAL_DEFAULTS:
        name = getattr(roles, role)
        if name is not None and name not in present and role not in roles.explicit:
            # The Online Retail invoice and stock-code columns are defaults, not requirements.
            roles = replace(roles, **{role: None})
    missing = [(role, name) for role, name in roles.mapped().items() if name not in present]
    if missing:
        lines = []
        for role, name in missing:
            hint = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
            did_you_mean = f" (did you mean {hint[0]!r}? use --column {role}={hint[0]})" if hint else ""
            lines.append(f"column {name!r} for role {role!r} is missing{did_you_mean}")
        found = ", ".join(repr(c) for c in available) or "none"
        raise OrderLogError(
            f"{source}: " + "; ".join(lines)
            + f". Columns in the log: {found}. Map roles with --column ROLE=NAME."
        )
    return roles
