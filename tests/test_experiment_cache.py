"""The replication cache: keys that change with every input that matters (and only
then), entries that come back byte for byte, damage and foreign folders that are
refused with a warning, a size bound, and runs that give the same results folder with
and without the cache."""

from __future__ import annotations

import json
import multiprocessing
import os
import warnings
from pathlib import Path

import pytest

from zsa_sim.eventlog.csv_log import metadata_path
from zsa_sim.experiment import cache as cache_module
from zsa_sim.experiment.cache import (
    CACHE_ENV,
    MAX_MB_ENV,
    CacheWarning,
    ReplicationCache,
    configured_folder,
    default_folder,
    max_bytes_setting,
    open_cache,
    replication_key,
)
from zsa_sim.experiment.replication import ReplicationTask, run_replication
from zsa_sim.experiment.runner import RunOptions, run_experiment
from zsa_sim.scenario import load_scenario

MINI = Path(__file__).parent / "data" / "scenarios" / "mini.yaml"
SHORT = {"period.days": 30, "period.warmup_days": 5, "period.cooldown_days": 10}


@pytest.fixture(scope="module")
def mini():
    return load_scenario(MINI).with_changes(SHORT)


def key(scenario, variant: str = "dezentral", replication: int = 0) -> str:
    found = replication_key(ReplicationTask(scenario, variant, replication))
    assert found is not None and len(found) == 64
    return found


# -- keys ---------------------------------------------------------------------------


def test_the_key_is_stable_for_the_same_inputs(mini) -> None:
    assert key(mini) == key(load_scenario(MINI).with_changes(SHORT))


@pytest.mark.parametrize(
    "change",
    [
        {"municipalities.Adorf.staff.clerk": 2.5},
        {"services.antrag.efforts.Task_Erfassen": {"lognormal": [11, 4], "unit": "min"}},
        {"calendars.rathaus.hours.fri": ["07:00-13:00"]},
        {"seed": 43},
        {"services.antrag.branches.Gw_Versand": {"Flow_Post": 0.7, "Abholung vorbereiten": 0.3}},
        {"period.cooldown_days": 11},
        {"services.antrag.cases_per_1000": 21},
    ],
    ids=["staff-fte", "distribution", "calendar", "seed", "bpmn-probability", "horizon", "volume"],
)
def test_the_key_changes_with_each_input_that_matters(mini, change) -> None:
    assert key(mini.with_changes(change)) != key(mini)


def test_the_key_changes_with_the_replication_and_the_variant(mini) -> None:
    assert len({key(mini), key(mini, replication=1), key(mini, "zentral")}) == 3


def test_the_key_changes_with_the_code(mini, monkeypatch) -> None:
    before = key(mini)
    monkeypatch.setattr(cache_module, "code_digest", lambda: "0" * 64)
    assert key(mini) != before


def test_the_zsa_staff_changes_the_central_variant_only(mini) -> None:
    changed = mini.with_changes({"zsa.staff": 2.5})
    assert key(changed, "dezentral") == key(mini, "dezentral")
    assert key(changed, "zentral") != key(mini, "zentral")


def test_a_task_that_cannot_be_built_has_no_key(mini) -> None:
    assert replication_key(ReplicationTask(mini, "no-such-variant", 0)) is None


def test_the_code_digest_covers_the_package_files() -> None:
    assert len(cache_module.code_digest()) == 64
    assert cache_module.code_digest() == cache_module.code_digest()


# -- entries ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished(mini, tmp_path_factory):
    """A real replication with its event-log part, and its key."""
    folder = tmp_path_factory.mktemp("parts")
    task = ReplicationTask(mini, "zentral", 0, folder / "eventlog-zentral-000.csv.gz")
    return task, run_replication(task), key(mini, "zentral")


def same(loaded, output) -> bool:
    """Equal outputs: their repr, which writes every value (floats exactly, NaN KPIs of
    empty groups included, which == would call unequal) and every case record."""
    return loaded is not None and repr(loaded) == repr(output)


def cache_in(tmp_path: Path, max_bytes: int = 1 << 30) -> ReplicationCache:
    opened = ReplicationCache.open(tmp_path / "cache", max_bytes)
    assert opened is not None
    return opened


def test_an_entry_comes_back_with_its_event_log_part(finished, tmp_path) -> None:
    task, output, task_key = finished
    cache = cache_in(tmp_path)
    cache.store(task_key, task, output)
    again = ReplicationTask(task.scenario, task.variant, 0, tmp_path / task.log_path.name)
    assert same(cache.load(task_key, again), output)
    assert again.log_path.read_bytes() == task.log_path.read_bytes()
    assert metadata_path(again.log_path).read_bytes() == metadata_path(task.log_path).read_bytes()
    assert (cache.stats.stored, cache.stats.hits) == (1, 1)


def test_an_entry_above_the_size_bound_is_not_kept(finished, tmp_path) -> None:
    # written straight to its file (never whole in memory) and then dropped, with its
    # temporary file; a part alone above the bound is not even read
    task, output, task_key = finished
    for bound in (task.log_path.stat().st_size + 100, task.log_path.stat().st_size - 1):
        cache = cache_in(tmp_path, bound)
        cache.store(task_key, task, output)
        assert cache.stats.stored == 0
        assert cache.load(task_key, task) is None
        assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []


def test_an_entry_without_the_part_a_task_needs_is_a_miss(finished, tmp_path) -> None:
    task, output, task_key = finished
    cache = cache_in(tmp_path)
    without_log = ReplicationTask(task.scenario, task.variant, 0, None)
    cache.store(task_key, without_log, output)
    assert same(cache.load(task_key, without_log), output)
    assert cache.load(task_key, task) is None
    cache.store(task_key, task, output)  # now with the part
    assert same(cache.load(task_key, task), output)
    cache.store(task_key, without_log, output)  # does not replace the richer entry
    assert same(cache.load(task_key, task), output)


@pytest.mark.parametrize("damage", ["truncated", "flipped", "foreign", "empty"])
def test_a_damaged_entry_is_removed_with_a_warning(finished, tmp_path, damage) -> None:
    task, output, task_key = finished
    cache = cache_in(tmp_path)
    plain = ReplicationTask(task.scenario, task.variant, 0, None)
    cache.store(task_key, plain, output)
    path = cache.path_of(task_key)
    data = path.read_bytes()
    damaged = {
        "truncated": data[: len(data) // 2],
        "flipped": data[:-10] + bytes([data[-10] ^ 1]) + data[-9:],
        "foreign": b"not a cache entry",
        "empty": b"",
    }[damage]
    path.write_bytes(damaged)
    with pytest.warns(CacheWarning, match="removed, simulating instead"):
        assert cache.load(task_key, plain) is None
    assert not path.exists()


def test_an_entry_under_another_key_is_refused(finished, tmp_path) -> None:
    task, output, task_key = finished
    cache = cache_in(tmp_path)
    plain = ReplicationTask(task.scenario, task.variant, 0, None)
    cache.store(task_key, plain, output)
    other = ReplicationTask(task.scenario, "dezentral", 0, None)
    with pytest.warns(CacheWarning, match="another result"):
        assert cache.load(task_key, other) is None


def test_a_folder_writable_by_others_is_not_read(tmp_path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.warns(CacheWarning, match="writable by other users"):
        assert ReplicationCache.open(folder) is None


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_a_folder_of_another_user_is_not_read(tmp_path) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, 4321, 4321)
    with pytest.warns(CacheWarning, match="owned by another user"):
        assert ReplicationCache.open(folder) is None


def test_a_new_cache_folder_is_private(tmp_path) -> None:
    cache = ReplicationCache.open(tmp_path / "a" / "b")
    assert cache is not None
    for path in (tmp_path / "a", tmp_path / "a" / "b"):
        assert path.stat().st_mode & 0o777 == 0o700


def test_a_folder_that_cannot_be_made_turns_the_cache_off(tmp_path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.warns(CacheWarning, match="cannot create"):
        assert ReplicationCache.open(tmp_path / "file" / "cache") is None


def test_the_entries_used_longest_ago_are_pruned_first(finished, tmp_path) -> None:
    task, output, _ = finished
    plain = ReplicationTask(task.scenario, task.variant, 0, None)
    cache = cache_in(tmp_path)
    keys = [f"{i:02d}" + "a" * 62 for i in range(4)]
    for number, entry_key in enumerate(keys):
        cache.store(entry_key, plain, output)
        os.utime(cache.path_of(entry_key), (1000 + number, 1000 + number))
    assert same(cache.load(keys[0], plain), output)  # used now: the newest
    size = cache.path_of(keys[0]).stat().st_size
    cache.max_bytes = int(2.5 * size)
    assert cache.prune() == 2
    assert [cache.path_of(k).exists() for k in keys] == [True, False, False, True]
    assert cache.prune() == 0


def _store_many(folder: str, entry_key: str, task, output) -> None:
    cache = ReplicationCache(Path(folder))
    for _ in range(15):
        cache.store(entry_key, task, output)


def test_concurrent_writers_of_one_key_leave_a_whole_entry(finished, tmp_path) -> None:
    task, output, task_key = finished
    plain = ReplicationTask(task.scenario, task.variant, 0, None)
    cache = cache_in(tmp_path)
    cache.store(task_key, plain, output)
    context = multiprocessing.get_context("fork")
    writers = [
        context.Process(target=_store_many, args=(str(cache.folder), task_key, task, output))
        for _ in range(2)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        for writer in writers:
            writer.start()
        loads = [cache.load(task_key, plain) for _ in range(15)]
        for writer in writers:
            writer.join(30)
    assert [w.exitcode for w in writers] == [0, 0]
    assert all(same(loaded, output) for loaded in loads)
    assert not [p for p in cache.path_of(task_key).parent.iterdir() if p.name.startswith(".tmp")]


def test_clear_and_info(finished, tmp_path) -> None:
    task, output, task_key = finished
    cache = cache_in(tmp_path)
    cache.store(task_key, task, output)
    info = cache.info()
    entry = cache.path_of(task_key)
    part = entry.with_name(entry.name.replace(".entry", ".part"))
    assert info.entries == 1
    assert info.size_bytes == entry.stat().st_size + part.stat().st_size  # the part counts
    assert cache.clear() == 1
    assert cache.info().entries == 0
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []  # part gone too


def _part_of(cache: ReplicationCache, entry_key: str) -> Path:
    entry = cache.path_of(entry_key)
    return entry.with_name(entry.name.replace(".entry", ".part"))


def test_the_event_log_part_is_a_file_of_its_own_checked_on_load(finished, tmp_path) -> None:
    # kept beside the entry and copied in chunks (a 1M-case part is ~0.4 GB: never
    # whole in memory); its bytes are checked against the sha256 the entry holds
    task, output, task_key = finished
    cache = cache_in(tmp_path)
    cache.store(task_key, task, output)
    part = _part_of(cache, task_key)
    assert part.read_bytes() == task.log_path.read_bytes()
    assert task.log_path.read_bytes() not in cache.path_of(task_key).read_bytes()
    data = part.read_bytes()
    part.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    again = ReplicationTask(task.scenario, task.variant, 0, tmp_path / task.log_path.name)
    with pytest.warns(CacheWarning, match="damaged event-log part"):
        assert cache.load(task_key, again) is None
    assert not again.log_path.exists() and not metadata_path(again.log_path).exists()
    assert not cache.path_of(task_key).exists() and not part.exists()


def test_an_entry_whose_part_is_gone_is_a_miss_for_the_log_only(finished, tmp_path) -> None:
    task, output, task_key = finished
    cache = cache_in(tmp_path)
    cache.store(task_key, task, output)
    _part_of(cache, task_key).unlink()
    again = ReplicationTask(task.scenario, task.variant, 0, tmp_path / task.log_path.name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        assert cache.load(task_key, again) is None
    assert not again.log_path.exists()
    plain = ReplicationTask(task.scenario, task.variant, 0, None)
    assert same(cache.load(task_key, plain), output)  # the rest of the entry still serves
    cache.store(task_key, task, output)  # and the part comes back with the next store
    assert same(cache.load(task_key, again), output)
    assert again.log_path.read_bytes() == task.log_path.read_bytes()


def test_a_part_left_without_its_entry_is_removed_once_stale(finished, tmp_path) -> None:
    task, output, task_key = finished
    cache = cache_in(tmp_path)
    cache.store(task_key, task, output)
    cache.path_of(task_key).unlink()  # as if the store had been killed between the two
    part = _part_of(cache, task_key)
    assert cache.info().entries == 0 and part.exists()  # young: perhaps being stored
    os.utime(part, (1000, 1000))
    assert cache.info().entries == 0 and not part.exists()


# -- settings -----------------------------------------------------------------------


def test_the_settings_turn_the_cache_off_or_move_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(CACHE_ENV)
    assert default_folder() == tmp_path / "xdg" / "zsa-sim" / "replications"
    assert configured_folder() == default_folder()
    assert configured_folder(False) is None
    monkeypatch.setenv(CACHE_ENV, "off")
    assert configured_folder() is None
    assert configured_folder(True) == default_folder()  # --cache wins over the setting
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert configured_folder() == tmp_path / "mine"
    assert open_cache().folder == tmp_path / "mine"
    assert open_cache(False) is None


def test_the_size_bound_setting(monkeypatch) -> None:
    monkeypatch.setenv(MAX_MB_ENV, "10")
    assert max_bytes_setting() == 10 * 1024 * 1024
    for bad in ("lots", "nan", "inf"):
        monkeypatch.setenv(MAX_MB_ENV, bad)
        with pytest.warns(CacheWarning, match="not a number"):
            assert max_bytes_setting() == cache_module.DEFAULT_MAX_BYTES


# -- runs ---------------------------------------------------------------------------


def _files(run_dir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(run_dir).as_posix(): p.read_bytes()
        for p in sorted(run_dir.rglob("*"))
        if p.is_file() and p.name != "run.json"
    }


def _cache_note(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["cache"]


@pytest.mark.slow
def test_runs_from_the_cache_write_the_same_results_folder(tmp_path) -> None:
    scenario = load_scenario(MINI).with_changes(SHORT)
    options = RunOptions(jobs=1, out_root=tmp_path, report=False, xes="first")
    cold = run_experiment(scenario, options)
    warm = run_experiment(scenario, options)
    uncached = run_experiment(scenario, RunOptions(**{**options.__dict__, "cache": False}))
    assert (cold.from_cache, warm.from_cache, uncached.from_cache) == (0, 6, 0)
    assert _cache_note(cold.run_dir)["replications_simulated"] == 6
    assert _cache_note(warm.run_dir) == {
        "enabled": True,
        "replications_from_cache": 6,
        "replications_simulated": 0,
    }
    assert _cache_note(uncached.run_dir)["enabled"] is False
    files = _files(cold.run_dir)
    assert {"eventlog.csv.gz", "eventlog.xes.gz", "cases.csv.gz", "summary.json"} <= set(files)
    assert _files(warm.run_dir) == files
    assert _files(uncached.run_dir) == files

    # the what-if: only the variants with the ZSA change; on two workers
    changed = scenario.with_changes({"zsa.staff": 2.5})
    parallel = RunOptions(**{**options.__dict__, "jobs": 2})
    whatif = run_experiment(changed, parallel)
    assert whatif.from_cache == 2  # dezentral, both replications
    fresh = run_experiment(changed, RunOptions(**{**parallel.__dict__, "cache": False}))
    assert _files(whatif.run_dir) == _files(fresh.run_dir)


def _tasks(scenario, replications: int = 1) -> list[ReplicationTask]:
    return [
        ReplicationTask(scenario, variant, r, None)
        for variant in ("dezentral", "zentral")
        for r in range(replications)
    ]


def test_tasks_found_in_the_cache_are_not_simulated(mini, tmp_path, monkeypatch) -> None:
    from zsa_sim.experiment import runner

    tasks = _tasks(mini)
    cache = cache_in(tmp_path)
    first = runner.simulate_all(tasks, jobs=1, cache=cache)
    assert (cache.stats.stored, cache.stats.hits) == (2, 0)

    def must_not_run(task):
        raise AssertionError(f"simulated {task.variant} {task.replication}")

    monkeypatch.setattr(runner, "run_replication", must_not_run)
    seen = []
    again = runner.simulate_all(
        tasks, jobs=2, cache=cache, progress=lambda done, total, v, r: seen.append((done, v))
    )
    assert cache.stats.hits == 2
    assert [repr(o) for o in again] == [repr(o) for o in first]
    assert seen == [(1, "dezentral"), (2, "zentral")]


def test_a_task_without_a_canonical_form_is_simulated_and_not_kept(mini, tmp_path, monkeypatch):
    from zsa_sim.experiment import canonical, runner

    def refuse(*objects):
        raise canonical.Uncachable("no canonical form for a test")

    monkeypatch.setattr(canonical, "canonical_digest", refuse)
    cache = cache_in(tmp_path)
    outputs = runner.simulate_all(_tasks(mini), jobs=1, cache=cache)
    assert len(outputs) == 2
    assert (cache.stats.uncachable, cache.stats.stored, cache.info().entries) == (2, 0, 0)


def _with_model_probability(tmp_path: Path, post: float) -> object:
    """mini with the gateway's branch probabilities written in the BPMN file."""
    import yaml

    data_dir = MINI.parent
    bpmn = (data_dir / "mini.bpmn").read_text(encoding="utf-8")
    for flow, share in (("Flow_Post", post), ("Flow_Abholung", round(1 - post, 6))):
        start = bpmn.index(f'<bpmn:sequenceFlow id="{flow}"')
        end = bpmn.index("/>", start)
        bpmn = (
            bpmn[:end]
            + f"><bpmn:conditionExpression>{share}</bpmn:conditionExpression>"
            + "</bpmn:sequenceFlow>"
            + bpmn[end + 2 :]
        )
    folder = tmp_path / f"post{post}"
    folder.mkdir()
    (folder / "mini.bpmn").write_text(bpmn, encoding="utf-8")
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    del data["services"]["antrag"]["branches"]
    (folder / "mini.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_scenario(folder / "mini.yaml").with_changes(SHORT)


def test_the_key_changes_with_a_probability_in_the_bpmn_file(tmp_path) -> None:
    assert key(_with_model_probability(tmp_path, 0.8)) != key(
        _with_model_probability(tmp_path, 0.7)
    )


@pytest.fixture
def edited_since_start(monkeypatch):
    """The package's files look newer than this process (an edit while it runs)."""
    monkeypatch.setattr(cache_module, "_PROCESS_STARTED", 0.0)
    cache_module.code_digest.cache_clear()
    yield
    cache_module.code_digest.cache_clear()


def test_code_edited_while_the_process_runs_is_not_cached(
    finished, tmp_path, edited_since_start
) -> None:
    task, output, task_key = finished
    with pytest.warns(CacheWarning, match="source changed since this process started"):
        assert replication_key(task) is None
    cache = cache_in(tmp_path)
    with pytest.warns(CacheWarning, match="source changed during the run"):
        cache.store(task_key, task, output)
    assert cache.info().entries == 0
