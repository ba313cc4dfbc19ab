"""Coordinator pages: plan versions, one plan by day, exports."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, Response, abort, g, render_template
from sqlmodel import select

from outreach import export, planning
from outreach.errors import UnknownPlan
from outreach.mapping import staff_export_id
from outreach.models import StaffMember
from web.auth import require_role

bp = Blueprint("coordination", __name__, url_prefix="/coordination")


@bp.before_request
def _coordinators_only() -> None:
    require_role("coordinator")


@bp.get("/plans")
def plans():  # type: ignore[no-untyped-def]
    return render_template("coordination/plans.html", plans=planning.list_plans(g.db))


def _document(plan_id: int) -> dict:
    try:
        return planning.export_document(g.db, plan_id)
    except UnknownPlan:
        abort(404)


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):  # type: ignore[no-untyped-def]
    document = _document(plan_id)
    by_date = defaultdict(list)
    for route in document["routes"]:
        by_date[route["date"]].append(route)
    members = g.db.exec(select(StaffMember).where(
        StaffMember.scenario_id == document["scenario"]["id"])).all()
    return render_template(
        "coordination/plan.html", doc=document, by_date=sorted(by_date.items()),
        staff_names={staff_export_id(m): m.name for m in members},
        stops={s["id"]: s for s in document["stops"]},
        services={s["id"]: s for s in document["services"]},
        vehicles={v["id"]: v for v in document["vehicles"]},
    )


@bp.get("/plans/<int:plan_id>/export.<fmt>")
def plan_export(plan_id: int, fmt: str):  # type: ignore[no-untyped-def]
    document = _document(plan_id)
    if fmt == "json":
        return Response(export.to_json(document), mimetype="application/json",
                        headers={"Content-Disposition": f"attachment; filename=plan-{plan_id}.json"})
    if fmt == "csv":
        return Response(export.to_csv(document), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=plan-{plan_id}.csv"})
    abort(404)
