"""The domain model; importing this package registers every table."""

from server.models import tally
from server.models.audit import AuditChain, AuditLog
from server.models.board import AUDIENCES, BoardNotice
from server.models.calendar import DAY_KINDS, CalendarDay
from server.models.category import DEFAULT_CATEGORIES, DEFAULT_SCOPE, Category, ScopeRule
from server.models.citizen import Citizen, ConsentCredit, OfficialFollower
from server.models.deputy import LEVELS, Deputy, DeputyInvite
from server.models.event import Event
from server.models.export import RegisterExport
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
from server.models.reception import RECEPTION_STATUSES, Reception, ReceptionSubscription
from server.models.roster import SHIFT_KINDS, DutyShift
from server.models.staff import ROLES, PasswordHistory, StaffUser
from server.models.station import Station, StationMember
from server.models.tally import DailyCount, StatusCount
from server.models.unit import RESULTS, TRANSFER_STATUSES, Transfer, Unit, UnitKey
from server.models.walkin import WalkIn

tally.watch(Message)

__all__ = [
    "AUDIENCES",
    "AWAITING_DEPUTY",
    "CHANNEL_LABELS",
    "DAY_KINDS",
    "DEFAULT_CATEGORIES",
    "DEFAULT_SCOPE",
    "LEVELS",
    "RATING_LABELS",
    "RECEPTION_STATUSES",
    "RESULTS",
    "ROLES",
    "SHIFT_KINDS",
    "STATUS_LABELS",
    "TRANSFER_STATUSES",
    "Assignment",
    "AuditChain",
    "AuditLog",
    "BoardNotice",
    "CalendarDay",
    "Category",
    "DailyCount",
    "Citizen",
    "ConsentCredit",
    "Deputy",
    "DeputyInvite",
    "DutyShift",
    "Event",
    "Message",
    "Reception",
    "ReceptionSubscription",
    "Notification",
    "OfficialFollower",
    "Rating",
    "RegisterExport",
    "Reply",
    "PasswordHistory",
    "ScopeRule",
    "StaffUser",
    "StatusCount",
    "Station",
    "StationMember",
    "Transfer",
    "Unit",
    "UnitKey",
    "Upload",
    "WalkIn",
]
