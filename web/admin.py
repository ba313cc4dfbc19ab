"""Administration: organisations and accounts (administrators only), and the page where
an invited person (or one whose password was reset) chooses a password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import col, select

from outreach import mail
from outreach.data import organisations as orgs
from outreach.errors import InvalidInput
from outreach.models import FixedSite, Scenario, StaffMember, User
from outreach.users import MIN_PASSWORD_LENGTH
from web import public_url
from web.auth import require_role

bp = Blueprint("admin", __name__)

SITE_CHOICE = "site-"  # the staff choice of a fixed site's account: "site-<id>"


def _staff_choices() -> list[dict[str, Any]]:
    """The staff members, then the fixed sites taking appointments, a staff account may
    be linked to."""
    rows = g.db.exec(select(StaffMember, Scenario).where(StaffMember.scenario_id == Scenario.id)
                     .order_by(Scenario.organisation_id, Scenario.id, StaffMember.code)).all()
    sites = g.db.exec(select(FixedSite, Scenario).where(
        FixedSite.scenario_id == Scenario.id, col(FixedSite.appointments).is_not(None))
        .order_by(Scenario.organisation_id, Scenario.id, FixedSite.code)).all()
    return [{"id": m.id, "organisation": s.organisation_id,
             "label": f"{s.name} — {m.name} ({m.code})"} for m, s in rows] + [
        {"id": f"{SITE_CHOICE}{f.id}", "organisation": s.organisation_id,
         "label": f"{s.name} — " + _("Lieu fixe : %(name)s", name=f.name) + f" ({f.code})"}
        for f, s in sites]


def _page(form: dict[str, str] | None = None, errors: list[str] | None = None,
          link: dict[str, str] | None = None, status: int = 200) -> Any:
    return render_template(
        "admin/index.html", organisations=orgs.organisations(g.db), accounts=orgs.accounts(g.db),
        staff=_staff_choices(), form=form or {}, errors=errors or [],
        link=link, mail_configured=mail.configured()), status


@bp.before_request
def _administrators_only() -> None:
    if request.endpoint != "admin.choose_password":
        require_role("admin")


@bp.get("/admin")
def index():  # type: ignore[no-untyped-def]
    return _page()


@bp.post("/admin/organisations")
def save_organisation():  # type: ignore[no-untyped-def]
    form = {"org_id": request.form.get("org_id", ""), "org_name": request.form.get("org_name", "")}
    try:
        saved = orgs.save_organisation(g.db, form["org_id"], form["org_name"])
    except InvalidInput as error:
        return _page(form, [str(error)], status=422)
    flash(_("Organisation « %(name)s » enregistrée.", name=saved.name))
    return redirect(url_for("admin.index"))


def _send_link(invited: orgs.Invited, purpose: str) -> dict[str, str]:
    """Send the one-time link by e-mail when SMTP is configured; always show it to the
    administrator too (to pass on by another channel if the message does not arrive)."""
    url = public_url("admin.choose_password", token=invited.token)
    sent = ""
    if mail.configured():
        subject = ("Votre compte Outreach" if purpose == "invite"
                   else "Outreach : choisir un nouveau mot de passe")
        body = (f"Bonjour,\n\nPour choisir votre mot de passe Outreach, ouvrez ce lien "
                f"(valable {orgs.INVITATION_DAYS} jours, une seule fois) :\n{url}\n\n"
                "Si vous n'attendiez pas ce message, ignorez-le.\n")
        try:
            mail.send(invited.user.email, subject, body)
            sent = "yes"
        except mail.MailError as error:
            sent = str(error)
    return {"email": invited.user.email, "url": url, "sent": sent}


@bp.post("/admin/comptes")
def invite():  # type: ignore[no-untyped-def]
    form = {k: request.form.get(k, "").strip() for k in ("email", "role", "organisation", "staff")}
    staff_id = int(form["staff"]) if form["staff"].isdigit() else None
    site = form["staff"].removeprefix(SITE_CHOICE)
    site_id = int(site) if form["staff"].startswith(SITE_CHOICE) and site.isdigit() else None
    try:
        invited = orgs.invite(g.db, form["email"], form["role"], form["organisation"] or None,
                              staff_id, by=g.user.email, site_id=site_id)
    except InvalidInput as error:
        return _page(form, [str(error)], status=422)
    return _page(link=_send_link(invited, "invite"))


def _account(user_id: int) -> User:
    user = g.db.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/admin/comptes/<int:user_id>/reinitialiser")
def reset(user_id: int):  # type: ignore[no-untyped-def]
    _account(user_id)
    return _page(link=_send_link(orgs.reset_link(g.db, user_id, by=g.user.email), "reset"))


@bp.post("/admin/comptes/<int:user_id>/desactiver")
def deactivate(user_id: int):  # type: ignore[no-untyped-def]
    user = _account(user_id)
    if user.id == g.user.id:
        return _page(errors=[_("Vous ne pouvez pas désactiver votre propre compte.")], status=422)
    orgs.set_active(g.db, user_id, False)
    flash(_("Compte %(email)s désactivé : ses sessions sont fermées.", email=user.email))
    return redirect(url_for("admin.index"))


@bp.post("/admin/comptes/<int:user_id>/activer")
def activate(user_id: int):  # type: ignore[no-untyped-def]
    user = _account(user_id)
    orgs.set_active(g.db, user_id, True)
    flash(_("Compte %(email)s réactivé.", email=user.email))
    return redirect(url_for("admin.index"))


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def choose_password(token: str):  # type: ignore[no-untyped-def]
    """The one-time link of an invitation or a reset."""
    invitation = orgs.pending(g.db, token)
    if invitation is None:
        return render_template("admin/password.html", expired=True), 410
    user = g.db.get(User, invitation.user_id)
    error = None
    if request.method == "POST":
        if request.form.get("password", "") != request.form.get("confirm", ""):
            error = _("Les deux mots de passe diffèrent.")
        else:
            try:
                orgs.accept(g.db, token, request.form.get("password", ""))
            except InvalidInput as refused:
                error = str(refused)
            else:
                flash(_("Mot de passe enregistré : vous pouvez vous connecter."))
                return redirect(url_for("auth.login"))
    return render_template("admin/password.html", expired=False, email=user.email if user else "",
                           error=error, minimum=MIN_PASSWORD_LENGTH), (422 if error else 200)
