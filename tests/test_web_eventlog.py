"""The event log written on request is the one ``zsa-sim run --eventlog first`` writes."""

import shutil

from tests.web_fixture import tiny_run
from zsa_sim.eventlog.csv_log import metadata_path
from zsa_sim.web.eventlog import EVENTLOG_FILE, eventlog_path, write_eventlog


def test_the_event_log_on_request_equals_the_one_written_during_the_run(tmp_path):
    during = tiny_run()  # run_experiment with the default eventlog="first"
    later = tmp_path / "mini" / during.name
    shutil.copytree(during, later)
    # as the workbench's runs are: no event log
    eventlog_path(later).unlink()
    metadata_path(eventlog_path(later)).unlink()

    path = write_eventlog(later, jobs=1)

    assert path == later / EVENTLOG_FILE
    assert path.read_bytes() == (during / EVENTLOG_FILE).read_bytes()
    assert metadata_path(path).read_bytes() == metadata_path(during / EVENTLOG_FILE).read_bytes()
    assert not list(later.glob(".eventlog-*"))  # its working folder is gone


def test_an_event_log_already_there_is_served_as_it_is():
    run_dir = tiny_run()
    before = eventlog_path(run_dir).stat().st_mtime_ns
    assert write_eventlog(run_dir) == eventlog_path(run_dir)
    assert eventlog_path(run_dir).stat().st_mtime_ns == before
