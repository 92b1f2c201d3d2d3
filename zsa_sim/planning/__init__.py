"""Staffing planner and parameter sweeps over scenarios.

Public API::

    target = parse_target("p90 lead time <= 15 working days")   # or German, or a KPI id
    result = plan_staffing("scenarios/pilot.yaml", target, replications=10, jobs=4)
    result.fte, result.confirmed                                 # FTE needed, confirmed?
    folder = write_plan(result)                # results/pilot/plan-<timestamp>/plan.json
    print(format_plan(folder, "de"))           # the text table
    html = planning_section(folder, "de")      # <section> for report.html
    latest_plan("results", "pilot")            # newest plan folder of a scenario, or None

    grid = [parse_vary("zsa.staff=1:6:0.5"), parse_vary("services.wohngeld.volume=0.8:1.4:0.2")]
    sweep = run_sweep("scenarios/pilot.yaml", grid, variants="zentral", replications=5)
    folder = write_sweep(sweep)                # sweep.csv, sweep.json, charts/

Names are imported on first use (PEP 562): the report reads plans through
:mod:`zsa_sim.planning.section` without pulling in the planner and the runner.
"""

from __future__ import annotations

from zsa_sim.lazy import lazy_exports

_EXPORTS = {
    "BreakEven": "zsa_sim.planning.economics",
    "Economics": "zsa_sim.planning.economics",
    "MunicipalityEconomics": "zsa_sim.planning.economics",
    "CandidateCheck": "zsa_sim.planning.evaluate",
    "GroupCheck": "zsa_sim.planning.evaluate",
    "SimulationEvaluator": "zsa_sim.planning.evaluate",
    "participating_groups": "zsa_sim.planning.keys",
    "staffing_key": "zsa_sim.planning.keys",
    "PlanResult": "zsa_sim.planning.planner",
    "plan_staffing": "zsa_sim.planning.planner",
    "find_smallest": "zsa_sim.planning.search",
    "refine": "zsa_sim.planning.search",
    "format_plan": "zsa_sim.planning.section",
    "latest_plan": "zsa_sim.planning.section",
    "load_plan": "zsa_sim.planning.section",
    "planning_section": "zsa_sim.planning.section",
    "StaffingSearch": "zsa_sim.planning.staffing",
    "search_staffing": "zsa_sim.planning.staffing",
    "SweepResult": "zsa_sim.planning.sweep",
    "Vary": "zsa_sim.planning.sweep",
    "grid_values": "zsa_sim.planning.sweep",
    "parse_vary": "zsa_sim.planning.sweep",
    "run_sweep": "zsa_sim.planning.sweep",
    "Target": "zsa_sim.planning.targets",
    "parse_target": "zsa_sim.planning.targets",
    "write_plan": "zsa_sim.planning.writers",
    "write_sweep": "zsa_sim.planning.writers",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
