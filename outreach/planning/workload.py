"""Workload balance: hours on duty per staff member, summarised per role (min and max).

Read from the plan's routes and staff only, so solver plans and hand-edited
versions are measured alike. A person counts under every role they hold, with
zero hours if they were available but not rostered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import solver as sm
from outreach.planning.plan import DayRoute


def workload(routes: Iterable[DayRoute], staff: Iterable[sm.StaffMember]
             ) -> dict[str, dict[str, float]]:
    """``{role: {"staff": n, "min_hours": x, "max_hours": y}}`` over the staff holding the role."""
    minutes: dict[str, int] = defaultdict(int)
    for route in routes:
        for member in route.crew:
            minutes[member.staff] += route.duty_min
    per_role: dict[str, list[float]] = defaultdict(list)
    for person in staff:
        if not person.availability and person.id not in minutes:
            continue  # away for the whole horizon
        for role in sorted(person.roles):
            per_role[role].append(round(minutes.get(person.id, 0) / 60, 1))
    return {role: {"staff": len(hours), "min_hours": min(hours), "max_hours": max(hours)}
            for role, hours in sorted(per_role.items())}
