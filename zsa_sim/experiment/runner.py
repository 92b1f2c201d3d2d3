"""Run a scenario: every variant x replication, in parallel, into one results folder.

``run_experiment`` is what ``zsa-sim run`` calls. It hands one task per (variant,
replication) to an executor (serial, local processes or Dask), puts the outputs back in
task order, and writes the results folder described in ``results/README.md``. The
folder is written atomically: if anything fails or the user presses Ctrl-C, no partial
folder is left and earlier results are untouched.

The runner never draws charts or the report: the report reads finished results folders
only, so a report failure cannot cost a finished run. :func:`zsa_sim.pipeline.run_and_report`
composes the two (run, then report) for ``zsa-sim run``.
"""

from __future__ import annotations

import platform
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any, Literal

from zsa_sim.errors import ScenarioError
from zsa_sim.experiment.cache import ReplicationCache, open_cache, replication_key
from zsa_sim.experiment.executors import default_jobs, make_executor
from zsa_sim.experiment.outputs import write_outputs
from zsa_sim.experiment.replication import ReplicationOutput, ReplicationTask, run_replication
from zsa_sim.experiment.results import ResultsFolder, snapshot_inputs, write_json
from zsa_sim.records import frozen_record
from zsa_sim.scenario import Scenario, apply_changes, load_scenario

XesScope = Literal["all", "first", "none"]
#: Which runs go into eventlog.csv.gz: all replications, the first of each variant, none.
EventlogScope = Literal["all", "first", "none"]
#: Called after each finished task with (done, total, variant, replication).
ProgressCallback = Callable[[int, int, str, int], None]
#: Called with the name of each phase as it begins ("simulating", "writing results").
PhaseCallback = Callable[[str], None]


@frozen_record()
class RunOptions:
    """How to run a scenario; None means "as the scenario file says" or "automatic"."""

    replications: int | None = None
    seed: int | None = None
    jobs: int | None = None
    scheduler: str | None = None
    out_root: Path = Path("results")
    variants: tuple[str, ...] | None = None
    #: which runs go into eventlog.csv.gz: the first replication of each variant (default:
    #: a pilot run stays small), all, or none; True means "all" and False "none"
    eventlog: EventlogScope | bool = "first"
    #: which runs go into the XES file: all, the first replication of each variant, none
    xes: XesScope = "none"
    #: for :func:`zsa_sim.pipeline.run_and_report`: draw the charts and the report after
    #: the run (the runner itself never does)
    report: bool = True
    lang: str = "de"
    changes: dict[str, Any] = field(default_factory=dict)
    #: take unchanged replications from the result cache and keep new ones there
    #: (:mod:`zsa_sim.experiment.cache`): True or False, or None for the environment's
    #: ``ZSA_SIM_CACHE`` (on unless it says off)
    cache: bool | None = None

    @property
    def eventlog_scope(self) -> EventlogScope:
        """The event-log scope, with the boolean shorthand resolved."""
        if isinstance(self.eventlog, bool):
            return "all" if self.eventlog else "none"
        return self.eventlog


@frozen_record()
class RunOutcome:
    """Where the results went and what they say."""

    run_dir: Path
    summary: dict[str, Any]
    outputs: list[ReplicationOutput]
    #: how many (variant, replication) results came from the result cache
    from_cache: int = 0
    #: the scenario as run (overrides applied), so callers need not load it again
    scenario: Scenario | None = None


def prepare_scenario(scenario: Scenario | str | Path, options: RunOptions) -> Scenario:
    """Load the scenario (if a path) and apply the options' overrides, validated."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    changes = dict(options.changes)
    if options.replications is not None:
        changes["replications"] = options.replications
    if options.seed is not None:
        changes["seed"] = options.seed
    return apply_changes(scenario, changes) if changes else scenario


def widest_scope(*scopes: EventlogScope) -> EventlogScope:
    """The scope that includes all the given ones ("all" > "first" > "none")."""
    order: tuple[EventlogScope, ...] = ("none", "first", "all")
    return max(scopes, key=order.index)


def plan_tasks(
    scenario: Scenario,
    variants: Sequence[str] | None,
    log_dir: Path | None,
    log_scope: EventlogScope = "all",
) -> list[ReplicationTask]:
    """One task per (variant, replication), in a fixed order.

    A task writes its event-log part into ``log_dir`` if the scope includes it ("first":
    replication 0 of each variant only).
    """
    names = list(variants) if variants else list(scenario.variants)
    for name in names:
        if name not in scenario.variants:
            raise ScenarioError(
                f"variants: unknown variant {name!r} (known: {', '.join(scenario.variants)})",
                source=scenario.source,
            )
    return [
        ReplicationTask(
            scenario,
            variant,
            replication,
            None
            if log_dir is None or (log_scope == "first" and replication > 0)
            else log_dir / f"eventlog-{variant}-{replication:03d}.csv.gz",
        )
        for variant in names
        for replication in range(scenario.replications)
    ]


def simulate_all(
    tasks: Sequence[ReplicationTask],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
    phase: PhaseCallback | None = None,
    cache: ReplicationCache | None = None,
) -> list[ReplicationOutput]:
    """Run the tasks on the chosen executor; outputs in task order.

    ``phase`` hears "simulating" once the executor is ready (a bad ``jobs`` or
    ``scheduler`` is refused before anything is announced). With a ``cache``, the tasks
    found there are not submitted at all (no worker starts if all are found) and the
    others are stored once finished; ``cache.stats`` counts both.
    """
    executor = make_executor(jobs, scheduler)
    if phase is not None:
        phase("simulating")
    outputs: list[ReplicationOutput | None] = [None] * len(tasks)
    done = 0

    def finished(index: int, output: ReplicationOutput) -> None:
        nonlocal done
        outputs[index] = output
        done += 1
        if progress is not None:
            progress(done, len(tasks), output.variant, output.replication)

    if cache is None:
        for index, output in executor.map_unordered(run_replication, tasks):
            finished(index, output)
    else:
        misses = _CacheMisses(tasks, cache, finished)
        for position, output in executor.map_unordered(run_replication, misses):
            index = misses.indices[position]
            misses.store(index, output)
            finished(index, output)
    return [o for o in outputs if o is not None]


class _CacheMisses:
    """The tasks that are not in the cache, found as the executor asks for the next.

    Looking a task up means building its setup and digesting it (~0.1 s for a pilot
    replication), so the lookups are not all done before the first worker starts: the
    executor takes tasks a few at a time, and the next lookups run while the workers
    simulate. Tasks are looked up replication by replication across the variants
    (``dezentral`` 0, ``zentral`` 0, ``dezentral`` 1, ...), so that in a what-if the
    first changed task is found, and submitted, at once. A task found in the cache is
    reported finished right away.
    """

    def __init__(
        self,
        tasks: Sequence[ReplicationTask],
        cache: ReplicationCache,
        finished: Callable[[int, ReplicationOutput], None],
    ) -> None:
        self.tasks = tasks
        self.cache = cache
        self.finished = finished
        #: task index of each task handed to the executor, in the order handed
        self.indices: list[int] = []
        self.keys: dict[int, str] = {}

    def __length_hint__(self) -> int:
        return len(self.tasks)

    def __iter__(self) -> Iterator[ReplicationTask]:
        tasks, cache = self.tasks, self.cache
        order = sorted(range(len(tasks)), key=lambda i: (tasks[i].replication, i))
        for index in order:
            task = tasks[index]
            key = replication_key(task)
            found = cache.load(key, task) if key is not None else None
            if found is not None:
                self.finished(index, found)
                continue
            if key is None:
                cache.stats.uncachable += 1
            else:
                self.keys[index] = key
            self.indices.append(index)
            yield task

    def store(self, index: int, output: ReplicationOutput) -> None:
        """Keep a finished task's output in the cache (if it has a key)."""
        key = self.keys.pop(index, None)
        if key is not None:
            self.cache.store(key, self.tasks[index], output)


def run_experiment(
    scenario: Scenario | str | Path,
    options: RunOptions | None = None,
    progress: ProgressCallback | None = None,
    phase: PhaseCallback | None = None,
) -> RunOutcome:
    """Run every variant x replication of a scenario and write its results folder.

    ``phase`` hears each phase's name as it begins, for progress displays.
    """
    options = options or RunOptions()
    scenario = prepare_scenario(scenario, options)
    # the inputs as they are now, kept and hashed at the end: edits during the run
    # cannot make the results folder describe other files than those simulated
    inputs = snapshot_inputs(scenario.source_files)
    # a bad --jobs or --scheduler is refused before anything starts or is printed
    make_executor(options.jobs, options.scheduler)
    started = time.perf_counter()
    with ResultsFolder(Path(options.out_root), scenario.name) as folder:
        scope = options.eventlog_scope
        # the parts serve the CSV and the XES file, so they cover the wider of both scopes
        parts_scope = widest_scope(scope, options.xes)
        log_dir = folder.path / "parts" if parts_scope != "none" else None
        if log_dir is not None:
            log_dir.mkdir()
        tasks = plan_tasks(scenario, options.variants, log_dir, parts_scope)
        cache = open_cache(options.cache)
        outputs = simulate_all(
            tasks,
            jobs=options.jobs,
            scheduler=options.scheduler,
            progress=progress,
            phase=phase,
            cache=cache,
        )
        if cache is not None:
            cache.prune()
        if phase is not None:
            phase("writing results")
        summary = write_outputs(
            folder.path, scenario, tasks, outputs, xes=options.xes, eventlog=scope, inputs=inputs
        )
        write_json(
            folder.path / "run.json",
            {
                "wall_seconds": round(time.perf_counter() - started, 3),
                "jobs": options.jobs or default_jobs(),
                "scheduler": options.scheduler,
                "host": socket.gethostname(),
                "platform": platform.platform(),
                "python": sys.version.split()[0],
                "command_options": {
                    "replications": scenario.replications,
                    "seed": scenario.seed,
                    "variants": sorted({t.variant for t in tasks}),
                    "eventlog": scope,
                    "xes": options.xes,
                },
                "cache": {
                    "enabled": cache is not None,
                    "replications_from_cache": cache.stats.hits if cache else 0,
                    "replications_simulated": len(tasks) - (cache.stats.hits if cache else 0),
                },
            },
        )
    return RunOutcome(
        run_dir=folder.run_dir,
        summary=summary,
        outputs=outputs,
        from_cache=cache.stats.hits if cache is not None else 0,
        scenario=scenario,
    )
