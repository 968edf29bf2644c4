"""The customer-value model: data contract, fit, diagnostics and everything the report renders.

Chapters import the modules they need (``from analysis import report, tables, figures,
prose``); each module is small and has one job. Importing the package itself is cheap:
the heavy modules load only when a chapter or command asks for them.
"""
__all__ = [
    "briefing",     # executive findings and actions
    "cache",        # load_results: one fit per data snapshot and code version
    "changes",      # what changed since the last published model.json
    "config",       # every path, and the data/reference overrides
    "data",         # the data contract: load_customers
    "diagnostics",  # VIF, Breusch-Pagan, normality, influence
    "downloads",    # CSV/JSON downloads, safe for spreadsheets
    "export",       # the model.json contract
    "figures",      # matplotlib figures
    "formatting",   # how numbers are displayed
    "model",        # fit_model
    "orders",       # order log -> customer table (Ibis)
    "prose",        # rule-based interpretation
    "report",       # the chapters' one setup call
    "results",      # frozen results objects
    "simulate",     # the synthetic cohort
    "tables",       # great_tables tables
    "targeting",    # campaign lists
]
