"""Flow conservation and Little's law on every kind of run: scenarios and every construct.

``validation_runs.run_checked`` asserts, for each run: every started case has one
start-event row; the cases the log shows as finished are the engine's
``cases_completed``, the rest its ``cases_open``, and the KPI layer's case table
reports exactly those as open; Little's law holds on the log in its sample-path form
(exact up to float rounding, relative 1e-9) and the number in the system never goes
negative. These tests make the runs: the shipped scenarios (short runs that end with
open cases), the KPI layer's counts, and a catalogue of small models with every
construct the engine executes, over random seeds and horizons.
"""

from __future__ import annotations

import math

import pytest
from engine_models import construct_models, construct_setup, random_arrivals
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validation_runs import (
    REPO,
    SCENARIO_VARIANTS,
    SHORT_RUN,
    Ledger,
    run_checked,
    scenario_run,
)

import zsa_sim.engine
from zsa_sim.experiment.kpis import ALL
from zsa_sim.experiment.replication import ReplicationTask, run_replication
from zsa_sim.scenario import load_scenario

CONSTRUCTS = {c.name: c for c in construct_models()}


@pytest.mark.parametrize(("path", "variant"), SCENARIO_VARIANTS)
def test_scenario_runs_conserve_cases_and_report_the_open_ones(path, variant):
    run = scenario_run(path, variant).run  # conservation and Little's law checked here
    result = run.result
    assert result.cases_completed > 0 and result.cases_open > 0
    open_records = [r for r in run.table.records() if r.is_open]
    assert len(open_records) == result.cases_open
    assert all(math.isnan(r.end) for r in open_records)
    assert all(
        not math.isnan(r.end) and r.end >= r.arrival for r in run.table.records() if not r.is_open
    )


@pytest.mark.parametrize("name", CONSTRUCTS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_construct_conserves_cases(name, seed):
    construct = CONSTRUCTS[name]
    run = run_checked(construct_setup(construct, random_arrivals(seed=seed), seed=seed))
    assert run.result.cases_started > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(CONSTRUCTS)),
    seed=st.integers(0, 2**31 - 1),
    spacing=st.floats(1.0, 120.0),
    horizon=st.floats(10.0, 3_000.0),
)
def test_conservation_holds_for_random_runs(name, seed, spacing, horizon):
    construct = CONSTRUCTS[name]._replace(horizon=horizon)
    run_checked(construct_setup(construct, random_arrivals(20, spacing, seed), seed=seed))


def test_a_side_branch_that_joins_the_main_path_ends_its_cases():
    """Regression: the case table took the main end event for a side end (one a
    non-interrupting boundary's branch reaches), so every such case was reported open."""
    construct = CONSTRUCTS["non-interrupting boundary branch joins the main path"]
    run = run_checked(construct_setup(construct._replace(horizon=100_000.0)))
    assert run.result.cases_open == 0
    records = run.table.records()
    assert records and all(not r.is_open and r.outcome == "End" for r in records)


def test_the_kpis_count_every_window_arrival_as_completed_or_open(monkeypatch):
    """The KPI layer's counts (cases arriving in the observed window) against the log."""
    ledgers: list[Ledger] = []

    def checked_simulate(setup, sink):
        run = run_checked(setup, sink)
        ledgers.append(run.ledger)
        return run.result

    monkeypatch.setattr(zsa_sim.engine, "simulate", checked_simulate)
    scenario = load_scenario(REPO / "tests/data/scenarios/mini.yaml").with_changes(SHORT_RUN)
    output = run_replication(ReplicationTask(scenario, "zentral", 0))
    (ledger,) = ledgers
    lo, hi = scenario.period.window
    arrived = {c for c, a in ledger.arrival.items() if lo <= a < hi}
    still_open = arrived - set(ledger.finished())
    kpi = {k.kpi: k.value for k in output.kpis if (k.service, k.municipality) == (ALL, ALL)}
    assert kpi["arrivals"] == len(arrived) > 0
    assert kpi["open_cases"] == len(still_open) > 0
    assert kpi["completed_cases"] + kpi["open_cases"] == kpi["arrivals"]
    assert output.cases_open == len(ledger.arrival) - len(ledger.finished())
