"""From an order log to the customer table: RFM with Ibis on DuckDB, Spark or a warehouse.

The public surface:

* :func:`run_rfm_command` – the ``python -m analysis rfm`` command;
* :func:`derive_customers` – the same derivation, returning an :class:`RFMRun`;
* :func:`customer_table_expr` – the one Ibis expression, for any backend;
* :func:`summarise` and the chapter helpers in :mod:`analysis.orders.summary`.

Rules and definitions are documented in ``analysis/orders/README.md``.
"""
from .command import run_rfm_command
from .pipeline import RFMRun, derive_customers
from .roles import ColumnRoles, parse_column_roles
from .transform import RFMParameters, customer_table_expr

__all__ = [
    "ColumnRoles",
    "RFMParameters",
    "RFMRun",
    "customer_table_expr",
    "derive_customers",
    "parse_column_roles",
    "run_rfm_command",
]
