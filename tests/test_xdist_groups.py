"""The suite's arrangement on pytest-xdist workers (see tests/conftest.py)."""

import pytest


@pytest.mark.xdist_group("grouping_check")
def test_xdist_keeps_a_group_on_one_worker(request):
    # xdist groups tests by a suffix on their node ids, which a pytest it does not know can
    # drop without a word: the demo would then be built on every worker.
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by xdist with --dist loadgroup")
    assert request.node.nodeid.endswith("@grouping_check"), (
        "xdist ignores xdist_group marks with this pytest: see the pin in pyproject.toml")
