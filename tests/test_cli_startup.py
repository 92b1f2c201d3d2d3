"""Start-up cost: the light commands must not import the heavy libraries (issue 19).

``zsa-sim --help``, ``inspect`` and ``validate`` are what a designer runs over and over;
importing matplotlib, scipy, simpy or dask costs seconds of CPU there. The check is on
what gets imported (deterministic), not on a timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: SimPy is not among them: it imports in ~40 ms, and `validate SCENARIO` builds each
#: variant's engine once (without running it) so that it refuses what `run` would.
HEAVY = (
    "matplotlib",
    "scipy",
    "dask",
    "distributed",
    "faker",
    "pandas",
    "pyarrow",
    "dash",
    # its registry of ~250 countries costs ~0.14 s; zsa_sim.public_holidays serves instead
    "holidays",
)

PROBE = """
import json, sys
HEAVY_JSON = {heavy!r}
from zsa_sim.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(set(m.split('.')[0] for m in sys.modules) & set(json.loads(HEAVY_JSON)))
print('HEAVY=' + json.dumps(heavy), file=sys.stderr)
"""


def _heavy_imported(*args: str) -> list[str]:
    return _imported(HEAVY, *args)


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("inspect", "processes/wohngeld.bpmn"),
        ("validate", "processes/hundehaltung.bpmn"),
        ("validate", "scenarios/pilot.yaml"),
        ("run", "--help"),
        ("plan", "--help"),
    ],
)
def test_light_commands_import_no_heavy_library(args: tuple[str, ...]) -> None:
    assert _heavy_imported(*args) == []


#: What a BPMN command needs none of: the scenario layer's libraries and the engine's.
SCENARIO_LIBRARIES = ("numpy", "simpy", "pydantic", "yaml")


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("inspect", "processes/wohngeld.bpmn"),
        ("validate", "processes/hundehaltung.bpmn"),
    ],
)
def test_bpmn_commands_import_neither_numpy_nor_simpy_nor_pydantic(args: tuple[str, ...]) -> None:
    assert _imported(SCENARIO_LIBRARIES, *args) == []


def test_validate_scenario_imports_no_kpi_or_template_module_and_one_blas_thread() -> None:
    """The pilot has no observed KPIs: the KPI module (and the case table it imports) is
    not needed; nor is the template writer; numpy starts one OpenBLAS thread (issue 19)."""
    probe = PROBE_STATE.format(args=["validate", "scenarios/pilot.yaml"])
    state = _run_probe(probe)
    assert state["modules"] == []
    assert state["threads"] == 1


PROBE_STATE = """
import json, os, sys
from zsa_sim.cli import main
try:
    main({args!r})
except SystemExit:
    pass
threads = int(open("/proc/self/status").read().split("Threads:")[1].split()[0])
modules = [m for m in ("zsa_sim.experiment.kpis", "zsa_sim.experiment.cases",
                       "zsa_sim.scenario.template") if m in sys.modules]
state = dict(modules=modules, threads=threads)
print("STATE=" + json.dumps(state), file=sys.stderr)
"""


def _run_probe(code: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env
    )
    line = [x for x in proc.stderr.splitlines() if x.startswith("STATE=")]
    assert line, proc.stderr
    return json.loads(line[-1].removeprefix("STATE="))


def test_openblas_default_keeps_what_the_user_set(monkeypatch) -> None:
    from zsa_sim.cli import _lean_library_start

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    _lean_library_start()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    _lean_library_start()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"


def test_importing_the_library_changes_no_environment_variable() -> None:
    code = (
        "import os; before = dict(os.environ)\n"
        "import zsa_sim.cli, zsa_sim.scenario.checks, zsa_sim.engine.simulation\n"
        "print('STATE=' + str(dict(os.environ) == before), file=__import__('sys').stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "STATE=True" in proc.stderr, proc.stderr


def _imported(libraries: tuple[str, ...], *args: str) -> list[str]:
    code = PROBE.format(heavy=json.dumps(libraries))
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    line = [x for x in proc.stderr.splitlines() if x.startswith("HEAVY=")]
    assert line, proc.stderr
    return json.loads(line[-1].removeprefix("HEAVY="))


def test_validate_scenario_cross_checks_once_and_builds_every_variant(monkeypatch) -> None:
    """`validate SCENARIO` builds each variant's engine (so it refuses what `run` would)
    but does not repeat the cross-checks for each build (issue 19: < 0.5 s CPU)."""
    import zsa_sim.engine.simulation as simulation
    import zsa_sim.scenario.checks as checks
    from zsa_sim.scenario import validate_scenario_file

    checked: list[object] = []
    built: list[str] = []
    real_check, real_init = checks.check_scenario, simulation.Simulation.__init__
    monkeypatch.setattr(
        checks, "check_scenario", lambda s, **kw: checked.append(s) or real_check(s, **kw)
    )

    def init(self, setup, sink, **kw):
        built.append(setup.variant)
        assert kw == {"_check_only": True}  # built to check, never run (check_buildable)
        real_init(self, setup, sink, **kw)

    monkeypatch.setattr(simulation.Simulation, "__init__", init)
    assert validate_scenario_file(ROOT / "scenarios" / "pilot.yaml") == []
    assert len(checked) == 1
    assert built == ["dezentral", "zentral"]


def test_each_command_is_mapped_to_the_module_that_defines_it() -> None:
    """`zsa-sim validate` imports only bpmn_commands; the map must name every command
    (a missing one would only cost start-up time: all modules are registered then)."""
    import importlib

    from zsa_sim.cli import _COMMAND_MODULES, _MODULE_OF

    defined = {
        command.name: module
        for module in _COMMAND_MODULES
        for command in importlib.import_module(f"zsa_sim.cli.{module}").COMMANDS
    }
    assert defined == _MODULE_OF
    files = {p.stem for p in (ROOT / "zsa_sim" / "cli").glob("*_commands.py")}
    assert files == set(_COMMAND_MODULES)


def test_command_named_by_a_command_line() -> None:
    from zsa_sim.cli import _command_in

    assert _command_in(["--debug", "validate", "x.yaml"]) == "validate"
    assert _command_in(["--help"]) is None
    assert _command_in([]) is None


FREEZE_PROBE = """
import atexit, gc, sys
atexit.register(lambda: print("FROZEN=" + str(gc.get_freeze_count() > 0), file=sys.stderr))
atexit.register(lambda: print("COLLECTING=" + str(gc.isenabled()), file=sys.stderr))
from zsa_sim.cli import main
{call}
"""


@pytest.mark.parametrize(
    ("call", "frozen"),
    [
        # the console script: the process ends with the command
        ("sys.argv = ['zsa-sim', 'validate', 'scenarios/backlog.yaml']; main()", True),
        ("sys.argv = ['zsa-sim', 'inspect', 'processes/wohngeld.bpmn']; main()", True),
        # a caller's process goes on: its objects stay collectable
        ("main(['validate', 'scenarios/backlog.yaml'])", False),
        # a command that writes files leaves its heap to Python's own teardown
        (
            "sys.argv = ['zsa-sim', 'template', 'processes/wohngeld.bpmn', '--out', "
            "{tmp!r}]; main()",
            False,
        ),
    ],
)
def test_read_only_command_leaves_its_heap_to_the_os_at_the_process_end(
    call: str, frozen: bool, tmp_path: Path
) -> None:
    call = call.format(tmp=str(tmp_path / "wohngeld.yaml"))
    proc = subprocess.run(
        [sys.executable, "-c", FREEZE_PROBE.format(call=call)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"FROZEN={frozen}" in proc.stderr, proc.stderr
    # the cyclic collector is off for exactly the same commands (issue 19: start-up)
    assert f"COLLECTING={not frozen}" in proc.stderr, proc.stderr


def test_a_serial_run_imports_neither_the_process_pool_nor_the_xes_writer() -> None:
    """`zsa-sim run -j 1` starts without multiprocessing's modules and, XES being on
    request, without its writer (issue 19: the import share of a run)."""
    code = (
        "import sys\n"
        "import zsa_sim.experiment.runner, zsa_sim.pipeline\n"
        "from zsa_sim.cli import _register\n"
        "_register()\n"
        "late = ('multiprocessing', 'concurrent.futures.process', 'zsa_sim.eventlog.xes')\n"
        "print('STATE=' + json.dumps([m for m in late if m in sys.modules]), file=sys.stderr)"
    )
    assert _run_probe("import json\n" + code) == []


def test_collector_paused_while_importing_then_hands_the_objects_to_the_oldest_generation() -> None:
    """`run` imports the library without cyclic collections (issue 19); what the
    imports made must not then be walked by the first young collection."""
    import gc

    from zsa_sim.cli import collector_paused

    assert gc.isenabled()
    try:
        with collector_paused():
            assert not gc.isenabled()
            made = [[] for _ in range(10)]
        assert gc.isenabled()
        assert gc.get_freeze_count() == 0
        young = {id(o) for o in gc.get_objects(generation=0)}
        oldest = {id(o) for o in gc.get_objects(generation=2)}
        assert id(made) not in young
        assert {id(made), *(id(m) for m in made)} <= oldest
        # a collector the caller had switched off stays off
        gc.disable()
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_validate_does_not_import_logging_and_the_package_logger_stays_quiet() -> None:
    """`logging` is ~4 ms of every start (issue 19): only the results module, the
    package's one logger, imports it, and adds the package's NullHandler there."""
    code = (
        "import sys\n"
        "from zsa_sim.cli import main\n"
        "try:\n"
        "    main(['validate', 'scenarios/pilot.yaml'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "before = 'logging' in sys.modules\n"
        "import logging, zsa_sim.experiment.results\n"
        "handlers = [type(h).__name__ for h in logging.getLogger('zsa_sim').handlers]\n"
        "print('STATE=' + json.dumps([before, handlers]), file=sys.stderr)"
    )
    assert _run_probe("import json\n" + code) == [False, ["NullHandler"]]
    loggers = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "zsa_sim").rglob("*.py")
        if "getLogger(" in p.read_text(encoding="utf-8")
    ]
    assert loggers == ["zsa_sim/experiment/results.py"]


@pytest.mark.parametrize(
    ("args", "first"),
    [
        (["validate", "scenarios/pilot.yaml"], True),
        (["validate", "processes/wohngeld.bpmn", "scenarios/backlog.yml"], True),
        (["validate", "processes/wohngeld.bpmn"], False),
    ],
)
def test_validate_imports_numpy_first_for_a_scenario_file(args: list[str], first: bool) -> None:
    """NumPy and importlib.metadata imported at the top of the stack, before the
    scenario package (see zsa_sim.cli._numpy_first), and only for a scenario file."""
    code = (
        "import sys\n"
        "from zsa_sim.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "names = list(sys.modules)\n"
        "first = all(m in names and (\n"
        "    'zsa_sim.scenario' not in names\n"
        "    or names.index(m) < names.index('zsa_sim.scenario'))\n"
        "    for m in ('numpy', 'importlib.metadata'))\n"
        "print('STATE=' + json.dumps(first), file=sys.stderr)"
    )
    assert _run_probe("import json\n" + code) is first
