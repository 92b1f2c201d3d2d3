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
"""

from zsa_sim.planning.economics import BreakEven, Economics, MunicipalityEconomics
from zsa_sim.planning.evaluate import CandidateCheck, GroupCheck, SimulationEvaluator
from zsa_sim.planning.keys import participating_groups, staffing_key
from zsa_sim.planning.planner import PlanResult, plan_staffing
from zsa_sim.planning.search import find_smallest, refine
from zsa_sim.planning.section import format_plan, latest_plan, load_plan, planning_section
from zsa_sim.planning.staffing import StaffingSearch, search_staffing
from zsa_sim.planning.sweep import SweepResult, Vary, grid_values, parse_vary, run_sweep
from zsa_sim.planning.targets import Target, parse_target
from zsa_sim.planning.writers import write_plan, write_sweep

__all__ = [
    "BreakEven",
    "CandidateCheck",
    "Economics",
    "GroupCheck",
    "MunicipalityEconomics",
    "PlanResult",
    "SimulationEvaluator",
    "StaffingSearch",
    "SweepResult",
    "Target",
    "Vary",
    "find_smallest",
    "format_plan",
    "grid_values",
    "latest_plan",
    "load_plan",
    "parse_target",
    "parse_vary",
    "participating_groups",
    "plan_staffing",
    "planning_section",
    "refine",
    "run_sweep",
    "search_staffing",
    "staffing_key",
    "write_plan",
    "write_sweep",
]
