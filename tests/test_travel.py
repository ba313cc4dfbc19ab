import pytest

from outreach.access.travel import GeodesicTravelModel
from outreach.timefmt import format_duration_fr, format_hhmm, parse_hhmm

TOURS = (47.3941, 0.6848)
LOCHES = (47.1286, 0.9950)


def test_geodesic_distance_applies_circuity():
    model = GeodesicTravelModel(circuity=1.3)
    straight = GeodesicTravelModel(circuity=1.0)
    assert straight.road_m(TOURS, LOCHES) == pytest.approx(37_400, rel=0.02)
    assert model.road_m(TOURS, LOCHES) == pytest.approx(1.3 * straight.road_m(TOURS, LOCHES), abs=2)


def test_minutes_round_up_and_add_overhead():
    model = GeodesicTravelModel(speed_kmh=60, overhead_min=5)
    assert model.minutes_for(0) == 0
    assert model.minutes_for(1000) == 1 + 5
    assert model.minutes_for(1001) == 2 + 5
    assert model.minutes_for(60_000) == 60 + 5


def test_matrix_is_square_symmetric_with_zero_diagonal():
    matrix = GeodesicTravelModel().matrix([TOURS, LOCHES, (47.0, 0.5)])
    assert len(matrix.travel_min) == 3 and all(len(row) == 3 for row in matrix.travel_min)
    for i in range(3):
        assert matrix.travel_min[i][i] == 0 and matrix.distance_m[i][i] == 0
        for j in range(3):
            assert matrix.travel_min[i][j] == matrix.travel_min[j][i]


def test_describe_echoes_parameters():
    assert GeodesicTravelModel(1.25, 50, 3).describe() == {
        "kind": "geodesic", "circuity": 1.25, "speed_kmh": 50, "overhead_min": 3,
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"circuity": 0.5}, "circuity"), ({"speed_kmh": 0}, "speed_kmh"), ({"overhead_min": -1}, "overhead_min")],
)
def test_bad_travel_parameters_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        GeodesicTravelModel(**kwargs)


def test_hhmm_round_trip():
    assert parse_hhmm("09:30") == 570
    assert format_hhmm(570) == "09:30"
    assert format_duration_fr(45) == "45 min"
    assert format_duration_fr(125) == "2 h 05"


@pytest.mark.parametrize("text", ["9h30", "25:00", "12:60", "", "ab:cd"])
def test_bad_times_are_refused_with_the_field_name(text):
    with pytest.raises(ValueError, match="windows.from"):
        parse_hhmm(text, "windows.from")
