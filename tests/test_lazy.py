"""zsa_sim.lazy: names of a package imported on first use."""

from __future__ import annotations

import pytest

from zsa_sim.lazy import lazy_exports


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
