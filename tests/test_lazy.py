"""zsa_sim.lazy: names imported on first use, and the collector paused for start-up."""

from __future__ import annotations

import gc

import pytest

from zsa_sim.lazy import collector_paused, lazy_exports


def test_collector_paused_inside_and_enabled_again_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_enabled_again_after_an_error() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off_before() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_lazy_exports_import_on_first_use_and_keep_the_name() -> None:
    namespace: dict[str, object] = {}
    getattr_, dir_ = lazy_exports("pkg", {"dumps": "json"}, namespace)
    import json

    assert getattr_("dumps") is json.dumps
    assert namespace["dumps"] is json.dumps
    assert dir_() == ["dumps"]
    with pytest.raises(AttributeError, match="no attribute 'loads'"):
        getattr_("loads")


def test_scenario_package_names_all_resolve() -> None:
    import zsa_sim.scenario as scenario

    for name in scenario.__all__:
        assert getattr(scenario, name) is not None
    assert sorted(scenario.__all__) == sorted(scenario._EXPORTS)
