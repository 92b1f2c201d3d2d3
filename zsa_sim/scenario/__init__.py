"""Scenario files: validated configuration of municipalities, services and variants."""
