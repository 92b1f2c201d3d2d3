"""The discrete-event engine: executes process models in SimPy and emits an event log."""
