import math

import numpy as np
import pytest

from hotspots.nice import NICE_STEPS, nice_length


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (33.79399999398272, 30.0),   # the automatic Gi* cell on the City (issue 15)
        (25.0, 25.0),
        (27.4, 25.0),
        (27.6, 30.0),
        (35.0, 30.0),                # tie between 30 and 40: down
        (36.0, 40.0),
        (87.5, 75.0),
        (88.0, 100.0),
        (99.9, 100.0),
        (150.0, 150.0),
        (262.0, 250.0),
        (1234.0, 1000.0),
        (0.23, 0.25),
    ],
)
def test_nice_length(value, expected):
    assert nice_length(value) == expected


def test_nice_length_is_always_a_listed_step_and_close():
    for v in np.geomspace(0.01, 1e6, 997):
        got = nice_length(v)
        mantissa = got / 10.0 ** math.floor(math.log10(got))
        assert any(math.isclose(mantissa, s) for s in NICE_STEPS)
        assert abs(got - v) / v <= 0.25  # never more than a quarter away


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf")])
def test_nice_length_refuses_non_positive(bad):
    with pytest.raises(ValueError, match="positive finite"):
        nice_length(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (47.231, 50.0),   # City 2019 snap-point spacing: the cell must not go below it
        (41.0, 50.0),     # nice_length would give 40, below the floor
        (50.0, 50.0),
        (30.01, 40.0),
        (76.0, 100.0),
        (0.23, 0.25),
    ],
)
def test_nice_length_up_never_goes_below(value, expected):
    from hotspots.nice import nice_length_up

    assert nice_length_up(value) == expected
    assert nice_length_up(value) >= value
