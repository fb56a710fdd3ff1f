"""The 履职 tests play in the two-station world (tests/support/worlds.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def world(stations):
    return stations
