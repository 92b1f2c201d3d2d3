"""The event log of a workbench run, written on request rather than during the run.

A workshop waits for the conclusion, and nobody in the room reads an event log; writing
one during the run (the first replication of each variant, as ``zsa-sim run`` does by
default) cost the what-if several seconds: the simulation of the first changed
replication records every activity, and (before the parts were joined by copying their
gzip members) the parts were decompressed and compressed again into ``eventlog.csv.gz``
before the conclusion could be shown. The workbench therefore
runs like ``zsa-sim run --eventlog none`` and writes the event log when someone asks
for it (the export "Ereignisprotokoll"/"Event log"): the first replication of each
variant, simulated again through the library's functions (or taken from the result
cache), merged exactly as ``zsa-sim run --eventlog first`` merges it, so the file is the
same byte for byte. It is added to the run's folder (atomically: the file appears
complete or not at all) and served from there the next time.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from zsa_sim.errors import ResultsError

#: the file ``zsa-sim run`` writes, in the run's folder
EVENTLOG_FILE = "eventlog.csv.gz"


def eventlog_path(run_dir: Path) -> Path:
    """Where a run's event log is (or will be written)."""
    return Path(run_dir) / EVENTLOG_FILE


def discard_partial(run_dir: Path) -> None:
    """Remove the working folders of an export stopped midway (its process killed: a
    cancelled export); a finished ``eventlog.csv.gz`` is never touched."""
    for folder in Path(run_dir).glob(f"{_WORK_PREFIX}*"):
        shutil.rmtree(folder, ignore_errors=True)


#: the prefix of an export's working folder inside the run's folder
_WORK_PREFIX = ".eventlog-"


def write_eventlog(run_dir: Path, jobs: int | None = None) -> Path:
    """The run's ``eventlog.csv.gz`` (replication 0 of each variant), written if missing.

    Runs in a worker process of the workbench (it simulates). The scenario is the version
    the run kept in ``inputs/``; the variants those in the run's summary.
    """
    from zsa_sim.eventlog.csv_log import metadata_path
    from zsa_sim.experiment.cache import open_cache
    from zsa_sim.experiment.outputs import merge_event_logs
    from zsa_sim.experiment.reading import load_summary
    from zsa_sim.experiment.runner import plan_tasks, simulate_all
    from zsa_sim.scenario import load_scenario
    from zsa_sim.web.runs import read_entry

    run_dir = Path(run_dir)
    target = eventlog_path(run_dir)
    if target.is_file():
        return target
    source = read_entry(run_dir).scenario_file
    if source is None:
        raise ResultsError("the run kept no scenario file in inputs/", source=run_dir)
    scenario = load_scenario(source)
    # the variants the run had, in the scenario's order (the order of the run's tasks)
    ran = load_summary(run_dir).get("scenario", {}).get("variants", {})
    variants = [v for v in scenario.variants if v in ran] or None
    with tempfile.TemporaryDirectory(prefix=_WORK_PREFIX, dir=run_dir) as tmp:
        folder = Path(tmp)
        tasks = [
            task
            for task in plan_tasks(scenario, variants, folder, "first")
            if task.log_path is not None
        ]
        cache = open_cache(None)
        simulate_all(tasks, jobs=jobs, cache=cache)
        merged = folder / EVENTLOG_FILE
        merge_event_logs([task.log_path for task in tasks if task.log_path], merged)
        # the metadata first: a log that is there always has its sidecar
        os.replace(metadata_path(merged), metadata_path(target))
        os.replace(merged, target)
    return target
