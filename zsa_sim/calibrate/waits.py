"""Applicants' reaction times: how long until a message arrives, and who never answers.

The delay of a message catch event is calendar time from the row before it in the case
(e.g. the request for documents) to the event. When the event races other events (an
event-based gateway with a deadline, or a withdrawal), an answer later than the winner
is never seen. Two things are then mixed in the rivals' count, the applicants who never
answer and those who would have answered later. So the delay (lognormal) and the share
who never answer are fitted together by maximum likelihood, every wait won by a rival
being a right-censored observation at the rival's time (competing risks). Without a
race, every delay is seen and the families are compared as for efforts
(:mod:`zsa_sim.calibrate.fitting`), with nobody never answering.
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


def censored_lognormal(delays: np.ndarray, censored: np.ndarray) -> tuple[float, float, float]:
    """(mu, sigma, never) by maximum likelihood from answers and censored waits.

    An answer after t has density (1 - never) f(t); a wait ended by something else at
    c (the deadline, or a rival message) says the answer had not come by c, with
    probability never + (1 - never) (1 - F(c)). Lognormal F; Nelder-Mead on
    (mu, log sigma, logit never).
    """
    from scipy import optimize, stats

    logs = np.log(np.maximum(delays, 1e-6))
    log_c = np.log(np.maximum(censored, 1e-6))

    def nll(theta: np.ndarray) -> float:
        mu, log_sigma, logit = theta
        sigma = math.exp(log_sigma)
        never = 1.0 / (1.0 + math.exp(-logit))
        answered = math.log1p(-never) if never < 1 else -math.inf
        won = np.sum(stats.norm.logpdf(logs, mu, sigma) - logs) + len(logs) * answered
        survive = stats.norm.sf((log_c - mu) / sigma)
        lost = np.sum(np.log(never + (1 - never) * survive + 1e-300))
        return -float(won + lost)

    share = len(censored) / max(len(censored) + len(delays), 1)
    start = np.array(
        [logs.mean(), math.log(max(logs.std(), 1e-3)), math.log((share + 0.01) / (1.01 - share))]
    )
    result = optimize.minimize(
        nll, start, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 4000}
    )
    mu, log_sigma, logit = result.x
    return float(mu), float(math.exp(log_sigma)), float(1.0 / (1.0 + math.exp(-logit)))


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
            waited = waited[~np.isnan(waited)]
            mu, sigma, never = censored_lognormal(delays, waited)
            mean = math.exp(mu + sigma * sigma / 2)
            fit = Fit(
                "lognormal",
                {"mean": mean * 1440.0, "sd": mean * math.sqrt(math.expm1(sigma * sigma)) * 1440.0},
                (),
                answered,
                float(delays.mean()) * 1440.0,
            )
            deadline = float(np.median(waited)) if len(waited) else None
            note = (
                f"n={answered} answers, {timed_out} waits ended otherwise (deadline or "
                f"another event, median {deadline:.1f} d): lognormal with never-share by "
                "maximum likelihood, those waits censored"
            )
            out[event_id] = WaitEstimate(fit, never, answered, timed_out, deadline, note)
        else:
            fit = fit_duration(delays * 1440.0)
            note = fit.quality() if fit else ""
            out[event_id] = WaitEstimate(fit, 0.0, answered, 0, None, note)
    return out
