"""Lighter SimPy events and processes for the engine's own hot path (issue 19).

A pilot replication processes ~300,000 SimPy events; most are a token's timeout (a
hand-over, the work on a task) or a staff grant, each resuming one token process. SimPy
builds each through two or three Python calls (``env.timeout`` -> ``Timeout.__init__``
-> ``env.schedule``) and a ``Process`` appends a new bound method to every event it
waits for. The classes here do the same with fewer calls, and they make the same
``(time, priority, eid, event)`` entries, taking the eid from the same counter
(``next(env._eid)``) at the same moment. The same events are therefore processed in the
same order with the same callbacks; results are bit-identical (``benchmarks/digest.py``).

- :class:`Environment`: SimPy's environment with two lanes beside its heap for events
  due at once (staff grants, process starts); the next event is still the smallest
  ``(time, priority, eid)``.
- :class:`Wake`: an event that is triggered (successfully, value ``None``) when made;
  the heap entry of a timeout or of a process start.
- :class:`Grant`: an event triggered later by :meth:`Grant.succeed` (a staff member for
  a queued request, the end of a subprocess body).
- :class:`TokenProcess`: a :class:`simpy.Process` whose generator may yield a plain
  ``float``, a timeout of that many minutes, and whose end is not put on the heap when
  nobody waits for it (its processing would call no callback). Everything else (yielding
  any SimPy event, interrupts, failures) behaves as in :class:`simpy.Process`.
- :class:`Held`: token processes made by a process that is about to wait (a case
  source's arrivals), started when it waits instead of by a start event each, at the
  point where SimPy would have started them.

The module reads SimPy 4's ``Environment._queue``, ``_now``, ``_eid`` and
``_active_proc``, as the run loop :func:`~zsa_sim.engine.simulation._step_until` does;
on a plain :class:`simpy.Environment` (no lanes) its events go on the heap.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import EmptySchedule, Infinity
from simpy.events import NORMAL, PENDING, URGENT, Process

__all__ = ["Environment", "Grant", "Held", "TokenProcess", "Wake", "schedule_call"]


class Environment(simpy.Environment):
    """SimPy's environment with two first-in, first-out lanes beside its event heap.

    About a third of a pilot replication's events are due the moment they are made: a
    staff member granted to a waiting request (:class:`Grant`, normal priority) and the
    start of a token process (urgent). On the heap each goes to the top and comes down
    again, ~20 tuple comparisons; yet among themselves they are already in order (same
    time, same priority, rising eid). So they wait in a lane each, ``_lane`` (normal)
    and ``_urgent``, and the next event is the smallest ``(time, priority, eid)`` of
    the heap's top and the lanes' heads: the same order as with one heap, since an
    entry's place depends only on that tuple. A lane's entries are all due now (time
    cannot pass them: an entry of a later time compares greater).

    :meth:`step` and :meth:`peek` take the lanes into account, so ``env.run()`` works
    as with SimPy's environment; the engine's run loop
    (:func:`~zsa_sim.engine.simulation._step_until`) inlines the same choice.
    """

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        #: (now, URGENT, eid, event) of process starts, in eid order
        self._urgent: deque[tuple] = deque()
        #: (now, NORMAL, eid, event) of events triggered now, in eid order
        self._lane: deque[tuple] = deque()

    def peek(self) -> float:
        """The time of the next event (``inf`` if none)."""
        lane = self._urgent or self._lane
        if lane:
            return lane[0][0]
        return self._queue[0][0] if self._queue else Infinity

    def step(self) -> None:
        """Process the next event (as :meth:`simpy.Environment.step`)."""
        lane = self._urgent or self._lane
        queue = self._queue
        if lane and not (queue and queue[0] < lane[0]):
            item = lane.popleft()
        elif queue:
            item = heappop(queue)
        else:
            raise EmptySchedule()
        self._now, _, _, event = item
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc


class Wake:
    """A triggered event (value ``None``) with one list of callbacks, nothing else.

    SimPy's run loop and :class:`simpy.Process` read ``callbacks``, ``_ok`` and
    ``_value`` of an event; an interrupt removes the waiting process from its
    target's ``callbacks``. That is all a timeout needs.
    """

    __slots__ = ("callbacks",)
    _ok = True
    _value = None

    def __init__(self, callbacks: list[Callable[[Any], None]]) -> None:
        self.callbacks: list[Callable[[Any], None]] | None = callbacks


_new = object.__new__


def schedule_call(env: simpy.Environment, delay: float, callback: Callable[[Any], None]) -> None:
    """Call ``callback(event)`` after ``delay``: ``env.timeout(delay)`` with the callback
    appended, as one heap entry."""
    if delay < 0:
        raise ValueError(f"Negative delay {delay}")
    heappush(
        env._queue,  # type: ignore[attr-defined]
        (env._now + delay, NORMAL, next(env._eid), Wake([callback])),  # type: ignore[attr-defined]
    )


class Grant:
    """A :class:`simpy.Event` reduced to what a staff request needs: ``succeed`` (at
    once, normal priority), ``triggered`` and ``value``."""

    __slots__ = ("_value", "callbacks", "env")
    _ok = True

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.callbacks: list[Callable[[Any], None]] | None = []
        self._value: Any = PENDING

    @property
    def triggered(self) -> bool:
        """Whether :meth:`succeed` was called."""
        return self._value is not PENDING

    @property
    def value(self) -> Any:
        """The value given to :meth:`succeed`."""
        if self._value is PENDING:
            raise AttributeError(f"Value of {self} is not yet available")
        return self._value

    def succeed(self, value: Any = None) -> Grant:
        """Trigger the event with ``value`` now (``env.schedule(self)``)."""
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        self._value = value
        env = self.env
        entry = (env._now, NORMAL, next(env._eid), self)  # type: ignore[attr-defined]
        try:
            env._lane.append(entry)  # type: ignore[attr-defined]
        except AttributeError:  # a plain SimPy environment (tests)
            heappush(env._queue, entry)  # type: ignore[attr-defined]
        return self


class TokenProcess(Process):
    """A SimPy process for the engine's generators, with a leaner resume.

    Differences from :class:`simpy.Process`, none of which changes which events are
    processed in which order or what their callbacks do:

    - the start is a :class:`Wake` pushed as SimPy pushes its ``Initialize`` event
      (urgent, now, the next eid);
    - a yielded ``float`` is a timeout of that delay (a :class:`Wake`, normal priority,
      the next eid), as ``env.timeout(delay)`` would be;
    - the bound ``_resume`` is made once, not for every event waited on (and dropped
      when the process ends, so that no reference cycle outlives it);
    - a process that ends successfully while nobody waits for it is marked processed
      instead of being scheduled: processing it would call no callback. Nothing waits
      on a token process that has ended (the engine waits only on live ones), so no
      callback can be added later. A failing process is scheduled as in SimPy, so the
      run loop raises its exception at the same point.
    """

    def __init__(
        self, env: simpy.Environment, generator: Generator, held: Held | None = None
    ) -> None:
        # as Process.__init__ (which inlines Event.__init__), without its type check
        self.env = env
        self.callbacks: list | None = []
        self._generator = generator
        self._send = generator.send
        resume = self._resume_once = self._resume
        start = Wake([resume])
        self._target = start  # type: ignore[assignment]
        if held is not None:
            held.append(self)  # started by Held.release
            return
        entry = (env._now, URGENT, next(env._eid), start)  # type: ignore[attr-defined]
        try:
            env._urgent.append(entry)  # type: ignore[attr-defined]
        except AttributeError:  # a plain SimPy environment (tests)
            heappush(env._queue, entry)  # type: ignore[attr-defined]

    def _resume(self, event: Any) -> None:  # type: ignore[override]
        """:meth:`simpy.Process._resume` with the differences above."""
        env = self.env
        env._active_proc = self  # type: ignore[attr-defined]
        while True:
            try:
                if event._ok:
                    event = self._send(event._value)
                else:
                    event._defused = True
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = self._generator.throw(exc)
            except StopIteration as e:
                event = None
                self._resume_once = self._send = None  # no cycle: reference counting frees it
                self._ok = True
                self._value = e.args[0] if len(e.args) else None
                if self.callbacks:
                    env.schedule(self)
                else:
                    self.callbacks = None  # processed: there is nothing to call
                break
            except BaseException as e:
                event = None
                self._resume_once = self._send = None
                self._ok = False
                e.__traceback__ = e.__traceback__.tb_next  # type: ignore[union-attr]
                self._value = e
                env.schedule(self)
                break
            if event.__class__ is not float:
                try:
                    callbacks = event.callbacks
                except AttributeError:
                    if isinstance(event, bool) or not isinstance(event, (int, float)):
                        raise RuntimeError(f'Invalid yield value "{event}"') from None
                    event = float(event)  # e.g. a numpy float: a timeout as well
                else:
                    if callbacks is not None:
                        callbacks.append(self._resume_once)
                        break
                    continue  # processed already: go on with its value, as SimPy does
            if event < 0:
                # as env.timeout(delay) would have raised inside the generator
                event = _Failed(ValueError(f"Negative delay {event}"))
                continue
            wake = _new(Wake)  # Wake([...]) without a Python-level __init__ call
            wake.callbacks = [self._resume_once]
            heappush(
                env._queue,  # type: ignore[attr-defined]
                (env._now + event, NORMAL, next(env._eid), wake),  # type: ignore[attr-defined]
            )
            event = wake
            break
        self._target = event
        env._active_proc = None  # type: ignore[attr-defined]


class _Failed:
    """An exception to throw into a generator on its next resume."""

    __slots__ = ("_defused", "_value")
    _ok = False

    def __init__(self, exc: BaseException) -> None:
        self._value = exc


class Held(list):
    """Token processes made by a running process whose starts are held back until it
    waits: then they start at once, in order, without an event each (issue 19).

    A process start is an urgent event: the run loop takes it before any other event of
    the same instant except urgent ones made earlier. A process that makes new
    processes and then waits (the arrivals of a case source: start a case, wait for the
    next arrival) therefore has them started right after it has put its own wake-up on
    the heap, unless urgent events were waiting already. :meth:`wait` does exactly that
    and makes the same events with the same order of eids (only the starts' own eids
    are not drawn; eids are only ever compared): when the urgent lane is empty and no
    urgent event of this instant is on the heap, the held processes are resumed
    directly, in order, as the run loop would resume them one after the other; else
    their starts go into the urgent lane behind the ones waiting there. Only for the
    engine's :class:`Environment`.
    """

    __slots__ = ()

    def wait(self, env: Environment, delay: float) -> Wake:
        """Put the caller's timeout of ``delay`` on the heap, start the held processes,
        and return the timeout for the caller to yield."""
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        wake = Wake([])
        heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), wake))  # type: ignore[attr-defined]
        self.release(env)
        return wake

    def release(self, env: Environment) -> None:
        """Start the held processes now (the caller ends, or waits on an event of its own
        already scheduled)."""
        if not self:
            return
        now = env._now  # type: ignore[attr-defined]
        queue = env._queue  # type: ignore[attr-defined]
        urgent = env._urgent
        if urgent or (queue and queue[0][0] == now and queue[0][1] == URGENT):
            eid = env._eid  # type: ignore[attr-defined]
            urgent.extend([(now, URGENT, next(eid), process._target) for process in self])
        else:
            for process in self:
                start = process._target
                start.callbacks = None  # processed, as the run loop marks it
                process._resume(start)
        self.clear()
