"""Checking a candidate against a target: simulate it (cached) and bound its KPI.

A *candidate* is a scenario with one number changed (the ZSA's FTE, or a volume
factor). :class:`SimulationEvaluator` simulates it through the runner's machinery
(:class:`~zsa_sim.experiment.replication.ReplicationTask` handed to
:func:`~zsa_sim.experiment.runner.simulate_all`, locally or on Dask), without event logs,
and caches the KPI rows of every (candidate, replication) it ran: asking again, or for
more replications, only simulates what is missing.

Common random numbers: replication ``r`` of every candidate uses the scenario's seed and
``r``, and the random streams are keyed by purpose, service, municipality and case
(applicants, efforts, decisions) or by pool and member number (absences), never by the
organisation's size. Two staffings therefore see the same applicants with the same
efforts; a larger team only adds members (member ``n`` keeps her absence days), so the
difference between candidates is the staffing alone.

:func:`check_groups` turns per-replication KPI values into a verdict per participating
(service, municipality): the target is met when the one-sided 95% confidence bound of
the KPI's mean over replications meets it (for every group on its own; the chance that
*all* groups are truly met is lower when there are many) and, for time KPIs, when not too
many of the group's window arrivals were still open at the end of the run. Time KPIs are
computed over decided cases only, and an overloaded team leaves its longest cases
undecided, which would flatter them. For a quantile ``q`` (p90: 0.9) more than ``1 - q``
open cases mean that the quantile over *all* arrivals is not known at all (the open
cases could all lie above it): a necessary condition, which catches overload (the open
share then grows fast) without failing cases that merely wait for the applicant when the
run ends. For means the limit is :data:`MAX_OPEN_SHARE`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from zsa_sim.experiment.kpis import QUANTILES, KpiValue
from zsa_sim.experiment.replication import ReplicationTask
from zsa_sim.experiment.stats import CONFIDENCE, lower_bound, summarise, upper_bound
from zsa_sim.planning.targets import Target
from zsa_sim.scenario import Scenario

#: (service, municipality)
Group = tuple[str, str]
#: A mean time KPI fails when more than this share of window arrivals is open at the end.
MAX_OPEN_SHARE = 0.05
#: KPIs computed over decided (or started) cases only, which open cases would flatter.
_TIME_STEMS = ("waiting_time_", "lead_time_", "applicant_time_")


@dataclass(frozen=True)
class GroupSample:
    """The target KPI of one group, one value per replication, and its open-case share."""

    values: tuple[float, ...]
    #: mean over replications of open cases / arrivals in the window (NaN: no arrivals)
    open_share: float


@dataclass(frozen=True)
class GroupCheck:
    """The verdict for one (service, municipality) at one candidate."""

    service: str
    municipality: str
    mean: float
    #: the one-sided confidence bound that must meet the target
    bound: float
    n: int
    sd: float
    open_share: float
    meets: bool
    #: positive: missed by that much (KPI unit); inf: unknown or overloaded
    shortfall: float
    #: the verdict could flip within one standard error of the mean
    close: bool
    #: "" or "open_cases" (failed because too many cases were still open)
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain values for plan.json."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class CandidateCheck:
    """All groups' verdicts for one candidate value at one number of replications."""

    value: float
    replications: int
    groups: tuple[GroupCheck, ...]
    #: what ``value`` is: "fte" (a staffing) or "volume" (a volume factor, break-even)
    kind: str = "fte"

    @property
    def meets(self) -> bool:
        """The target is met in every group."""
        return bool(self.groups) and all(g.meets for g in self.groups)

    @property
    def shortfall(self) -> float:
        """The worst group's shortfall (the search's measure of progress)."""
        return max((g.shortfall for g in self.groups), default=math.inf)

    @property
    def worst(self) -> GroupCheck | None:
        """The group furthest from (or closest to missing) the target."""
        return max(self.groups, key=lambda g: g.shortfall, default=None)

    @property
    def close(self) -> bool:
        """The verdict is not clear: more replications could change it.

        Met: some group is within one standard error of the limit. Missed: every group
        that misses does so by less than one standard error (a clear miss anywhere is a
        clear miss of the candidate).
        """
        if self.meets:
            return any(g.close for g in self.groups)
        failing = [g for g in self.groups if not g.meets]
        return bool(failing) and all(g.close for g in failing)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for plan.json."""
        return {
            "value": self.value,
            "kind": self.kind,
            "replications": self.replications,
            "meets": self.meets,
            "close": self.close,
            "groups": [g.to_dict() for g in self.groups],
        }


def check_groups(
    samples: Mapping[Group, GroupSample],
    target: Target,
    *,
    confidence: float = CONFIDENCE,
    max_open_share: float | None = None,
) -> tuple[GroupCheck, ...]:
    """Verdict per group: the one-sided bound of the mean meets the target, few cases open.

    ``max_open_share`` defaults to :func:`open_share_limit` of the target's KPI.
    """
    bound_of = upper_bound if target.upper else lower_bound
    if max_open_share is None:
        max_open_share = open_share_limit(target.kpi)
    out = []
    for (service, municipality), sample in sorted(samples.items()):
        values = np.asarray(sample.values, dtype=float)
        estimate = summarise(values)
        bound = bound_of(values, confidence) if estimate.n >= 2 else math.nan
        overloaded = not sample.open_share <= max_open_share  # NaN counts as overloaded
        meets = target.met_by(bound) and not overloaded
        shortfall = math.inf if overloaded else target.shortfall(bound)
        se = estimate.sd / math.sqrt(estimate.n) if estimate.n >= 2 else math.nan
        close = not overloaded and math.isfinite(shortfall) and abs(bound - target.value) < se
        out.append(
            GroupCheck(
                service=service,
                municipality=municipality,
                mean=estimate.mean,
                bound=bound,
                n=estimate.n,
                sd=estimate.sd,
                open_share=sample.open_share,
                meets=meets,
                shortfall=shortfall,
                close=close,
                reason="open_cases" if overloaded else "",
            )
        )
    return tuple(out)


def open_share_limit(kpi: str) -> float:
    """The largest share of open cases at which a time KPI still says something.

    ``1 - q`` for a quantile ``q``, :data:`MAX_OPEN_SHARE` for other time KPIs, 1 (no
    limit) for counts such as throughput, which open cases do not flatter.
    """
    if not kpi.startswith(_TIME_STEMS):
        return 1.0
    suffix = kpi.rsplit("_", 1)[-1]
    if suffix in QUANTILES:
        return round(1.0 - QUANTILES[suffix], 9)
    return MAX_OPEN_SHARE


class Evaluator(Protocol):
    """Gives the target KPI per group and replication for a candidate value."""

    def samples(self, value: float, replications: int) -> Mapping[Group, GroupSample]:
        """Per group: the KPI of replications 0..replications-1 and the open-case share."""


#: Called after each batch of simulations with (runs done in this batch, runs so far).
RunsCallback = Callable[[int, int], None]


class SimulationEvaluator:
    """Simulates candidates of a scenario variant and caches their KPI rows.

    ``changes(value)`` gives the key-path changes of a candidate (``{"zsa.staff": 3.5}``).
    """

    def __init__(
        self,
        scenario: Scenario,
        variant: str,
        changes: Callable[[float], dict[str, Any]],
        groups: Iterable[Group],
        kpi: str,
        *,
        jobs: int | None = None,
        scheduler: str | None = None,
    ) -> None:
        self.scenario = scenario
        self.variant = variant
        self.changes = changes
        self.groups = tuple(sorted(groups))
        self.kpi = kpi
        self.jobs = jobs
        self.scheduler = scheduler
        self._scenarios: dict[float, Scenario] = {}
        self._rows: dict[tuple[float, int], list[KpiValue]] = {}
        #: replications simulated so far (each once)
        self.runs = 0

    def candidate(self, value: float) -> Scenario:
        """The scenario of a candidate value (validated once, then kept)."""
        key = _key(value)
        if key not in self._scenarios:
            changes = self.changes(key)
            self._scenarios[key] = self.scenario.with_changes(changes) if changes else self.scenario
        return self._scenarios[key]

    def prefetch(self, values: Sequence[float], replications: int) -> None:
        """Simulate every missing (value, replication) in one batch (parallel)."""
        from zsa_sim.experiment.runner import simulate_all

        wanted = [
            (_key(v), r)
            for v in dict.fromkeys(_key(v) for v in values)
            for r in range(replications)
            if (_key(v), r) not in self._rows
        ]
        if not wanted:
            return
        tasks = [ReplicationTask(self.candidate(v), self.variant, r, None) for v, r in wanted]
        outputs = simulate_all(tasks, jobs=self.jobs, scheduler=self.scheduler)
        for (value, r), output in zip(wanted, outputs, strict=True):
            self._rows[(value, r)] = output.kpis
        self.runs += len(wanted)

    def rows(self, value: float, replications: int) -> list[KpiValue]:
        """All KPI rows of replications 0..replications-1 of a candidate (simulated if new)."""
        self.prefetch([value], replications)
        return [row for r in range(replications) for row in self._rows[(_key(value), r)]]

    def samples(self, value: float, replications: int) -> dict[Group, GroupSample]:
        """The target KPI per participating group and replication, and the open shares."""
        wanted = {self.kpi, "open_cases", "arrivals"}
        table: dict[tuple[Group, str], dict[int, float]] = defaultdict(dict)
        for row in self.rows(value, replications):
            group = (row.service, row.municipality)
            if row.pool == "" and row.kpi in wanted and group in self.groups:
                table[(group, row.kpi)][row.replication] = row.value
        out = {}
        for group in self.groups:
            values = tuple(table[(group, self.kpi)].get(r, math.nan) for r in range(replications))
            shares = [
                table[(group, "open_cases")].get(r, math.nan) / arrivals
                for r in range(replications)
                if (arrivals := table[(group, "arrivals")].get(r, 0.0)) > 0
            ]
            out[group] = GroupSample(values, float(np.mean(shares)) if shares else math.nan)
        return out


def _key(value: float) -> float:
    """Candidate values on a grid, without binary noise (0.1 * 3 -> 0.3)."""
    return round(float(value), 9)
