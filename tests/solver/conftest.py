"""Fixtures of the solver tests; the instance builders live in solver_instances."""

from __future__ import annotations

import pytest
from solver_instances import ok_small as build_ok_small
from solver_instances import product_like

from solver import Problem


@pytest.fixture
def ok_small() -> Problem:
    """One bus, one crew, three villages 30-60 min away, four weeks."""
    return build_ok_small()


@pytest.fixture(scope="session")
def product() -> Problem:
    """One bus (monthly full days, 20 stops) and one van (weekly half days, 12 stops)."""
    return product_like(0)
