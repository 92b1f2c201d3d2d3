import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from zsa_sim.errors import ZsaError
from zsa_sim.experiment.distributed import check_address, probe_scheduler
from zsa_sim.experiment.executors import make_executor
from zsa_sim.experiment.runner import RunOptions, plan_tasks, run_experiment, simulate_all
from zsa_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
COMPARED = ("summary.json", "kpis.csv", "kpis_by_replication.csv", "eventlog.csv.gz")


def small_pilot(path: Path = ROOT / "scenarios" / "pilot.yaml"):
    """The pilot over 60 days at a quarter of its volume, two replications: seconds."""
    changes = {
        "period.days": 60,
        "period.warmup_days": 5,
        "period.cooldown_days": 10,
        "replications": 2,
        "services.wohngeld.volume": 0.25,
        "services.hundehaltung.volume": 0.25,
    }
    return load_scenario(path).with_changes(changes)


def run(scenario, out: Path, **options) -> Path:
    options = {"eventlog": "all", **options}
    outcome = run_experiment(scenario, RunOptions(out_root=out, report=False, **options))
    return outcome.run_dir


def assert_same_files(a: Path, b: Path) -> None:
    for name in COMPARED:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    return run(small_pilot(), tmp_path_factory.mktemp("serial"), jobs=1)


def test_parallel_run_gives_the_bytes_of_a_serial_run(serial_run, tmp_path):
    parallel = run(small_pilot(), tmp_path, jobs=2)
    assert_same_files(serial_run, parallel)


# -- Dask ---------------------------------------------------------------------------------

try:
    import dask.distributed as dask_distributed
except ImportError:  # the optional extra is not installed: only the Dask tests skip
    dask_distributed = None

needs_dask = pytest.mark.skipif(
    dask_distributed is None,
    reason="Dask is an optional extra: pip install 'zsa-sim[distributed]'",
)


@pytest.fixture(scope="module")
def cluster():
    # Worker processes (not threads), so tasks really travel pickled to other processes.
    with dask_distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local.scheduler_address


@needs_dask
def test_dask_run_gives_the_bytes_of_a_local_run(serial_run, cluster, tmp_path):
    on_dask = run(small_pilot(), tmp_path, scheduler=cluster)
    assert_same_files(serial_run, on_dask)


@needs_dask
def test_workers_need_no_bpmn_files(cluster, tmp_path):
    # The scenario carries its parsed models: delete the files after loading.
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(ROOT / "processes", tmp_path / "processes")
    scenario = small_pilot(tmp_path / "scenarios" / "pilot.yaml")
    tasks = plan_tasks(scenario, ["zentral"], log_dir=None)[:1]
    shutil.rmtree(tmp_path / "processes")
    local = simulate_all(tasks, jobs=1)
    remote = simulate_all(tasks, scheduler=cluster)
    assert repr(remote) == repr(local)  # repr: NaN != NaN once unpickled


@needs_dask
def test_results_arrive_as_index_and_result_pairs(cluster):
    executor = make_executor(scheduler=cluster)
    pairs = sorted(executor.map_unordered(abs, [-3, 4, -5]))
    assert pairs == [(0, 3), (1, 4), (2, 5)]


@needs_dask
def test_a_failing_task_raises_its_own_error(cluster):
    executor = make_executor(scheduler=cluster)
    with pytest.raises(ValueError, match="invalid literal"):
        list(executor.map_unordered(int, ["1", "x"]))


@needs_dask
def test_unreachable_scheduler_is_one_clear_error():
    executor = make_executor(scheduler="tcp://127.0.0.1:9")
    executor.connect_timeout = 1.0
    with pytest.raises(ZsaError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        list(executor.map_unordered(abs, [1]))


def test_without_dask_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ZsaError, match=r"pip install 'zsa-sim\[distributed\]'"):
        make_executor(scheduler="tcp://127.0.0.1:8786")


class FakeClient:
    """Answers the executor's cluster check like a cluster with one bad worker would."""

    def __init__(self, worker_answer, scheduler_answer=None):
        from zsa_sim import __version__

        self.worker_answer = worker_answer
        self.scheduler_answer = scheduler_answer or __version__

    def wait_for_workers(self, n, timeout):
        pass

    def run(self, fn, *args, on_error):
        return {"tcp://10.0.0.1:4000": self.worker_answer}

    def run_on_scheduler(self, fn, *args):
        if isinstance(self.scheduler_answer, Exception):
            raise self.scheduler_answer
        return self.scheduler_answer


def test_a_worker_without_zsa_sim_is_refused_before_any_task():
    from zsa_sim.experiment.distributed import check_cluster

    client = FakeClient(ModuleNotFoundError("No module named 'zsa_sim'"))
    with pytest.raises(ZsaError, match=r"tcp://10\.0\.0\.1:4000 cannot import zsa_sim"):
        check_cluster(client, "tcp://h:8786", 1.0)


def test_another_zsa_sim_version_on_the_scheduler_is_refused():
    from zsa_sim import __version__
    from zsa_sim.experiment.distributed import check_cluster

    client = FakeClient(__version__, scheduler_answer="0.0.1")
    with pytest.raises(ZsaError, match=r"scheduler has zsa-sim 0\.0\.1, this client has"):
        check_cluster(client, "tcp://h:8786", 1.0)


def test_the_probe_unpickles_without_zsa_sim():
    # only builtins: a worker that lacks zsa-sim can still run it and answer
    from zsa_sim.experiment.distributed import VERSION_PROBE

    assert eval(VERSION_PROBE) == __import__("zsa_sim").__version__


# -- issue 14: addresses checked before Dask sees them; a non-Dask server is refused ----


@pytest.mark.parametrize(
    ("address", "pattern"),
    [
        ("localhost", r"'localhost' needs a host and a port"),
        ("http://localhost:8786", r"scheme 'http' is not one of tcp, tls"),
        ("tcp://[::1", r"'tcp://\[::1' is not an address"),
        ("tcp://localhost:99999", r"is not an address|needs a host and a port"),
        ("tcp://:8786", r"needs a host and a port"),
        ("tcp://host:8786/path", r"has more than a host and a port"),
        ("   ", r"--scheduler needs an address"),
    ],
)
def test_malformed_scheduler_addresses_are_one_line_errors(address, pattern):
    with pytest.raises(ZsaError, match=pattern):
        check_address(address)


def test_scheduler_addresses_that_are_accepted():
    assert check_address("tcp://10.0.0.5:8786") == ("tcp", "10.0.0.5", 8786)
    assert check_address("host:8786") == ("tcp", "host", 8786)
    assert check_address("tls://[::1]:8786") == ("tls", "::1", 8786)


def serve_once(reply: bytes | None, linger: float = 1.5):
    """A one-connection TCP server on localhost that sends ``reply`` (None: nothing)
    and closes the connection ``linger`` seconds later."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer():
        conn, _ = server.accept()
        with conn:
            if reply:
                conn.sendall(reply)
            time.sleep(linger)
        server.close()

    threading.Thread(target=answer, daemon=True).start()
    return port


@pytest.mark.parametrize(
    ("reply", "pattern"),
    [
        (None, r"no Dask scheduler answered at tcp://127\.0\.0\.1:\d+ within 0\.5 s"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", r"does not speak Dask: not a Dask scheduler"),
        (b"HTTP", r"closed the connection: not a Dask scheduler"),
    ],
    ids=["silent", "ssh", "short"],
)
def test_a_server_that_is_not_dask_is_refused_before_dask_reads_from_it(reply, pattern):
    """A web server made the client read its bytes as a message length (3 EiB)."""
    port = serve_once(reply, linger=0.0 if reply == b"HTTP" else 1.5)
    with pytest.raises(ZsaError, match=pattern):
        probe_scheduler("127.0.0.1", port, timeout=0.5)


def test_a_dask_handshake_passes_the_probe():
    handshake = b"\x80\x01" + b"\x00" * 6 + b"x" * 20
    probe_scheduler("127.0.0.1", serve_once(handshake), timeout=2.0)


@needs_dask
def test_dask_gets_a_few_tasks_at_a_time(cluster):
    """Issue 14: every task (with its pickled scenario) used to be submitted up front."""
    from test_experiment_executors import Probe

    from zsa_sim.experiment.distributed import IN_FLIGHT_PER_THREAD

    tasks = Probe(1_000_000)
    results = make_executor(scheduler=cluster).map_unordered(abs, tasks)
    seen = [next(results) for _ in range(5)]
    results.close()
    assert tasks.read < len(seen) + IN_FLIGHT_PER_THREAD * 2  # two worker threads
    assert sorted(i for i, _ in seen) == sorted(v for _, v in seen)
