"""The domain model; importing this package registers every table."""

from server.models.audit import AuditLog
from server.models.board import AUDIENCES, BoardNotice
from server.models.calendar import DAY_KINDS, CalendarDay
from server.models.category import DEFAULT_CATEGORIES, DEFAULT_SCOPE, Category, ScopeRule
from server.models.citizen import Citizen, ConsentCredit
from server.models.deputy import LEVELS, Deputy, DeputyInvite
from server.models.event import Event
from server.models.message import (
    AWAITING_DEPUTY,
    CHANNEL_LABELS,
    RATING_LABELS,
    STATUS_LABELS,
    Assignment,
    Message,
    Rating,
    Reply,
    Upload,
)
from server.models.notification import Notification
from server.models.roster import SHIFT_KINDS, DutyShift
from server.models.staff import ROLES, StaffUser
from server.models.station import Station, StationMember
from server.models.walkin import WalkIn

__all__ = [
    "AUDIENCES",
    "AWAITING_DEPUTY",
    "CHANNEL_LABELS",
    "DAY_KINDS",
    "DEFAULT_CATEGORIES",
    "DEFAULT_SCOPE",
    "LEVELS",
    "RATING_LABELS",
    "ROLES",
    "SHIFT_KINDS",
    "STATUS_LABELS",
    "Assignment",
    "AuditLog",
    "BoardNotice",
    "CalendarDay",
    "Category",
    "Citizen",
    "ConsentCredit",
    "Deputy",
    "DeputyInvite",
    "DutyShift",
    "Event",
    "Message",
    "Notification",
    "Rating",
    "Reply",
    "ScopeRule",
    "StaffUser",
    "Station",
    "StationMember",
    "Upload",
    "WalkIn",
]
