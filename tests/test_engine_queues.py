"""Queue disciplines: per-clerk queues by letter, FIFO over the pool, earliest deadline first."""

from dataclasses import replace

import numpy as np
import pytest
from engine_models import arrivals_at, linear, pool, run, setup_for

from zsa_sim.engine.queues import (
    LETTERS,
    SURNAME_INITIALS,
    balanced_ranges,
    parse_ranges,
    surname_initial,
)
from zsa_sim.engine.setup import QueueDiscipline
from zsa_sim.errors import SimulationError


def work(rows):
    return sorted((r.case_id[-1], r.resource, r.start, r.complete) for r in rows if r.resource)


def names(*values):
    return [{"surname": v} for v in values]


def test_per_clerk_queue_waits_for_its_clerk_while_a_colleague_is_idle():
    clerks = QueueDiscipline("per_clerk", by="surname", ranges=("A-M", "N-Z"))
    spec = replace(pool("p", fte=2), discipline=clerks)
    source = arrivals_at([0, 0, 0], attributes=names("Abel", "Ärger", "Zorn"))
    rows, _ = run(setup_for(linear("A"), {"A": 10}, source, pools=[spec]))
    assert work(rows) == [("0", "p#1", 0, 10), ("1", "p#1", 10, 20), ("2", "p#2", 0, 10)]
    # the same cases FIFO over the pool: the second goes to the idle colleague
    fifo = replace(pool("p", fte=2), discipline=QueueDiscipline("fifo"))
    rows, _ = run(setup_for(linear("A"), {"A": 10}, source, pools=[fifo]))
    assert work(rows) == [("0", "p#1", 0, 10), ("1", "p#2", 0, 10), ("2", "p#1", 10, 20)]


def test_per_clerk_refuses_a_value_without_a_letter():
    clerks = QueueDiscipline("per_clerk", by="surname", ranges=("A-M", "N-Z"))
    spec = replace(pool("p", fte=2), discipline=clerks)
    source = arrivals_at([0], attributes=names("1abc"))
    with pytest.raises(SimulationError, match="'surname' = '1abc' does not begin with a letter"):
        run(setup_for(linear("A"), {"A": 10}, source, pools=[spec]))


def test_per_clerk_needs_one_range_per_clerk():
    spec = replace(pool("p", fte=3), discipline=QueueDiscipline("per_clerk", ranges=("A-M", "N-Z")))
    with pytest.raises(SimulationError, match="2 letter ranges for 3 clerks"):
        run(setup_for(linear("A"), {"A": 10}, arrivals_at([0]), pools=[spec]))


def test_earliest_deadline_first_serves_the_earliest_due_case():
    # one clerk; case 0 is served at once, then case 2 (due after 1 day) before case 1
    # (due after 3 days), although case 1 came first
    edf = replace(pool("p"), discipline=QueueDiscipline("edf", due="due_days"))
    source = arrivals_at([0, 1, 2], attributes=[{"due_days": d} for d in (5, 3, 1)])
    rows, _ = run(setup_for(linear("A"), {"A": 10}, source, pools=[edf]))
    assert work(rows) == [("0", "p#1", 0, 10), ("1", "p#1", 20, 30), ("2", "p#1", 10, 20)]
    fifo = replace(pool("p"), discipline=QueueDiscipline("fifo"))
    rows, _ = run(setup_for(linear("A"), {"A": 10}, source, pools=[fifo]))
    assert work(rows) == [("0", "p#1", 0, 10), ("1", "p#1", 10, 20), ("2", "p#1", 20, 30)]


def test_the_deadline_is_fixed_at_arrival_for_every_later_task():
    # two tasks, every case due one day after it arrived: at 20 case 0's second task
    # (due 1440) comes before case 2's first (due 1442); a deadline counted from the
    # second queue (10 + 1440) would come after it
    edf = replace(pool("p"), discipline=QueueDiscipline("edf", due="1"))
    source = arrivals_at([0, 1, 2])
    rows, _ = run(setup_for(linear("A", "B"), {"A": 10, "B": 10}, source, pools=[edf]))
    done = sorted((r.start, r.case_id[-1], r.activity_id) for r in rows if r.resource)
    assert done == [
        (0, "0", "A"),
        (10, "1", "A"),
        (20, "0", "B"),
        (30, "1", "B"),
        (40, "2", "A"),
        (50, "2", "B"),
    ]


def test_fifo_ignores_priorities():
    fifo = replace(pool("p"), discipline=QueueDiscipline("fifo"))
    source = arrivals_at([0, 1, 2], priorities=[0.0, 9.0, -9.0])
    rows, _ = run(setup_for(linear("A"), {"A": 10}, source, pools=[fifo]))
    assert [r[0] for r in sorted(work(rows), key=lambda r: r[2])] == ["0", "1", "2"]


def test_letter_ranges_must_cover_the_alphabet_once():
    assert parse_ranges(["a-m", "N-Z"], "x") == ["ABCDEFGHIJKLM", "NOPQRSTUVWXYZ"]
    with pytest.raises(SimulationError, match="no clerk for the letters Z"):
        parse_ranges(["A-M", "N-Y"], "x")
    with pytest.raises(SimulationError, match="letter M is in 'A-M' and 'M-Z'"):
        parse_ranges(["A-M", "M-Z"], "x")
    with pytest.raises(SimulationError, match="ends before it starts"):
        parse_ranges(["M-A", "N-Z"], "x")


def test_balanced_ranges_are_contiguous_and_share_the_initials_about_equally():
    for clerks in (1, 2, 4, 9):
        ranges = balanced_ranges(clerks)
        assert len(ranges) == clerks
        assert "".join(ranges) == "".join(LETTERS)
    total = sum(SURNAME_INITIALS.values())
    shares = [sum(SURNAME_INITIALS[c] for c in r) / total for r in balanced_ranges(4)]
    assert max(shares) - min(shares) < 0.05  # letters are indivisible (S alone is 14 %)


def test_drawn_initials_follow_the_table_and_do_not_depend_on_the_variant():
    n = 20_000
    letters = [surname_initial(1, 0, f"s:m:{i}") for i in range(n)]
    assert letters == [surname_initial(1, 0, f"s:m:{i}") for i in range(n)]
    total = sum(SURNAME_INITIALS.values())
    for letter in ("S", "B", "Q"):
        p = SURNAME_INITIALS[letter] / total
        count = letters.count(letter)
        # within 4.5 binomial standard deviations
        assert abs(count - n * p) <= 4.5 * np.sqrt(n * p * (1 - p)) + 1
    assert surname_initial(2, 0, "s:m:0") in LETTERS
