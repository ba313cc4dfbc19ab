"""The booking pages (issue 14): from a commune's page to a slot, the confirmation by
e-mail through a real SMTP server, the secret link to see, move or cancel, and nothing
personal in logs, calendar files or caches."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import re
import socket

import pytest
from sqlmodel import Session, select

from outreach import db
from outreach.models import Booking, PlanSession
from outreach.planning import published_plan_id
from tests.web_helpers import csrf
from web import create_app

NOW = dt.datetime(2027, 1, 1, 8, 0, tzinfo=dt.UTC)  # before the demo plan's first week


@pytest.fixture
def app(planned_url):
    return create_app({"TESTING": True, "DATABASE_URL": planned_url, "CLOCK": lambda: NOW})


def _bus_session(url: str) -> PlanSession:
    with Session(db.get_engine(url)) as s:
        plan_id = published_plan_id(s, "indre-et-loire")
        return s.exec(select(PlanSession).where(
            PlanSession.plan_id == plan_id, PlanSession.service_code == "bus-prevention")
            .order_by(PlanSession.date)).first()


def _form(client, path):
    page = client.get(path)
    assert page.status_code == 200
    slots = re.findall(r'name="slot" value="([^"]+)"', page.get_data(as_text=True))
    assert slots
    return page, slots


def test_a_family_books_from_its_commune_page_and_gets_an_e_mail(app, planned_url, smtp_server,
                                                                monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    url, received = smtp_server
    monkeypatch.setenv("OUTREACH_SMTP_URL", url)
    row = _bus_session(planned_url)
    client = app.test_client()
    commune = client.get(f"/commune/{row.commune_insee}").get_data(as_text=True)
    path = f"/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/bus-prevention"
    assert f'href="{path}"' in commune  # the session's card links to its booking page
    page, slots = _form(client, path)
    assert page.headers["Cache-Control"] == "private, no-store"
    form = {"csrf_token": csrf(client), "slot": slots[0], "first_name": "Léa",
            "contact": "lea.famille@example.org", "age_band": "0-1", "consent": "oui"}
    # Without consent: refused, what was typed kept, the field marked.
    refused = client.post(path, data={**form, "consent": ""})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'value="lea.famille@example.org"' in text
    assert 'aria-describedby="consent-error"' in text
    booked = client.post(path, data=form)
    assert booked.status_code == 303
    link = booked.headers["Location"]
    token = re.search(r"/rendez-vous/suivi/([^/?]+)", link).group(1)
    follow = client.get(f"/rendez-vous/suivi/{token}")
    text = follow.get_data(as_text=True)
    assert follow.status_code == 200 and "Léa" in text and row.venue in text
    assert follow.headers["Referrer-Policy"] == "no-referrer"
    # The confirmation, read from the SMTP server: plain French, the place, the link.
    assert len(received) == 1 and received[0][0] == ["lea.famille@example.org"]
    mail = email.message_from_string(received[0][1], policy=email.policy.default)
    body = mail.get_content()
    assert mail["Subject"].startswith("Rendez-vous confirmé le ")
    assert f"/rendez-vous/suivi/{token}" in body and row.venue in body and "annuler" in body
    with Session(db.get_engine(planned_url)) as s:
        assert s.exec(select(Booking)).one().confirmed_at is not None
    # The calendar file has the time and place, no name, no contact.
    ics = client.get(f"/rendez-vous/suivi/{token}/rendez-vous.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in ics and "Léa" not in ics and "example.org" not in ics
    # The slot taken is no longer offered; moved, then cancelled.
    _page, left = _form(client, path)
    assert slots[0] not in left
    moved = client.post(f"/rendez-vous/suivi/{token}/deplacer",
                        data={"csrf_token": csrf(client), "slot": left[0]})
    assert moved.status_code == 303
    _page, after = _form(client, path)
    assert slots[0] in after and left[0] not in after
    cancelled = client.post(f"/rendez-vous/suivi/{token}/annuler", data={"csrf_token": csrf(client)})
    assert cancelled.status_code == 303
    assert "annulé" in client.get(f"/rendez-vous/suivi/{token}").get_data(as_text=True)
    assert client.get(f"/rendez-vous/suivi/{token[:-2]}xx").status_code == 404
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    for secret in ("Léa", "lea.famille", token):  # (mail.log: the test's SMTP server)
        assert secret not in ours


def test_a_confirmation_the_mail_server_did_not_take_is_sent_later_and_once(
        app, planned_url, smtp_server, monkeypatch):
    """The mail server away when a family books: the booking stands, the page gives the
    link, and the background round sends the confirmation once the server is back; the
    next round sends nothing more."""
    from outreach.appointments.dispatch import send_due

    with socket.socket() as probe:  # a port where no server listens
        probe.bind(("127.0.0.1", 0))
        away = probe.getsockname()[1]
    monkeypatch.setenv("OUTREACH_SMTP_URL", f"smtp://127.0.0.1:{away}")
    row = _bus_session(planned_url)
    client = app.test_client()
    path = f"/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/bus-prevention"
    _page, slots = _form(client, path)
    booked = client.post(path, data={
        "csrf_token": csrf(client), "slot": slots[0], "first_name": "Noé",
        "contact": "noe.famille@example.org", "age_band": "1-3", "consent": "oui"})
    assert booked.status_code == 303
    token = re.search(r"/rendez-vous/suivi/([^/?]+)", booked.headers["Location"]).group(1)
    with Session(db.get_engine(planned_url)) as s:
        assert s.exec(select(Booking)).one().confirmed_at is None  # not handed over
    url, received = smtp_server
    monkeypatch.setenv("OUTREACH_SMTP_URL", url)
    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "https://prevention.example.fr")
    assert send_due(NOW, planned_url)["confirmation"] == 1
    assert len(received) == 1 and received[0][0] == ["noe.famille@example.org"]
    body = email.message_from_string(received[0][1], policy=email.policy.default).get_content()
    assert f"https://prevention.example.fr/rendez-vous/suivi/{token}" in body
    assert send_due(NOW, planned_url)["confirmation"] == 0 and len(received) == 1
    with Session(db.get_engine(planned_url)) as s:
        assert s.exec(select(Booking)).one().confirmed_at is not None


def test_a_robot_filling_the_hidden_field_books_nothing_and_a_phone_gets_no_log_of_it(
        app, planned_url, caplog):
    caplog.set_level(logging.DEBUG)
    row = _bus_session(planned_url)
    client = app.test_client()
    path = f"/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/bus-prevention"
    _page, slots = _form(client, path)
    form = {"csrf_token": csrf(client), "slot": slots[0], "first_name": "Tom",
            "contact": "06 12 34 56 78", "age_band": "1-3", "consent": "oui"}
    assert client.post(path, data={**form, "site_web": "http://spam.example"}).status_code == 400
    with Session(db.get_engine(planned_url)) as s:
        assert s.exec(select(Booking)).all() == []
    assert client.post(path, data=form).status_code == 303
    # The default text-message provider sends nothing and logs no number nor text.
    assert "SMS non envoyé" in caplog.text
    assert "06 12" not in caplog.text and "0612345678" not in caplog.text and "Tom" not in caplog.text


def test_a_session_without_appointments_has_no_booking_page(app, planned_url):
    with Session(db.get_engine(planned_url)) as s:
        other = s.exec(select(PlanSession).where(PlanSession.service_code != "bus-prevention")).first()
    client = app.test_client()
    path = f"/rendez-vous/indre-et-loire/{other.date.isoformat()}/{other.stop_code}/{other.service_code}"
    assert client.get(path).status_code == 404
    assert client.get("/rendez-vous/indre-et-loire/pas-une-date/x/y").status_code == 404


def test_a_full_offer_takes_a_waiting_list_and_the_first_in_line_takes_a_freed_seat(
        app, planned_url, smtp_server, monkeypatch):
    from outreach.appointments import SessionRef
    from outreach.appointments import booking as bookings
    from outreach.appointments.booking import Request

    url, received = smtp_server
    monkeypatch.setenv("OUTREACH_SMTP_URL", url)
    row = _bus_session(planned_url)
    ref = SessionRef("indre-et-loire", row.date, row.stop_code, "bus-prevention")
    client = app.test_client()
    path = f"/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/bus-prevention"
    _page, slots = _form(client, path)
    held = []
    with db.unit_of_work(planned_url) as s:
        for k, value in enumerate(v for v in slots if v.startswith("entretien@")):
            held.append(bookings.book(s, ref, Request("entretien", int(value.split("@")[1]),
                                                      f"F{k}", f"f{k}@example.org", "0-1", True),
                                      NOW)[1])
    _page, after = _form(client, path)
    assert "entretien@attente" in after and not any(v.startswith("entretien@") and
                                                     v != "entretien@attente" for v in after)
    joined = client.post(path, data={"csrf_token": csrf(client), "slot": "entretien@attente",
                                     "first_name": "Inès", "contact": "ines@example.org",
                                     "age_band": "1-3", "consent": "oui"})
    assert joined.status_code == 303
    token = re.search(r"/rendez-vous/suivi/([^/?]+)", joined.headers["Location"]).group(1)
    text = client.get(f"/rendez-vous/suivi/{token}").get_data(as_text=True)
    assert "n° 1 sur la liste" in text and "Quitter la liste d&#39;attente" in text
    assert received == []  # no confirmation of a place in line
    with db.unit_of_work(planned_url) as s:
        bookings.cancel(s, held[0], NOW)
    text = client.get(f"/rendez-vous/suivi/{token}").get_data(as_text=True)
    assert "Une place s&#39;est libérée pour vous" in text and "réservée jusqu&#39;au" in text
    taken = client.post(f"/rendez-vous/suivi/{token}/accepter", data={"csrf_token": csrf(client)})
    assert taken.status_code == 303
    text = client.get(taken.headers["Location"]).get_data(as_text=True)
    assert "Rendez-vous pris." in text and "Annuler le rendez-vous" in text
    assert len(received) == 1 and received[0][0] == ["ines@example.org"]
    again = client.post(f"/rendez-vous/suivi/{token}/accepter", data={"csrf_token": csrf(client)})
    assert again.status_code == 409


def test_booking_forms_are_limited_per_address_and_the_typed_values_are_kept(planned_url,
                                                                            monkeypatch):
    from outreach.models import FormAttempt

    monkeypatch.setenv("OUTREACH_BOOKING_FORMS_PER_HOUR", "3")
    clock = {"now": NOW}
    app = create_app({"TESTING": True, "DATABASE_URL": planned_url, "CLOCK": lambda: clock["now"]})
    row = _bus_session(planned_url)
    client = app.test_client()
    path = f"/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/bus-prevention"
    _page, slots = _form(client, path)
    form = {"csrf_token": csrf(client), "slot": slots[0], "first_name": "Zoé",
            "contact": "06 12", "age_band": "0-1", "consent": "oui"}
    assert [client.post(path, data=form).status_code for _ in range(3)] == [400] * 3
    limited = client.post(path, data={**form, "contact": "zoe@example.org"})
    text = limited.get_data(as_text=True)
    assert limited.status_code == 429 and "Trop de demandes" in text
    assert 'value="zoe@example.org"' in text and 'value="Zoé"' in text
    with Session(db.get_engine(planned_url)) as s:
        assert s.exec(select(Booking)).all() == []
        hashes = {a.client_hash for a in s.exec(select(FormAttempt))}
    assert len(hashes) == 1 and "127.0.0.1" not in next(iter(hashes))
    clock["now"] = NOW + dt.timedelta(minutes=61)
    assert client.post(path, data={**form, "contact": "zoe@example.org"}).status_code == 303
    # Now and then a form noted sweeps the attempts older than a day away.
    from outreach.appointments import booking as bookings

    monkeypatch.setattr(bookings, "SWEEP_EVERY", 1)
    clock["now"] = NOW + dt.timedelta(days=1, minutes=2)
    client.post(path, data=form)
    with Session(db.get_engine(planned_url)) as s:
        kept = sorted(a.at.replace(tzinfo=None) for a in s.exec(select(FormAttempt)))
    assert kept == [(NOW + dt.timedelta(minutes=61)).replace(tzinfo=None),  # under a day old
                    clock["now"].replace(tzinfo=None)]  # the three of NOW, a day old, gone


def test_a_booking_page_follows_the_plan_published_after_it_was_read(app, planned_url):
    """A web process keeps sessions read from their plan (outreach.appointments.
    PlanSessions): a session the next publication drops is no longer bookable, at once."""
    from outreach import planning
    from outreach.planning import manual

    row = _bus_session(planned_url)
    client = app.test_client()
    path = f"/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/bus-prevention"
    _page, slots = _form(client, path)
    with db.unit_of_work(planned_url) as s:
        edited = manual.save_edit(s, row.plan_id, manual.Edit(
            date=row.date, vehicle=row.vehicle_code, stop=row.stop_code))
        planning.publish_plan(s, edited.id, now=NOW)
    assert client.get(path).status_code == 404
    refused = client.post(path, data={
        "csrf_token": csrf(client), "slot": slots[0], "first_name": "Léa",
        "contact": "lea.famille@example.org", "age_band": "0-1", "consent": "oui"})
    assert refused.status_code == 404
    with Session(db.get_engine(planned_url)) as s:
        assert s.exec(select(Booking)).first() is None


def test_a_refused_post_keeps_what_was_typed_escaped_and_never_shows_it_to_another(app,
                                                                                  planned_url):
    """The page is drawn once and kept with holes (web.holes): each answer fills in its own
    visitor's values, escaped, and the next visitor's page has none of them."""
    row = _bus_session(planned_url)
    path = f"/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/bus-prevention"
    first = app.test_client()
    _, slots = _form(first, path)
    typed = {"csrf_token": csrf(first), "slot": slots[1], "first_name": 'Zoé<b>"&',
             "contact": "zoe@exemple", "age_band": "1-3", "consent": "oui"}
    for _ in range(2):  # drawn, then from the kept copy
        text = first.post(path, data=typed).get_data(as_text=True)
        assert 'value="Zoé&lt;b&gt;&#34;&amp;"' in text and 'Zoé<b>' not in text
        assert 'value="zoe@exemple"' in text and 'aria-describedby="contact-error"' in text
        assert re.search(rf'value="{re.escape(slots[1])}"\s+checked', text)
        assert re.search(r'value="1-3"\s+checked', text) and not re.search(
            r'value="0-1"\s+checked', text)
        assert re.search(r'name="consent" value="oui"\s+checked', text)
        assert f'name="csrf_token" value="{csrf(first)}"' in text
    other = app.test_client()
    page = other.get(path).get_data(as_text=True)
    assert "zoe@exemple" not in page and "Zoé" not in page and " checked" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert token != csrf(first)  # each visitor its own form token
    # A booking made changes what the kept page shows: the slot taken leaves the list.
    booked = other.post(path, data={**typed, "csrf_token": token, "contact": "06 12 34 56 78"})
    assert booked.status_code == 303
    again = other.get(path).get_data(as_text=True)
    assert f'value="{slots[1]}"' not in again and f'value="{slots[0]}"' in again


def test_a_request_opens_a_database_session_only_when_it_uses_one(app, planned_url):
    """``g.db`` is opened on first use and closed at the request's end: the booking page,
    read through the process's reading connection, needs none; a post does."""
    from flask import g

    opened: list[bool] = []

    @app.teardown_request
    def _seen(_error):  # type: ignore[no-untyped-def]  # runs before the app's own teardown
        opened.append("db" in g.__dict__)

    row = _bus_session(planned_url)
    path = f"/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/bus-prevention"
    client = app.test_client()
    _form(client, path)
    _form(client, path)
    assert opened[-1] is False
    token = csrf(client)
    answer = client.post(path, data={"csrf_token": token, "slot": "nope@1", "first_name": "A",
                                     "contact": "a@example.org", "consent": "oui"})
    assert answer.status_code == 400
    assert opened[-1] is True
