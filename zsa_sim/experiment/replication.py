"""One replication of one variant: build the setup, simulate, reduce the log to KPIs.

This is the unit of work that the runner hands to a worker process (or a Dask worker):
it takes only picklable inputs (the scenario, a variant name, a replication number, a
folder for the event log part) and returns plain rows. Its seed comes from the scenario
and the replication number, never from the worker, so a parallel run gives exactly the
results of a serial one.
"""

from __future__ import annotations

from pathlib import Path

from zsa_sim.engine.calendar import WorkingCalendar
from zsa_sim.engine.setup import SimulationSetup
from zsa_sim.errors import SimulationError, ZsaError
from zsa_sim.eventlog.csv_log import CsvEventLogWriter
from zsa_sim.eventlog.schema import EventLogSink, Tee
from zsa_sim.experiment.activities import ActivityRow, ActivityStats
from zsa_sim.experiment.case_file import case_member
from zsa_sim.experiment.cases import CaseColumns, CaseTable
from zsa_sim.experiment.kpis import (
    KpiValue,
    pool_availability,
    pool_cost_rates,
    replication_kpis,
    working_day_counter,
)
from zsa_sim.experiment.partition import simulate_groups
from zsa_sim.experiment.weekly import QueueByWeek, WeeklyRow, weekly_rows
from zsa_sim.memory import release_free_memory
from zsa_sim.records import frozen_record
from zsa_sim.scenario import Scenario, build_setup

#: Runs with more cases leave their cases' gzip member to the parent (a state-wide run's
#: member would be ~40 MB held beside the columns until the results are written).
MEMBER_IN_WORKER_MAX_CASES = 250_000


@frozen_record()
class ReplicationTask:
    """What a worker needs: the scenario, which variant and replication, where to log."""

    scenario: Scenario
    variant: str
    replication: int
    #: where to write this run's event log part (None: no event log, e.g. in sweeps)
    log_path: Path | None = None


@frozen_record()
class PoolInfo:
    """A staff pool of a variant, as the summary lists it."""

    id: str
    org_unit: str
    role: str
    fte: float
    cost_per_hour: float
    variant: str


@frozen_record()
class ReplicationOutput:
    """Everything a run contributes to the results (plain, picklable rows)."""

    variant: str
    replication: int
    kpis: list[KpiValue]
    #: one row per case, sorted by case id (iterates as CaseRecord tuples)
    cases: CaseColumns
    activities: list[ActivityRow]
    pools: list[PoolInfo]
    cases_started: int
    cases_open: int
    rows_written: int
    attribute_names: tuple[str, ...]
    #: each pool's weeks: utilisation and mean queue length (pools_weekly.csv)
    weekly: tuple[WeeklyRow, ...] = ()
    #: the cases as their gzip member of ``cases.csv.gz``, compressed here in the worker
    #: (:func:`zsa_sim.experiment.case_file.case_member`); empty for very large runs,
    #: whose member the parent makes (same bytes) rather than holding both
    cases_member: bytes = b""


def run_replication(task: ReplicationTask) -> ReplicationOutput:
    """Simulate one (variant, replication) and reduce its event log to KPIs."""
    try:
        return _run_replication(task)
    except ZsaError as err:
        # a runtime error (an expression that fails for one applicant) names the
        # scenario file like the load-time errors do (issue 14)
        if err.source is not None or not task.scenario.source:
            raise
        try:
            named = type(err)(err.detail, source=task.scenario.source)
        except TypeError:  # a subclass with a constructor of its own
            named = SimulationError(err.detail, source=task.scenario.source)
        raise named from err
    except (OverflowError, RecursionError, MemoryError) as err:
        # the scenario checks bound every value; this is the last line of defence
        raise SimulationError(
            f"variant {task.variant!r}, replication {task.replication}: a value out of "
            f"range ({type(err).__name__}: {str(err)[:120]}); check very large or very "
            "small numbers in the scenario",
            source=task.scenario.source or None,
        ) from err


def _run_replication(task: ReplicationTask) -> ReplicationOutput:
    scenario = task.scenario
    setup = build_setup(scenario, task.variant, task.replication)
    window_start, window_end = scenario.period.window
    table = CaseTable.from_services(setup.services)
    activities = ActivityStats(window_start, window_end)
    queue = QueueByWeek(scenario.period.horizon)
    sinks: list[EventLogSink] = [table, activities, queue]
    writer = None
    if task.log_path is not None:
        writer = CsvEventLogWriter(task.log_path, setup.epoch, setup.attribute_names)
        sinks.append(writer)
    try:
        # municipalities that share no staff are simulated one group after the other
        # (same cases, smaller simulations; see zsa_sim.experiment.partition)
        tee = Tee(*sinks)
        result = simulate_groups(setup, tee)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        writer.close()
    # The simulation's heap (the groups' calendars, generators, draw caches) is free
    # now but still resident: handed back, since the case columns and the KPIs' large
    # temporaries that come next are mapped pages of their own, not that heap.
    del tee, sinks, writer
    release_free_memory()
    # built once: the KPIs and the results both need every case; in columns, and the
    # table dropped before the KPIs need memory of their own
    cases = table.columns(task.variant, task.replication, release=True)
    loads = table.pool_loads(task.variant, task.replication)
    del table
    available = pool_availability(
        setup.pools,
        {pool_id: stats.available_minutes_by_day for pool_id, stats in result.pools.items()},
    )
    kpis = replication_kpis(
        cases,
        loads,
        variant=task.variant,
        replication=task.replication,
        window_start=window_start,
        window_end=window_end,
        available_minutes=available,
        cost_per_hour=pool_cost_rates(setup.pools),
        working_days=working_day_counter(reference_calendar(setup)),
        groups=sorted(setup.routing),
        other_work_minutes=pool_availability(
            setup.pools,
            {
                pool_id: stats.other_work_minutes_by_day
                for pool_id, stats in result.pools.items()
                if stats.other_work_minutes_by_day
            },
        ),
    )
    release_free_memory()  # the KPIs' temporaries, before the results are written
    return ReplicationOutput(
        variant=task.variant,
        replication=task.replication,
        kpis=kpis,
        cases=cases,
        activities=activities.rows(),
        pools=[
            PoolInfo(p.id, p.org_unit, p.role, p.fte, p.cost_per_hour, task.variant)
            for p in sorted(setup.pools.values(), key=lambda p: p.id)
        ],
        cases_started=result.cases_started,
        cases_open=result.cases_open,
        rows_written=result.rows_written,
        attribute_names=setup.attribute_names,
        weekly=tuple(weekly_rows(task.variant, task.replication, queue, loads, available)),
        cases_member=case_member(cases) if len(cases) <= MEMBER_IN_WORKER_MAX_CASES else b"",
    )


def reference_calendar(setup: SimulationSetup) -> WorkingCalendar:
    """The calendar that working-day KPIs count with: the municipalities' office days.

    Service levels such as "decision within 15 working days" are counted in the
    authority's working days; all pools of a scenario normally share the state's public
    holidays, so the calendar of the first municipal pool serves (the ZSA's if none).
    """
    pools = sorted(setup.pools.values(), key=lambda p: p.id)
    if not pools:
        raise ValueError("setup has no staff pools")
    return pools[0].calendar
