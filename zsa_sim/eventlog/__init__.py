"""The event log: flat rows per activity instance, and its CSV and XES exports."""
