"""Coordinators' adjustments that re-planning respects: pinned sessions.

A pin says "this stop gets this service on this date with this vehicle";
re-optimising keeps every pin of the horizon and plans around it.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from outreach import audit
from outreach.db import use_case
from outreach.errors import InvalidInput
from outreach.models import Adjustment, Service, Stop, Vehicle
from solver import Pin

PIN = "pin"


@use_case
def add_pin(session: Session, scenario_id: str, stop_code: str, service_code: str,
            date: dt.date, vehicle_code: str) -> Adjustment:
    problems = []
    stop = session.exec(select(Stop).where(Stop.scenario_id == scenario_id,
                                           Stop.code == stop_code)).first()
    if stop is None:
        problems.append(f"champ stop : arrêt {stop_code!r} inconnu")
    elif service_code not in stop.services:
        problems.append(f"champ service : l'arrêt {stop_code} n'accueille pas {service_code!r}")
    if session.exec(select(Service).where(Service.scenario_id == scenario_id,
                                          Service.code == service_code)).first() is None:
        problems.append(f"champ service : service {service_code!r} inconnu")
    vehicle = session.exec(select(Vehicle).where(Vehicle.scenario_id == scenario_id,
                                                 Vehicle.code == vehicle_code)).first()
    if vehicle is None:
        problems.append(f"champ vehicle : véhicule {vehicle_code!r} inconnu")
    if problems:
        raise InvalidInput("Épinglage refusé :", problems)
    existing = session.exec(select(Adjustment).where(
        Adjustment.scenario_id == scenario_id, Adjustment.kind == PIN,
        Adjustment.stop_code == stop_code, Adjustment.service_code == service_code,
        Adjustment.date == date)).first()
    pin = existing or Adjustment(scenario_id=scenario_id, kind=PIN, stop_code=stop_code,
                                 service_code=service_code, date=date,
                                 created_at=dt.datetime.now(dt.UTC))
    pin.vehicle_code = vehicle_code
    session.add(pin)
    session.flush()
    audit.record(session, "pin.add", f"stop {stop_code}", scenario=scenario_id,
                 date=date.isoformat(), vehicle=vehicle_code)
    return pin


@use_case
def remove_adjustment(session: Session, scenario_id: str, adjustment_id: int) -> None:
    row = session.get(Adjustment, adjustment_id)
    if row is None or row.scenario_id != scenario_id:
        raise InvalidInput(f"Ajustement {adjustment_id} introuvable.")
    session.delete(row)
    session.flush()
    audit.record(session, "pin.delete", f"stop {row.stop_code}", scenario=scenario_id,
                 date=row.date.isoformat())


def list_pins(session: Session, scenario_id: str) -> list[Adjustment]:
    return list(session.exec(select(Adjustment).where(
        Adjustment.scenario_id == scenario_id, Adjustment.kind == PIN
    ).order_by(col(Adjustment.date), col(Adjustment.stop_code))).all())


def pins_for(session: Session, scenario_id: str) -> list[Pin]:
    """The scenario's pins as solver pins (the horizon filter happens in the mapping)."""
    return [Pin(stop=a.stop_code, service=a.service_code, date=a.date, vehicle=a.vehicle_code)
            for a in list_pins(session, scenario_id)]
