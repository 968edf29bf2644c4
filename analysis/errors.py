"""Errors a user can act on. The CLI prints them without a traceback."""
from __future__ import annotations


class AnalysisError(Exception):
    """Base class for every failure that is the input's fault, not the code's."""


class DataValidationError(AnalysisError):
    """The customer table breaks the data contract. ``problems`` lists every one found."""

    def __init__(self, path, problems: list[str]):
        self.path = path
        self.problems = list(problems)
        header = f"{path}: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} found"
        super().__init__(header + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class ModelSpecificationError(AnalysisError):
    """The model cannot be fitted as asked (e.g. an unknown reference segment)."""


class OrderLogError(AnalysisError):
    """The order log cannot be turned into a customer table (missing columns, bad dates, ...)."""
