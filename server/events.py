"""Recording state changes: one Event row each, in the caller's transaction."""

from server.models.event import record

__all__ = ["record"]
