"""Case ids: one format, made one at a time or for a run of indices."""

import pytest

from zsa_sim.engine.case import case_id, case_ids


def test_case_id_format():
    assert case_id("wohngeld", "Halle", 7) == "wohngeld:Halle:7"
    assert case_id("wohngeld", "Halle", -3) == "wohngeld:Halle:B3"


@pytest.mark.parametrize(("first", "count"), [(0, 5), (998, 4), (-3, 5), (5, 0)])
def test_case_ids_of_a_run_equal_the_ids_one_by_one(first, count):
    expected = [case_id("s", "a:b", i) for i in range(first, first + count)]
    assert case_ids("s", "a:b", first, count) == expected
