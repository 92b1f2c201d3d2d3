"""Convert the three-task benchmark's parameters into Prosimos simulation parameters.

Prosimos (University of Tartu, PyPI ``prosimos``) reads the same BPMN file as zsa-sim
but takes its parameters from a JSON file of its own: resource pools with calendars,
a duration distribution per task and resource, branch probabilities per gateway and an
inter-arrival distribution. Prosimos counts seconds; zsa-sim counts minutes.

Mapping (zsa-sim -> Prosimos):

- staff pool of one member on an always-open calendar -> resource profile with one
  resource and a 24/7 calendar (Monday to Sunday, 00:00 to 23:59:59.999999);
- ``Distribution.exponential(mean)`` -> ``expon`` with params (mean, min 0, max); the
  max is set far above any draw (Prosimos redraws values outside [min, max]);
- branch probabilities by flow id -> ``gateway_branching_probabilities`` by path id;
- Poisson arrivals with a mean gap -> ``arrival_time_distribution`` ``expon``, on a
  24/7 arrival calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SECONDS = 60.0
#: upper bound of the exponential draws (seconds): 100 years, never reached
MAX_SECONDS = 100 * 365 * 86400.0
WEEK = {"from": "MONDAY", "to": "SUNDAY", "beginTime": "00:00:00", "endTime": "23:59:59.999999"}


def _expon(mean_minutes: float) -> dict[str, Any]:
    return {
        "distribution_name": "expon",
        "distribution_params": [
            {"value": mean_minutes * SECONDS},
            {"value": 0.0},
            {"value": MAX_SECONDS},
        ],
    }


def prosimos_parameters(
    task_means: Mapping[str, float],
    branches: Mapping[str, Mapping[str, float]],
    interarrival: float,
) -> dict[str, Any]:
    """Prosimos JSON for tasks with exponential efforts (minutes), one resource each."""
    profiles = []
    durations = []
    for task, mean in task_means.items():
        resource = f"clerk_{task}"
        profiles.append(
            {
                "id": f"pool_{task}",
                "name": f"pool_{task}",
                "resource_list": [
                    {
                        "id": resource,
                        "name": resource,
                        "cost_per_hour": 1,
                        "amount": 1,
                        "calendar": "always",
                        "assigned_tasks": [task],
                    }
                ],
            }
        )
        durations.append(
            {"task_id": task, "resources": [{"resource_id": resource, **_expon(mean)}]}
        )
    return {
        "resource_profiles": profiles,
        "arrival_time_distribution": _expon(interarrival),
        "arrival_time_calendar": [WEEK],
        "gateway_branching_probabilities": [
            {
                "gateway_id": gateway,
                "probabilities": [
                    {"path_id": flow, "value": p} for flow, p in probabilities.items()
                ],
            }
            for gateway, probabilities in branches.items()
        ],
        "task_resource_distribution": durations,
        "resource_calendars": [{"id": "always", "name": "always", "time_periods": [WEEK]}],
    }
