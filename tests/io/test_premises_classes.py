"""The one table of premises types: classes, and the public-map allow-list beside them."""

from __future__ import annotations

import pytest

from hotspots.io._premises_classes import (
    PREMISES_TYPE_CLASSES,
    PUBLIC_PREMISES_TYPES,
    classify_premises,
)


def test_a_public_type_is_never_a_home():
    homes = {t.lower() for t, c in PREMISES_TYPE_CLASSES.items() if c == "residential"}
    public = {t.lower() for t in PUBLIC_PREMISES_TYPES}
    assert homes
    assert not homes & public
    assert "caring premises" not in public
    assert "mobile caterer" not in public


@pytest.mark.parametrize(("kind", "name", "cls"), [
    ("Pub/bar/nightclub", "The Crown", "pub/bar/nightclub"),
    ("Other catering premises", "Dabbers Social Bingo", "entertainment"),
    ("Retailers - other", "Hotel Chocolat", "other"),
    ("Private hire operator", "Star Cars", "taxi/private hire"),
    (None, "Good Hotel London", "hotel/guest house"),
])
def test_type_wins_over_name(kind, name, cls):
    assert classify_premises([kind], [name]).tolist() == [cls]
