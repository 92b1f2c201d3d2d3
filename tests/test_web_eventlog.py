"""The event log written on request is the one ``zsa-sim run --eventlog first`` writes."""

from tests.web_fixture import tiny_scenario
from zsa_sim.eventlog.csv_log import metadata_path
from zsa_sim.experiment.runner import RunOptions, run_experiment
from zsa_sim.web.eventlog import EVENTLOG_FILE, eventlog_path, write_eventlog


def _run(scenario, out, eventlog):
    options = RunOptions(out_root=out, jobs=1, report=False, eventlog=eventlog, xes="none")
    return run_experiment(scenario, options).run_dir


def test_the_event_log_on_request_equals_the_one_written_during_the_run(tmp_path):
    scenario = tiny_scenario(tmp_path / "scenario")
    during = _run(scenario, tmp_path / "during", "first")
    later = _run(scenario, tmp_path / "later", "none")
    assert not eventlog_path(later).exists()  # as the workbench runs: no event log

    path = write_eventlog(later, jobs=1)

    assert path == later / EVENTLOG_FILE
    assert path.read_bytes() == (during / EVENTLOG_FILE).read_bytes()
    assert metadata_path(path).read_bytes() == metadata_path(during / EVENTLOG_FILE).read_bytes()
    assert not list(later.glob(".eventlog-*"))  # its working folder is gone


def test_an_event_log_already_there_is_served_as_it_is(tmp_path):
    scenario = tiny_scenario(tmp_path / "scenario")
    run_dir = _run(scenario, tmp_path / "results", "first")
    before = eventlog_path(run_dir).stat().st_mtime_ns
    assert write_eventlog(run_dir) == eventlog_path(run_dir)
    assert eventlog_path(run_dir).stat().st_mtime_ns == before
