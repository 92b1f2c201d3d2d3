"""Say so when a run's KPIs describe an overloaded system, and which process was run.

A pool that works 100 % of its time while most cases are still open at the end is not
in a steady state: its queue grows for the whole run, and the KPIs (computed over the
cases that finished) look far better than what applicants experience. A run must not
end with exit 0 and nothing said; :func:`run_warnings` lists such variants for the run
command's output, together with the process chosen in files with several pools.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from statistics import fmean

from zsa_sim.experiment.kpis import ALL
from zsa_sim.experiment.replication import ReplicationOutput
from zsa_sim.scenario.schema import Scenario

#: Mean utilisation from which a pool counts as saturated (a queue that only grows
#: still leaves gaps: the first arrivals, absences on quiet days).
SATURATED = 0.9
#: Share of started cases open at the end above which a saturated pool is reported.
MOSTLY_OPEN = 0.5


def run_warnings(
    scenario: Scenario | str | Path, outputs: Iterable[ReplicationOutput]
) -> list[str]:
    """One line per overloaded variant, and one per service run from a chosen pool."""
    if not isinstance(scenario, Scenario):
        from zsa_sim.scenario import load_scenario

        scenario = load_scenario(scenario)
    lines = [line for line in (_process_line(scenario, key) for key in scenario.services) if line]
    by_variant: dict[str, list[ReplicationOutput]] = {}
    for output in outputs:
        by_variant.setdefault(output.variant, []).append(output)
    for variant, runs in by_variant.items():
        started = sum(r.cases_started for r in runs)
        open_share = sum(r.cases_open for r in runs) / started if started else 0.0
        if open_share <= MOSTLY_OPEN:
            continue
        utilisation: dict[tuple[str, str], list[float]] = {}
        for run in runs:
            for k in run.kpis:
                if k.kpi == "utilisation" and k.service == ALL and k.value == k.value:
                    utilisation.setdefault((k.municipality, k.pool), []).append(k.value)
        saturated = sorted(
            f"{unit}/{role} ({fmean(values):.0%})"
            for (unit, role), values in utilisation.items()
            if fmean(values) >= SATURATED
        )
        if saturated:
            lines.append(
                f"warning: variant '{variant}': {open_share:.0%} of the cases are still open "
                f"at the end and {', '.join(saturated)} work (nearly) all the time: "
                "overloaded, the KPIs describe only the cases that finished (more staff, less "
                "volume, or check efforts and branch probabilities)"
            )
        else:
            # Most cases open without a saturated pool is no steady state either (a clerk
            # of a few hours a week, waits or timers longer than the period): still said.
            busiest = max(utilisation.items(), key=lambda kv: fmean(kv[1]), default=None)
            where = (
                f"; the busiest pool is {busiest[0][0]}/{busiest[0][1]} "
                f"({fmean(busiest[1]):.0%})"
                if busiest
                else ""
            )
            lines.append(
                f"warning: variant '{variant}': {open_share:.0%} of the cases are still open "
                f"at the end{where}: the KPIs describe only the cases that finished (check "
                "staff hours, waits and timers against the period's length)"
            )
    return lines


def _process_line(scenario: Scenario, key: str) -> str | None:
    definitions = scenario.definitions(key)
    if len([p for p in definitions.processes.values() if p.start_events]) < 2:
        return None
    process, why = definitions.main_process_choice
    return (
        f"note: services.{key}: simulating process {process.label} ({why}); "
        f"services.{key}.process chooses another"
    )
