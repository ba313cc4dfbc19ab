"""Who can crew a vehicle-day: availability over the whole duty, and slot matching.

A crew member is on board from departure to return, so one availability
interval of the date must cover that whole duty and the duty must fit the
person's ``max_day_min``. Slots are filled by distinct people (one person
with two roles still fills one slot).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from solver.model import Availability, CrewSlot, Service, StaffMember


def available_over(
    member: StaffMember, date: dt.date, depart_min: int, return_min: int
) -> Availability | None:
    """The availability interval of ``member`` on ``date`` that covers the whole duty."""
    for interval in member.availability:
        if interval.date == date and interval.start_min <= depart_min and return_min <= interval.end_min:
            return interval
    return None


def within_day_limit(member: StaffMember, depart_min: int, return_min: int) -> bool:
    return return_min - depart_min <= member.max_day_min


def covering_availability(
    member: StaffMember, date: dt.date, depart_min: int, return_min: int
) -> Availability | None:
    """The availability interval of ``member`` that covers the duty, if any and
    if the duty fits the member's daily limit."""
    if not within_day_limit(member, depart_min, return_min):
        return None
    return available_over(member, date, depart_min, return_min)


def slot_role(member: StaffMember, slot: Sequence[str]) -> str | None:
    """The first of the slot's alternative roles that ``member`` holds."""
    return next((role for role in slot if role in member.roles), None)


def holds_slot(member: StaffMember, slot: Sequence[str], role: str) -> bool:
    """Whether ``member`` may fill ``slot`` in ``role``: one of the slot's roles, and theirs."""
    return role in slot and role in member.roles


def match_crew(
    service: Service, candidates: Sequence[StaffMember]
) -> tuple[CrewSlot, ...] | None:
    """Distinct candidates, one per required slot, each holding one of the
    slot's roles (bipartite matching, augmenting paths); ``None`` if impossible.

    Deterministic: candidates are tried in the given order.
    """
    slots = service.required_roles
    holder: dict[int, int] = {}  # candidate position -> slot index

    def augment(slot_index: int, seen: set[int]) -> bool:
        for position, member in enumerate(candidates):
            if position in seen or slot_role(member, slots[slot_index]) is None:
                continue
            seen.add(position)
            if position not in holder or augment(holder[position], seen):
                holder[position] = slot_index
                return True
        return False

    for slot_index in range(len(slots)):
        if not augment(slot_index, set()):
            return None
    by_slot = {slot_index: position for position, slot_index in holder.items()}
    crew = []
    for slot_index, slot in enumerate(slots):
        member = candidates[by_slot[slot_index]]
        role = slot_role(member, slot)
        assert role is not None
        crew.append(CrewSlot(member.id, role))
    return tuple(crew)
