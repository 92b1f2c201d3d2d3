"""The engine's light SimPy events and processes behave as SimPy's own, in the same order."""

import random

import pytest
import simpy

from zsa_sim.engine.kernel import Environment, Grant, Held, TokenProcess, Wake, schedule_call
from zsa_sim.engine.simulation import _step_until


def _workload(env, process, timeout, grant, log: list) -> None:
    """Processes that sleep, wait for grants made by others, spawn, are interrupted and
    end at tied times: everything they do is logged with the time, in order."""
    rng = random.Random(7)
    waiting: list = []

    def worker(name: int):
        log.append(("start", name, env.now))
        try:
            for step in range(6):
                choice = rng.random()
                if choice < 0.4:
                    yield timeout(float(rng.choice([0, 1, 1, 2, 2.5])))
                elif choice < 0.7:
                    event = grant(env)
                    waiting.append(event)
                    log.append(("granted", name, env.now, (yield event)))
                elif choice < 0.85 and name < 40:
                    process(env, worker(name * 10 + step + 100))
                else:
                    log.append(("now", name, env.now))
        except simpy.Interrupt as interrupt:
            log.append(("interrupted", name, env.now, interrupt.cause))
            return
        log.append(("end", name, env.now))

    def granter():
        for tick in range(30):
            yield timeout(float(rng.choice([0, 1, 2])))
            while waiting and rng.random() < 0.7:
                event = waiting.pop(0)
                if not event.triggered:
                    event.succeed(tick)
            if tick % 7 == 3:
                process(env, worker(tick))

    processes = [process(env, worker(i)) for i in range(16)]
    process(env, granter())

    def interrupter():
        yield timeout(3.0)
        for p in processes:
            if p.is_alive and p.target is not None and rng.random() < 0.5:
                p.interrupt("cancel")

    process(env, interrupter())


def _trace(kind: str) -> list:
    log: list = []
    if kind == "simpy":
        env = simpy.Environment()
        _workload(env, simpy.Process, env.timeout, simpy.Event, log)
        env.run()
    else:
        env = Environment()
        _workload(env, TokenProcess, lambda delay: delay, Grant, log)
        if kind == "engine-run":
            env.run()
        else:
            _step_until(env, float("inf"))
    return log


@pytest.mark.parametrize("kind", ["engine-run", "engine-step-until"])
def test_the_same_actions_in_the_same_order_as_simpy(kind):
    expected = _trace("simpy")
    assert len(expected) > 100
    assert any(entry[0] == "interrupted" for entry in expected)
    assert _trace(kind) == expected


def _sources(env, process, timeout, grant, make, wait, done, log: list, seed: int) -> None:
    """Sources that start processes at tied times and wait (as the engine's arrivals),
    beside :func:`_workload`; the workers sleep, wait for grants, start SimPy processes
    (urgent events on the heap) and children (urgent lane), all logged in order."""
    rng = random.Random(seed)
    waiting: list = []

    def worker(name):
        log.append(("start", name, env.now))
        for step in range(4):
            choice = rng.random()
            if choice < 0.4:
                yield timeout(float(rng.choice([0, 0.5, 1, 1.5])))
            elif choice < 0.65:
                event = grant(env)
                waiting.append(event)
                log.append(("granted", name, env.now, (yield event)))
            elif choice < 0.8:
                env.process(note(name, step))  # simpy.Process: its start is on the heap
            elif choice < 0.9 and isinstance(name, str):
                process(env, worker((name, step)))
            else:
                log.append(("now", name, env.now))
        log.append(("end", name, env.now))

    def note(name, step):
        log.append(("note", name, step, env.now))
        yield env.timeout(0.5)
        log.append(("noted", name, step, env.now))

    def granter():
        for tick in range(40):
            yield timeout(float(rng.choice([0, 0.5, 1])))
            while waiting and rng.random() < 0.6:
                event = waiting.pop(0)
                if not event.triggered:
                    event.succeed(tick)

    def source(label):
        held = make()
        times = sorted(rng.choice([0, 0, 0.5, 1, 1, 2, 3.5, 5]) for _ in range(12))
        for k, at in enumerate(times):
            if at > env.now:
                yield wait(held, at - env.now)
            log.append(("arrive", label, k, env.now))
            process(env, worker(f"{label}{k}"), held)
        done(held)

    process(env, source("a"))
    process(env, granter())
    process(env, source("b"))


def _source_trace(kind: str, seed: int) -> list:
    log: list = []
    if kind == "simpy":
        env = simpy.Environment()

        def process(env, generator, held=None):
            return simpy.Process(env, generator)

        _workload(env, process, env.timeout, simpy.Event, log)
        _sources(
            env,
            process,
            env.timeout,
            simpy.Event,
            list,
            lambda _held, delay: env.timeout(delay),
            lambda _held: None,
            log,
            seed,
        )
        env.run()
    else:
        env = Environment()
        _workload(env, TokenProcess, lambda delay: delay, Grant, log)
        _sources(
            env,
            TokenProcess,
            lambda delay: delay,
            Grant,
            Held,
            lambda held, delay: held.wait(env, delay),
            lambda held: held.release(env),
            log,
            seed,
        )
        _step_until(env, float("inf"))
    return log


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_held_starts_give_the_same_actions_in_the_same_order_as_simpy(seed):
    # issue 19: the arrivals start their cases' processes without a start event each
    expected = _source_trace("simpy", seed)
    assert sum(entry[0] == "arrive" for entry in expected) == 24
    assert any(entry[0] == "note" for entry in expected)
    assert _source_trace("engine", seed) == expected


def test_held_starts_wait_behind_urgent_events_of_the_instant():
    env = Environment()
    order = []

    def proc(name):
        order.append(name)
        yield 1.0

    held = Held()
    TokenProcess(env, proc("held"), held)
    assert order == [] and len(held) == 1
    TokenProcess(env, proc("first"))  # an urgent start in the lane: the held one follows
    held.release(env)
    assert order == [] and not held
    held.append(TokenProcess(env, proc("direct"), Held()))
    _step_until(env, 0.5)
    assert order == ["first", "held"]
    held.release(env)  # nothing urgent waits: started at once
    assert order == ["first", "held", "direct"]


def test_held_starts_wait_behind_an_urgent_event_of_the_instant_on_the_heap():
    # a SimPy process made before (its start is urgent, on the heap) goes first, as in
    # SimPy, where the held process's own start would have come after it
    logs = []
    for kind in ("simpy", "engine"):
        env = simpy.Environment() if kind == "simpy" else Environment()
        order: list = []

        def proc(name, env=env, order=order):
            order.append((name, env.now))
            yield env.timeout(1.0)

        def source(env=env, kind=kind, proc=proc):
            if kind == "simpy":
                simpy.Process(env, proc("held"))
                yield env.timeout(2.0)
            else:
                held = Held()
                TokenProcess(env, proc("held"), held)
                yield held.wait(env, 2.0)

        if kind == "engine":
            TokenProcess(env, source())
        else:
            env.process(source())
        env.process(proc("heap"))
        env.run()
        logs.append(order)
    assert logs[0] == [("heap", 0.0), ("held", 0.0)]
    assert logs[1] == logs[0]


def test_a_yielded_float_is_a_timeout_and_a_negative_one_fails_in_the_generator():
    env = Environment()
    seen = []

    def proc():
        yield 2.5
        seen.append(env.now)
        yield 1  # an int is a timeout as well
        seen.append(env.now)
        with pytest.raises(ValueError, match="Negative delay"):
            yield -1.0
        seen.append(env.now)

    TokenProcess(env, proc())
    env.run()
    assert seen == [2.5, 3.5, 3.5]


def test_an_invalid_yield_is_an_error():
    env = Environment()

    def proc():
        yield "soon"

    TokenProcess(env, proc())
    with pytest.raises(RuntimeError, match="Invalid yield value"):
        env.run()


def test_an_ended_process_nobody_waits_for_is_not_scheduled_but_a_waited_one_is():
    env = Environment()

    def child():
        yield 1.0
        return "done"

    alone = TokenProcess(env, child())
    waited = TokenProcess(env, child())
    results = []

    def parent():
        results.append((yield waited))

    TokenProcess(env, parent())
    events = _step_until(env, 10.0)
    assert results == ["done"]
    assert not alone.is_alive and alone.processed and alone.value == "done"
    # starts 3, two timeouts, the waited child's end; not the lone child's end
    assert events == 6
    # no reference cycle keeps an ended process alive
    assert alone._resume_once is None and alone._send is None


def test_a_failing_process_raises_from_the_run_loop_with_the_original_as_cause():
    env = Environment()

    class Boom(Exception):
        pass

    def proc():
        yield 1.0
        raise Boom("x")

    TokenProcess(env, proc())
    with pytest.raises(Boom) as caught:
        _step_until(env, 10.0)
    assert isinstance(caught.value.__cause__, Boom)


def test_step_until_stops_before_the_horizon_and_keeps_later_events():
    env = Environment()
    fired = []
    for t in (1.0, 2.0, 5.0):
        schedule_call(env, t, lambda _e, t=t: fired.append(t))
    assert _step_until(env, 5.0) == 2
    assert fired == [1.0, 2.0] and env.now == 2.0
    assert env.peek() == 5.0
    with pytest.raises(ValueError, match="Negative delay"):
        schedule_call(env, -1.0, lambda _e: None)


def test_grant_as_an_event_and_on_a_plain_simpy_environment():
    env = simpy.Environment()
    grant = Grant(env)
    assert not grant.triggered
    with pytest.raises(AttributeError):
        grant.value  # noqa: B018
    got = []

    def proc():
        got.append((yield grant))

    env.process(proc())
    env.run()
    assert got == []
    grant.succeed("member")
    assert grant.triggered and grant.value == "member"
    with pytest.raises(RuntimeError, match="already been triggered"):
        grant.succeed("again")
    env.run()
    assert got == ["member"]


def test_lanes_and_heap_interleave_by_time_priority_and_eid():
    env = Environment()
    order = []
    # on the heap at time 0: a normal event made before the grant below
    early = simpy.Event(env)
    early.callbacks.append(lambda _e: order.append("heap-normal-first"))
    early.succeed()
    grant = Grant(env)
    grant.callbacks.append(lambda _e: order.append("lane-normal"))
    grant.succeed()
    start = Wake([lambda _e: order.append("heap-urgent")])
    env.schedule(start, simpy.events.URGENT)

    def proc():
        order.append("lane-urgent")
        yield 0.0

    TokenProcess(env, proc())
    assert env.peek() == 0.0
    env.run()
    assert order == ["heap-urgent", "lane-urgent", "heap-normal-first", "lane-normal"]


def test_held_wait_refuses_a_negative_delay_as_a_timeout_does():
    env = Environment()
    held = Held()
    with pytest.raises(ValueError, match=r"Negative delay -1\.0"):
        held.wait(env, -1.0)
    assert env.peek() == float("inf")
