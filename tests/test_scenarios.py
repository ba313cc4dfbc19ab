"""Scenario files: the shipped demos validate; bad files are refused with the field named."""

import tomllib

import pytest

from outreach.data.scenarios import available_scenarios, read_scenario, scenario_dir
from outreach.errors import InvalidInput

GOOD = """
[scenario]
id = "tiny"
name = "Tiny"
departement = "37"

[[services]]
id = "bus"
name = "Bus"
required_roles = [["doctor", "midwife"], ["puericultrice"]]
session_min = 360
setup_min = 30
packup_min = 30
earliest_start = "10:00"
latest_end = "16:00"

[[vehicles]]
id = "v"
name = "Bus"
base_insee = "37261"
services = ["bus"]

[[staff]]
id = "a"
name = "A"
roles = ["doctor"]
weekdays = [1, 2]
absences = [{ from = "2027-01-04", to = "2027-01-08" }]

[[stops]]
id = "s"
commune_insee = "37091"
venue = "Salle des fêtes"
services = ["bus"]
windows = [{ weekday = 2, from = "08:30", to = "17:30" }]
"""


def _write(tmp_path, text):
    path = tmp_path / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_scenarios_ship_and_validate():
    assert {"indre-et-loire", "loire"} <= set(available_scenarios())
    for name in available_scenarios():
        spec = read_scenario(scenario_dir() / f"{name}.toml")
        assert spec.stops and spec.staff and spec.vehicles


def test_indre_et_loire_demo_looks_like_the_real_services():
    spec = read_scenario(scenario_dir() / "indre-et-loire.toml")
    bus = next(s for s in spec.services if s.id == "bus-prevention")
    assert bus.session_min == 360 and 20 <= bus.setup_min <= 30
    assert 15 <= sum("bus-prevention" in s.services for s in spec.stops) <= 20
    assert 10 <= sum("sajjeep" in s.services for s in spec.stops) <= 15
    assert any(len(p.roles) > 1 for p in spec.staff), "someone holds two roles"
    assert any(p.absences for p in spec.staff), "someone is on leave"


def test_good_minimal_scenario_parses(tmp_path):
    spec = read_scenario(_write(tmp_path, GOOD))
    assert spec.services[0].earliest_start == 600
    assert spec.staff[0].absences[0].start.isoformat() == "2027-01-04"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('earliest_start = "10:00"', 'earliest_start = "10h"', "services.0.earliest_start"),
        ('session_min = 360', 'session_min = -5', "services.0.session_min"),
        ('latest_end = "16:00"', 'latest_end = "11:00"', "services.0"),
        ('weekdays = [1, 2]', 'weekdays = [1, 9]', "staff.0.weekdays.1"),
        ('commune_insee = "37091"', 'commune_insee = "3709"', "stops.0.commune_insee"),
        ('services = ["bus"]\nwindows', 'services = ["boat"]\nwindows', "stops.s.services"),
        ('to = "17:30"', 'to = "07:30"', "stops.0.windows.0"),
        ('to = "2027-01-08"', 'to = "2027-01-01"', "staff.0.absences.0"),
        ('venue = "Salle des fêtes"', 'venue = "Salle"\ncolour = "red"', "stops.0.colour"),
    ],
)
def test_bad_scenarios_name_the_field(tmp_path, old, new, field):
    assert old in GOOD
    with pytest.raises(InvalidInput) as caught:
        read_scenario(_write(tmp_path, GOOD.replace(old, new, 1)))
    assert field in str(caught.value)
    assert "tiny.toml" in str(caught.value)


def test_broken_toml_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="TOML invalide"):
        read_scenario(_write(tmp_path, GOOD + "\n[[stops]\n"))
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads("[[stops]\n")
