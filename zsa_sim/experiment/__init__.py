"""Experiments: replications, KPIs with confidence intervals, paired comparison, results.

Public API::

    from zsa_sim.experiment import run_experiment, RunOptions
    outcome = run_experiment("scenarios/pilot.yaml", RunOptions(replications=10, jobs=4))
    outcome.run_dir, outcome.summary["verdicts"]

    compare_runs(run_a, run_b)            # two earlier runs, KPI by KPI
    compare_variants(kpi_rows)            # zentral - dezentral, paired (CRN)
    summarise(values), paired_difference(a, b)   # mean and Student-t 95% interval

Names are imported on first use (PEP 562), so importing one module of this package
does not pull in the runner and the scenario layer with it.
"""

from __future__ import annotations

from zsa_sim.lazy import lazy_exports

_EXPORTS = {
    "RunOptions": "zsa_sim.experiment.runner",
    "RunOutcome": "zsa_sim.experiment.runner",
    "run_experiment": "zsa_sim.experiment.runner",
    "ReplicationTask": "zsa_sim.experiment.replication",
    "run_replication": "zsa_sim.experiment.replication",
    "compare_runs": "zsa_sim.experiment.compare_runs",
    "compare_variants": "zsa_sim.experiment.comparison",
    "aggregate": "zsa_sim.experiment.comparison",
    "CaseTable": "zsa_sim.experiment.cases",
    "replication_kpis": "zsa_sim.experiment.kpis",
    "KPI_INFO": "zsa_sim.experiment.kpis",
    "Estimate": "zsa_sim.experiment.stats",
    "summarise": "zsa_sim.experiment.stats",
    "paired_difference": "zsa_sim.experiment.stats",
    "unpaired_difference": "zsa_sim.experiment.stats",
    "ResultsFolder": "zsa_sim.experiment.results",
    "load_summary": "zsa_sim.experiment.results",
    "format_number": "zsa_sim.experiment.formatting",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
