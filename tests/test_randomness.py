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
