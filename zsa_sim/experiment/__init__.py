"""Experiments: replications, KPIs with confidence intervals, paired comparison, results."""
