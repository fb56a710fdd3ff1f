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
from server.models.insight import RUN_STATUSES, Cluster, ClusterItem, ClusterRun, Supporter
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
from server.models.points import DEFAULT_RULES, ITEMS, PointRule, ShiftCheckIn
from server.models.publication import (
    MODES,
    PUBLICATION_STATUSES,
    SUBJECT_KINDS,
    Publication,
)
from server.models.reception import RECEPTION_STATUSES, Reception, ReceptionSubscription
from server.models.roster import SHIFT_KINDS, DutyShift
from server.models.staff import ROLES, PasswordHistory, StaffUser
from server.models.station import Station, StationMember
from server.models.suggestion import (
    GRADES,
    SCORES,
    SUGGESTION_STATUSES,
    Suggestion,
    SuggestionDeputy,
    SuggestionDocument,
    SuggestionEvaluation,
    SuggestionEvent,
    SuggestionItem,
    SuggestionMeeting,
    SuggestionUnit,
)
from server.models.tally import ChannelCount, DailyCount, DayTotal, MonthCount, StatusCount
from server.models.unit import RESULTS, TRANSFER_STATUSES, Transfer, Unit, UnitKey
from server.models.walkin import WalkIn

tally.watch(Message)

__all__ = [
    "AUDIENCES",
    "AWAITING_DEPUTY",
    "CHANNEL_LABELS",
    "DAY_KINDS",
    "DEFAULT_CATEGORIES",
    "DEFAULT_RULES",
    "ITEMS",
    "DEFAULT_SCOPE",
    "LEVELS",
    "MODES",
    "PUBLICATION_STATUSES",
    "SUBJECT_KINDS",
    "Publication",
    "RATING_LABELS",
    "GRADES",
    "SCORES",
    "SUGGESTION_STATUSES",
    "RECEPTION_STATUSES",
    "RESULTS",
    "RUN_STATUSES",
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
    "ChannelCount",
    "Cluster",
    "ClusterItem",
    "ClusterRun",
    "DailyCount",
    "DayTotal",
    "Citizen",
    "ConsentCredit",
    "Deputy",
    "DeputyInvite",
    "DutyShift",
    "Event",
    "Message",
    "MonthCount",
    "Reception",
    "ReceptionSubscription",
    "Notification",
    "OfficialFollower",
    "Rating",
    "RegisterExport",
    "Reply",
    "PasswordHistory",
    "PointRule",
    "ScopeRule",
    "ShiftCheckIn",
    "StaffUser",
    "StatusCount",
    "Station",
    "Suggestion",
    "SuggestionDeputy",
    "SuggestionDocument",
    "SuggestionEvaluation",
    "SuggestionEvent",
    "SuggestionItem",
    "SuggestionMeeting",
    "SuggestionUnit",
    "StationMember",
    "Supporter",
    "Transfer",
    "Unit",
    "UnitKey",
    "Upload",
    "WalkIn",
]
