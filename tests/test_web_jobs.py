import json
import os
import queue
import time
from pathlib import Path

import pytest

from tests.web_fixture import tiny_scenario
from zsa_sim.errors import ZsaError
from zsa_sim.web import jobs as web_jobs
from zsa_sim.web.jobs import CallCancelled, JobManager, JobStatus


def test_a_run_reports_progress_and_ends_in_a_results_folder(tmp_path):
    scenario = tiny_scenario(tmp_path / "scenario")
    jobs = JobManager(tmp_path / "results", jobs=2)
    job = jobs.submit(scenario, "mini")
    seen = []
    while not (status := jobs.status(job)).finished:
        seen.append((status.phase, status.done, status.total))
        time.sleep(0.05)
    assert status.state == "done", status.error
    assert (status.phase, status.done, status.total, status.eta) == ("done", 6, 6, 0.0)
    assert status.fraction == 1.0
    assert status.cpu_seconds > 0
    assert seen[0][0] == "prepare"
    assert all(total in (0, 6) for _, _, total in seen)
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)  # progress never goes back
    run_dir = tmp_path / "results" / "mini" / os.path.basename(status.run_dir)
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"]["replications"] == 2
    assert (run_dir / "inputs" / "mini.yaml").read_bytes() == scenario.read_bytes()
    assert not (run_dir / "report.html").exists()  # the report is drawn on export only


def running_in_group(pgid):
    """Processes of a process group that are not zombies (waiting to be reaped)."""
    found = []
    for stat in os.listdir("/proc"):
        if not stat.isdigit():
            continue
        try:
            with open(f"/proc/{stat}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in "ZX":
            found.append(int(stat))
    return found


def test_cancel_stops_the_run_and_keeps_nothing(tmp_path):
    scenario = tiny_scenario(tmp_path / "scenario")
    slow = scenario.read_text(encoding="utf-8").replace("days: 60", "days: 3000")
    scenario.write_text(slow.replace("replications: 2", "replications: 50"), encoding="utf-8")
    jobs = JobManager(tmp_path / "results", jobs=2)
    job = jobs.submit(scenario, "mini")
    partial = tmp_path / "results" / "mini"
    deadline = time.monotonic() + 60
    while not list(partial.glob(".partial-*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the run has begun writing its (unfinished) results folder
    assert list(partial.glob(".partial-*")), jobs.status(job)
    with pytest.raises(ZsaError, match=r"a run is already going \(mini\); wait or cancel it"):
        jobs.submit(scenario, "mini")
    pid = jobs._process[job].pid
    status = jobs.cancel(job)
    assert status.state == "cancelled"
    assert running_in_group(pid) == []  # the run and its replication workers are gone
    leftovers = list((tmp_path / "results").rglob("*"))
    assert [p for p in leftovers if p.name != "mini"] == []
    assert jobs.cancel(job).state == "cancelled"  # cancelling twice is harmless


def test_status_of_an_unknown_job_is_an_error(tmp_path):
    with pytest.raises(ZsaError, match="no such run job: nope"):
        JobManager(tmp_path).status("nope")


def test_a_failing_run_reports_the_one_line_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\n", encoding="utf-8")
    jobs = JobManager(tmp_path / "results", jobs=1)
    status = jobs.wait(jobs.submit(bad, "bad"), timeout=60)
    assert status.state == "failed"
    assert status.error.startswith(str(bad))
    assert "period" in status.error


def test_fraction_before_the_first_task():
    assert JobStatus("x", "n", "running", "prepare").fraction == 0.0


def test_shutdown_names_only_runs_it_cancelled(tmp_path):
    jobs = JobManager(tmp_path / "results", jobs=1)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\n", encoding="utf-8")
    jobs.wait(jobs.submit(bad, "bad"), timeout=60)
    assert jobs.shutdown() == []


class _Alive:
    def is_alive(self):
        return True


def _feeding(tmp_path, messages):
    """A job manager whose job 'j' has sent ``messages`` (no process runs)."""
    jobs = JobManager(tmp_path)
    feed = queue.Queue()
    for message in messages:
        feed.put(message)
    jobs._status["j"] = JobStatus("j", "x", "running", "prepare", started=time.time())
    jobs._messages["j"] = feed
    jobs._process["j"] = _Alive()
    return jobs


def test_the_eta_leaves_out_results_taken_from_the_cache(tmp_path, monkeypatch):
    t0 = 1000.0
    # ten results from the cache within 0.1 s, then two simulated ones 5 s later
    cached = [("progress", d, 20, t0 + 0.01 * d) for d in range(1, 11)]
    simulated = [("progress", 11, 20, t0 + 5.0), ("progress", 12, 20, t0 + 5.1)]
    jobs = _feeding(tmp_path, [("phase", "simulate", t0), *cached, *simulated])
    monkeypatch.setattr(web_jobs.time, "monotonic", lambda: t0 + 6.0)
    status = jobs.status("j")
    assert (status.done, status.total) == (12, 20)
    # 5.9 s for the 2 simulated since the burst ended at t0 + 0.1; 8 to go
    assert status.eta == pytest.approx(5.9 / 2 * 8)


def test_the_eta_without_cache_is_the_rate_since_the_simulation_began(tmp_path, monkeypatch):
    t0 = 1000.0
    jobs = _feeding(
        tmp_path,
        [("phase", "simulate", t0), ("progress", 1, 20, t0 + 2.0), ("progress", 2, 20, t0 + 4)],
    )
    monkeypatch.setattr(web_jobs.time, "monotonic", lambda: t0 + 4.5)
    assert jobs.status("j").eta == pytest.approx(4.5 / 2 * 18)
    jobs = _feeding(tmp_path, [("phase", "simulate", t0), ("progress", 3, 20, t0 + 0.05)])
    assert jobs.status("j").eta is None  # only cached results so far: no rate yet


def test_a_what_if_takes_its_unchanged_replications_from_the_result_cache(tmp_path):
    pytest.importorskip("zsa_sim.experiment.cache", reason="the runner has no result cache")
    from zsa_sim.scenario import apply_changes, load_scenario
    from zsa_sim.web.whatif import write_version

    scenario = tiny_scenario(tmp_path / "scenario")
    jobs = JobManager(tmp_path / "results", jobs=1)
    first = jobs.wait(jobs.submit(scenario, "mini"), timeout=120)
    assert (first.state, first.from_cache, first.total) == ("done", 0, 6), first.error
    # the what-if as the page writes it: another name and file, more ZSA staff; the
    # variant without a ZSA (2 of the 6 replications) is unchanged
    changed = apply_changes(load_scenario(scenario), {"name": "mini-v2", "zsa.staff": 2.5})
    second = jobs.wait(jobs.submit(write_version(changed, tmp_path / "v"), "mini-v2"), 120)
    assert (second.state, second.from_cache) == ("done", 2), second.error
    summary = json.loads((Path(second.run_dir) / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"]["name"] == "mini-v2"


def test_the_eta_follows_the_pace_of_the_last_results(tmp_path, monkeypatch):
    t0 = 1000.0
    # ten results read slowly from the cache (one a second), then pairs of simulated
    # ones (two workers) every ten seconds
    slow = [("progress", d, 20, t0 + d) for d in range(1, 11)]
    pairs = [("progress", d, 20, t0 + 20 + 10 * ((d - 11) // 2) + 0.01 * (d % 2 == 0))
             for d in range(11, 15)]  # fmt: skip
    jobs = _feeding(tmp_path, [("phase", "simulate", t0), *slow, *pairs])
    monkeypatch.setattr(web_jobs.time, "monotonic", lambda: t0 + 31.0)
    status = jobs.status("j")
    assert status.done == 14
    # the last four results took 21 s (from the tenth at t0 + 10): 5.25 s each, 6 to go;
    # over the whole run it would read 31 s / 14, an ETA of 13 s for 30 s of work left
    assert status.eta == pytest.approx(21 / 4 * 6)


def test_results_reported_before_any_worker_started_are_not_a_pace(tmp_path, monkeypatch):
    t0 = 1000.0
    # results read slowly from the cache, flagged by the worker (no replication worker
    # process yet), then two simulated ones
    slow = [("progress", d, 20, t0 + d, True) for d in range(1, 5)]
    simulated = [("progress", 5, 20, t0 + 14, False), ("progress", 6, 20, t0 + 14.01, False)]
    jobs = _feeding(tmp_path, [("phase", "simulate", t0), *slow])
    assert jobs.status("j").eta is None  # nothing simulated yet: no estimate
    for message in simulated:
        jobs._messages["j"].put(message)
    monkeypatch.setattr(web_jobs.time, "monotonic", lambda: t0 + 15.0)
    assert jobs.status("j").eta == pytest.approx((15 - 4) / 2 * 14)


def test_call_runs_a_function_in_a_worker_process_and_passes_its_error(tmp_path):
    from zsa_sim.web.eventlog import write_eventlog

    jobs = JobManager(tmp_path / "results")
    assert jobs.call(os.getpid) != os.getpid()
    with pytest.raises(ZsaError, match=r"no summary\.json: not a complete results folder"):
        jobs.call(write_eventlog, tmp_path)  # not a run: the worker's one-line error


def _call_in_thread(jobs: JobManager, function, *args):
    """Start ``jobs.call(function, *args)`` in a thread; wait until its worker runs."""
    import threading

    outcome: list[object] = []

    def export() -> None:
        try:
            outcome.append(jobs.call(function, *args))
        except BaseException as err:
            outcome.append(err)

    thread = threading.Thread(target=export)
    thread.start()
    deadline = time.monotonic() + 30
    while not jobs._calls and time.monotonic() < deadline:
        time.sleep(0.05)
    return thread, outcome


def test_shutdown_stops_an_export_still_being_made(tmp_path):
    """A worker of ``call`` (an export) is stopped with the server, not waited for."""
    jobs = JobManager(tmp_path / "results", jobs=1)
    thread, outcome = _call_in_thread(jobs, time.sleep, 120)
    (worker,) = list(jobs._calls)
    started = time.monotonic()
    assert jobs.shutdown() == []  # no run was going: only the export stops
    thread.join(30)
    assert not thread.is_alive()
    assert time.monotonic() - started < 30  # not the 120 s of the export
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], CallCancelled)
    assert str(outcome[0]) == "the export was cancelled"
    assert not jobs._calls


def test_cancel_calls_stops_an_export_and_the_caller_is_told(tmp_path):
    """The page's "Cancel" beside the export buttons: the worker and its children stop,
    the waiting call raises CallCancelled (one line), and the manager serves the next call."""
    jobs = JobManager(tmp_path / "results", jobs=1)
    assert jobs.cancel_calls() == 0  # nothing going: nothing to stop
    thread, outcome = _call_in_thread(jobs, time.sleep, 120)
    (worker,) = list(jobs._calls)
    started = time.monotonic()
    assert jobs.cancel_calls() == 1
    thread.join(30)
    assert not thread.is_alive() and time.monotonic() - started < 30
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], CallCancelled)
    assert isinstance(outcome[0], ZsaError)  # the page's one-line error path still holds
    assert not jobs._calls and not jobs._stopped
    # a worker that dies by itself is not reported as cancelled
    with pytest.raises(ZsaError, match="ended unexpectedly") as caught:
        jobs.call(os._exit, 3)
    assert not isinstance(caught.value, CallCancelled)
    assert jobs.call(abs, -2) == 2  # the next export works
