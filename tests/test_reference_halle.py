"""Reference scenario Halle Wohngeld 2023: per-clerk queues by initial letter against FIFO.

Observed (scenarios/reference/halle_wohngeld_2023.yaml, sources there): ~17,000
applications in 2023, waits up to months, and moving from one queue per clerk (by the
applicant's initial letter) to first-in-first-out "halved processing times". The paired
comparison of the two variants (same applicants) must show FIFO's mean lead time at
about half of the per-clerk one: within 0.5 +- 0.2 (the observation is one rounded
statement about one office; the simulated ratio over a year is 0.4-0.5 and its
replication-to-replication spread a few points). Queueing theory gives the direction
for free (pooling never lengthens the mean wait of identical servers); the size of the
effect comes from the office's load, absences and repeated visits of a case to its
clerk.
"""

from pathlib import Path

import pytest

from zsa_sim.experiment.replication import ReplicationTask, run_replication
from zsa_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "reference" / "halle_wohngeld_2023.yaml"
#: observed: FIFO halved processing times
OBSERVED_RATIO = 0.5
TOLERANCE = 0.2
#: observed: about 17,000 applications in 2023; within 3 % (Poisson spread ~0.8 %)
OBSERVED_APPLICATIONS = 17_000


def kpis(scenario, variant: str) -> dict[str, float]:
    out = run_replication(ReplicationTask(scenario, variant, 0))
    return {
        k.kpi: k.value
        for k in out.kpis
        if k.municipality == "Halle" and k.service == "wohngeld" and not k.pool
    }


@pytest.mark.slow
def test_fifo_halves_the_lead_time_of_per_clerk_queues():
    scenario = load_scenario(SCENARIO)
    per_clerk, fifo = kpis(scenario, "per_clerk"), kpis(scenario, "fifo")
    # the same applicants in both variants
    assert per_clerk["arrivals"] == fifo["arrivals"]
    assert abs(per_clerk["arrivals"] - OBSERVED_APPLICATIONS) <= 0.03 * OBSERVED_APPLICATIONS
    ratio = fifo["lead_time_mean"] / per_clerk["lead_time_mean"]
    assert abs(ratio - OBSERVED_RATIO) <= TOLERANCE
    # waits growing to months: a tenth of the per-clerk cases take over two months
    assert per_clerk["lead_time_p90"] > 60
    assert per_clerk["open_cases"] == fifo["open_cases"] == 0
