"""What the tests share: helpers that play a phone or a clerk (helpers.py) and the worlds they
play in (worlds.py, registered as fixtures by tests/conftest.py). Test modules import from here,
never from one another."""
