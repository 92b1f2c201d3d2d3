"""Queue disciplines offices use: over the pool (priority, FIFO, deadlines) or per clerk.

A pool's :class:`~zsa_sim.engine.setup.QueueDiscipline` decides which waiting request a
member who becomes free takes next:

- ``priority`` and ``fifo`` order one queue over the pool; ``edf`` (earliest deadline
  first) orders it by the case's deadline, its arrival plus a due time in calendar days
  from an expression over its attributes, fixed on the case's first such queue;
- ``per_clerk`` gives every member a queue of her own (:class:`ClerkPool`), as an
  office that assigns files by the applicant's initial letter does (Halle's Wohngeld
  office until 2024): a case waits for its clerk even when a colleague is idle or its
  clerk is absent. The letter is the first letter of the attribute ``by``, or, when the
  applicants have no names (the engine's applicants have none), a surname initial drawn
  per case from :data:`SURNAME_INITIALS` with a hash of seed, replication and case id,
  so that both variants and every pool see the same applicant's same letter.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import simpy

from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.engine.expressions import as_number, compile_expression
from zsa_sim.engine.kernel import Grant, schedule_call
from zsa_sim.engine.setup import QueueDiscipline, StaffPoolSpec
from zsa_sim.engine.staff import INF, StaffMember, StaffPool
from zsa_sim.errors import SimulationError

#: Share of German surnames by initial letter. ASSUMPTION: rounded from counts of
#: surnames in public telephone directories (Sch-/St- make S the largest, then B, K,
#: H, M); replace with the office's own distribution if the ranges are to be balanced.
SURNAME_INITIALS: dict[str, float] = {
    "A": 2.5, "B": 9.0, "C": 0.8, "D": 3.3, "E": 2.4, "F": 4.2, "G": 5.0, "H": 8.2,
    "I": 0.4, "J": 1.4, "K": 8.8, "L": 4.2, "M": 6.6, "N": 2.0, "O": 1.2, "P": 3.8,
    "Q": 0.1, "R": 5.0, "S": 13.8, "T": 2.6, "U": 0.5, "V": 1.2, "W": 6.6, "X": 0.02,
    "Y": 0.1, "Z": 1.5,
}  # fmt: skip
LETTERS = tuple(SURNAME_INITIALS)
_CUMULATIVE = np.cumsum([SURNAME_INITIALS[c] for c in LETTERS]) / sum(SURNAME_INITIALS.values())
_UMLAUTS = {"Ä": "A", "Ö": "O", "Ü": "U"}

#: A request's queue key from (case, its priority, now).
KeyFunction = Callable[[Any, float, float], float]


def parse_ranges(ranges: Sequence[str], where: str) -> list[str]:
    """Letter ranges ("A-F", "G", "S-Z") as strings of letters; they must cover A-Z once."""
    out: list[str] = []
    seen: dict[str, str] = {}
    for text in ranges:
        parts = [p.strip().upper() for p in text.split("-")]
        if len(parts) not in (1, 2) or not all(len(p) == 1 and p in LETTERS for p in parts):
            raise SimulationError(f"{where}: a letter range is written 'A-F' or 'Q', got {text!r}")
        lo, hi = LETTERS.index(parts[0]), LETTERS.index(parts[-1])
        if hi < lo:
            raise SimulationError(f"{where}: letter range {text!r} ends before it starts")
        letters = "".join(LETTERS[lo : hi + 1])
        for c in letters:
            if c in seen:
                raise SimulationError(f"{where}: letter {c} is in {seen[c]!r} and {text!r}")
            seen[c] = text
        out.append(letters)
    missing = [c for c in LETTERS if c not in seen]
    if missing:
        raise SimulationError(f"{where}: no clerk for the letters {', '.join(missing)}")
    return out


def balanced_ranges(clerks: int) -> list[str]:
    """Contiguous letter ranges with about equal shares of :data:`SURNAME_INITIALS`.

    Cut ``j`` lies at the letter boundary whose cumulative share is closest to ``j /
    clerks`` (an office balances its ranges by its caseload; letters are indivisible).
    """
    if not 1 <= clerks <= len(LETTERS):
        raise ValueError(f"1 to {len(LETTERS)} clerks, got {clerks}")
    cumulative = np.concatenate(([0.0], _CUMULATIVE))
    cuts = [0]
    for j in range(1, clerks):
        lo, hi = cuts[-1] + 1, len(LETTERS) - (clerks - j)
        best = min(range(lo, hi + 1), key=lambda i: abs(cumulative[i] - j / clerks))
        cuts.append(best)
    cuts.append(len(LETTERS))
    return ["".join(LETTERS[a:b]) for a, b in itertools.pairwise(cuts)]


def surname_position(seed: int, replication: int, case_id: str) -> float:
    """A case's applicant's place in the alphabetical order of surnames, uniform in [0, 1).

    Drawn from a hash of seed, replication and case id: the same in every variant and
    pool (common random numbers) and independent of the order of events.
    """
    digest = hashlib.blake2b(f"{seed}:{replication}:{case_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def surname_initial(seed: int, replication: int, case_id: str) -> str:
    """The drawn surname initial of a case: its position read through the letter shares."""
    u = surname_position(seed, replication, case_id)
    return LETTERS[min(int(np.searchsorted(_CUMULATIVE, u, side="right")), len(LETTERS) - 1)]


def key_function(discipline: QueueDiscipline, pool_id: str) -> KeyFunction | None:
    """The queue key of a discipline; None: the case's priority as given."""
    if discipline.kind == "fifo":
        return lambda _case, _priority, _now: 0.0
    if discipline.kind == "edf":
        if not discipline.due:
            raise SimulationError(f"staff pool {pool_id!r}: earliest deadline first needs 'due'")
        where = f"staff pool {pool_id!r}: due time"
        due = compile_expression(discipline.due, where)

        def deadline(case: Any, _priority: float, now: float) -> float:
            d = case.deadline
            if d != d:  # NaN: not yet fixed
                begin = case.arrival if case.arrival == case.arrival else now
                d = begin + as_number(due(case.attributes), f"{where}, case {case.id}") * (
                    MINUTES_PER_DAY
                )
                case.deadline = d
            return d

        return deadline
    return None


class ClerkPool(StaffPool):
    """One queue per member: a case waits for the clerk its letter belongs to."""

    __slots__ = ("_clerk_of", "_free", "_queues", "_waits", "_wakes")

    def __init__(
        self,
        env: simpy.Environment,
        spec: StaffPoolSpec,
        members: list[StaffMember],
        clerk_of: Callable[[Any], int],
        key: KeyFunction | None = None,
    ):
        super().__init__(env, spec, members, key)
        n = len(members)
        self._clerk_of = clerk_of
        self._queues: list[list[list]] = [[] for _ in range(n)]
        self._free = [True] * n
        self._waits = [0] * n
        self._wakes: list[float | None] = [None] * n

    def acquire_for(self, case: Any) -> StaffMember | None:
        """The case's clerk if she is free, on duty and has nobody waiting."""
        k = self._clerk_of(case)
        member = self.members[k]
        if self._free[k] and not self._waits[k] and member.on_duty(self.env.now):
            self._free[k] = False
            return member
        return None

    def enqueue(self, priority: float, case: Any = None) -> list:
        """Queue a request with its clerk; ``entry[2]`` yields her when she takes it."""
        k = self._clerk_of(case)
        # as the pool's: larger priority first unless the discipline has a key of its own
        key = -priority if self._key is None else self._key(case, priority, self.env.now)
        entry = [key, next(self._seq), Grant(self.env), k]
        heapq.heappush(self._queues[k], entry)
        self._waits[k] += 1
        self.waiting += 1
        if self._free[k]:
            self._try(k, self.env.now)
        return entry

    def cancel(self, entry: list) -> None:
        """Withdraw a queued request (its task was cancelled)."""
        event = entry[2]
        if event is None:
            return
        if event.triggered:
            self.release(event.value)
        else:
            entry[2] = None
            self._waits[entry[3]] -= 1
            self.waiting -= 1

    def release(self, member: StaffMember) -> None:
        """A clerk finished a task: her next request, or idle."""
        k = member.number - 1
        self._free[k] = True
        self._try(k, self.env.now)

    def _try(self, k: int, now: float) -> None:
        member = self.members[k]
        if not self._waits[k]:
            return
        if member.on_duty(now):
            self._free[k] = False
            queue = self._queues[k]
            while True:
                event = heapq.heappop(queue)[2]
                if event is not None:
                    break
            self._waits[k] -= 1
            self.waiting -= 1
            event.succeed(member)
            return
        at = member.next_duty(now)
        wake = self._wakes[k]
        if at == INF or (wake is not None and now < wake <= at):
            return
        self._wakes[k] = at
        schedule_call(self.env, max(at - now, 0.0), lambda _event: self._wake_clerk(k, at))

    def _wake_clerk(self, k: int, at: float) -> None:
        if self._wakes[k] == at:
            self._wakes[k] = None
        if self._free[k]:
            self._try(k, max(self.env.now, at))


def clerk_function(
    discipline: QueueDiscipline, pool_id: str, clerks: int, seed: int, replication: int
) -> Callable[[Any], int]:
    """Case -> index of its clerk, by the letter ranges of a per-clerk discipline."""
    where = f"staff pool {pool_id!r}: per-clerk ranges"
    if not discipline.ranges:
        if discipline.by is not None:
            raise SimulationError(f"{where}: 'by' needs letter 'ranges', one per clerk")

        def share_of(case: Any) -> int:
            # the applicant's place in the alphabetical order of all surnames, cut into
            # equal shares: ranges balanced below the letter ("Sch-Sz")
            return min(int(surname_position(seed, replication, case.id) * clerks), clerks - 1)

        return share_of
    ranges = parse_ranges(discipline.ranges, where)
    if len(ranges) != clerks:
        raise SimulationError(
            f"{where}: {len(ranges)} letter ranges for {clerks} clerks (one range per clerk)"
        )
    index = {c: i for i, letters in enumerate(ranges) for c in letters}
    by = discipline.by

    def clerk_of(case: Any) -> int:
        if by is None or getattr(case, "drawn_initial", False):
            return index[surname_initial(seed, replication, case.id)]
        value = str(case.attributes.get(by, "")).strip()[:1].upper()
        letter = _UMLAUTS.get(value, value)
        if letter not in index:
            raise SimulationError(
                f"{where}: case {case.id}: attribute {by!r} = "
                f"{case.attributes.get(by)!r} does not begin with a letter A-Z"
            )
        return index[letter]

    return clerk_of


def make_pool(
    env: simpy.Environment,
    spec: StaffPoolSpec,
    members: list[StaffMember],
    seed: int,
    replication: int,
) -> StaffPool:
    """The runtime pool for a spec: one queue over the pool, or one per clerk."""
    discipline = spec.discipline
    key = key_function(discipline, spec.id)
    if discipline.kind != "per_clerk":
        return StaffPool(env, spec, members, key)
    if len(spec.timeline) > 1:
        raise SimulationError(
            f"staff pool {spec.id!r}: per-clerk queues need constant staff (one queue per "
            "member); state the FTE as a number"
        )
    clerk_of = clerk_function(discipline, spec.id, len(members), seed, replication)
    return ClerkPool(env, spec, members, clerk_of, key)
