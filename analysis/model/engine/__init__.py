"""The model fitted inside the engine (DuckDB, PySpark, a warehouse) through Ibis.

OLS, HC3, the nested F-test, GVIF, Breusch-Pagan, Jarque-Bera and the fit
statistics are all functions of small sums; :mod:`.sufficient` builds them as
Ibis aggregate expressions (segment dummies become ``GROUP BY Segment``), so
only p x p matrices leave the engine. :mod:`.fit` turns the sums into the same
:class:`~analysis.model.results.ModelResults` fields the in-memory fit gives,
with the same numerical core (:func:`analysis.model.least_squares.solve_gram`).
"""
from .fit import EngineFit, fit_in_engine, open_customer_table
from .sufficient import fold_statistics

__all__ = ["EngineFit", "fit_in_engine", "fold_statistics", "open_customer_table"]
