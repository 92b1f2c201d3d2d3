"""Every case in the scenarios' event logs follows a path its BPMN model allows.

One short run per variant (60 observed days after the warm-up, no cool-down, so that
cases are still open at the end) of the pilot scenario, the hybrid scenario's own
variants and the test scenario; each case's rows are replayed on its service's model
(:mod:`zsa_sim.eventlog.conformance`). No case may deviate, and the cases the replay
finds ended must be exactly the ones the engine counts as completed: an independent
check of flow conservation, since the replay knows only the model and the rows.
"""

from __future__ import annotations

import pytest
from validation_runs import SCENARIO_VARIANTS, scenario_run

from zsa_sim.eventlog.conformance import check_log, replay
from zsa_sim.eventlog.csv_log import CsvEventLogWriter, read_event_log_rows


@pytest.mark.parametrize(("path", "variant"), SCENARIO_VARIANTS)
def test_every_case_of_the_scenario_log_replays_on_its_model(path, variant):
    run = scenario_run(path, variant)
    models = {key: service.definitions for key, service in run.setup.services.items()}
    cases: dict[str, list] = {}
    for row in run.rows:
        cases.setdefault(row.case_id, []).append(row)
    results = {case: replay(models[rows[0].service], rows) for case, rows in cases.items()}
    assert {case: r.problem for case, r in results.items() if not r.fits} == {}
    assert len(cases) == run.run.result.cases_started
    assert sum(r.ended for r in results.values()) == run.run.result.cases_completed


def test_a_tampered_pilot_log_is_caught_naming_the_activity():
    run = scenario_run("scenarios/pilot.yaml", "zentral")
    models = {key: service.definitions for key, service in run.setup.services.items()}
    decision = "Task_Steuerbescheid_erlassen"
    victim = next(r for r in run.rows if r.activity_id == decision)
    tampered = [r for r in run.rows if r is not victim]
    deviations = check_log(models, tampered)
    assert [d.case_id for d in deviations] == [victim.case_id]
    assert deviations[0].problem.startswith("activity 'Task_")
    assert "not enabled after 'Task_Steuerverfahren_erfassen'" in deviations[0].problem
    assert f"the model allows '{decision}'" in deviations[0].problem


def test_the_event_log_as_written_to_csv_still_conforms(tmp_path):
    """The CSV event log of a results folder (times rounded to the second) replays too."""
    run = scenario_run("scenarios/pilot.yaml", "zentral")
    path = tmp_path / "eventlog.csv.gz"
    with CsvEventLogWriter(path, run.setup.epoch, run.setup.attribute_names) as writer:
        for row in run.rows:
            writer.record(row)
    rows = list(read_event_log_rows(path, run.setup.epoch, run.setup.attribute_names))
    assert len(rows) == len(run.rows)
    models = {key: service.definitions for key, service in run.setup.services.items()}
    assert check_log(models, rows) == []
