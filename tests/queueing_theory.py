"""Closed-form queueing results and replication statistics for validating the engine.

Shared by the engine's tests and the validation suite (issue 7). Time units are whatever
the caller uses (the engine: minutes). All formulas are for a stationary queue with
first-come-first-served discipline.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence

from scipy import stats


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival must wait in M/M/c (Erlang C); ``offered_load`` = λ/μ.

    Computed with the numerically stable Erlang B recursion:
    B(0) = 1, B(k) = a·B(k-1) / (k + a·B(k-1)), C = c·B / (c - a·(1 - B)).
    """
    c, a = servers, offered_load
    if c < 1 or a < 0:
        raise ValueError("need at least one server and a non-negative load")
    if a >= c:
        raise ValueError(f"unstable: offered load {a} >= {c} servers")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1 - b))


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean waiting time in queue (before service) of M/M/c: C(c, a) / (cμ - λ)."""
    a = arrival_rate / service_rate
    return erlang_c(servers, a) / (servers * service_rate - arrival_rate)


def mmc_mean_in_system(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean number in system of M/M/c (Little: λ·(Wq + 1/μ))."""
    wq = mmc_mean_wait(arrival_rate, service_rate, servers)
    return arrival_rate * (wq + 1 / service_rate)


def mg1_mean_wait(arrival_rate: float, mean_service: float, scv: float) -> float:
    """Pollaczek-Khinchine mean wait of M/G/1; ``scv`` = squared coefficient of variation
    of the service time (0 for M/D/1, 1 for M/M/1)."""
    rho = arrival_rate * mean_service
    if rho >= 1:
        raise ValueError(f"unstable: utilisation {rho} >= 1")
    return rho * mean_service * (1 + scv) / (2 * (1 - rho))


def mm1_mean_sojourn(arrival_rate: float, service_rate: float) -> float:
    """Mean time in system of M/M/1: 1 / (μ - λ)."""
    if arrival_rate >= service_rate:
        raise ValueError(f"unstable: arrival rate {arrival_rate} >= service rate {service_rate}")
    return 1 / (service_rate - arrival_rate)


def tandem_mean_sojourn(arrival_rate: float, service_rates: Sequence[float]) -> float:
    """Mean time in system of M/M/1 stations in series (Jackson network).

    By Burke's theorem each station's departures are again Poisson, and by Jackson's
    theorem the stations behave as independent M/M/1 queues, so the mean sojourn is the
    sum of the stations' ``1 / (μ_i - λ)``.
    """
    return math.fsum(mm1_mean_sojourn(arrival_rate, mu) for mu in service_rates)


def priority_mean_waits(
    arrival_rates: Sequence[float], mean_services: Sequence[float], second_moments: Sequence[float]
) -> list[float]:
    """Mean waits of M/G/1 with non-preemptive priority classes (Cobham 1954).

    Classes in order of priority (index 0 served first). With ``W0 = Σ λ_i E[S_i²] / 2``
    (the mean residual work of the job in service) and ``σ_k = Σ_{i<=k} ρ_i``, class k
    waits ``W_k = W0 / ((1 - σ_{k-1})(1 - σ_k))`` on average.
    """
    w0 = math.fsum(lam * m2 for lam, m2 in zip(arrival_rates, second_moments, strict=True)) / 2
    waits, sigma = [], 0.0
    for lam, mean in zip(arrival_rates, mean_services, strict=True):
        before, sigma = sigma, sigma + lam * mean
        if sigma >= 1:
            raise ValueError(f"unstable: utilisation {sigma} >= 1")
        waits.append(w0 / ((1 - before) * (1 - sigma)))
    return waits


def fcfs_waits(arrivals: Sequence[float], services: Sequence[float], servers: int) -> list[float]:
    """Waiting times of a first-come-first-served queue with identical servers.

    The Kiefer-Wolfowitz recursion: keep the time at which each server next becomes
    free; an arrival waits until the earliest of them (Lindley's recursion for one
    server). ``arrivals`` must be sorted; ``services[i]`` is the i-th arrival's service.
    """
    free = [0.0] * servers
    waits = []
    for arrival, service in zip(arrivals, services, strict=True):
        begin = max(arrival, free[0])
        waits.append(begin - arrival)
        heapq.heapreplace(free, begin + service)
    return waits


def t_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the Student-t confidence interval over replications."""
    n = len(values)
    if n < 2:
        raise ValueError("need at least two replications")
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
