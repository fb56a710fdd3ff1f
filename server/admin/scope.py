"""What the signed-in account may do and see.

Which pages a role may open is one table, `ROLE_PERMISSIONS`: every dashboard view needs one
permission (`server/admin/auth.py: requires`; a view that names none needs `dashboard`), and a
role has the permissions of its row. 等保 2.0 separates three administrators, none of whom can
do another's job: 系统管理员 `admin` (accounts, stations, deputies, settings), 安全管理员
`security_admin` (password policy, second factors, unlocks, keys) and 审计管理员 `audit_admin`
(reads, searches and exports the audit log). The 代表工委 `committee` reads every station's
pages and may 督办 (`supervise`), nothing else: the dashboard's writes need `act` besides
`dashboard` (`needed`). A new role is a row here (and in ROLES).

Within the items: administrators and the 代表工委 see everything, station staff their stations.
Anything outside an account's stations answers 404, as if it did not exist: ids reveal nothing.
"""

from __future__ import annotations

from flask import abort, g, url_for

from server.models import Deputy, Message, Station, StationMember
from server.platform.db import db

# `self`: one's own account (password, second factor) — every role.
# `dashboard`: read the item pages; `act`: change them (POST to a view that names no permission
# of its own); `supervise`: 督办; `publish`: 双公开 (propose, approve, withdraw publications);
# `suggest`: read 代表建议; `suggest_manage`: review, number and hand them on
# (server/admin/suggestions.py).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {"self", "dashboard", "act", "supervise", "manage", "publish", "suggest", "suggest_manage"}
    ),
    "station_staff": frozenset({"self", "dashboard", "act", "supervise", "publish", "suggest"}),
    # 代表工委: above the stations; reads all of them and presses whoever holds an item; reviews,
    # numbers and hands on 代表建议 (`suggest_manage`).
    "committee": frozenset({"self", "dashboard", "supervise", "suggest", "suggest_manage"}),
    "security_admin": frozenset({"self", "security"}),
    "audit_admin": frozenset({"self", "audit"}),
    # A handling unit's account: its own unit's inbox (server/admin/units.py), nothing else.
    "unit_staff": frozenset({"self", "unit"}),
}
# Where a role lands after signing in (and when it opens /admin/).
HOME = {
    "security_admin": "admin.security",
    "audit_admin": "admin.audit_log",
    "unit_staff": "admin.unit_inbox",
}


def needed(permission: str, method: str) -> str:
    """The permission a request needs: a view's own, or for the dashboard's default, `act` when
    it writes (so a read-only role reads every page and changes none)."""
    if permission == "dashboard" and method not in ("GET", "HEAD", "OPTIONS"):
        return "act"
    return permission


def may(permission: str, staff=None) -> bool:
    staff = staff if staff is not None else g.staff
    return staff is not None and permission in ROLE_PERMISSIONS.get(staff.role, frozenset())


def home_url(staff=None) -> str:
    staff = staff if staff is not None else g.staff
    return url_for(HOME.get(staff.role, "admin.overview") if staff else "admin.login")


def is_admin() -> bool:
    return g.staff is not None and g.staff.role == "admin"


def is_committee() -> bool:
    return g.staff is not None and g.staff.role == "committee"


def station_ids() -> list[int] | None:
    """The stations this account works for; None means all of them (administrators and the
    代表工委)."""
    if is_admin() or is_committee():
        return None
    return sorted(s.id for s in g.staff.stations)


def station_query():
    query = db.select(Station).order_by(Station.active.desc(), Station.id)
    ids = station_ids()
    return query if ids is None else query.where(Station.id.in_(ids))


def visible_stations(active_only: bool = False) -> list[Station]:
    query = station_query()
    if active_only:
        query = query.where(Station.active.is_(True))
    return list(db.session.scalars(query))


def scope_messages(query):
    ids = station_ids()
    return query if ids is None else query.where(Message.station_id.in_(ids))


def deputy_query():
    query = db.select(Deputy)
    ids = station_ids()
    if ids is not None:
        members = db.select(StationMember.deputy_id).where(StationMember.station_id.in_(ids))
        query = query.where(Deputy.id.in_(members))
    return query


def visible_deputies(active_only: bool = False) -> list[Deputy]:
    query = deputy_query().order_by(Deputy.active.desc(), Deputy.name, Deputy.id)
    if active_only:
        query = query.where(Deputy.active.is_(True))
    return list(db.session.scalars(query))


def station_or_404(station_id: int) -> Station:
    ids = station_ids()
    station = db.session.get(Station, station_id)
    if station is None or (ids is not None and station.id not in ids):
        abort(404)
    return station


def deputy_or_404(deputy_id: int) -> Deputy:
    deputy = db.session.scalar(deputy_query().where(Deputy.id == deputy_id))
    if deputy is None:
        abort(404)
    return deputy


def message_or_404(message_id: int) -> Message:
    message = db.session.scalar(scope_messages(db.select(Message).where(Message.id == message_id)))
    if message is None:
        abort(404)
    return message
