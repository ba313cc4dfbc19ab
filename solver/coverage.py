"""Demand served by area coverage (``Problem.areas``), shared by the objective,
the KPIs and the repair pass so that every part of the solver counts alike."""

from __future__ import annotations

from collections.abc import Iterable

from solver.model import Area, Service


def area_value(credits: Iterable[int], service: Service) -> int:
    """What one area earns in one period of ``service`` from the credits of its
    held sessions (one entry per session): the best ``visits_per_period`` of them."""
    return sum(sorted(credits, reverse=True)[: service.visits_per_period])


def reach_for(area: Area, offering: set[str]) -> list[tuple[str, int]]:
    """The area's (stop, demand) pairs among the stops offering a service."""
    return [(stop_id, demand) for stop_id, demand in area.reach if stop_id in offering]
