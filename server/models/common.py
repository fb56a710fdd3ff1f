"""Helpers the models share."""

from __future__ import annotations

import secrets

# Lower-case letters and digits without look-alikes (0/o, 1/l/i): codes end up on posters and
# are sometimes typed by hand.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def random_code(length: int = 8, alphabet: str = CODE_ALPHABET) -> str:
    """A random public code; never a sequential id."""
    return "".join(secrets.choice(alphabet) for _ in range(length))
