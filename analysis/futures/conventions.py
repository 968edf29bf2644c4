"""Conventions every step of a customer-futures run shares: the time unit and the seed."""

# BG/NBD's stated time unit: recency, T and the holdout are in weeks, as in Fader, Hardie & Lee (2005).
DAYS_PER_WEEK = 7.0
# One seed for every random step of a run (folds, k-means starts), so a rebuild draws the same.
SEED = 20261201
