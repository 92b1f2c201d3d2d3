"""BPMN 2.0 files -> immutable process models (no SimPy here)."""
