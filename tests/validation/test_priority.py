"""Priority classes: the scenario's ``priority:`` (larger = served first) end to end.

Issue 14: the scenario documented "larger = served first" while the staff queue served
the smallest value first; each half had its own test and nothing tested them together.
These checks go from the scenario file (``tests/data/scenarios/validation_priority.yaml``)
through the applicant generator and the engine to the event log:

- **Cobham's formula** (Cobham 1954; Kleinrock, Queueing Systems II, 3.6): an M/M/1
  queue (ρ = 0.7, mean effort 1 h) with two non-preemptive priority classes, urgent
  applications (30 % of them, ``priority: "channel == 'eilig'"``, true = 1) before normal
  ones (false = 0). With ``W0 = Σ λ_i E[S_i²]/2`` the class-k mean wait is
  ``W0 / ((1 - σ_{k-1})(1 - σ_k))``: 0.886 h urgent, 2.954 h normal (served the wrong
  way round: 4.575 h and 1.373 h). The closed-form value must lie inside the 99 %
  Student-t interval over the scenario's 12 replications, and the interval must be
  narrower than 25 % of it (the check's power); the reversed order's value must lie
  outside it.
- **The sample path**: whenever the clerk takes a normal case from the queue, no urgent
  case is waiting (non-preemptive priority), in every replication.
"""

from __future__ import annotations

import numpy as np
import pytest
from queueing_theory import priority_mean_waits, t_interval
from validation_runs import REPO, run_checked

from zsa_sim.eventlog.schema import ListSink
from zsa_sim.scenario import build_setup, load_scenario

SCENARIO = REPO / "tests/data/scenarios/validation_priority.yaml"
TASK = "Task_Bearbeiten"
CONFIDENCE = 0.99
HOUR = 60.0


def _class_waits(replication: int, scenario) -> dict[str, np.ndarray]:
    """Waits (hours) of the task per channel, of cases arriving in the observed window;
    asserts the sample-path priority rule on the whole run."""
    setup = build_setup(scenario, "dezentral", replication)
    sink = ListSink()
    run_checked(setup, sink)
    channel = setup.attribute_names.index("channel")
    rows = [r for r in sink.rows if r.activity_id == TASK and not np.isnan(r.start)]
    urgent = [(r.enabled, r.start) for r in rows if r.attributes[channel] == "eilig"]
    for r in rows:
        if r.attributes[channel] == "normal" and r.start > r.enabled:
            passed_over = [e for e, s in urgent if e < r.start < s]
            assert not passed_over, (
                f"replication {replication}: normal case {r.case_id} taken at {r.start} "
                f"while an urgent case waited since {passed_over[0]}"
            )
    lo, hi = scenario.period.window
    return {
        name: np.array(
            [
                (r.start - r.enabled) / HOUR
                for r in rows
                if r.attributes[channel] == name and lo <= r.enabled < hi
            ]
        )
        for name in ("eilig", "normal")
    }


def test_theory_cobham_two_classes():
    """The formula's values used below, and its FCFS limit (one class: P-K for M/M/1)."""
    urgent, normal = priority_mean_waits([0.21, 0.49], [1.0, 1.0], [2.0, 2.0])
    assert urgent == pytest.approx(0.7 / 0.79, rel=1e-12)
    assert normal == pytest.approx(0.7 / (0.79 * 0.3), rel=1e-12)
    (single,) = priority_mean_waits([0.7], [1.0], [2.0])
    assert single == pytest.approx(0.7 / 0.3, rel=1e-12)  # ρ/(μ-λ) with μ = 1
    # Kleinrock's conservation law (equal service times): the classes' waits average
    # to the first-come-first-served wait
    assert 0.3 * urgent + 0.7 * normal == pytest.approx(single, rel=1e-12)


def test_priority_classes_wait_as_cobham_says():
    scenario = load_scenario(SCENARIO)
    spec = scenario.services["antrag"]
    assert spec.priority == "channel == 'eilig'"
    lam = 0.7  # per hour, see the scenario
    share = spec.channels["eilig"]
    theory = dict(
        zip(
            ("eilig", "normal"),
            priority_mean_waits([lam * share, lam * (1 - share)], [1, 1], [2, 2]),
            strict=True,
        )
    )
    reversed_order = dict(
        zip(
            ("normal", "eilig"),
            priority_mean_waits([lam * (1 - share), lam * share], [1, 1], [2, 2]),
            strict=True,
        )
    )
    means: dict[str, list[float]] = {"eilig": [], "normal": []}
    for replication in range(scenario.replications):
        for name, waits in _class_waits(replication, scenario).items():
            means[name].append(float(np.mean(waits)))
    for name, wait in theory.items():
        mean, half = t_interval(means[name], CONFIDENCE)
        assert half < 0.25 * wait, f"{name}: interval ±{half:.3f} h too wide for {wait:.3f} h"
        assert abs(mean - wait) <= half, f"{name}: W {mean:.3f} ± {half:.3f} h, Cobham {wait:.3f}"
        wrong = reversed_order[name]
        assert abs(mean - wrong) > half, f"{name}: cannot tell from the reversed order {wrong:.3f}"
