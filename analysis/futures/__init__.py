"""Customer futures: purchase, churn, lifetime value, clusters and anomalies from the order log."""
