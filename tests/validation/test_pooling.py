"""Pooling: one central team never waits longer than the same staff split up.

Three municipalities, each with one clerk for a single-task service at utilisation 0.8
(three M/M/1 queues), against the central variant where one pooled team of the same
three FTE takes all their cases (one M/M/3 queue), with no hand-over delay and no
speed-up (``tests/data/scenarios/validation_pooling.yaml``). Queueing theory says the
pooled wait is shorter (Erlang C: 1.08 h against 4 h). Both variants see the same
applicants with the same efforts (common random numbers), so the comparison is paired.
"""

from __future__ import annotations

import numpy as np
import pytest
from queueing_theory import mmc_mean_wait
from validation_runs import REPO, run_checked

from zsa_sim.experiment.stats import paired_difference
from zsa_sim.scenario import build_setup, load_scenario

SCENARIO = REPO / "tests/data/scenarios/validation_pooling.yaml"
VARIANTS = ("dezentral", "zentral")


def test_theory_pooled_erlang_c_waits_less_than_separate_mm1():
    assert mmc_mean_wait(2.4, 1.0, 3) == pytest.approx(1.0787, abs=1e-4)
    assert mmc_mean_wait(0.8, 1.0, 1) == pytest.approx(4.0)
    for servers in range(2, 11):
        for rho in np.linspace(0.05, 0.95, 19):
            pooled = mmc_mean_wait(servers * rho, 1.0, servers)
            assert pooled < mmc_mean_wait(rho, 1.0, 1), (servers, rho)


def test_pooled_team_waits_less_than_the_municipalities_alone():
    """Per replication, the mean wait (arrival to start of work) of the cases arriving
    in the observed window, per municipality and overall. Tolerance: the 99 % paired
    Student-t interval of (zentral - dezentral) over the scenario's 6 replications must
    lie entirely below zero, and no single replication may show a longer pooled wait."""
    scenario = load_scenario(SCENARIO)
    lo, hi = scenario.period.window
    waits: dict[str, dict[str, list[float]]] = {v: {} for v in VARIANTS}
    for replication in range(scenario.replications):
        seen = {}
        for variant in VARIANTS:
            setup = build_setup(scenario, variant, replication)
            assert sum(p.fte for p in setup.pools.values()) == 3.0
            records = run_checked(setup).table.records()
            seen[variant] = {r.case_id: (r.arrival, r.effort_minutes, r.is_open) for r in records}
            window = [r for r in records if lo <= r.arrival < hi and not np.isnan(r.waiting)]
            groups = {"all": window}
            for town in scenario.municipalities:
                groups[town] = [r for r in window if r.municipality == town]
            for group, rows in groups.items():
                waits[variant].setdefault(group, []).append(np.mean([r.waiting for r in rows]))
        # common random numbers: the same applicants with the same efforts in both
        alone, pooled = seen["dezentral"], seen["zentral"]
        assert alone.keys() == pooled.keys()
        assert all(alone[c][0] == pooled[c][0] for c in alone)
        finished = [c for c in alone if not alone[c][2] and not pooled[c][2]]
        assert finished and all(alone[c][1] == pooled[c][1] for c in finished)
    for group in waits["dezentral"]:
        central, decentral = waits["zentral"][group], waits["dezentral"][group]
        difference = paired_difference(central, decentral, confidence=0.99)
        assert difference.ci_high < 0, f"{group}: {difference}"
        assert all(c < d for c, d in zip(central, decentral, strict=True)), group
