"""Moved: synthetic order logs now live in :mod:`analysis.orders.simulate_log` (one home).

This name is kept so existing imports keep working; new code imports from ``simulate_log``.
"""
from .simulate_log import generate_order_log

__all__ = ["generate_order_log"]
