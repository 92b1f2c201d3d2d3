import json
import logging
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.results import (
    STALE_AFTER_SECONDS,
    ResultsFolder,
    _abandoned,
    clean_partial,
    copy_inputs,
    dumps_json,
    latest_run,
    list_runs,
    load_summary,
    write_csv,
    write_json,
)

MOMENT = datetime(2026, 11, 25, 11, 20, 58)


def fixed_clock(moment: datetime = MOMENT):
    return lambda: moment


def make_run(root: Path, moment: datetime = MOMENT, scenario: str = "pilot") -> Path:
    with ResultsFolder(root, scenario, clock=fixed_clock(moment)) as folder:
        write_json(folder.path / "summary.json", {"moment": moment.isoformat()})
    assert folder.run_dir is not None
    return folder.run_dir


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


# -- the atomic folder --------------------------------------------------------------


def test_success_renames_the_partial_folder_to_the_timestamp(tmp_path):
    with ResultsFolder(tmp_path, "pilot", clock=fixed_clock()) as folder:
        partial = folder.path
        assert partial.parent == tmp_path / "pilot"
        assert partial.name == f".partial-2026-11-25T11-20-58-{os.getpid()}"
        write_json(folder.path / "summary.json", {"a": 1})
        assert list_runs(tmp_path) == []  # not visible while being written
    assert folder.run_dir == tmp_path / "pilot" / "2026-11-25T11-20-58"
    assert not partial.exists()
    assert tree(tmp_path) == [
        "pilot",
        "pilot/2026-11-25T11-20-58",
        "pilot/2026-11-25T11-20-58/summary.json",
    ]


def test_an_exception_leaves_no_folder_and_earlier_runs_intact(tmp_path):
    earlier = make_run(tmp_path, datetime(2026, 11, 24, 9, 0, 0))
    before = {p: p.read_bytes() for p in earlier.rglob("*") if p.is_file()}
    with (
        pytest.raises(ValueError, match="boom") as info,
        ResultsFolder(tmp_path, "pilot", clock=fixed_clock()) as folder,
    ):
        (folder.path / "kpis.csv").write_text("half")
        raise ValueError("boom")
    assert list_runs(tmp_path, "pilot") == [earlier]
    assert tree(tmp_path / "pilot") == [earlier.name, f"{earlier.name}/summary.json"]
    assert {p: p.read_bytes() for p in earlier.rglob("*") if p.is_file()} == before
    assert folder.run_dir is None
    assert any("No results were kept" in note for note in info.value.__notes__)


def test_ctrl_c_leaves_no_folder(tmp_path, caplog):
    earlier = make_run(tmp_path, datetime(2026, 11, 24, 9, 0, 0))
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises(KeyboardInterrupt),
        ResultsFolder(tmp_path, "pilot", clock=fixed_clock()) as folder,
    ):
        (folder.path / "eventlog.csv.gz").write_bytes(b"\x1f\x8b")
        raise KeyboardInterrupt
    assert tree(tmp_path / "pilot") == [earlier.name, f"{earlier.name}/summary.json"]
    assert "removed the unfinished results" in caplog.text


def test_a_second_run_in_the_same_second_gets_a_suffix(tmp_path):
    runs = [make_run(tmp_path) for _ in range(11)]
    names = [r.name for r in runs]
    assert names[:3] == ["2026-11-25T11-20-58", "2026-11-25T11-20-58-2", "2026-11-25T11-20-58-3"]
    assert names[-1] == "2026-11-25T11-20-58-11"
    # suffixes sort numerically, not as text (-10 after -9)
    assert list_runs(tmp_path, "pilot") == runs
    assert latest_run(tmp_path, "pilot") == runs[-1]


def test_two_folders_open_at_once_do_not_collide(tmp_path):
    with (
        ResultsFolder(tmp_path, "pilot", clock=fixed_clock()) as a,
        ResultsFolder(tmp_path, "pilot", clock=fixed_clock()) as b,
    ):
        assert a.path != b.path
        (a.path / "x").write_text("a")
        (b.path / "x").write_text("b")
    assert {a.run_dir.name, b.run_dir.name} == {"2026-11-25T11-20-58", "2026-11-25T11-20-58-2"}
    assert (a.run_dir / "x").read_text() == "a"


def test_path_outside_the_with_block_is_an_error(tmp_path):
    folder = ResultsFolder(tmp_path, "pilot")
    with pytest.raises(ResultsError, match="not open; use it in a with-block"):
        _ = folder.path


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden", " pilot"])
def test_scenario_names_that_are_not_folder_names_are_refused(tmp_path, name):
    with pytest.raises(ResultsError, match="cannot be a folder name"):
        ResultsFolder(tmp_path, name)


# -- listing and cleaning -----------------------------------------------------------


def test_list_runs_ignores_partial_and_foreign_folders(tmp_path):
    run = make_run(tmp_path)
    other = make_run(tmp_path, scenario="wohngeld")
    (tmp_path / "pilot" / ".partial-2026-11-25T11-21-00-999999").mkdir()
    (tmp_path / "pilot" / "notes").mkdir()
    (tmp_path / "pilot" / "2026-11-25T11-20-59.txt").write_text("x")
    (tmp_path / "README.md").write_text("x")
    assert list_runs(tmp_path, "pilot") == [run]
    assert list_runs(tmp_path) == [run, other]
    assert list_runs(tmp_path, "unknown") == []


def test_latest_run_without_runs_is_an_error(tmp_path):
    with pytest.raises(ResultsError, match="no complete run of scenario 'pilot'"):
        latest_run(tmp_path, "pilot")


def test_clean_partial_removes_folders_of_dead_processes_only(tmp_path, caplog):
    run = make_run(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / "pilot" / f".partial-2026-11-25T11-21-00-{int(dead.stdout)}"
    (stale / "inputs").mkdir(parents=True)
    (stale / "inputs" / "pilot.yaml").write_text("x")
    mine = tmp_path / "pilot" / f".partial-2026-11-25T11-21-00-{os.getpid()}"
    mine.mkdir()
    with caplog.at_level(logging.WARNING):
        assert clean_partial(tmp_path) == [stale]
    assert not stale.exists()
    assert mine.exists() and run.exists()
    assert "removed unfinished results of an interrupted run" in caplog.text
    assert clean_partial(tmp_path / "nothing-here") == []


def test_without_process_checks_only_old_partial_folders_are_abandoned(tmp_path):
    folder = tmp_path / ".partial-2026-11-25T11-21-00-4242"
    (folder / "inputs").mkdir(parents=True)
    (folder / "inputs" / "pilot.yaml").write_text("x")
    assert not _abandoned(folder, 4242, can_signal=False)
    old = time.time() - STALE_AFTER_SECONDS - 60
    for path in (folder / "inputs" / "pilot.yaml", folder / "inputs", folder):
        os.utime(path, (old, old))
    assert _abandoned(folder, 4242, can_signal=False)
    assert not _abandoned(folder, os.getpid(), can_signal=False)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_run_killed_mid_write_is_never_listed(tmp_path):
    earlier = make_run(tmp_path, datetime(2026, 11, 24, 9, 0, 0))
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from zsa_sim.experiment.results import ResultsFolder, write_json
        with ResultsFolder(Path({str(tmp_path)!r}), "pilot") as folder:
            write_json(folder.path / "summary.json", {{"half": True}})
            with open(folder.path / "eventlog.csv", "w") as f:
                f.write("case_id\\n")
                f.flush()
                print("writing", flush=True)
                while True:
                    f.write("c1\\n")
                    time.sleep(0.001)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    leftovers = [p.name for p in (tmp_path / "pilot").iterdir()]
    assert any(name.startswith(".partial-") and name.endswith(f"-{proc.pid}") for name in leftovers)
    assert list_runs(tmp_path, "pilot") == [earlier]
    assert latest_run(tmp_path, "pilot") == earlier
    assert load_summary(earlier) == {"moment": "2026-11-24T09:00:00"}
    removed = clean_partial(tmp_path)
    assert [p.name for p in removed] == [n for n in leftovers if n.startswith(".partial-")]
    assert sorted(p.name for p in (tmp_path / "pilot").iterdir()) == [earlier.name]


# -- JSON -----------------------------------------------------------------------------


def test_json_is_sorted_indented_utf8_with_a_final_newline(tmp_path):
    path = tmp_path / "summary.json"
    write_json(path, {"b": [1, 2.5], "a": {"ä": "Zerbst/Anhalt", "c": True, "n": None}})
    assert (
        path.read_bytes()
        == (
            '{\n  "a": {\n    "c": true,\n    "n": null,\n    "ä": "Zerbst/Anhalt"\n  },\n'
            '  "b": [\n    1,\n    2.5\n  ]\n}\n'
        ).encode()
    )


def test_json_nan_and_infinity_become_null(tmp_path):
    path = tmp_path / "summary.json"
    write_json(path, {"mean": math.nan, "ci": [math.inf, -math.inf, np.float64("nan")]})
    assert json.loads(path.read_text(encoding="utf-8")) == {"mean": None, "ci": [None, None, None]}
    assert "NaN" not in path.read_text(encoding="utf-8")


def test_json_floats_keep_full_precision(tmp_path):
    path = tmp_path / "summary.json"
    values = [0.1 + 0.2, 1 / 3, 1e-300, 123456789.12345679, np.float64(2) ** 0.5]
    write_json(path, {"v": values})
    assert json.loads(path.read_text(encoding="utf-8"))["v"] == [float(v) for v in values]


def test_json_accepts_numpy_paths_dates_and_tuples(tmp_path):
    text = dumps_json(
        {"n": np.int64(3), "a": np.array([1.5, np.nan]), "p": Path("processes") / "x.bpmn",
         "d": date(2026, 1, 5), "t": datetime(2026, 1, 5, 7, 30), "tup": (1, "x"),
         "b": np.bool_(True)}
    )  # fmt: skip
    assert json.loads(text) == {
        "n": 3, "a": [1.5, None], "p": "processes/x.bpmn", "d": "2026-01-05",
        "t": "2026-01-05T07:30:00", "tup": [1, "x"], "b": True,
    }  # fmt: skip


def test_json_bytes_are_identical_for_equal_content_in_any_key_order(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_json(a, {"x": 1, "y": {"p": 0.5, "q": [math.nan]}})
    write_json(b, {"y": {"q": [math.nan], "p": 0.5}, "x": 1})
    assert a.read_bytes() == b.read_bytes()


def test_json_refuses_what_it_cannot_write_naming_the_place(tmp_path):
    path = tmp_path / "summary.json"
    with pytest.raises(
        ResultsError, match=r"summary.json: \$\.kpis\.waits: cannot write a value of type set"
    ):
        write_json(path, {"kpis": {"waits": {1, 2}}})
    with pytest.raises(ResultsError, match=r"key 1 is not text"):
        write_json(path, {1: "x"})
    assert not path.exists()


def test_write_json_replaces_a_file_atomically(tmp_path):
    path = tmp_path / "summary.json"
    write_json(path, {"v": 1})
    write_json(path, {"v": 2})
    assert json.loads(path.read_text()) == {"v": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_write_json_streams_the_bytes_of_dumps_json(tmp_path):
    # written in pieces (a state-wide summary's tokens would be a few hundred MB at
    # once; issue 19): many more tokens than one piece, non-ASCII text, NaN
    rows = [{"kpi": f"Wartezeit ä{i}", "value": i / 7, "ci": math.nan} for i in range(5000)]
    obj = {"kpis": rows, "notice": "Alle Daten sind synthetisch.", "n": (1, 2.5)}
    write_json(tmp_path / "s.json", obj)
    assert (tmp_path / "s.json").read_bytes() == dumps_json(obj).encode("utf-8")


def test_a_failed_json_or_csv_write_leaves_no_file(tmp_path):
    with pytest.raises(ResultsError):
        write_json(tmp_path / "s.json", {"bad": object()})
    rows = [{"kpi": str(i)} for i in range(10_000)] + [{"kpi": "x", "extra": 1}]
    with pytest.raises(ResultsError, match="row 10001"):
        write_csv(tmp_path / "kpis.csv", rows, ["kpi"])
    assert list(tmp_path.iterdir()) == []


# -- CSV, inputs, summary ------------------------------------------------------------


def test_write_csv_formats_cells_like_the_event_log(tmp_path):
    path = tmp_path / "kpis.csv"
    rows = [
        {"kpi": "wait, p90", "value": 0.1 + 0.2, "ok": True, "n": 20},
        {"kpi": "lead", "value": math.nan, "ok": False},
    ]
    assert write_csv(path, rows, ["kpi", "value", "ok", "n"]) == 2
    assert path.read_text(encoding="utf-8") == (
        'kpi,value,ok,n\n"wait, p90",0.30000000000000004,true,20\nlead,,false,\n'
    )

    many = [{"kpi": f"k{i}", "value": i / 3} for i in range(10_000)]  # several batches
    assert write_csv(path, many, ["kpi", "value"]) == 10_000
    assert path.read_text(encoding="utf-8") == "kpi,value\n" + "".join(
        f"k{i},{i / 3!r}\n" for i in range(10_000)
    )


def test_write_csv_refuses_unknown_columns(tmp_path):
    with pytest.raises(ResultsError, match=r"kpis.csv: row 1 has unknown columns \['extra'\]"):
        write_csv(tmp_path / "kpis.csv", [{"kpi": "x", "extra": 1}], ["kpi"])


def test_copy_inputs_keeps_scenario_and_models(tmp_path):
    (tmp_path / "src" / "processes").mkdir(parents=True)
    scenario = tmp_path / "src" / "pilot.yaml"
    scenario.write_text("name: pilot\n")
    model = tmp_path / "src" / "processes" / "hundehaltung.bpmn"
    model.write_text("<definitions/>")
    run = tmp_path / "run"
    run.mkdir()
    copies = copy_inputs(run, [scenario, model, model])
    assert copies == [run / "inputs" / "hundehaltung.bpmn", run / "inputs" / "pilot.yaml"]
    assert (run / "inputs" / "pilot.yaml").read_text() == "name: pilot\n"


def test_copy_inputs_refuses_missing_and_clashing_files(tmp_path):
    with pytest.raises(
        ResultsError, match=r"nope.yaml: input file to keep with the results does not exist"
    ):
        copy_inputs(tmp_path, [tmp_path / "nope.yaml"])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.bpmn").write_text("a")
    (tmp_path / "b" / "x.bpmn").write_text("b")
    with pytest.raises(ResultsError, match=r"two input files are named 'x.bpmn'"):
        copy_inputs(tmp_path, [tmp_path / "a" / "x.bpmn", tmp_path / "b" / "x.bpmn"])


def test_load_summary_reads_back_what_was_written(tmp_path):
    run = make_run(tmp_path)
    assert load_summary(run) == {"moment": "2026-11-25T11:20:58"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"summary.json: no summary.json: not a complete results folder"),
        ("{not json", r"summary.json: summary is not valid JSON"),
        ("[1, 2]", r"summary.json: summary is not a JSON object"),
    ],
)
def test_load_summary_errors_name_the_path(tmp_path, content, message):
    if content is not None:
        (tmp_path / "summary.json").write_text(content)
    with pytest.raises(ResultsError, match=message) as info:
        load_summary(tmp_path)
    assert str(tmp_path / "summary.json") in str(info.value)


# -- issue 14: stale partial folders are found by their lock, cleaned at the next run ----


@pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")
def test_partial_folder_is_locked_while_open_and_lock_decides_over_the_pid(tmp_path):
    with ResultsFolder(tmp_path, "pilot") as folder:
        assert (folder.path / ".owner.lock").exists()
        # the pid in the name is this process's, but a lock is what counts
        assert not _abandoned(folder.path, 1)
    assert not (folder.run_dir / ".owner.lock").exists()
    # a dead run's folder named with a live pid (a container's run is pid 1 every time)
    reused = tmp_path / "pilot" / f".partial-2026-11-25T11-21-00-{os.getpid()}"
    reused.mkdir()
    (reused / ".owner.lock").touch()
    assert _abandoned(reused, os.getpid())
    with ResultsFolder(tmp_path, "pilot") as folder:
        assert not reused.exists()
        assert [p.name for p in (tmp_path / "pilot").glob(".partial-*")] == [folder.path.name]


@pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")
def test_the_partial_folder_of_a_live_run_in_another_process_is_never_removed(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from zsa_sim.experiment.results import ResultsFolder
        with ResultsFolder(Path({str(tmp_path)!r}), "pilot") as folder:
            print(folder.path, flush=True)
            sys.stdin.readline()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env=env, text=True,
    )  # fmt: skip
    try:
        live = Path(proc.stdout.readline().strip())
        assert live.is_dir()
        assert clean_partial(tmp_path) == []
        with ResultsFolder(tmp_path, "pilot"):
            assert live.is_dir()
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdin.close()
        proc.stdout.close()
    assert not live.exists()
