"""Applicants' reaction times: how long until a message arrives, and who never answers.

The delay of a message catch event is calendar time from the row before it in the case
(e.g. the request for documents) to the event. When the event races a timer (an
event-based gateway with a deadline), an answer later than the deadline is never seen:
the timer fires instead. Two things are then mixed in the timer's count, the applicants
who never answer and those who would have answered late. The delay is therefore fitted
as a lognormal truncated at the deadline T (maximum likelihood), and the share who never
answer follows from the count of answers: answered = n (1 − never) F(T), so
never = 1 − answered / (n F(T)). Without a race, every delay is seen and the families
are compared as for efforts (:mod:`zsa_sim.calibrate.fitting`); never is then the share
of cases that reached the event and ended or stopped without it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from zsa_sim.bpmn.model import EventBasedGateway
from zsa_sim.calibrate.fitting import Fit, fit_duration
from zsa_sim.calibrate.table import LogTable
from zsa_sim.scenario.service_model import ServiceModel


@dataclass(frozen=True)
class WaitEstimate:
    """A wait event's delay distribution and share that never answers."""

    fit: Fit | None
    never: float
    answered: int
    timed_out: int
    deadline_days: float | None
    note: str


def previous_end(table: LogTable) -> np.ndarray:
    """For each row, the end (else start) of the row before it in its case; NaN first."""
    out = np.full(len(table), np.nan)
    t = table.time()
    for rows in table.case_rows():
        if len(rows) > 1:
            out[rows[1:]] = t[rows[:-1]]
    return out


def _race(model: ServiceModel, event_id: str) -> list[str]:
    """The other events after the event-based gateway in front of ``event_id``."""
    node = model.nodes[event_id]
    rivals: list[str] = []
    for flow_id in node.incoming:
        flow = model.flows.get(flow_id)
        gateway = model.nodes.get(flow.source) if flow else None
        if isinstance(gateway, EventBasedGateway):
            for out in gateway.outgoing:
                target = model.flows[out].target
                if target != event_id:
                    rivals.append(target)
    return rivals


def _truncated_lognormal(delays: np.ndarray, deadline: float) -> tuple[float, float]:
    """(mu, sigma) of log-delays by maximum likelihood, truncated at the deadline."""
    from scipy import optimize, stats

    logs = np.log(np.maximum(delays, 1e-6))
    upper = math.log(deadline)

    def nll(theta: np.ndarray) -> float:
        mu, log_sigma = theta
        sigma = math.exp(log_sigma)
        tail = stats.norm.logcdf((upper - mu) / sigma)
        return -float(np.sum(stats.norm.logpdf(logs, mu, sigma)) - len(logs) * tail)

    start = np.array([logs.mean(), math.log(max(logs.std(), 1e-3))])
    result = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-6})
    return float(result.x[0]), float(math.exp(result.x[1]))


def estimate_waits(
    table: LogTable, node_ids: np.ndarray, model: ServiceModel, cases: np.ndarray
) -> dict[str, WaitEstimate]:
    """A :class:`WaitEstimate` per message event of the model (``cases``: rows to use)."""
    before = previous_end(table)
    out: dict[str, WaitEstimate] = {}
    in_cases = np.isin(table.case, cases)
    for event_id in model.wait_events():
        rows = (node_ids == event_id) & in_cases & ~np.isnan(table.end)
        delays = (table.end[rows] - before[rows]) / 1440.0
        delays = delays[~np.isnan(delays)]
        rivals = _race(model, event_id)
        timer_rows = np.isin(node_ids, rivals) & in_cases & ~np.isnan(table.end)
        timed_out = int(np.sum(timer_rows))
        answered = len(delays)
        if not answered:
            out[event_id] = WaitEstimate(None, 0.0, 0, timed_out, None, "no answer in the log")
            continue
        if timed_out:
            waited = (table.end[timer_rows] - before[timer_rows]) / 1440.0
            deadline = float(np.nanmedian(waited))
            mu, sigma = _truncated_lognormal(delays, deadline)
            from scipy import stats

            reach = float(stats.norm.cdf((math.log(deadline) - mu) / sigma))
            never = max(0.0, 1.0 - answered / ((answered + timed_out) * reach))
            mean = math.exp(mu + sigma * sigma / 2)
            fit = Fit(
                "lognormal",
                {"mean": mean * 1440.0, "sd": mean * math.sqrt(math.expm1(sigma * sigma)) * 1440.0},
                (),
                answered,
                float(delays.mean()) * 1440.0,
            )
            note = (
                f"n={answered} answers, {timed_out} deadlines ({deadline:.1f} d); lognormal "
                f"truncated at the deadline (ML), P(answer before deadline)={reach:.3f}"
            )
            out[event_id] = WaitEstimate(fit, never, answered, timed_out, deadline, note)
        else:
            fit = fit_duration(delays * 1440.0)
            note = fit.quality() if fit else ""
            out[event_id] = WaitEstimate(fit, 0.0, answered, 0, None, note)
    return out
