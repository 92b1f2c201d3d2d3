"""Round trip on known truth with part-time staff only (issue 18: "the round trip holds for
tasks done by part-time staff too").

``tests/data/calibrate/truth_part_time.yaml`` is ``truth.yaml`` with every member
part-time: front office and clerk of Adorf and Bdorf 0.5 FTE, of Cdorf 0.3 FTE, so every
task is a part-timer's. Part-timers work at full speed in the first share of each office
day (0.5 FTE: 7:00-11:15 Monday to Thursday, 7:00-9:30 on Friday; 0.3 FTE: to 9:33 and
8:30), so a task's working time is its effort, and a step that reaches her closing time
resumes in her next hours: about 8 % of the decisions (30 minutes) are interrupted. Five
years (about 6,400 cases; utilisation of the clerks about 0.45) are simulated once, taking
about 5 s of CPU (the mini model is small); replication 0's event log is calibrated.

The office calendar is given (``calendar=...#rathaus``, ``--calendar`` on the command
line): when nobody works a full day, the log cannot show the office's afternoon; the
proposed calendar is then the half-timers' mornings (7:00-11:15, Friday to 9:30), and
the FTE come out relative to them (1.0 and 0.6 instead of 0.5 and 0.3).

Tolerances, derived from the sample sizes like those of ``test_calibrate_roundtrip.py``:

- effort mean of each task within 3 standard errors, 3 * CV / sqrt(n), with the true
  coefficient of variation (CV) of its distribution and n the steps fitted: Erfassen
  (lognormal, CV 0.4, n ~ 6,400) 1.5 %, Pruefen (triangular 5/10/20, CV 0.27, n ~ 10,100)
  0.8 %, Bescheid (gamma, CV 0.4, n ~ 5,900) 1.6 %, Versenden (exponential, CV 1,
  n ~ 4,700) 4.4 %, Abholung (uniform 2-4, CV 0.19, n ~ 1,200) 1.7 %; plus 0.5 % for the
  log's whole seconds (Nachfordern is fixed, so that is all it gets). So every task also
  meets the issue's 5 % target, which the test checks too. Counting closed hours of a
  part-timer's day as work (as the calibrator did before it read her hours weekday by
  weekday) made Nachfordern 6.5 %, Bescheid 6 % and Versenden 7 % too long.
- FTE per municipality and role exactly (the calibrator's resolution is 0.1 FTE and the
  true shares lie on it; a clerk whose closing time is misread by half an hour is off by
  0.1).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from zsa_sim.calibrate.pipeline import calibrate_log
from zsa_sim.experiment.runner import RunOptions, run_experiment
from zsa_sim.scenario import load_scenario

pytestmark = pytest.mark.slow

TRUTH = Path("tests/data/calibrate/truth_part_time.yaml")
BPMN = Path("tests/data/scenarios/mini.bpmn")
_TRI_SD = math.sqrt((5**2 + 10**2 + 20**2 - 5 * 10 - 5 * 20 - 10 * 20) / 18)
#: task -> (true mean in minutes, true coefficient of variation)
TRUTH_EFFORT = {
    "Task_Erfassen": (10.0, 0.4),
    "Task_Pruefen": ((5 + 10 + 20) / 3, _TRI_SD / ((5 + 10 + 20) / 3)),
    "Task_Nachfordern": (5.0, 0.0),
    "Task_Bescheid": (30.0, 0.4),
    "Task_Versenden": (3.0, 1.0),
    "Task_Abholung": (3.0, (2 / math.sqrt(12)) / 3),
}
#: whole-second timestamps: at most 1 s of a 5-minute step, with margin
ROUNDING = 0.005


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> object:
    out = tmp_path_factory.mktemp("truth_part_time")
    outcome = run_experiment(
        TRUTH,
        RunOptions(replications=1, jobs=1, out_root=out, report=False, xes="none"),
    )
    return calibrate_log(
        outcome.run_dir / "eventlog.csv.gz",
        BPMN,
        service="antrag",
        calendar=f"{TRUTH}#rathaus",
    )


def test_part_timers_effort_recovered(calibrated) -> None:
    assert set(calibrated.efforts) == set(TRUTH_EFFORT)
    for task, (true_mean, cv) in TRUTH_EFFORT.items():
        fit = calibrated.efforts[task].fit
        tolerance = 3 * cv / math.sqrt(fit.n) + ROUNDING
        assert tolerance < 0.05, (task, fit.n)  # the sample is big enough for the target
        assert fit.mean == pytest.approx(true_mean, rel=tolerance), (task, fit.n)


def test_part_time_steps_span_her_closing_time(calibrated) -> None:
    # the test bites only if many steps ran past a part-timer's closing time
    assert calibrated.efforts["Task_Bescheid"].spanning > 200


def test_part_time_fte_recovered(calibrated) -> None:
    truth = load_scenario(TRUTH)
    expected = {
        (name, role): float(fte)
        for name, m in truth.municipalities.items()
        for role, fte in m.staff.items()
    }
    assert expected[("Cdorf", "clerk")] == 0.3
    assert calibrated.staff.fte == expected
    assert set(calibrated.staff.clerks.values()) == {1}
