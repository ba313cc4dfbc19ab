"""Booking on a phone (issue 14), in Chromium: from the commune's page to a slot, the
confirmation read from a real SMTP server, moving, the waiting list and its promotion,
cancelling, and the crew of the day marking families; axe-core finds no violation on any
booking page."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import shutil

from browser_helpers import PASSWORD, axe_violations, screenshot, serve, sign_in


def _check(page, axe_script: str, found: dict[str, list], name: str) -> None:
    """axe-core's violations on the page kept under ``name`` (and a screenshot)."""
    violations = axe_violations(page, axe_script)
    if violations:
        found[name] = violations
    screenshot(page, name)


def test_a_family_books_moves_waits_and_cancels_and_the_crew_marks_it(
        planned_template, tmp_path, phone, axe_script, smtp_server, monkeypatch):
    from sqlmodel import Session, select

    from outreach import db
    from outreach.appointments import PARIS, SessionRef, bookable_session
    from outreach.appointments import booking as bookings
    from outreach.appointments.booking import Request
    from outreach.models import Booking, PlanCrew, PlanSession, StaffMember
    from outreach.users import set_user

    path = tmp_path / "booking.db"
    shutil.copy(planned_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("OUTREACH_SMTP_URL", smtp_server[0])
    received = smtp_server[1]
    with db.unit_of_work(url) as s:
        row = s.exec(select(PlanSession).where(PlanSession.plan_id == 1,
                                               PlanSession.service_code == "bus-prevention")
                     .order_by(PlanSession.date)).first()
        crew = s.exec(select(PlanCrew.staff_code).where(
            PlanCrew.plan_id == 1, PlanCrew.date == row.date,
            PlanCrew.vehicle_code == row.vehicle_code)).all()
        member = next(m for m in s.exec(select(StaffMember)) if m.code in crew)
        set_user(s, "crew@test", PASSWORD, "staff", member.id)
    ref = SessionRef("indre-et-loire", row.date, row.stop_code, row.service_code)
    clock = {"now": dt.datetime(2027, 1, 1, 9, 0, tzinfo=PARIS)}
    page = phone
    found: dict[str, list] = {}

    def check(name: str) -> None:
        _check(page, axe_script, found, f"booking-{name}")

    with serve(url, CLOCK=lambda: clock["now"]) as base:
        # From the commune's page to the session's slots.
        page.goto(f"{base}/commune/{row.commune_insee}")
        page.get_by_role("link", name=re.compile("Prendre rendez-vous")).first.click()
        page.wait_for_url(re.compile(r"/rendez-vous/indre-et-loire/"))
        check("session")
        page.get_by_role("button", name="Valider").click()  # nothing filled: the fields named
        assert page.get_by_text("Indiquez un prénom").count() or page.get_by_text(
            "Choisissez l'un des créneaux").count()
        check("session-errors")
        page.locator('input[name="slot"]').first.check()
        page.get_by_label("Prénom ou initiales").fill("Léa")
        page.get_by_label(re.compile("Téléphone portable ou e-mail")).fill("lea@example.org")
        page.get_by_label("moins d'un an").check()
        page.get_by_label(re.compile("J'accepte que ces informations")).check()
        page.get_by_role("button", name="Valider").click()
        page.wait_for_url(re.compile(r"/rendez-vous/suivi/"))
        assert page.get_by_text("Rendez-vous pris.").count()
        check("follow")
        # The confirmation, read from the SMTP server, carries the link.
        (message,) = [email.message_from_string(raw, policy=email.policy.default)
                      for _, raw in received]
        link = re.search(r"https?://\S+/rendez-vous/suivi/\S+", message.get_content()).group(0)
        page.goto(base + link[link.index("/rendez-vous/"):])
        assert page.get_by_text("Léa").count()
        # Moved to another slot.
        page.get_by_label("Un autre créneau de cette séance").select_option(index=1)
        page.get_by_role("button", name="Déplacer").click()
        page.wait_for_url(re.compile(r"deplace=1"))
        assert page.get_by_text("Rendez-vous déplacé.").count()

        # The interviews full: a second family joins the waiting list.
        with db.unit_of_work(url) as s:
            held = [bookings.book(s, ref, Request("entretien", slot.start_min, f"F{k}",
                                                  f"f{k}@example.org", "0-1", True),
                                  clock["now"])[1]
                    for k, slot in enumerate(x for x in bookable_session(s, ref).slots
                                             if x.offer == "entretien" for _ in range(x.seats))]
        page.goto(f"{base}/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/"
                  "bus-prevention")
        page.get_by_label(re.compile("Complet : m'inscrire sur la liste d'attente")).check()
        page.get_by_label("Prénom ou initiales").fill("Inès")
        page.get_by_label(re.compile("Téléphone portable ou e-mail")).fill("ines@example.org")
        page.get_by_label("1 à 3 ans").check()
        page.get_by_label(re.compile("J'accepte que ces informations")).check()
        page.get_by_role("button", name="Valider").click()
        page.wait_for_url(re.compile(r"/rendez-vous/suivi/"))
        waiting_url = page.url.split("?")[0]
        assert page.get_by_text("Vous êtes n° 1 sur la liste.").count()
        check("waiting")
        with db.unit_of_work(url) as s:  # a family cancels: the seat is offered to Inès
            bookings.cancel(s, held[0], clock["now"])
        page.goto(waiting_url)
        assert page.get_by_text("Une place s'est libérée pour vous").count()
        check("offered")
        page.get_by_role("button", name="Prendre ce rendez-vous").click()
        assert page.get_by_text("Rendez-vous pris.").count()
        assert any("ines@example.org" in to[0] for to, _ in received)
        # Léa cancels from her link.
        page.goto(base + link[link.index("/rendez-vous/"):])
        page.get_by_role("button", name="Annuler le rendez-vous").click()
        assert page.get_by_text("Ce rendez-vous est annulé").count()
        check("cancelled")

        # On the day, the crew marks the families.
        clock["now"] = dt.datetime.combine(row.date, dt.time(10), tzinfo=PARIS)
        sign_in(page, base, "crew@test")
        page.wait_for_url("**/mes-tournees")
        page.get_by_role("link", name=re.compile("Rendez-vous de la séance")).first.click()
        assert page.get_by_text("Inès").count()
        check("staff")
        page.get_by_role("button", name=re.compile("^Venu")).first.click()
        page.get_by_role("button", name="Ajouter une famille venue sans rendez-vous").click()
        assert page.get_by_text("Familles venues sans rendez-vous : 1").count()
        assert page.locator("strong", has_text="venu").count() == 1
        check("staff-marked")
    with Session(db.get_engine(url)) as s:
        statuses = [b.status for b in s.exec(select(Booking))]
    assert statuses.count("seen") == 1 and statuses.count("walk_in") == 1
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_a_family_books_its_first_insertion_appointment_at_a_site_on_a_phone(
        planned_template, tmp_path, phone, axe_script, texts):
    """... and on the day, the site's staff marks her seen."""
    from sqlmodel import select

    from outreach import db
    from outreach.appointments import PARIS
    from outreach.models import FixedSite
    from outreach.users import set_user

    path = tmp_path / "site.db"
    shutil.copy(planned_template, path)
    with db.unit_of_work(f"sqlite:///{path}") as s:
        site = s.exec(select(FixedSite).where(FixedSite.code == "79191-mds-niort")).one()
        set_user(s, "mds@test", PASSWORD, "staff", site_id=site.id)
    page = phone
    found: dict[str, list] = {}

    def check(name: str) -> None:
        _check(page, axe_script, found, f"site-{name}")

    now = dt.datetime(2026, 12, 21, 9, 0, tzinfo=PARIS)
    with serve(f"sqlite:///{path}", CLOCK=lambda: now) as base:
        page.goto(f"{base}/commune/79191")  # Niort
        check("commune")
        page.get_by_role("link", name=re.compile("Premier rendez-vous d'insertion")).click()
        page.wait_for_url(re.compile(r"/rendez-vous/site/deux-sevres/"))
        check("days")
        page.get_by_role("link", name=re.compile("Mardi 22 décembre")).click()
        page.wait_for_url(re.compile(r"/site:79191-mds-niort/rsa-premier-rdv"))
        check("slots")
        page.locator('input[name="slot"]').first.check()
        page.get_by_label("Prénom ou initiales").fill("S. B.")
        page.get_by_label(re.compile("Téléphone portable ou e-mail")).fill("06 39 98 00 07")
        page.get_by_label(re.compile("J'accepte que ces informations")).check()
        page.get_by_role("button", name="Valider").click()
        page.wait_for_url(re.compile(r"/rendez-vous/suivi/"))
        assert page.get_by_text("Rendez-vous pris.").count()
        check("follow")

        now = dt.datetime(2026, 12, 22, 10, 0, tzinfo=PARIS)  # the day, at the site
        sign_in(page, base, "mds@test")
        page.wait_for_url("**/mes-tournees")
        check("staff-days")
        page.get_by_role("link", name="Aujourd'hui : la liste des familles").click()
        assert page.get_by_text("S. B.").count()
        check("staff")
        page.get_by_role("button", name=re.compile("^Venu")).first.click()
        assert page.locator("strong", has_text="venu").count() == 1
        check("staff-marked")
    assert found == {}
    ((number, text),) = texts
    assert number.replace(" ", "").endswith("639980007") and "Niort" in text and "/rendez-vous/suivi/" in text
