"""Staffing planner and parameter sweeps over scenarios."""
