"""Calibration: turn an event log or monthly counts into a scenario, and check the fit.

Public API::

    calibrate_log(log, bpmn, service=..., columns=..., calendar=...)  # -> Calibration
    write_scenario(calibration, "out.yaml")                          # reviewable YAML
    read_log(path, columns=...)                                      # CSV / XES -> LogTable

Names are imported on first use, so ``zsa-sim --help`` stays fast.
"""

from __future__ import annotations

from zsa_sim.lazy import lazy_exports

_EXPORTS = {
    "CalibrationError": "zsa_sim.calibrate.table",
    "LogTable": "zsa_sim.calibrate.table",
    "read_log": "zsa_sim.calibrate.reader",
    "calibrate_log": "zsa_sim.calibrate.pipeline",
    "Calibration": "zsa_sim.calibrate.pipeline",
    "write_scenario": "zsa_sim.calibrate.writer",
    "fit_duration": "zsa_sim.calibrate.fitting",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
