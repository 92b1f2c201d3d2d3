"""Random streams keyed by meaning, and draws addressed by case index (CRN)."""

import numpy as np

from zsa_sim.randomness import DrawTable, key_entropy, stream


def uniform(rng, n):
    return rng.random(n)


def test_same_key_same_numbers_different_key_different_numbers():
    a = stream(1, 0, "effort", "svc", "Task_A").random(5)
    np.testing.assert_array_equal(a, stream(1, 0, "effort", "svc", "Task_A").random(5))
    assert not np.array_equal(a, stream(1, 0, "effort", "svc", "Task_B").random(5))
    assert not np.array_equal(a, stream(1, 1, "effort", "svc", "Task_A").random(5))
    assert not np.array_equal(a, stream(2, 0, "effort", "svc", "Task_A").random(5))


def test_key_entropy_is_stable_across_processes():
    # CRC-32 of the UTF-8 text, not Python's randomised hash()
    assert key_entropy(3, 1, ("a", 5)) == [3, 1, 3904355907, 5]


def test_draw_does_not_depend_on_the_order_of_requests():
    forward, backward = DrawTable(5, 0), DrawTable(5, 0)
    key = ("effort", "svc", "town", "Task")
    idx = [0, 1, 1023, 1024, 5000, 7]
    a = [forward.draw(key, 0, i, uniform) for i in idx]
    b = [backward.draw(key, 0, i, uniform) for i in reversed(idx)][::-1]
    assert a == b


def test_iterations_and_keys_are_independent_streams():
    table = DrawTable(5, 0)
    key = ("branch", "svc", "town", "Gw")
    first = table.draw(key, 0, 3, uniform)
    assert table.draw(key, 1, 3, uniform) != first
    assert table.draw(("branch", "svc", "town", "Gw2"), 0, 3, uniform) != first
    assert table.draw(key, 0, 4, uniform) != first


def test_evicted_blocks_are_regenerated_identically():
    small = DrawTable(9, 2, cache_blocks=2)
    big = DrawTable(9, 2)
    keys = [("k", str(i)) for i in range(5)]
    first = [small.draw(k, 0, 10, uniform) for k in keys]
    again = [small.draw(k, 0, 10, uniform) for k in keys]
    assert first == again == [big.draw(k, 0, 10, uniform) for k in keys]
    assert len(small._cache) <= 2


def test_draws_are_python_floats():
    assert type(DrawTable(0, 0).draw(("k",), 0, 0, uniform)) is float


def _round_robin(table: DrawTable, pairs: int, rounds: int) -> list[float]:
    """Every pair's cases 0..rounds-1 in turn, as cases in progress are served."""
    return [
        table.draw(("effort", f"task{p}"), 0, index, uniform)
        for index in range(rounds)
        for p in range(pairs)
    ]


def test_cache_is_sized_from_the_keys_seen(monkeypatch):
    monkeypatch.setattr(DrawTable, "MIN_BLOCKS", 4)
    sized, fixed = DrawTable(7, 0), DrawTable(7, 0, cache_blocks=4)
    # ten pairs drawn from in turn: a fixed cache of 4 blocks evicts a block before it
    # is used again, one sized from the keys keeps them all
    assert _round_robin(sized, 10, 3) == _round_robin(fixed, 10, 3)
    assert (sized.pairs_seen, sized.cache_blocks, sized.blocks_generated) == (10, 20, 10)
    assert (fixed.cache_blocks, fixed.blocks_generated) == (4, 30)


def test_cache_keeps_its_minimum_for_few_keys():
    table = DrawTable(7, 0)
    _round_robin(table, 3, 2)
    assert (table.pairs_seen, table.cache_blocks) == (3, DrawTable.MIN_BLOCKS)


def test_stream_is_the_generator_of_the_entropy_list():
    # seeded from an array of 32-bit words (faster) it is the generator numpy makes of
    # key_entropy's list of ints, at the edges of the words too
    keys = [
        (0, 0, ()),
        (-1, 2**32 - 1, ("x",)),
        (20260101, 3, ("absence", "Dessau-Rosslau/front_office", 1)),
        (7, 0, ("effort", "svc", "Müller", -5, 2**40)),
    ]
    for seed, replication, key in keys:
        words = key_entropy(seed, replication, key)
        listed = np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))
        ours = stream(seed, replication, *key)
        assert ours.bit_generator.state == listed.bit_generator.state
        assert ours.random(4).tobytes() == listed.random(4).tobytes()
