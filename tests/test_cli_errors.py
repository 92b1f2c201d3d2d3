"""Every error a user can cause on the command line: one line, the file and the element or
key, exit code 2, no traceback (``--debug`` shows it); deadlocking models; interrupts.

The bad inputs are made in a temporary folder by :func:`bad_inputs`; each case runs
``zsa_sim.cli.main`` in this process. The interrupt tests start ``python -m zsa_sim run``
as a process of its own and send it SIGINT (Ctrl-C) in each phase of a run.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import zsa_sim.experiment.runner
from zsa_sim.cli import main
from zsa_sim.errors import ResultsError, ZsaError
from zsa_sim.experiment.results import list_runs
from zsa_sim.experiment.runner import RunOptions, run_experiment

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "data" / "scenarios"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def bpmn(body: str, lanes: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="{BPMN_NS}" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D">'
        f'<bpmn:process id="P" isExecutable="true">{lanes}{body}</bpmn:process>'
        "</bpmn:definitions>"
    )


def split_join_model(split: str) -> str:
    """Start -> split (exclusive/inclusive/parallel) -> A | B -> parallel join -> End."""
    lane = (
        '<bpmn:laneSet id="LS"><bpmn:lane id="Lane_Clerk"><bpmn:extensionElements>'
        '<camunda:properties><camunda:property name="zsa:role" value="clerk" />'
        "</camunda:properties></bpmn:extensionElements>"
        + "".join(
            f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>"
            for n in ("Start", "Gw_Split", "Task_A", "Task_B", "Gw_Join", "End")
        )
        + "</bpmn:lane></bpmn:laneSet>"
    )
    return bpmn(
        '<bpmn:startEvent id="Start" />'
        f'<bpmn:{split}Gateway id="Gw_Split" />'
        '<bpmn:userTask id="Task_A" /><bpmn:userTask id="Task_B" />'
        '<bpmn:parallelGateway id="Gw_Join" /><bpmn:endEvent id="End" />'
        '<bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Gw_Split" />'
        '<bpmn:sequenceFlow id="F_A" sourceRef="Gw_Split" targetRef="Task_A" />'
        '<bpmn:sequenceFlow id="F_B" sourceRef="Gw_Split" targetRef="Task_B" />'
        '<bpmn:sequenceFlow id="F_A2" sourceRef="Task_A" targetRef="Gw_Join" />'
        '<bpmn:sequenceFlow id="F_B2" sourceRef="Task_B" targetRef="Gw_Join" />'
        '<bpmn:sequenceFlow id="F_End" sourceRef="Gw_Join" targetRef="End" />',
        lane,
    )


def scenario_for(model: str, branches: str) -> str:
    return f"""name: deadlock
period: {{start: 2026-01-05, days: 20}}
replications: 2
seed: 1
calendars:
  immer: {{holidays: null, hours: {{mon: ["00:00-24:00"], tue: ["00:00-24:00"]}}}}
services:
  antrag:
    bpmn: {model}
    cases_per_1000: 500
    channels: {{paper: 1.0}}
    efforts: {{Task_A: {{fixed: 10, unit: min}}, Task_B: {{fixed: 10, unit: min}}}}
    branches: {{Gw_Split: {branches}}}
    applicants: {{generator: generic}}
municipalities:
  Adorf:
    population: 10000
    postcodes: ["06108"]
    services: [antrag]
    staff: {{clerk: 1.0}}
    calendar: immer
    cost_per_hour: 50
variants:
  dezentral: {{description: alone}}
"""


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """A folder of bad inputs (and a few good ones to spoil)."""
    shutil.copy(MINI / "mini.bpmn", tmp_path / "mini.bpmn")
    shutil.copy(MINI / "mini.yaml", tmp_path / "mini.yaml")
    mini = (tmp_path / "mini.yaml").read_text(encoding="utf-8")
    files = {
        "malformed.bpmn": bpmn('<bpmn:startEvent id="S"><bpmn:task id="T"/>'),
        "notbpmn.bpmn": '<?xml version="1.0"?><foo/>',
        "dtd.bpmn": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        "dupid.bpmn": bpmn('<bpmn:startEvent id="S"/><bpmn:task id="S"/>'),
        "dangling.bpmn": bpmn(
            '<bpmn:startEvent id="S"/><bpmn:sequenceFlow id="F" sourceRef="S" targetRef="Nix"/>'
        ),
        # a call to a process in no file is a black-box task now (issue 15); a complex
        # gateway is still refused by name
        "complex.bpmn": bpmn('<bpmn:startEvent id="S"/><bpmn:complexGateway id="CG"/>'),
        "xor_and.bpmn": split_join_model("exclusive"),
        "or_and.bpmn": split_join_model("inclusive"),
        "malformed.yaml": "name: [unclosed\n",
        "unknownkey.yaml": mini.replace("replications: 2", "replications: 2\nreplicatons: 3"),
        "badtask.yaml": mini.replace("Task_Versenden:", "Task_Versendn:"),
        "badtype.yaml": mini.replace("replications: 2", "replications: many"),
        "twice.yaml": mini.replace("replications: 2", "replications: 2\nreplications: 3"),
        "nobpmn.yaml": mini.replace("bpmn: mini.bpmn", "bpmn: fehlt.bpmn"),
        "badbpmn.yaml": mini.replace("bpmn: mini.bpmn", "bpmn: malformed.bpmn"),
        "badbranch.yaml": mini.replace("Flow_Post: 0.8", "Flow_Post: 1.8"),
        "xor_and.yaml": scenario_for("xor_and.bpmn", "{F_A: 0.5, F_B: 0.5}"),
        "or_and.yaml": scenario_for("or_and.bpmn", "{F_A: 0.5, F_B: 0.5}"),
        "existing.yaml": "# not to be overwritten\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "latin1.yaml").write_bytes("name: M\xe4rz\n".encode("latin-1"))
    (tmp_path / "not_a_run").mkdir()
    broken = tmp_path / "broken_run"
    broken.mkdir()
    (broken / "summary.json").write_text("{not json", encoding="utf-8")
    return tmp_path


BAD_BPMN = [
    ("missing.bpmn", ["missing.bpmn", "file not found"]),
    ("malformed.bpmn", ["malformed.bpmn", "not well-formed XML at line"]),
    ("notbpmn.bpmn", ["notbpmn.bpmn", "'foo'"]),
    ("dtd.bpmn", ["dtd.bpmn", "DTDs and entities are not allowed"]),
    ("dupid.bpmn", ["dupid.bpmn", "duplicate id 'S'"]),
    ("dangling.bpmn", ["dangling.bpmn", "'F'", "'Nix'"]),
    ("complex.bpmn", ["complex.bpmn", "'CG'", "complex gateway"]),
]
BAD_SCENARIOS = [
    ("missing.yaml", ["missing.yaml", "not found"]),
    ("malformed.yaml", ["malformed.yaml", "line 2, column 1"]),
    ("unknownkey.yaml", ["unknownkey.yaml", "replicatons"]),
    ("badtask.yaml", ["badtask.yaml", "services.antrag.efforts.Task_Versendn"]),
    ("badtype.yaml", ["badtype.yaml", "replications"]),
    ("twice.yaml", ["twice.yaml", "'replications' is written twice"]),
    ("nobpmn.yaml", ["nobpmn.yaml", "services.antrag.bpmn", "fehlt.bpmn"]),
    ("badbpmn.yaml", ["badbpmn.yaml", "services.antrag.bpmn", "malformed.bpmn"]),
    ("badbranch.yaml", ["badbranch.yaml", "services.antrag.branches.Gw_Versand"]),
    ("latin1.yaml", ["latin1.yaml", "not UTF-8"]),
]
OUT = ["--out", "{tmp}/results"]

CASES = [
    *[(f"inspect {f}", ["inspect", f], words) for f, words in BAD_BPMN],
    *[(f"validate {f}", ["validate", f], words) for f, words in BAD_BPMN],
    *[(f"template {f}", ["template", f, "-o", "t.yaml"], words) for f, words in BAD_BPMN],
    ("validate txt", ["validate", "notes.txt"], ["notes.txt", "cannot validate a '.txt' file"]),
    ("template existing", ["template", "mini.bpmn", "-o", "existing.yaml"], ["existing.yaml"]),
    *[(f"synth {f}", ["synth", f, "--out", "{tmp}/s"], words) for f, words in BAD_SCENARIOS],
    *[(f"run {f}", ["run", f, "-q", "-j", "1", *OUT], words) for f, words in BAD_SCENARIOS],
    *[
        (f"sweep {f}", ["sweep", f, "--vary", "zsa.staff=1,2", *OUT], words)
        for f, words in BAD_SCENARIOS[:4]
    ],
    *[
        (f"plan {f}", ["plan", f, "-t", "p90 lead time <= 15", *OUT], words)
        for f, words in BAD_SCENARIOS[:4]
    ],
    (
        "run unknown variant",
        ["run", "mini.yaml", "--variant", "nope", *OUT],
        ["mini.yaml", "'nope'"],
    ),
    ("run zero replications", ["run", "mini.yaml", "-n", "0", *OUT], ["mini.yaml", "replications"]),
    ("run zero jobs", ["run", "mini.yaml", "-j", "0", *OUT], ["--jobs"]),
    # issue 14: absurd -n, a malformed scheduler address, a staffing grid of noise
    ("run huge n", ["run", "mini.yaml", "-n", "1000000", *OUT],
     ["mini.yaml", "at most 1,000 replications per variant"]),
    ("run http scheduler", ["run", "mini.yaml", "-q", "-n", "1", "--scheduler", "http://h:1", *OUT],
     ["--scheduler", "scheme 'http' is not one of tcp, tls"]),
    ("run no port", ["run", "mini.yaml", "-q", "-n", "1", "--scheduler", "localhost", *OUT],
     ["--scheduler", "needs a host and a port"]),
    ("plan tiny step", ["plan", "mini.yaml", "-t", "p90 lead time <= 15", "--step", "1e-9", *OUT],
     ["step 1e-09 FTE is finer than 0.05 FTE"]),
    ("run bad option value", ["run", "mini.yaml", "--xes", "some", *OUT], ["'--xes'", "'some'"]),
    (
        "sweep unknown key",
        ["sweep", "mini.yaml", "--vary", "nope.x=1,2", *OUT],
        ["mini.yaml", "nope"],
    ),
    (
        "plan unknown key",
        ["plan", "mini.yaml", "-t", "p90 lead time <= 15", "--key", "nope.x", *OUT],
        ["mini.yaml", "nope"],
    ),
    ("compare missing", ["compare", "gone_a", "gone_b"], ["'gone_a'", "does not exist"]),
    ("compare not a run", ["compare", "not_a_run", "not_a_run"], ["not_a_run", "summary.json"]),
    ("compare broken", ["compare", "broken_run", "broken_run"], ["broken_run", "summary.json"]),
    ("report missing", ["report", "gone"], ["gone", "not a results folder"]),
    ("report not a run", ["report", "not_a_run"], ["not_a_run", "summary.json"]),
    ("report broken", ["report", "broken_run"], ["broken_run", "summary.json"]),
    ("missing argument", ["inspect"], ["Missing argument 'FILE'", "zsa-sim inspect --help"]),
    ("unknown command", ["frobnicate"], ["No such command 'frobnicate'"]),
]  # fmt: skip


def run_main(argv: list[str], folder: Path, capsys: pytest.CaptureFixture[str]):
    argv = [a.replace("{tmp}", str(folder)) for a in argv]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.mark.parametrize(("argv", "words"), [pytest.param(a, w, id=i) for i, a, w in CASES])
def test_every_cli_error_is_one_line_naming_the_file_and_key(argv, words, bad, capsys, monkeypatch):
    monkeypatch.chdir(bad)
    code, _, err = run_main(argv, bad, capsys)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ")
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in err
    assert not (bad / "results").exists() or list_runs(bad / "results") == []
    assert not list((bad / "results").glob("*/.partial-*"))


DEBUG_CASES = [c for c in CASES if c[0].split()[0] in ("inspect", "run", "compare")]


@pytest.mark.parametrize(
    ("argv", "words"), [pytest.param(a, w, id=i) for i, a, w in DEBUG_CASES if len(a) > 1]
)
def test_debug_lets_the_error_through_with_its_traceback(argv, words, bad, monkeypatch):
    monkeypatch.chdir(bad)
    argv = [a.replace("{tmp}", str(bad)) for a in argv]
    try:
        main(["--debug", *argv])
    except ZsaError as err:
        assert all(word in str(err) for word in words)
        assert err.__traceback__ is not None
    except SystemExit as exit_info:  # click's own usage errors are not ours to trace
        assert exit_info.code == 2
        assert argv[0] in ("run", "compare")
    else:
        pytest.fail("no error")


def test_debug_prints_the_traceback_from_python_m(bad):
    result = subprocess.run(
        [sys.executable, "-m", "zsa_sim", "--debug", "inspect", "dupid.bpmn"],
        cwd=bad,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    assert result.returncode == 1  # an uncaught exception, as Python reports it
    assert "Traceback (most recent call last)" in result.stderr
    assert "zsa_sim.errors.BpmnError: dupid.bpmn: duplicate id 'S'" in result.stderr


# -- models that deadlock ----------------------------------------------------------------


def test_validate_names_the_join_an_exclusive_split_starves(bad, capsys, monkeypatch):
    monkeypatch.chdir(bad)
    code, out, err = run_main(["validate", "xor_and.bpmn", "xor_and.yaml"], bad, capsys)
    assert code == 1 and not err
    finding = (
        "'Gw_Join': parallel join can wait forever: its incoming flows 'F_A2' and "
        "'F_B2' come from alternative branches of exclusiveGateway 'Gw_Split'"
    )
    lines = out.splitlines()
    assert f"error: {finding}" in lines
    assert f"error: 'services.antrag.bpmn': xor_and.bpmn: {finding}" in lines
    assert "xor_and.bpmn: 1 error, 1 warning" in lines  # the warning: no conditions
    assert sum(line.startswith("error: ") for line in lines) == 2


@pytest.mark.parametrize(
    ("scenario", "jobs"),
    [("xor_and.yaml", "1"), ("xor_and.yaml", "2"), ("or_and.yaml", "1")],
    ids=["exclusive split", "exclusive split, two workers", "inclusive split"],
)
def test_a_run_that_deadlocks_stops_naming_the_stuck_join(
    bad, earlier_run, capsys, monkeypatch, scenario, jobs
):
    # Run anyway (the scenario loads: its model's findings are for validate to report):
    # a case whose exclusive (or inclusive) split took one branch waits at the parallel
    # join for ever; the engine stops at the first such case instead of losing it.
    monkeypatch.chdir(bad)
    root, earlier, before = earlier_run
    argv = ["run", scenario, "-q", "-j", jobs, "--out", str(root)]
    code, _, err = run_main(argv, bad, capsys)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "stuck at parallel join 'Gw_Join': waiting for flows" in lines[0]
    assert scenario.replace(".yaml", ".bpmn") in lines[0]
    assert list_runs(root) == [earlier]
    assert not list(root.glob("*/.partial-*"))
    assert _digest(earlier) == before


def test_a_deadlock_error_has_an_acyclic_chain_for_pickling(bad, monkeypatch, tmp_path):
    """Regression: the engine re-raised its error with the cause/context chain forming a
    cycle; Dask's tblib (installed on import of dask.distributed) then recursed for ever
    pickling it in a worker, which died with an obscure message instead of this one."""
    monkeypatch.chdir(bad)
    with pytest.raises(ZsaError, match="stuck at parallel join 'Gw_Join'") as info:
        main(["--debug", "run", "xor_and.yaml", "-q", "-j", "1", "--out", str(tmp_path)])
    seen = set()
    error: BaseException | None = info.value
    while error is not None:
        assert id(error) not in seen, "the exception chain is a cycle"
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    restored = pickle.loads(pickle.dumps(info.value))
    assert str(restored) == str(info.value)


# -- interrupted and failing runs -----------------------------------------------------------


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def earlier_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results root holding one small complete run of the test scenario."""
    root = tmp_path_factory.mktemp("earlier") / "results"
    options = RunOptions(
        replications=1,
        jobs=1,
        out_root=root,
        variants=("dezentral",),
        eventlog=False,
        report=False,
    )
    run_experiment(MINI / "mini.yaml", options)
    return root


@pytest.fixture
def earlier_run(tmp_path: Path, earlier_template: Path) -> tuple[Path, Path, dict[str, str]]:
    """A copy of that results root, its run folder and the run's digest."""
    root = tmp_path / "results"
    shutil.copytree(earlier_template, root)
    (run_dir,) = list_runs(root)
    return root, run_dir, _digest(run_dir)


def _wait_for(root: Path, marker: str, process: subprocess.Popen, timeout=120.0) -> None:
    """Until the run's partial folder holds a file matching the glob ``marker``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        for partial in root.glob("mini/.partial-*"):
            if any(partial.glob(marker)):
                return
        time.sleep(0.005)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


#: A worker has begun writing its event log part: the simulation is under way. (Not
#: the instant the results folder appears: a signal that arrives while Python forks the
#: worker processes is lost in the fork handlers, a CPython limitation.)
SIMULATING = "parts/.eventlog-*.tmp"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("marker", "jobs", "extra"),
    [
        pytest.param("", "1", ["--no-report"], id="while starting"),
        pytest.param(SIMULATING, "1", ["--no-report"], id="while simulating"),
        pytest.param(SIMULATING, "2", ["--no-report"], id="while simulating, two workers"),
        pytest.param("kpis.csv", "1", ["--no-report"], id="while writing results"),
    ],
)
def test_ctrl_c_at_any_point_leaves_earlier_results_and_no_partial_folder(
    earlier_run, marker, jobs, extra
):
    root, earlier, before = earlier_run
    command = [sys.executable, "-m", "zsa_sim", "run", str(MINI / "mini.yaml"), "-q"]
    command += ["--variant", "zentral", "-j", jobs, "-n", "2", "--out", str(root), *extra]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C in a terminal reaches the whole process group
        # as in a terminal: a test run started in the background (`cmd &`) inherits an
        # ignored SIGINT, and Python then never raises KeyboardInterrupt
        preexec_fn=_default_sigint,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if marker == "":
        time.sleep(0.5)  # Python is importing the command line
    else:
        _wait_for(root, marker, process)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in err and not out
    assert not list(root.glob("*/.partial-*"))
    assert _digest(earlier) == before
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Interrupted; "), (out, err)
    # 130, or killed by SIGINT when Python re-raises it on exit (CPython does so after
    # a KeyboardInterrupt escaped an eval() during an import, even when it was caught)
    assert process.returncode in (130, -signal.SIGINT)
    assert list_runs(root) == [earlier]


@pytest.mark.slow
def test_ctrl_c_while_drawing_the_report_keeps_the_finished_run(earlier_run) -> None:
    # The run is finished and renamed into place before the report starts (issue 14.1):
    # an interrupted report keeps it, leaves no half-drawn charts and says how to retry.
    root, earlier, before = earlier_run
    command = [sys.executable, "-m", "zsa_sim", "run", str(MINI / "mini.yaml"), "-q"]
    command += ["--variant", "zentral", "-j", "1", "-n", "2", "--out", str(root)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_default_sigint,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(root.glob("mini/*/.charts-partial-de/*")):  # a chart is being drawn
            break
        time.sleep(0.005)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in err
    assert _digest(earlier) == before
    runs = list_runs(root)
    assert len(runs) == 2 and earlier in runs
    new = next(r for r in runs if r != earlier)
    assert (new / "summary.json").is_file() and (new / "kpis.csv").is_file()
    assert not list(new.glob(".charts-partial-*")) and not list(root.glob("*/.partial-*"))
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Interrupted; "), (out, err)
    assert f"results in {new} were kept" in lines[0]
    assert f"zsa-sim report {new}" in lines[0]
    assert process.returncode in (130, -signal.SIGINT)


@pytest.mark.parametrize(
    ("error", "exit_code"),
    [(ResultsError("disk full", source="x/kpis.csv"), 2), (OSError(28, "No space left"), None)],
    ids=["results error", "unexpected error"],
)
def test_a_failure_while_writing_results_leaves_no_partial_folder(
    earlier_run, monkeypatch, capsys, error, exit_code
):
    root, earlier, before = earlier_run
    real = zsa_sim.experiment.runner.write_outputs

    def write_then_fail(folder, *args, **kwargs):
        real(folder, *args, **kwargs)  # the folder is full of files when it fails
        raise error

    monkeypatch.setattr(zsa_sim.experiment.runner, "write_outputs", write_then_fail)
    argv = ["run", str(MINI / "mini.yaml"), "-q", "-j", "1", "-n", "1", "--out", str(root)]
    argv += ["--variant", "zentral"]
    if exit_code is None:
        with pytest.raises(OSError, match="No space left"):
            main([*argv, "--no-report"])
    else:
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--no-report"])
        assert exit_info.value.code == exit_code
        assert capsys.readouterr().err == "Error: x/kpis.csv: disk full\n"
    assert list_runs(root) == [earlier]
    assert not list(root.glob("*/.partial-*"))
    assert _digest(earlier) == before


def test_warnings_are_one_line_each_and_said_once(capsys):
    """Issue 14: names with emoji flooded stderr with two-line matplotlib warnings."""
    import warnings

    from zsa_sim.cli import _one_line_warnings

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        _one_line_warnings()
        for glyph in ("128021 (\\N{DOG})", "127963 (\\N{CLASSICAL BUILDING})") * 20:
            warnings.warn(f"Glyph {glyph} missing from font(s) DejaVu Sans.", stacklevel=1)
        warnings.warn("something else\nover two lines", stacklevel=1)
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "warning: some characters of the names are missing from the charts' font "
        "(they are drawn as empty boxes)",
        "warning: something else over two lines",
    ]


@pytest.mark.skipif(not Path("/proc/1/fdinfo").is_dir(), reason="needs an unwritable folder")
def test_an_unwritable_home_gets_matplotlib_a_config_folder_quietly(monkeypatch, tmp_path):
    """Issue 14: a read-only HOME made matplotlib log two long lines on every command."""
    from zsa_sim.cli import _writable_matplotlib_config

    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/proc/1/fdinfo")
    _writable_matplotlib_config()
    chosen = Path(os.environ["MPLCONFIGDIR"])
    assert chosen.name == f"zsa-sim-matplotlib-{os.getuid()}" and chosen.is_dir()
    monkeypatch.delenv("MPLCONFIGDIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    _writable_matplotlib_config()
    assert "MPLCONFIGDIR" not in os.environ
    assert (tmp_path / "matplotlib").is_dir()
