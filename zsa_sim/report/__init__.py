"""Charts and the decision report, read from results only (never from the engine)."""
